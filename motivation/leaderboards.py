"""Fair leaderboards: each person against their own goal, never raw counts.

`attainment` is actual ÷ target of each person's goal on a metric for a period; `improvement`
is that attainment minus the previous period's. People without a goal (or, for improvement,
without one in either period) are left out, never ranked last. An organisation may switch
leaderboards off (MotivationSettings.leaderboards_enabled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast

from accounts.models import Membership, Organization, Team, User
from accounts.rules import descendants
from goals.models import Goal, Metric
from salesmgmt import periods

PERIODS = ("week", "month", "quarter")
KINDS = ("attainment", "improvement")


@dataclass(frozen=True)
class Place:
    user: User
    value: float
    rank: int


@dataclass(frozen=True)
class Leaderboard:
    as_of: date
    period: periods.Period
    kind: str
    metric: Metric
    places: list[Place]


def _attainments(
    org: Organization, metric: Metric, period: periods.Period, user_ids: set[int] | None
) -> tuple[dict[int, float], dict[int, User]]:
    """Each person's attainment of their own goal on `metric` overlapping `period` (the goal
    that overlaps it most, when several do). One query."""
    goals = (
        Goal.objects.for_org(org)
        .filter(scope=Goal.Scope.USER, metric=metric, start__lt=period.end, end__gte=period.start)
        .exclude(target__lte=0)
        .select_related("progress_row", "user")
        .order_by("user_id", "id")
    )
    if user_ids is not None:
        goals = goals.filter(user_id__in=user_ids)
    best: dict[int, tuple[int, Goal]] = {}
    for goal in goals:
        if goal.user_id is None:
            continue
        overlap = (min(goal.end, period.last) - max(goal.start, period.start)).days
        if goal.user_id not in best or overlap > best[goal.user_id][0]:
            best[goal.user_id] = (overlap, goal)
    values: dict[int, float] = {}
    people: dict[int, User] = {}
    for user_id, (_overlap, goal) in best.items():
        row = getattr(goal, "progress_row", None)
        actual = goal.final_actual if goal.closed_at else (row.actual if row else Decimal(0))
        values[user_id] = round(float((actual or Decimal(0)) / goal.target), 4)
        people[user_id] = cast(User, goal.user)  # a user goal always has its person
    return values, people


def _ranked(values: dict[int, float], people: dict[int, User]) -> list[Place]:
    ordered = sorted(values.items(), key=lambda kv: (-kv[1], people[kv[0]].display_name))
    places: list[Place] = []
    for index, (user_id, value) in enumerate(ordered):
        tied = places and places[-1].value == value
        rank = places[-1].rank if tied else index + 1
        places.append(Place(people[user_id], value, rank))
    return places


def team_people(org: Organization, team: Team) -> set[int]:
    """The people of a team and of its sub-teams."""
    parent_of = dict(Team.objects.for_org(org).values_list("id", "parent_id"))
    return set(
        Membership.objects.for_org(org)
        .filter(active=True, team_id__in=descendants([team.pk], parent_of))
        .values_list("user_id", flat=True)
    )


def leaderboard(
    org: Organization,
    *,
    metric: Metric,
    period_kind: str,
    kind: str,
    on: date | None = None,
    team: Team | None = None,
) -> Leaderboard:
    """The ranked places of `kind` for the `period_kind` period containing `on` (today)."""
    as_of = on or periods.today(org)
    period = periods.period_of(org, period_kind, as_of)
    user_ids = team_people(org, team) if team is not None else None
    current, people = _attainments(org, metric, period, user_ids)
    if kind == "improvement":
        previous, _people = _attainments(
            org, metric, periods.shift(org, period, period_kind, -1), user_ids
        )
        current = {
            uid: round(value - previous[uid], 4)
            for uid, value in current.items()
            if uid in previous
        }
    return Leaderboard(as_of, period, kind, metric, _ranked(current, people))
