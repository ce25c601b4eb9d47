"""The one FilterSet of the member directory, used by the members API and the members page."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts import rules
from accounts.models import Membership, Team

STATUS_CHOICES = [
    ("active", _("Active")),
    ("invited", _("Invited")),
    ("inactive", _("Deactivated")),
]


class MemberFilter(django_filters.FilterSet):
    """Name/e-mail search, team, role and status over `accounts.selectors.members_of`.

    The API names the search `search`; the page keeps its `q` (`search_param="q"`).
    """

    search = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        label=_("Search"),
        help_text=_("Part of the name, username or e-mail."),
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.none(),
        label=_("Team"),
        empty_label=_("All teams"),
        help_text=_("Members of this team (not sub-teams)."),
    )
    role = django_filters.ChoiceFilter(
        choices=Membership.Role.choices, label=_("Role"), empty_label=_("All roles")
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        label=_("Status"),
        empty_label=_("Any status"),
    )

    class Meta:
        model = Membership
        fields: list[str] = []

    def __init__(
        self,
        data: Any = None,
        *args: Any,
        actor: Membership,
        search_param: str = "search",
        **kwargs: Any,
    ) -> None:
        super().__init__(data, *args, **kwargs)
        self.filters["team"].queryset = rules.teams_visible_to(actor).order_by("name")
        if search_param != "search":  # renamed in place, in the same order
            renamed = {(search_param if n == "search" else n): f for n, f in self.filters.items()}
            self.filters.clear()
            self.filters.update(renamed)

    def filter_search(
        self, queryset: QuerySet[Membership], name: str, value: str
    ) -> QuerySet[Membership]:
        """Someone invited but not joined yet is found by the name this organisation typed in
        its invitation, never by the name their account may carry elsewhere."""
        if not value:
            return queryset
        joined = Q(pending_invitation_name__isnull=True)
        return queryset.filter(
            (joined & (Q(user__name__icontains=value) | Q(user__username__icontains=value)))
            | Q(pending_invitation_name__icontains=value)
            | Q(user__email__icontains=value)
        )

    def filter_status(
        self, queryset: QuerySet[Membership], name: str, value: str
    ) -> QuerySet[Membership]:
        if value == "active":
            return queryset.filter(active=True)
        if value == "invited":
            return queryset.filter(active=False, invited=True)  # type: ignore[misc]
        if value == "inactive":
            return queryset.filter(active=False, invited=False)  # type: ignore[misc]
        return queryset
