"""The team dashboard, assembled from the other apps' rollups and stored progress.

`dashboards` owns no tables. Every number here comes from the daily activity rollup,
stored goal progress and aggregate deal queries, and the query count does not grow with
the team's size (one query per kind of data, never one per member).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, Team, User
from accounts.selectors import team_and_descendant_ids
from activities.models import DailyActivityCount
from activities.selectors import bottleneck, bottleneck_in_words, funnel_types, stages_of
from deals.models import Deal, Stage
from deals.selectors import with_staleness
from goals.models import Goal
from goals.selectors import Progress, breakdown, days_off_for, progress_of
from salesmgmt import periods

PERIOD_CHOICES = ("week", "month", "quarter")
NO_ACTIVITY_WORKING_DAYS = 3


@dataclass(frozen=True)
class GoalLine:
    goal: Goal
    progress: Progress


@dataclass
class MemberRow:
    membership: Membership
    goals: list[GoalLine] = field(default_factory=list)
    activities: dict[str, int] = field(default_factory=dict)
    bottleneck: str | None = None
    bottleneck_text: str | None = None
    open_deals: int = 0
    open_amount: Decimal = Decimal(0)
    stale_deals: int = 0
    overdue_next_steps: int = 0
    last_activity: date | None = None
    last_checkin: date | None = None  # arrives with the motivation app
    pace: float | None = None  # worst actual/expected-to-date over the member's goals

    @property
    def user(self) -> User:
        return self.membership.user


@dataclass(frozen=True)
class Alert:
    user: User
    kind: str  # behind_pace, no_activity, stale_deals
    detail: str
    since: date | None
    severity: float  # for ranking: higher needs attention first


@dataclass(frozen=True)
class TeamDashboard:
    team: Team
    period: periods.Period
    kind: str
    members: list[MemberRow]
    type_names: dict[str, str]
    totals: dict[str, int]
    team_goals: list[GoalLine]
    alerts: list[Alert]
    # per team goal: (week start, target, actual) for the weeks of the period
    weekly_trend: list[tuple[GoalLine, list[tuple[date, Decimal, Decimal]]]]
    funnel: list[tuple[str, str, int, float | None]]  # key, name, count, conversion
    pipeline: list[tuple[str, int, Decimal]]  # stage name, count, amount


def team_dashboard(
    org: Organization, team: Team, *, kind: str = "month", on: date | None = None
) -> TeamDashboard:
    """Everything the manager's team view shows, for the `kind` period containing `on`."""
    day = on or periods.today(org)
    period = periods.period_of(org, kind, day)
    today = periods.today(org)
    scope = team_and_descendant_ids(org, team)
    memberships = list(
        Membership.objects.for_org(org)
        .filter(team_id__in=scope, active=True, role=Membership.Role.MEMBER)
        .select_related("user", "team")
        .order_by("user__name", "user_id")
    )
    rows = {m.user_id: MemberRow(membership=m) for m in memberships}
    user_ids = list(rows)

    # Activities by member and type over the period (the daily rollup).
    types = {t.key: t for t in funnel_types(org)}
    type_names: dict[str, str] = {}
    totals: dict[str, int] = defaultdict(int)
    per_user_type: dict[int, dict[str, int]] = defaultdict(dict)
    counts = (
        DailyActivityCount.objects.for_org(org)
        .filter(date__gte=period.start, date__lt=period.end, team_id__in=scope)
        .values("user_id", "type__key", "type__name")
        .annotate(total=Sum("count"))
        .order_by()
    )
    for row in counts:
        type_names[row["type__key"]] = row["type__name"]
        totals[row["type__key"]] += row["total"]
        per_user_type[row["user_id"]][row["type__key"]] = row["total"]
        if row["user_id"] in rows:
            rows[row["user_id"]].activities[row["type__key"]] = row["total"]
    for key, activity_type in types.items():
        type_names.setdefault(key, activity_type.name)
    last_seen = (
        DailyActivityCount.objects.for_org(org)
        .filter(user_id__in=user_ids, date__lte=today)
        .values("user_id")
        .annotate(last=Max("date"))
        .order_by()
    )
    for seen in last_seen:
        rows[seen["user_id"]].last_activity = seen["last"]

    # Funnel stages and each member's bottleneck against the team median.
    ordered_types = list(types.values())
    member_stages = {uid: stages_of(ordered_types, per_user_type.get(uid, {})) for uid in user_ids}
    medians: list[float | None] = []
    for index in range(len(ordered_types)):
        values = [
            (stages[index].count if index == 0 else stages[index].conversion)
            for stages in member_stages.values()
        ]
        present = sorted(v for v in values if v is not None)
        medians.append(_median(present))
    for uid, stages in member_stages.items():
        found = bottleneck(stages, medians)
        if found:
            rows[uid].bottleneck = ordered_types[found[0]].key
            rows[uid].bottleneck_text = bottleneck_in_words(ordered_types, found[0])
    team_stages = stages_of(ordered_types, dict(totals))

    # Goals overlapping the period: the members' own and the team's, with stored progress.
    goals = list(
        Goal.objects.for_org(org)
        .filter(start__lt=period.end, end__gte=period.start)
        .filter(
            Q(scope=Goal.Scope.USER, user_id__in=user_ids) | Q(scope=Goal.Scope.TEAM, team=team)
        )
        .select_related("metric", "progress_row", "organization")
        .order_by("start", "id")
    )
    days_off = days_off_for(org, goals)
    team_goals: list[GoalLine] = []
    for goal in goals:
        line = GoalLine(goal, progress_of(goal, today=today, days_off=days_off))
        if goal.scope == Goal.Scope.TEAM or goal.user_id is None:
            team_goals.append(line)
        else:
            rows[goal.user_id].goals.append(line)
            ratio = _pace(line.progress)
            current = rows[goal.user_id].pace
            if ratio is not None and (current is None or ratio < current):
                rows[goal.user_id].pace = ratio

    # Deals: open count and amount, stale and overdue next steps per owner.
    deal_rows = (
        with_staleness(
            Deal.objects.for_org(org).filter(
                owner_id__in=user_ids, stage__outcome=Stage.Outcome.OPEN
            ),
            org,
        )
        .values("owner_id")
        .annotate(
            n=Count("id"),
            amount=Sum("amount"),
            stale=Count("id", filter=Q(is_stale=True)),
            overdue=Count("id", filter=Q(next_step_date__lt=today)),
        )
        .order_by()
    )
    for load in deal_rows:
        member = rows[load["owner_id"]]
        member.open_deals, member.open_amount = load["n"], load["amount"] or Decimal(0)
        member.stale_deals, member.overdue_next_steps = load["stale"], load["overdue"]
    pipeline_rows = (
        Deal.objects.for_org(org)
        .filter(team_id__in=scope, stage__outcome=Stage.Outcome.OPEN)
        .values("stage__name", "stage__order")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by("stage__order")
    )

    # Weekly attainment of each of the team's own goals (targets along working days).
    trend: list[tuple[GoalLine, list[tuple[date, Decimal, Decimal]]]] = []
    for line in team_goals:
        weeks = [
            (part.start, part.target, part.actual)
            for part in breakdown(line.goal, "week")
            if period.start <= part.start < period.end
        ]
        trend.append((line, weeks))

    member_rows = list(rows.values())
    return TeamDashboard(
        team=team,
        period=period,
        kind=kind,
        members=member_rows,
        type_names=type_names,
        totals=dict(totals),
        team_goals=team_goals,
        alerts=_alerts(org, member_rows, today),
        weekly_trend=trend,
        funnel=[(s.type, s.name, s.count, s.conversion) for s in team_stages],
        pipeline=[(r["stage__name"], r["n"], r["amount"] or Decimal(0)) for r in pipeline_rows],
    )


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _pace(progress: Progress) -> float | None:
    if progress.expected_to_date and progress.expected_to_date > 0:
        return float(progress.actual / progress.expected_to_date)
    return None


def _alerts(org: Organization, members: list[MemberRow], today: date) -> list[Alert]:
    """Who needs attention, most behind first, with the reason in words."""
    alerts: list[Alert] = []
    recent = periods.working_days(
        org, periods.Period(today - timedelta(days=14), today + timedelta(days=1))
    )
    quiet_since = (
        recent[-NO_ACTIVITY_WORKING_DAYS] if len(recent) >= NO_ACTIVITY_WORKING_DAYS else None
    )
    for member in members:
        if member.pace is not None and member.pace < 0.95:
            behind = [
                line for line in member.goals if line.progress.status in ("behind", "at_risk")
            ]
            paces = [(line, _pace(line.progress)) for line in behind]
            words = "; ".join(
                _("%(metric)s at %(pct)d%% of pace")
                % {"metric": line.goal.metric.name.lower(), "pct": round(pace * 100)}
                for line, pace in paces
                if pace is not None
            )
            if member.bottleneck_text:
                words = f"{words}; {member.bottleneck_text}" if words else member.bottleneck_text
            alerts.append(
                Alert(member.user, "behind_pace", words or _("behind pace"), None, 1 - member.pace)
            )
        if quiet_since and (member.last_activity is None or member.last_activity < quiet_since):
            alerts.append(
                Alert(
                    member.user,
                    "no_activity",
                    _("no activity logged for %(n)d working days")
                    % {"n": NO_ACTIVITY_WORKING_DAYS},
                    member.last_activity,
                    0.5,
                )
            )
        if member.stale_deals:
            alerts.append(
                Alert(
                    member.user,
                    "stale_deals",
                    _("%(n)d stale deal(s)") % {"n": member.stale_deals},
                    None,
                    0.2 + 0.05 * member.stale_deals,
                )
            )
    return sorted(alerts, key=lambda a: (-a.severity, a.user.display_name))
