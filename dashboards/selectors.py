"""The team dashboard, assembled from the other apps' rollups and stored progress.

`dashboards` owns no tables. Every number here comes from the daily activity rollup,
stored goal progress and aggregate deal queries (each person's last activity and 1:1 from
the reads the alerts use), and the query count does not grow with the team's size (one
query per kind of data, never one per member). Who needs attention is decided by
`motivation.alerts`, handed what the dashboard has already read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, Min, Q, Sum, prefetch_related_objects
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import rules
from accounts.models import Membership, Organization, Team, User
from accounts.selectors import salespeople_in, salespeople_per_team, team_and_descendant_ids
from activities.funnel import team_medians
from activities.models import DailyActivityCount
from activities.selectors import (
    activity_counts,
    activity_types,
    bottleneck,
    bottleneck_in_words,
    funnel_for_team,
    funnel_types,
    last_activity_dates,
    stages_of,
)
from dashboards import access
from dashboards import cache as dashboard_cache
from deals.access import deals_visible_to
from deals.models import Deal, Stage
from deals.selectors import with_staleness
from goals.models import Goal, Metric
from goals.selectors import (
    Progress,
    TargetSplitter,
    days_off_for,
    goal_kind_label,
    goals_of_period,
    open_goals_of_person,
    progress_of,
    target_for_day,
    target_for_week,
    weekly_actuals,
)
from goals.services import goal_scope
from goals.sources import daily_values
from motivation import alerts
from motivation.alerts import Alert, Attention, attention_by_person
from motivation.selectors import last_checkins, last_one_on_ones
from motivation.services import settings_for as motivation_settings_for
from salesmgmt import periods


@dataclass(frozen=True)
class GoalLine:
    goal: Goal
    progress: Progress


@dataclass(frozen=True)
class ColumnTarget:
    """The target an activity column is read against, from ONE goal (never a sum of
    overlapping goals), covering exactly the dates the column counts.

    basis "goal": the goal whose period is the view's; "share": the view's share of the
    longest goal containing the view; "members" (team total only): no team goal for it,
    the sum of the members' own column targets.
    """

    target: Decimal
    basis: str
    label: str
    goal: Goal | None


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
    oldest_stale_touch: datetime | None = None  # the longest-untouched stale deal's last touch
    overdue_next_steps: int = 0
    last_activity: date | None = None
    last_checkin: date | None = None
    last_one_on_one: date | None = None  # the latest 1:1 that has taken place
    pace: float | None = None  # worst actual/expected-to-date over the member's goals
    targets: dict[str, ColumnTarget] = field(default_factory=dict)  # per activity type key

    @property
    def user(self) -> User:
        return self.membership.user


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
    # per team goal: (week start, target, actual) for the weeks of the period (every week
    # meeting it, the first one possibly starting before it); actual None: not started yet
    weekly_trend: list[tuple[GoalLine, list[tuple[date, Decimal, Decimal | None]]]]
    funnel: list[tuple[str, str, int, float | None]]  # key, name, count, conversion
    pipeline: list[tuple[str, int, Decimal]]  # stage name, count, amount
    days_off: set[date] = field(default_factory=set)  # covering every goal shown
    team_targets: dict[str, ColumnTarget] = field(default_factory=dict)  # per activity type
    trend_note: str | None = None  # why the weekly trend has nothing to draw, if so
    # when the first of the team's open deals that are not stale yet turns stale (the one
    # number here that moves with the clock alone, within a day), None: none will
    stale_from: datetime | None = None


def team_board_key(
    org: Organization, team: Team, kind: str, on: date | None, *parts: object
) -> list[str]:
    """The cache key of what is derived from one team's board (dashboards/cache.py): the
    period, today and the language (labels and alert texts), then the caller's `parts`."""
    today = periods.today(org)
    period = periods.period_of(org, kind, on or today)
    return dashboard_cache.team_board_key(
        org.pk,
        team.pk,
        (kind, period.start.isoformat(), today.isoformat(), get_language(), *parts),
    )


def team_board(
    org: Organization, team: Team, *, kind: str = "month", on: date | None = None
) -> TeamDashboard:
    """`team_dashboard`, served from the cache until something that can move its numbers
    changes (dashboards/cache.py). It does not depend on who looks: the caller checks
    that they may."""
    return dashboard_cache.remembered(
        team_board_key(org, team, kind, on, "board"),
        lambda: team_dashboard(org, team, kind=kind, on=on),
        valid_until=lambda board: board.stale_from,
    )


def team_dashboard(
    org: Organization, team: Team, *, kind: str = "month", on: date | None = None
) -> TeamDashboard:
    """Everything the manager's team view shows, for the `kind` period containing `on`."""
    day = on or periods.today(org)
    period = periods.period_of(org, kind, day)
    today = periods.today(org)
    scope = team_and_descendant_ids(org, team)
    memberships = list(
        salespeople_in(org, scope).select_related("user", "team").order_by("user__name", "user_id")
    )
    rows = {m.user_id: MemberRow(membership=m) for m in memberships}
    user_ids = list(rows)
    # Each person's latest day with activity logged (the "no activity" alert's input too).
    for user_id, when in last_activity_dates(org, user_ids, today=today).items():
        rows[user_id].last_activity = when

    # Motivation signals: each person's latest check-in and 1:1 (one query each).
    for user_id, when in last_checkins(org.pk, user_ids).items():
        rows[user_id].last_checkin = when
    for user_id, when in last_one_on_ones(org.pk, user_ids, today=today).items():
        rows[user_id].last_one_on_one = when

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

    # Funnel stages and each member's bottleneck against the team median.
    ordered_types = list(types.values())
    member_stages = {uid: stages_of(ordered_types, per_user_type.get(uid, {})) for uid in user_ids}
    medians = team_medians(member_stages.values(), len(ordered_types))
    for uid, stages in member_stages.items():
        found = bottleneck(stages, medians)
        if found:
            rows[uid].bottleneck = ordered_types[found[0]].key
            rows[uid].bottleneck_text = bottleneck_in_words(ordered_types, found[0])
    team_stages = stages_of(ordered_types, dict(totals))

    # Goals overlapping the period: the members' own and the team's, with stored progress.
    goals = list(goals_of_period(org, period, user_ids=user_ids, team_ids=[team.pk]))
    for goal in goals:
        goal.organization = org  # progress_of reads the calendar from it: no join needed
    prefetch_related_objects([goal.metric for goal in goals], "activity_types")
    # One read of holidays and days off covering every goal and the alerts' last two weeks.
    window = periods.Period(
        today - timedelta(days=alerts.ACTIVITY_WINDOW_DAYS), today + timedelta(days=1)
    )
    if goals:
        first = min(window.start, *(g.start for g in goals))
        last = max(window.end, *(g.end + timedelta(days=1) for g in goals))
        window = periods.Period(first, last)
    days_off = periods.org_days_off(org, window)
    team_goals: list[GoalLine] = []
    for goal in goals:
        line = GoalLine(goal, progress_of(goal, today=today, days_off=days_off))
        if goal.scope == Goal.Scope.TEAM or goal.user_id is None:
            team_goals.append(line)
        else:
            rows[goal.user_id].goals.append(line)
            ratio = line.progress.pace
            current = rows[goal.user_id].pace
            if ratio is not None and (current is None or ratio < current):
                rows[goal.user_id].pace = ratio

    # Each activity column's target: one goal's, for the same dates as the column's count.
    splitter = TargetSplitter(org, days_off)
    grain = "week" if kind == "week" else "month"
    member_totals: dict[str, Decimal] = defaultdict(Decimal)
    for member in rows.values():
        member.targets = column_targets(
            org, [line.goal for line in member.goals], period, splitter, grain
        )
        for key, chosen in member.targets.items():
            member_totals[key] += chosen.target
    team_targets = column_targets(
        org, [line.goal for line in team_goals], period, splitter, grain, team=True
    )
    for key, value in member_totals.items():
        team_targets.setdefault(
            key, ColumnTarget(value, "members", _("sum of the members' targets"), None)
        )

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
            oldest_stale=Min("last_touched", filter=Q(is_stale=True)),
            next_stale=Min("last_touched", filter=Q(is_stale=False)),
            overdue=Count("id", filter=Q(next_step_date__lt=today)),
        )
        .order_by()
    )
    stale_from: datetime | None = None
    for load in deal_rows:
        if load["next_stale"] is not None:
            turns = load["next_stale"] + timedelta(days=org.stale_deal_days)
            stale_from = turns if stale_from is None else min(stale_from, turns)
        member = rows[load["owner_id"]]
        member.open_deals, member.open_amount = load["n"], load["amount"] or Decimal(0)
        member.stale_deals, member.overdue_next_steps = load["stale"], load["overdue"]
        member.oldest_stale_touch = load["oldest_stale"]
    pipeline_rows = (
        Deal.objects.for_org(org)
        .filter(team_id__in=scope, stage__outcome=Stage.Outcome.OPEN)
        .values("stage__name", "stage__order")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by("stage__order")
    )

    # Weekly attainment of each of the team's own goals: the week's share of the target (the
    # goals' own split along working days) and the week's stored actual, for every week that
    # meets the period (a month's first week usually starts in the month before).
    first_week = periods.week_of(org, period.start).start
    stored = weekly_actuals(
        [line.goal for line in team_goals], periods.Period(first_week, period.end)
    )
    trend: list[tuple[GoalLine, list[tuple[date, Decimal, Decimal | None]]]] = []
    for line in team_goals:
        parts, targets = splitter.split(line.goal, "week")
        weeks = [
            (
                part.start,
                target,
                stored.get((line.goal.pk, part.start), Decimal(0)) if part.start <= today else None,
            )
            for part, target in zip(parts, targets, strict=True)
            if part.start < period.end and part.end > period.start
        ]
        trend.append((line, weeks))
    trend_note = None
    if not team_goals:
        trend_note = _("No team goal covers this period.")
    elif period.start > today:
        trend_note = _("This period has not started yet: no week has an actual to show.")
    elif not any(
        actual is not None and target for _line, weeks in trend for _w, target, actual in weeks
    ):
        trend_note = _("The team's goals ask nothing of this period's weeks (a target of 0).")

    member_rows = list(rows.values())
    return TeamDashboard(
        team=team,
        period=period,
        kind=kind,
        members=member_rows,
        type_names=type_names,
        totals=dict(totals),
        team_goals=team_goals,
        alerts=_team_alerts(org, member_rows, period, today, days_off),
        weekly_trend=trend,
        funnel=[(s.type, s.name, s.count, s.conversion) for s in team_stages],
        pipeline=[(r["stage__name"], r["n"], r["amount"] or Decimal(0)) for r in pipeline_rows],
        days_off=days_off,
        team_targets=team_targets,
        trend_note=trend_note,
        stale_from=stale_from,
    )


def _team_alerts(
    org: Organization,
    members: list[MemberRow],
    period: periods.Period,
    today: date,
    days_off: set[date],
) -> list[Alert]:
    """Who needs attention: motivation's alerts of the team's people (the one module of the
    rules), handed what the dashboard has already read for them. The goals read for the
    period include every current one only when the period contains today."""
    goals = None
    if today in period:
        goals = {row.user.pk: [(line.goal, line.progress) for line in row.goals] for row in members}
    known = alerts.Known(
        goals=goals,
        stale={row.user.pk: (row.stale_deals, row.oldest_stale_touch) for row in members},
        last_one_on_one={
            row.user.pk: row.last_one_on_one for row in members if row.last_one_on_one
        },
        last_activity={row.user.pk: row.last_activity for row in members if row.last_activity},
        days_off=days_off,
    )
    return alerts.alerts_for(
        org,
        [row.membership for row in members],
        today=today,
        one_on_one_days=motivation_settings_for(org).one_on_one_days,
        known=known,
    )


def column_targets(
    org: Organization,
    goals: list[Goal],
    period: periods.Period,
    splitter: TargetSplitter,
    grain: str,
    *,
    team: bool = False,
) -> dict[str, ColumnTarget]:
    """Per activity type: the target of the one goal counting just that type whose period
    is the view's, else the view's share of the longest such goal containing the whole view.
    A goal that covers only part of the view (a month goal in a quarter view) gives none:
    the count and the target always cover the same dates."""
    by_key: dict[str, list[Goal]] = defaultdict(list)
    for goal in goals:
        keys = [t.key for t in goal.metric.activity_types.all()]
        if goal.metric.source == Metric.Source.ACTIVITY and len(keys) == 1:
            by_key[keys[0]].append(goal)
    chosen: dict[str, ColumnTarget] = {}
    for key, candidates in by_key.items():
        covering = [g for g in candidates if g.start <= period.start and g.end >= period.last]
        exact = [g for g in covering if g.start == period.start and g.end == period.last]
        if exact:
            goal = min(exact, key=lambda g: g.pk)
            label = goal_kind_label(org, goal)
            if team:
                label = _("team %(goal)s") % {"goal": label}
            chosen[key] = ColumnTarget(goal.target, "goal", label, goal)
        elif covering:
            goal = max(covering, key=lambda g: ((g.end - g.start).days, -g.pk))
            label = goal_kind_label(org, goal)
            if team:
                label = _("team %(goal)s") % {"goal": label}
            share = splitter.share(goal, period, grain)
            chosen[key] = ColumnTarget(
                share, "share", _("share of %(goal)s") % {"goal": label}, goal
            )
    return chosen


# --- pages: the team dashboard's extras, a member over time, the overview, my day ---------


def manageable_teams(actor: Membership) -> list[Team]:
    """The teams whose dashboard the actor may open, by name: admins all, managers theirs."""
    return list(access.team_dashboards_visible_to(actor).order_by("name", "id"))


@dataclass(frozen=True)
class PeriodNav:
    """Where the period tabs and previous/next links point (a day inside each period)."""

    kind: str
    period: periods.Period
    previous: date
    next: date
    anchor: date  # the day the tabs keep when switching between week, month and quarter
    is_current: bool


def period_nav(org: Organization, kind: str, period: periods.Period, on: date | None) -> PeriodNav:
    """Previous/next periods of the same kind, and the day the other tabs open on."""
    today = periods.today(org)
    anchor = on if on is not None and on in period else period.start
    if today in period:
        anchor = today
    return PeriodNav(
        kind=kind,
        period=period,
        previous=periods.shift(org, period, kind, -1).start,
        next=periods.shift(org, period, kind, 1).start,
        anchor=anchor,
        is_current=today in period,
    )


@dataclass(frozen=True)
class ActivityCell:
    key: str
    count: int
    target: ColumnTarget | None  # one goal counting just this type, for the same dates


@dataclass(frozen=True)
class MemberLine:
    row: MemberRow
    cells: list[ActivityCell]


@dataclass(frozen=True)
class TeamDashboardPage:
    board: TeamDashboard
    attention: list[Attention]
    nav: PeriodNav
    teams: list[Team]  # the switcher
    columns: list[tuple[str, str]]  # activity types: (key, name), funnel order first
    lines: list[MemberLine]
    total_cells: list[ActivityCell]
    open_deals: int
    open_amount: Decimal
    stale_deals: int
    overdue_next_steps: int


def team_dashboard_page(
    org: Organization,
    actor: Membership,
    team: Team,
    *,
    kind: str = "month",
    on: date | None = None,
) -> TeamDashboardPage:
    """The team dashboard page: the team view plus each member's targets per activity type,
    team totals, the period links and the team switcher (queries constant in team size)."""
    board = team_board(org, team, kind=kind, on=on)
    funnel_keys = [key for key, _name, _count, _conversion in board.funnel]
    others = sorted(
        (k for k in board.type_names if k not in funnel_keys), key=lambda k: board.type_names[k]
    )
    columns = [(key, board.type_names[key]) for key in [*funnel_keys, *others]]

    lines = [
        MemberLine(
            row,
            [
                ActivityCell(key, row.activities.get(key, 0), row.targets.get(key))
                for key, _ in columns
            ],
        )
        for row in board.members
    ]
    total_cells = [
        ActivityCell(key, board.totals.get(key, 0), board.team_targets.get(key))
        for key, _ in columns
    ]
    return TeamDashboardPage(
        board=board,
        attention=attention_by_person(board.alerts),
        nav=period_nav(org, kind, board.period, on),
        teams=manageable_teams(actor),
        columns=columns,
        lines=lines,
        total_cells=total_cells,
        open_deals=sum(row.open_deals for row in board.members),
        open_amount=sum((row.open_amount for row in board.members), Decimal(0)),
        stale_deals=sum(row.stale_deals for row in board.members),
        overdue_next_steps=sum(row.overdue_next_steps for row in board.members),
    )


# --- a member over time ----------------------------------------------------------------------

DRILL_DOWN_WEEKS = 12


@dataclass(frozen=True)
class WeeklySeries:
    key: str
    name: str
    counts: list[int]  # one per week of `MemberDashboard.weeks`


@dataclass(frozen=True)
class FunnelStep:
    key: str
    name: str
    count: int
    conversion: float | None
    team_median: float | None  # stage 1 by volume, later stages by conversion
    is_bottleneck: bool


@dataclass(frozen=True)
class MemberDashboard:
    membership: Membership
    nav: PeriodNav
    today: date
    weeks: list[date]
    weekly: list[WeeklySeries]
    goals: list[GoalLine]
    funnel: list[FunnelStep]
    bottleneck_text: str | None
    deals: list[Deal]


def member_dashboard(
    org: Organization,
    actor: Membership,
    subject: Membership,
    *,
    kind: str = "month",
    on: date | None = None,
) -> MemberDashboard:
    """One person's numbers over time: weekly activity by type over the last 12 weeks, their
    goals with progress, their funnel against their team's median, and their open deals."""
    day = on or periods.today(org)
    period = periods.period_of(org, kind, day)
    today = periods.today(org)
    last_day = min(period.last, today) if period.start <= today else period.last
    first_week = periods.shift(org, periods.week_of(org, last_day), "week", 1 - DRILL_DOWN_WEEKS)
    weeks = [periods.shift(org, first_week, "week", i).start for i in range(DRILL_DOWN_WEEKS)]
    types = list(activity_types(org).order_by(F("funnel_order").asc(nulls_last=True), "name"))
    counts = activity_counts(
        org, start=weeks[0], end=last_day, grain="week", user_id=subject.user_id
    )
    by_week: dict[tuple[date, str], int] = {
        (row.period_start, row.type): row.count for row in counts
    }
    seen = {row.type for row in counts}
    weekly = [
        WeeklySeries(t.key, t.name, [by_week.get((week, t.key), 0) for week in weeks])
        for t in types
        if t.active or t.key in seen
    ]

    goals = list(
        goals_of_period(org, period, user_ids=[subject.user_id]).select_related("organization")
    )
    days_off = days_off_for(org, goals)
    lines = [GoalLine(g, progress_of(g, today=today, days_off=days_off)) for g in goals]

    steps, words = _member_funnel(org, subject, period)
    deals = list(
        with_staleness(
            deals_visible_to(actor).filter(
                owner_id=subject.user_id, stage__outcome=Stage.Outcome.OPEN
            ),
            org,
        ).order_by(F("next_step_date").asc(nulls_last=True), "-amount", "id")[:MEMBER_DEALS]
    )
    return MemberDashboard(
        membership=subject,
        nav=period_nav(org, kind, period, on),
        today=today,
        weeks=weeks,
        weekly=weekly,
        goals=lines,
        funnel=steps,
        bottleneck_text=words,
        deals=deals,
    )


MEMBER_DEALS = 50


def _member_funnel(
    org: Organization, subject: Membership, period: periods.Period
) -> tuple[list[FunnelStep], str | None]:
    """The person's funnel over the period next to the median of their team's members."""
    types = funnel_types(org)
    if not types:
        return [], None
    if subject.team is not None:
        report = funnel_for_team(org, subject.team, start=period.start, end=period.last)
        member_stages = {m.user.pk: m.stages for m in report.members}
    else:
        own = activity_counts(org, start=period.start, end=period.last, user_id=subject.user_id)
        totals: dict[str, int] = defaultdict(int)
        for row in own:
            totals[row.type] += row.count
        member_stages = {subject.user_id: stages_of(types, dict(totals))}
    mine = member_stages.get(subject.user_id) or stages_of(types, {})
    medians = team_medians(member_stages.values(), len(types))
    found = bottleneck(mine, medians)
    steps = [
        FunnelStep(
            key=stage.type,
            name=stage.name,
            count=stage.count,
            conversion=stage.conversion,
            team_median=medians[index],
            is_bottleneck=found is not None and found[0] == index,
        )
        for index, stage in enumerate(mine)
    ]
    return steps, bottleneck_in_words(types, found[0]) if found else None


# --- the organisation overview ---------------------------------------------------------------


@dataclass(frozen=True)
class GoalColumn:
    """One column of the overview: an organisation goal cascaded to teams, or "other"."""

    goal: GoalLine | None  # None: the teams' own goals, not cascaded from a company goal
    title: str


@dataclass(frozen=True)
class OverviewCell:
    cascaded: bool  # under a company goal's column (else: the team's own goals)
    lines: list[GoalLine]


@dataclass(frozen=True)
class OverviewRow:
    team: Team
    depth: int
    people: int  # active salespeople, sub-teams included
    cells: list[OverviewCell]  # one per column: this team's goals in it
    activities: list[int]  # per activity type column, sub-teams included


@dataclass(frozen=True)
class OrgOverview:
    nav: PeriodNav
    columns: list[GoalColumn]
    type_columns: list[tuple[str, str]]
    rows: list[OverviewRow]
    activity_totals: list[int]


def overview_html(
    org: Organization,
    actor: Membership,
    *,
    kind: str = "month",
    on: date | None = None,
    render: Callable[[], str],
) -> str:
    """The overview's rendered partial (`render()`), kept like `overview_board`."""
    today = periods.today(org)
    key = dashboard_cache.overview_key(
        org.pk,
        ("html", actor.pk, kind, on.isoformat() if on else "-", today.isoformat(), get_language()),
    )
    return dashboard_cache.remembered(key, render, valid_until=lambda _html: None)


def org_overview(
    org: Organization, actor: Membership, *, kind: str = "month", on: date | None = None
) -> OrgOverview:
    """Teams side by side against the goals cascaded to them for the period, with their
    activity totals (admins see every team; managers the teams they lead)."""
    day = on or periods.today(org)
    period = periods.period_of(org, kind, day)
    today = periods.today(org)
    every_team = list(Team.objects.for_org(org).order_by("name", "id"))
    parent_of = {t.pk: t.parent_id for t in every_team}
    visible = access.overview_team_ids(actor, parent_of)
    ordered = _tree_order(every_team, visible)
    team_ids = [team.pk for team, _depth in ordered]

    goals = list(
        goals_of_period(org, period, team_ids=team_ids, company=True).select_related(
            "organization", "parent"
        )
    )
    days_off = days_off_for(org, goals)
    lines = {g.pk: GoalLine(g, progress_of(g, today=today, days_off=days_off)) for g in goals}
    company = [lines[g.pk] for g in goals if g.scope == Goal.Scope.ORG]
    company_ids = {line.goal.pk for line in company}
    cascaded = {g.pk for g in goals if g.scope == Goal.Scope.TEAM and g.parent_id in company_ids}
    columns = [GoalColumn(line, line.goal.title or line.goal.metric.name) for line in company]
    if any(g.scope == Goal.Scope.TEAM and g.pk not in cascaded for g in goals):
        columns.append(GoalColumn(None, _("Team goals")))
    column_of_parent = {line.goal.pk: i for i, line in enumerate(company)}
    other_column = len(company)

    people: dict[int, int] = defaultdict(int, salespeople_per_team(org))
    types = {
        t.key: t.name
        for t in activity_types(org).order_by(F("funnel_order").asc(nulls_last=True), "name")
    }
    per_team: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    seen_types: set[str] = set()
    for row in (
        DailyActivityCount.objects.for_org(org)
        .filter(date__gte=period.start, date__lt=period.end, team_id__isnull=False)
        .values("team_id", "type__key")
        .annotate(total=Sum("count"))
        .order_by()
    ):
        per_team[row["team_id"]][row["type__key"]] += row["total"]
        seen_types.add(row["type__key"])
    type_columns = [(k, n) for k, n in types.items() if k in seen_types]

    rows: list[OverviewRow] = []
    for team, depth in ordered:
        below = rules.descendants([team.pk], parent_of)
        cells = [OverviewCell(column.goal is not None, []) for column in columns]
        for goal in goals:
            if goal.scope != Goal.Scope.TEAM or goal.team_id != team.pk:
                continue
            index = column_of_parent.get(goal.parent_id or 0, other_column)
            cells[index].lines.append(lines[goal.pk])
        rows.append(
            OverviewRow(
                team=team,
                depth=depth,
                people=sum(people[t] for t in below),
                cells=cells,
                activities=[sum(per_team[t][key] for t in below) for key, _ in type_columns],
            )
        )
    top = [team.pk for team, _depth in ordered if parent_of[team.pk] not in visible]
    totals = [
        sum(per_team[t][key] for t in rules.descendants(top, parent_of)) for key, _ in type_columns
    ]
    return OrgOverview(
        nav=period_nav(org, kind, period, on),
        columns=columns,
        type_columns=type_columns,
        rows=rows,
        activity_totals=totals,
    )


def _tree_order(teams: list[Team], visible: frozenset[int] | set[int]) -> list[tuple[Team, int]]:
    """The visible teams, each parent before its children (siblings by name), with depth."""
    children: dict[int | None, list[Team]] = defaultdict(list)
    for team in teams:
        children[team.parent_id].append(team)
    ordered: list[tuple[Team, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for team in children.get(parent_id, []):
            shown = team.pk in visible
            if shown:
                ordered.append((team, depth))
            walk(team.pk, depth + 1 if shown else depth)

    walk(None, 0)
    return ordered


# --- my day ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetLine:
    goal: Goal
    today_target: Decimal
    today_done: Decimal
    week_target: Decimal
    week_done: Decimal


@dataclass(frozen=True)
class MyDayPanel:
    targets: list[TargetLine]
    deals_due: list[Deal]


MY_DAY_DEALS = 10


def my_day_panel(org: Organization, membership: Membership, today: date) -> MyDayPanel:
    """Today's and this week's targets of the person's open goals with what is done so far
    (from the rollup), and their open deals whose next step is due."""
    goals = list(
        open_goals_of_person(org, membership.user_id, today).prefetch_related(
            "metric__activity_types"
        )
    )
    week = periods.week_of(org, today)
    targets: list[TargetLine] = []
    if goals:
        days_off = days_off_for(org, goals)
        first = min(max(week.start, g.start) for g in goals)
        per_type_day: dict[tuple[int, date], int] = defaultdict(int)
        if any(g.metric.source == Metric.Source.ACTIVITY for g in goals):
            for row in (
                DailyActivityCount.objects.for_org(org)
                .filter(user_id=membership.user_id, date__gte=first, date__lte=today)
                .values("type_id", "date")
                .annotate(total=Sum("count"))
                .order_by()
            ):
                per_type_day[(row["type_id"], row["date"])] += row["total"]
        for goal in goals:
            since = max(week.start, goal.start)
            if goal.metric.source == Metric.Source.ACTIVITY:
                type_ids = [t.pk for t in goal.metric.activity_types.all()]
                values: dict[date, Decimal] = defaultdict(Decimal)
                for (type_id, day), total in per_type_day.items():
                    if type_id in type_ids and day >= since:
                        values[day] += total
            else:  # won deals, manual check-ins: their own source, one read per goal
                values = defaultdict(
                    Decimal, daily_values(goal.metric, goal_scope(goal), since, today)
                )
            targets.append(
                TargetLine(
                    goal=goal,
                    today_target=target_for_day(goal, today, days_off=days_off),
                    today_done=Decimal(values.get(today, 0)),
                    week_target=target_for_week(goal, today, days_off=days_off),
                    week_done=sum(values.values(), Decimal(0)),
                )
            )
    deals_due = list(
        deals_visible_to(membership)
        .filter(
            owner_id=membership.user_id,
            stage__outcome=Stage.Outcome.OPEN,
            next_step_date__lte=today,
        )
        .order_by("next_step_date", "id")[:MY_DAY_DEALS]
    )
    return MyDayPanel(targets=targets, deals_due=deals_due)
