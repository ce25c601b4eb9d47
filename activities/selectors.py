"""Reads of the activities app shared by pages, the API and dashboards.

Numbers come from the daily rollup (`DailyActivityCount`), never from scanning the raw
log; each answer carries `as_of`, the time of the newest change the rollup reflects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts import rules
from accounts.models import Membership, Organization, Team, User
from accounts.selectors import team_and_descendant_ids
from activities import access
from activities.filters import ActivityFilter
from activities.funnel import StageCount, bottleneck, team_medians
from activities.models import (
    Activity,
    ActivityType,
    DailyActivityCount,
    DirtyBucket,
    OrgDailyActivityCount,
    RollupState,
)
from salesmgmt import periods


def activity_types(org: Organization, *, active_only: bool = False) -> QuerySet[ActivityType]:
    qs = ActivityType.objects.for_org(org)
    return qs.filter(active=True) if active_only else qs


def funnel_types(org: Organization) -> list[ActivityType]:
    """The funnel stages in order (types with a funnel position)."""
    return list(
        ActivityType.objects.for_org(org).exclude(funnel_order=None).order_by("funnel_order")
    )


@dataclass(frozen=True)
class Freshness:
    as_of: datetime | None
    pending: int


def freshness(org: Organization) -> Freshness:
    """When the newest change reflected in the rollups was made, and what still waits."""
    state = RollupState.objects.filter(organization=org).first()
    pending = DirtyBucket.objects.filter(organization=org).count()
    return Freshness(as_of=state.applied_through if state else None, pending=pending)


# --- the activity log ---------------------------------------------------------------------


def filter_activities(
    actor: Membership,
    data: Mapping[str, Any] | None,
    *,
    queryset: QuerySet[Activity] | None = None,
    for_page: bool = False,
) -> ActivityFilter:
    """The actor's visible activities narrowed by `data` (user, team, type, from, to)."""
    visible = access.activities_visible_to(actor) if queryset is None else queryset
    return ActivityFilter(data, queryset=visible, actor=actor, for_page=for_page)


def matching_activities(filters: ActivityFilter) -> QuerySet[Activity]:
    """The filtered activities, newest first; invalid filters (a page shows their errors)
    narrow nothing."""
    rows = filters.qs if filters.is_valid() else filters.queryset
    return rows.order_by("-occurred_at", "-id")


# --- stats/activity -----------------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    period_start: date
    type: str
    count: int


def activity_counts(
    org: Organization,
    *,
    start: date,
    end: date,
    grain: str = "day",
    user_id: int | None = None,
    team_ids: frozenset[int] | None = None,
    type_key: str | None = None,
) -> list[CountRow]:
    """Counts per period and type over local dates [start, end], from the daily rollup.

    The whole organisation (no person, no teams) reads the coarse rollup instead, one row per
    type and day, which holds the same sums: a year is a few thousand rows, not millions.
    """
    qs: QuerySet[DailyActivityCount] | QuerySet[OrgDailyActivityCount]
    if user_id is None and team_ids is None:
        qs = OrgDailyActivityCount.objects.for_org(org).filter(date__gte=start, date__lte=end)
    else:
        qs = DailyActivityCount.objects.for_org(org).filter(date__gte=start, date__lte=end)
        if user_id is not None:
            qs = qs.filter(user_id=user_id)
        if team_ids is not None:
            qs = qs.filter(team_id__in=team_ids)
    if type_key:
        qs = qs.filter(type__key=type_key)
    totals: dict[tuple[date, str], int] = defaultdict(int)
    starts: dict[date, date] = {}  # each day's period, worked out once per day not per row
    rows = qs.values("date", "type__key").annotate(total=Sum("count")).order_by()
    for day, type_key, total in rows.values_list("date", "type__key", "total"):
        start_of = starts.get(day)
        if start_of is None:
            start_of = starts[day] = periods.period_start(org, day, grain)
        totals[(start_of, type_key)] += total
    return [CountRow(p, t, c) for (p, t), c in sorted(totals.items())]


def team_scope(org: Organization, team: Team | int) -> frozenset[int]:
    """A team and its sub-teams: the teams whose activities count for it."""
    return team_and_descendant_ids(org, team)


# --- stats/funnel -------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberFunnel:
    user: User
    stages: list[StageCount]
    bottleneck: str | None
    bottleneck_text: str | None


@dataclass(frozen=True)
class FunnelReport:
    stages: list[StageCount]
    members: list[MemberFunnel]
    freshness: Freshness


def stages_of(types: list[ActivityType], counts: dict[str, int]) -> list[StageCount]:
    """Funnel stages with counts and conversion from the stage before."""
    stages: list[StageCount] = []
    previous: int | None = None
    for activity_type in types:
        count = counts.get(activity_type.key, 0)
        conversion = None if previous is None else (count / previous if previous else None)
        stages.append(StageCount(activity_type.key, activity_type.name, count, conversion))
        previous = count
    return stages


def bottleneck_in_words(types: list[ActivityType], index: int) -> str:
    if index == 0:
        return _("few %(stage)s") % {"stage": types[0].name.lower() + "s"}
    return _("few %(stage)s per %(previous)s") % {
        "stage": types[index].name.lower() + "s",
        "previous": types[index - 1].name.lower(),
    }


def funnel_for_team(org: Organization, team: Team, *, start: date, end: date) -> FunnelReport:
    """The team's funnel over [start, end], with each member's stages and bottleneck."""
    types = funnel_types(org)
    scope = team_scope(org, team)
    rows = (
        DailyActivityCount.objects.for_org(org)
        .filter(date__gte=start, date__lte=end, team_id__in=scope, type__in=types)
        .values("user_id", "type__key")
        .annotate(total=Sum("count"))
        .order_by()
    )
    per_user: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        per_user[row["user_id"]][row["type__key"]] = row["total"]
    current = (
        Membership.objects.for_org(org)
        .filter(team_id__in=scope, active=True)
        .filter(rules.SELLER_MEMBERSHIPS)
    )
    user_ids = set(per_user) | set(current.values_list("user_id", flat=True))
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    member_stages = {uid: stages_of(types, per_user.get(uid, {})) for uid in user_ids}
    medians = team_medians(member_stages.values(), len(types))
    members: list[MemberFunnel] = []
    for uid in sorted(user_ids, key=lambda i: (users[i].display_name.lower(), i)):
        found = bottleneck(member_stages[uid], medians)
        members.append(
            MemberFunnel(
                user=users[uid],
                stages=member_stages[uid],
                bottleneck=types[found[0]].key if found else None,
                bottleneck_text=bottleneck_in_words(types, found[0]) if found else None,
            )
        )
    team_totals: dict[str, int] = defaultdict(int)
    for counts in per_user.values():
        for key, value in counts.items():
            team_totals[key] += value
    return FunnelReport(
        stages=stages_of(types, team_totals), members=members, freshness=freshness(org)
    )


# --- accompanied visits -------------------------------------------------------------------


@dataclass(frozen=True)
class AccompanimentRow:
    member: User
    visits: int
    last_date: date | None


def accompaniments_by(
    org: Organization, manager: User, *, start: date, end: date
) -> list[AccompanimentRow]:
    """How often `manager` went along with each member over [start, end]."""
    rows = (
        Activity.objects.for_org(org)
        .filter(accompanied_by=manager, local_date__gte=start, local_date__lte=end)
        .values("user_id")
        .annotate(visits=Count("id"), last=Max("local_date"))
        .order_by("-visits")
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=[r["user_id"] for r in rows])}
    return [AccompanimentRow(users[r["user_id"]], r["visits"], r["last"]) for r in rows]


def last_activity_dates(org: Organization, user_ids: list[int], *, today: date) -> dict[int, date]:
    """Each person's latest (org-local) day with an activity logged, up to `today`; one query
    on the (organisation, user, local date) index. The team dashboard's "last activity" and
    the "no activity" alert both read it."""
    return dict(
        Activity.objects.for_org(org)
        .filter(user_id__in=user_ids, local_date__lte=today)
        .values("user_id")
        .annotate(last=Max("local_date"))
        .values_list("user_id", "last")
    )


def accompanied_visits(org: Organization, user_id: int, *, start: date, end: date) -> int:
    """Visits over [start, end] where someone went along with the person, or (a manager)
    where the person went along with someone."""
    return (
        Activity.objects.for_org(org)
        .filter(local_date__gte=start, local_date__lte=end)
        .filter(Q(user_id=user_id, accompanied_by__isnull=False) | Q(accompanied_by_id=user_id))
        .count()
    )
