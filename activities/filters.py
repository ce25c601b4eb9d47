"""The one FilterSet of the activity log: the list and export API, the activity statistics
and the activity list page (its `form`) all read `user, team, type, from, to` through it."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Team, User
from accounts.selectors import team_and_descendant_ids
from activities import access
from activities.models import Activity, ActivityType
from salesmgmt.filters import (
    DateRangeForm,
    IdChoiceFilter,
    KeyChoiceFilter,
    PersonFilter,
    SupportedDateFilter,
)


class ActivityFilter(django_filters.FilterSet):
    """Activity log filters: a person, a team (with its sub-teams), a type, local dates.

    The API accepts any member and team of the organisation (another organisation's ids
    answer 400); the page (`for_page=True`) offers only the people and teams the actor
    manages, and no person or team filter to members, who see their own log.
    """

    user = PersonFilter(
        queryset=User.objects.none(),
        label=_("Person"),
        empty_label=_("Everyone"),
        help_text=_("Only this member's activities (user id)."),
    )
    team = IdChoiceFilter(
        queryset=Team.objects.none(),
        method="filter_team",
        label=_("Team"),
        empty_label=_("All teams"),
        help_text=_("Only activities of this team and its sub-teams."),
    )
    type = KeyChoiceFilter(
        queryset=ActivityType.objects.none(),
        label=_("Type"),
        empty_label=_("All types"),
        help_text=_("Activity type key."),
        error_messages={"invalid_choice": _("Unknown activity type.")},
    )

    class Meta:
        model = Activity
        fields: list[str] = []
        form = DateRangeForm

    def __init__(
        self, data: Any = None, *args: Any, actor: Membership, for_page: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(data, *args, **kwargs)
        self.actor = actor
        org_id = actor.organization_id
        self.filters["type"].queryset = ActivityType.objects.for_org(org_id)
        if not for_page:
            self.filters["user"].queryset = User.objects.filter(
                memberships__organization_id=org_id
            ).order_by("name", "username")
            self.filters["team"].queryset = Team.objects.for_org(org_id).order_by("name")
        elif access.can_filter_activities_by_people(actor):
            self.filters["user"].queryset = access.activity_filter_people(actor)
            self.filters["team"].queryset = access.activity_filter_teams(actor)
        else:
            del self.filters["user"], self.filters["team"]

    def require_range(self) -> ActivityFilter:
        """Make `from` and `to` required (statistics are always over a range)."""
        for name in ("from", "to"):
            self.form.fields[name].required = True
        return self

    def filter_team(
        self, queryset: QuerySet[Activity], name: str, value: Team | None
    ) -> QuerySet[Activity]:
        if value is None:
            return queryset
        return queryset.filter(team_id__in=team_and_descendant_ids(self.actor.organization, value))


# `from` is a Python keyword: the date filters are added by name (API.md: `from`, `to`).
ActivityFilter.base_filters["from"] = SupportedDateFilter(
    field_name="local_date",
    lookup_expr="gte",
    label=_("From"),
    help_text=_("First local date, inclusive."),
)
ActivityFilter.base_filters["to"] = SupportedDateFilter(
    field_name="local_date",
    lookup_expr="lte",
    label=_("To"),
    help_text=_("Last local date, inclusive."),
)
