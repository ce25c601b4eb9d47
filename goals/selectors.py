"""Reads of the goals app: visible goals, progress with pace, breakdowns, the cascade tree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from accounts.models import Organization
from goals.models import Goal, GoalPeriodActual, GoalProgress
from goals.services import allocate, goal_scope
from goals.sources import daily_values
from goals.status import GoalStatus, status_of
from salesmgmt import periods

# What a goal's dates are, in words: "month goal", "year goal"... (None: custom dates).
GOAL_KIND_LABELS = {
    "day": gettext_lazy("day goal"),
    "week": gettext_lazy("week goal"),
    "month": gettext_lazy("month goal"),
    "quarter": gettext_lazy("quarter goal"),
    "half": gettext_lazy("half-year goal"),
    "year": gettext_lazy("year goal"),
    None: gettext_lazy("goal"),
}


def goal_kind_label(org: Organization, goal: Goal) -> str:
    """The goal's period in words: "month goal" for a calendar month, "goal" for custom dates."""
    kind = periods.kind_of(org, periods.Period(goal.start, goal.end + timedelta(days=1)))
    return str(GOAL_KIND_LABELS[kind])


@dataclass(frozen=True)
class Progress:
    actual: Decimal
    attainment: float
    expected_to_date: Decimal
    projected: Decimal
    needed_per_working_day: Decimal
    status: GoalStatus
    result: str  # "", "reached" or "missed" once the goal is closed

    @property
    def pace(self) -> float | None:
        """The actual over the (rounded) expected-to-date; None while nothing is due."""
        if self.expected_to_date and self.expected_to_date > 0:
            return float(self.actual / self.expected_to_date)
        return None


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def progress_of(goal: Goal, *, today: date, days_off: set[date] | None = None) -> Progress:
    """Actual, attainment, pace and status of a goal as of `today` (org-local)."""
    row: GoalProgress | None = getattr(goal, "progress_row", None)
    actual = goal.final_actual if goal.closed_at else (row.actual if row else Decimal(0))
    actual = actual or Decimal(0)
    places = goal.metric.decimal_places
    period = periods.Period(goal.start, goal.end + timedelta(days=1))
    if days_off is None:
        days_off = periods.org_days_off(goal.organization, period)
    days = periods.working_days_of(period, days_off) or tuple(period.days())
    total = len(days)
    elapsed, left = periods.count_until(days, today)
    if today > goal.end:
        left = 0
    target = goal.target
    expected = target * elapsed / total if total else target
    projected = actual * total / elapsed if elapsed else Decimal(0)
    needed = max(Decimal(0), target - actual) / left if left else max(Decimal(0), target - actual)
    attainment = float(actual / target) if target else 0.0
    status = status_of(
        actual=actual,
        target=target,
        expected=expected,
        over=bool(goal.closed_at) or today > goal.end,
    )
    return Progress(
        actual=_round(actual, places),
        attainment=round(attainment, 4),
        expected_to_date=_round(expected, places),
        projected=_round(projected, places),
        needed_per_working_day=_round(needed, 2),
        status=status,
        result=goal.result,
    )


# --- goals of a period (what the dashboards compose) --------------------------------------


def goals_of_period(
    org: Organization,
    period: periods.Period,
    *,
    user_ids: Iterable[int] | None = None,
    team_ids: Iterable[int] | None = None,
    company: bool = False,
) -> QuerySet[Goal]:
    """Goals whose dates meet `period`, by start: those of these people, of these teams
    (not their sub-teams), and the company's own when `company`; with stored progress."""
    whose = Q(pk__in=[])
    if user_ids is not None:
        whose |= Q(scope=Goal.Scope.USER, user_id__in=list(user_ids))
    if team_ids is not None:
        whose |= Q(scope=Goal.Scope.TEAM, team_id__in=list(team_ids))
    if company:
        whose |= Q(scope=Goal.Scope.ORG)
    return (
        Goal.objects.for_org(org)
        .filter(start__lt=period.end, end__gte=period.start)
        .filter(whose)
        .select_related("metric", "progress_row")
        .order_by("start", "id")
    )


def open_goals_of_person(org: Organization, user_id: int, day: date) -> QuerySet[Goal]:
    """A person's own open goals whose dates contain `day`, the soonest ending first."""
    return (
        Goal.objects.for_org(org)
        .filter(
            scope=Goal.Scope.USER, user_id=user_id, start__lte=day, end__gte=day, closed_at=None
        )
        .select_related("metric", "organization")
        .order_by("end", "id")
    )


def weekly_actuals(
    goals: Iterable[Goal], period: periods.Period
) -> dict[tuple[int, date], Decimal]:
    """The stored actual of each goal's weeks starting in `period`: (goal id, week start)."""
    return {
        (row.goal_id, row.period_start): row.actual
        for row in GoalPeriodActual.objects.filter(
            goal__in=list(goals),
            grain=GoalPeriodActual.Grain.WEEK,
            period_start__gte=period.start,
            period_start__lt=period.end,
        )
    }


def days_off_for(org: Organization, goals: list[Goal]) -> set[date]:
    """One holiday/day-off read covering every goal of a list (constant queries)."""
    if not goals:
        return set()
    start = min(g.start for g in goals)
    end = max(g.end for g in goals)
    return periods.org_days_off(org, periods.Period(start, end + timedelta(days=1)))


@dataclass(frozen=True)
class BreakdownRow:
    start: date
    end: date  # inclusive
    target: Decimal
    actual: Decimal


class TargetSplitter:
    """A goal's target split into `grain` parts (clipped to the goal) along working days,
    summing exactly: the one split of a target over months, weeks or days (`breakdown`,
    today's and this week's targets, the dashboards' weekly trend and activity targets).

    The working-day weights depend only on the goal's dates, so goals of the same dates
    (cascaded goals, one per person) count their days once.
    """

    def __init__(self, org: Organization, days_off: set[date]) -> None:
        self.org = org
        self.days_off = days_off
        self._weights: dict[tuple[date, date, str], tuple[list[periods.Period], list[Decimal]]] = {}

    def split(self, goal: Goal, grain: str) -> tuple[list[periods.Period], list[Decimal]]:
        """The goal's periods of `grain` and each one's share of the target (exact sum)."""
        key = (goal.start, goal.end, grain)
        if key not in self._weights:
            whole = periods.Period(goal.start, goal.end + timedelta(days=1))
            parts = periods.split(self.org, whole, grain)
            weights = [
                Decimal(len(periods.working_days(self.org, part, self.days_off))) for part in parts
            ]
            if sum(weights) == 0:
                weights = [Decimal(len(part.days())) for part in parts]
            self._weights[key] = (parts, weights)
        parts, weights = self._weights[key]
        return parts, allocate(goal.target, weights, goal.metric.quantum)

    def share(self, goal: Goal, period: periods.Period, grain: str) -> Decimal:
        """The part of the goal's target that falls in `period` (whole parts of `grain`)."""
        if period.start <= goal.start and goal.end < period.end:
            return goal.target
        parts, targets = self.split(goal, grain)
        return sum(
            (target for part, target in zip(parts, targets, strict=True) if part.start in period),
            Decimal(0),
        )


def split_target(
    goal: Goal, grain: str, days_off: set[date] | None = None
) -> tuple[list[periods.Period], list[Decimal]]:
    """The goal's periods of `grain` and each one's share of the target (exact sum); reads
    the organisation's days off unless given."""
    org = goal.organization
    if days_off is None:
        days_off = periods.org_days_off(
            org, periods.Period(goal.start, goal.end + timedelta(days=1))
        )
    return TargetSplitter(org, days_off).split(goal, grain)


def breakdown(goal: Goal, grain: str) -> list[BreakdownRow]:
    """The goal's target spread over months, weeks or days along working days (exact sum)."""
    parts, targets = split_target(goal, grain)
    values = daily_values(goal.metric, goal_scope(goal), goal.start, goal.end)
    actual_by_part: dict[int, Decimal] = defaultdict(Decimal)
    for day, value in values.items():
        for index, part in enumerate(parts):
            if day in part:
                actual_by_part[index] += value
                break
    return [
        BreakdownRow(part.start, part.last, target, actual_by_part[index])
        for index, (part, target) in enumerate(zip(parts, targets, strict=True))
    ]


def target_for_day(goal: Goal, day: date, *, days_off: set[date] | None = None) -> Decimal:
    """What `day` asks of this goal (its share of the daily breakdown; 0 on days off).

    Lists pass `days_off` (from `days_off_for`) so that each goal costs no query.
    """
    for part, target in zip(*split_target(goal, "day", days_off), strict=True):
        if part.start == day:
            return target
    return Decimal(0)


def target_for_week(goal: Goal, day: date, *, days_off: set[date] | None = None) -> Decimal:
    """This week's share of the goal (the week containing `day`, clipped to the goal)."""
    for part, target in zip(*split_target(goal, "week", days_off), strict=True):
        if day in part:
            return target
    return Decimal(0)


def weekly_series(goal: Goal) -> list[tuple[date, Decimal, Decimal]]:
    """(week start, target, actual) per week, for the goal detail chart."""
    stored = {
        r.period_start: r.actual
        for r in GoalPeriodActual.objects.filter(goal=goal, grain=GoalPeriodActual.Grain.WEEK)
    }
    return [
        (row.start, row.target, stored.get(row.start, Decimal(0)))
        for row in breakdown(goal, "week")
    ]


@dataclass(frozen=True)
class TreeNode:
    goal: Goal
    depth: int
    children_sum: Decimal | None
    gap: Decimal | None  # children's sum minus the goal's target (None without children)


def cascade_tree(root: Goal) -> list[TreeNode]:
    """The goal and all its descendants in tree order, with each node's allocation gap."""
    everything = list(
        Goal.objects.for_org(root.organization_id)
        .filter(start__gte=root.start, end__lte=root.end, metric=root.metric)
        .select_related("metric", "team", "user", "progress_row")
        .order_by("id")
    )
    by_parent: dict[int | None, list[Goal]] = defaultdict(list)
    for goal in everything:
        by_parent[goal.parent_id].append(goal)
    nodes: list[TreeNode] = []

    def walk(goal: Goal, depth: int) -> None:
        kids = by_parent.get(goal.pk, [])
        total = sum((k.target for k in kids), Decimal(0)) if kids else None
        nodes.append(
            TreeNode(goal, depth, total, (total - goal.target) if total is not None else None)
        )
        for kid in kids:
            walk(kid, depth + 1)

    walk(root, 0)
    return nodes
