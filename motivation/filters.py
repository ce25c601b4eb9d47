"""The FilterSets of motivation's lists, used by the API (DjangoFilterBackend) and by the pages'
filter forms alike. Parameter names follow shared/API.md."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Team, User
from accounts.rules import descendants
from motivation.models import CheckIn, Kudos, OneOnOne


def _org_people(org_id: int) -> QuerySet[User]:
    return User.objects.filter(memberships__organization_id=org_id).order_by("name", "username")


class _OrgFilterSet(django_filters.FilterSet):
    """A FilterSet whose people and team choices are the actor's organisation's."""

    people_filters: tuple[str, ...] = ()

    def __init__(self, data: Any = None, *args: Any, actor: Membership, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.actor = actor
        for name in self.people_filters:
            self.filters[name].queryset = _org_people(actor.organization_id)
        if "team" in self.filters:
            self.filters["team"].queryset = Team.objects.for_org(actor.organization_id).order_by(
                "name"
            )


def _team_people(actor: Membership, team: Team) -> QuerySet[Any]:
    """User ids of the people of `team` and of its sub-teams."""
    parent_of = dict(Team.objects.for_org(actor.organization_id).values_list("id", "parent_id"))
    return (
        Membership.objects.for_org(actor.organization_id)
        .filter(team_id__in=descendants([team.pk], parent_of))
        .values("user_id")
    )


class CheckInFilter(_OrgFilterSet):
    """Check-ins by person, by team (with its sub-teams) and by date range."""

    people_filters = ("user",)
    user = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), label=_("Person"), help_text=_("User id.")
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.none(),
        method="filter_team",
        label=_("Team"),
        help_text=_("People of this team or one of its sub-teams."),
    )

    class Meta:
        model = CheckIn
        fields: list[str] = []

    def filter_team(self, queryset: QuerySet[Any], name: str, value: Team) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(user_id__in=_team_people(self.actor, value))


# "from" and "to" are Python keywords: declared after the class, as API.md names them.
CheckInFilter.base_filters["from"] = django_filters.DateFilter(
    field_name="date", lookup_expr="gte", label=_("From")
)
CheckInFilter.base_filters["to"] = django_filters.DateFilter(
    field_name="date", lookup_expr="lte", label=_("To")
)


class OneOnOneFilter(_OrgFilterSet):
    """1:1s by member and by manager."""

    people_filters = ("member", "manager")
    member = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), label=_("Member"), help_text=_("User id.")
    )
    manager = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), label=_("Manager"), help_text=_("User id.")
    )

    class Meta:
        model = OneOnOne
        fields: list[str] = []


class KudosFilter(_OrgFilterSet):
    """Kudos by who received them and who gave them."""

    people_filters = ("to_user", "from_user")
    to_user = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), label=_("To"), help_text=_("User id.")
    )
    from_user = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), label=_("From"), help_text=_("User id.")
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.none(),
        method="filter_team",
        label=_("Team"),
        help_text=_("Kudos received by the people of this team or one of its sub-teams."),
    )

    class Meta:
        model = Kudos
        fields: list[str] = []

    def filter_team(self, queryset: QuerySet[Any], name: str, value: Team) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(to_user_id__in=_team_people(self.actor, value))
