"""The one FilterSet of the deal list: the deals API (list and export), and the deal list,
board and export pages (its `form`) read `q, owner, team, stage, open, stale` through it."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Team, User
from accounts.selectors import team_and_descendant_ids
from deals import access
from deals.models import Customer, Deal, Stage
from salesmgmt.filters import (
    IdChoiceFilter,
    KeyChoiceFilter,
    PersonFilter,
    YesNoFilter,
    YesNoSelect,
    search,
)

SEARCH_MAX = 100
CUSTOMER_SEARCH_MAX = 200


class DealFilter(django_filters.FilterSet):
    """Deal list filters. The queryset must carry `is_stale` (`selectors.with_staleness`).

    The API accepts any member and team of the organisation (another organisation's ids
    answer 400); the pages (`for_page=True`) offer only the people and teams the actor
    manages, and no person or team filter to members; the board (`board=True`) filters by
    search, team and owner only.
    """

    q = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX,
        label=_("Search"),
        help_text=_("Part of the deal's title or of its customer's name."),
    )
    owner = PersonFilter(
        queryset=User.objects.none(),
        label=_("Owner"),
        empty_label=_("Everyone"),
        help_text=_("Only this member's deals (user id)."),
    )
    team = IdChoiceFilter(
        queryset=Team.objects.none(),
        method="filter_team",
        label=_("Team"),
        empty_label=_("All teams"),
        help_text=_("Only deals of this team and its sub-teams."),
    )
    stage = KeyChoiceFilter(
        queryset=Stage.objects.none(),
        label=_("Stage"),
        empty_label=_("Any stage"),
        help_text=_("Stage key."),
        error_messages={"invalid_choice": _("Unknown stage “%(value)s”.")},
    )
    open = YesNoFilter(
        method="filter_open",
        label=_("Status"),
        widget=YesNoSelect(_("Open and closed"), _("Open"), _("Closed")),
        help_text=_("true: open deals; false: closed."),
    )
    stale = YesNoFilter(
        field_name="is_stale",
        label=_("Staleness"),
        widget=YesNoSelect(_("Any"), _("Stale only"), _("Not stale")),
        help_text=_("true: stale open deals only."),
    )

    class Meta:
        model = Deal
        fields: list[str] = []

    def __init__(
        self,
        data: Any = None,
        *args: Any,
        actor: Membership,
        for_page: bool = False,
        board: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, *args, **kwargs)
        self.actor = actor
        org_id = actor.organization_id
        self.filters["stage"].queryset = Stage.objects.for_org(org_id)
        if not for_page:
            self.filters["owner"].queryset = User.objects.filter(
                memberships__organization_id=org_id
            ).order_by("name", "username")
            self.filters["team"].queryset = Team.objects.for_org(org_id).order_by("name")
        elif access.can_filter_deals_by_people(actor):
            self.filters["owner"].queryset = access.deal_owners_assignable_by(actor)
            self.filters["team"].queryset = access.deal_teams_filterable_by(actor)
        else:
            del self.filters["owner"], self.filters["team"]
        if board:
            for name in ("stage", "open", "stale"):
                del self.filters[name]

    def filter_search(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        return search(queryset, value, ("title", "customer__name"))

    def filter_team(
        self, queryset: QuerySet[Deal], name: str, value: Team | None
    ) -> QuerySet[Deal]:
        if value is None:
            return queryset
        return queryset.filter(team_id__in=team_and_descendant_ids(self.actor.organization, value))

    def filter_open(
        self, queryset: QuerySet[Deal], name: str, value: bool | None
    ) -> QuerySet[Deal]:
        if value is None:
            return queryset
        is_open = Q(stage__outcome=Stage.Outcome.OPEN)
        return queryset.filter(is_open) if value else queryset.exclude(is_open)


class CustomerFilter(django_filters.FilterSet):
    """The customer list's search: part of the name or of the industry."""

    q = django_filters.CharFilter(
        method="filter_search",
        max_length=CUSTOMER_SEARCH_MAX,
        label=_("Search"),
        help_text=_("Part of the customer's name or industry."),
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_search(
        self, queryset: QuerySet[Customer], name: str, value: str
    ) -> QuerySet[Customer]:
        return search(queryset, value, ("name", "industry"))
