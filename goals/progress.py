"""Stored goal progress: actual, weekly and monthly actuals, kept equal to a recompute.

What a goal's numbers are (`goals.sources`, `goals.services.goal_scope`): the sum of its
metric's daily values over its period for its scope: a person's rows; the rows attributed
to its team or to any team below it in the tree as it is now (a row keeps the team its
owner was in when it happened); or the whole organisation. Stored are `GoalProgress.actual`
and one `GoalPeriodActual` per week and per month of the organisation's calendar (keyed by
the period's start, clipped to the goal's start) in which at least one source row lies.

How it stays true, with a number of statements that does not grow with the goal count:

- A drain of dirty buckets (`BucketFollower`, inside the drain's transaction and locks)
  reads the buckets' rollup rows before and after they are rewritten; the rows that
  differ name exactly which (source, person, date, team, activity type) changed. The goals
  these feed are resolved in three reads (the team tree, the candidate goals, their
  metrics' activity types): the person's own goals, the goals of the row's team and of
  each team above it, and organisation goals, whose period contains the date and whose
  metric counts that source and type. Their weeks and months containing the changed dates
  are recomputed from the rollups in one INSERT … SELECT … GROUP BY, and their actual is
  the sum of their months.
- A range rebuild recomputes every open goal meeting the range, in its transaction.
- Goal writes (create, edit, cascade), manual entries, team moves and the nightly
  reconcile recompute the goals concerned whole (`refresh_goals`).

Concurrency: every writer locks the goal rows it rewrites (ordered by id) before reading
the rollups, so a later writer re-reads what an earlier one committed; a whole-goal
refresh also takes the organisation's rollup lock exclusively, waiting for drains in
flight, so a goal created meanwhile never misses a drain's change. Closed goals keep
their final numbers. Running any step twice writes the same rows (R1, R11).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from accounts.models import Organization, Team
from activities.models import DailyActivityCount
from activities.rollup import lock_organization
from goals.models import Goal, GoalPeriodActual, GoalProgress, ManualEntry, Metric
from goals.signals import progress_refreshed
from salesmgmt import periods

# Goals recomputed per round of statements (keeps every statement's parameters bounded).
CHUNK = 2000


@dataclass(frozen=True)
class RollupTable:
    """Where a metric source's daily values live: one row per (org, user, team, date[, type]).

    `on_buckets`: the table is rebuilt by the activities' drain on (org, user, local date)
    buckets, so a drain's changes to it are followed here.
    """

    source: str
    table: str
    value: str
    type_column: str | None = None  # activity metrics count the types they name
    metric_column: str | None = None  # manual entries belong to one metric
    on_buckets: bool = True


_TABLES: dict[str, RollupTable] = {}


def register_rollup_table(entry: RollupTable) -> None:
    """Let another app (deals: won amounts and counts) say where a source's values live."""
    _TABLES[entry.source] = entry


register_rollup_table(
    RollupTable(
        Metric.Source.ACTIVITY, DailyActivityCount._meta.db_table, "count", type_column="type_id"
    )
)
register_rollup_table(
    RollupTable(
        Metric.Source.MANUAL,
        ManualEntry._meta.db_table,
        "value",
        metric_column="metric_id",
        on_buckets=False,
    )
)

_GOAL = Goal._meta.db_table
_METRIC_TYPES = Metric.activity_types.through._meta.db_table
_TEAM = Team._meta.db_table
_ORG = Organization._meta.db_table
_PROGRESS = GoalProgress._meta.db_table
_PERIOD = GoalPeriodActual._meta.db_table

Window = tuple[date, date]  # [start, end)


# --- SQL dialect: the two supported databases -----------------------------------------------


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _week_start(col: str, week_start_col: str) -> str:
    """The first day of the organisation week containing `col` (python weekday numbering)."""
    if _pg():
        return (
            f"({col} - ((CAST(EXTRACT(ISODOW FROM {col}) AS integer) + 6 - {week_start_col}) %% 7))"
        )
    return (
        f"date({col}, '-' || ((CAST(strftime('%%w', {col}) AS integer) + 13 - {week_start_col})"
        " %% 7) || ' days')"
    )


def _month_start(col: str) -> str:
    if _pg():
        return f"CAST(date_trunc('month', {col}) AS date)"
    return f"date({col}, 'start of month')"


def _greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if _pg() else f"MAX({a}, {b})"


def _d(day: date) -> Any:
    return connection.ops.adapt_datefield_value(day)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield list(ids[i : i + CHUNK])


def _window_sql(col: str, windows: Sequence[Window]) -> tuple[str, list[Any]]:
    sql = " OR ".join(f"({col} >= %s AND {col} < %s)" for _ in windows)
    params: list[Any] = []
    for lo, hi in windows:
        params += [_d(lo), _d(hi)]
    return f"({sql})", params


# --- the set-based recompute ------------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    """Which weeks and months of the goals to recompute (None: all of them)."""

    weeks: tuple[Window, ...]
    months: tuple[Window, ...]


Kind = tuple[str, str]  # (metric source, goal scope)


def _contributions(
    ids: list[int], windows: Windows | None, by_kind: dict[Kind, list[int]]
) -> tuple[str, list[Any]]:
    """CTEs `sel`, `tree` and `contrib(goal_id, day, v)`: each goal's source rows.

    One branch per (source, scope) present among the goals, naming its goals by id: few
    relations per branch, so the statement plans quickly.
    """
    params: list[Any] = list(ids)
    ctes = [
        f"sel(id, start, week_start) AS (SELECT g.id, g.start, o.week_start FROM {_GOAL} g "
        f"JOIN {_ORG} o ON o.id = g.organization_id WHERE g.id IN ({_marks(len(ids))}))",
    ]
    team_ids = [
        pk for (_source, scope), pks in by_kind.items() if scope == Goal.Scope.TEAM for pk in pks
    ]
    if team_ids:
        ctes.append(
            f"tree(goal_id, team_id) AS (SELECT g.id, g.team_id FROM {_GOAL} g "
            f"WHERE g.id IN ({_marks(len(team_ids))}) UNION SELECT tree.goal_id, t.id "
            f"FROM {_TEAM} t JOIN tree ON t.parent_id = tree.team_id)"
        )
        params += team_ids
    window_sql, window_params = "", cast(list[Any], [])
    if windows is not None:
        window_sql, window_params = _window_sql("r.date", windows.weeks + windows.months)
        window_sql = " AND " + window_sql
    branches = []
    for entry in _TABLES.values():
        for scope in (Goal.Scope.USER, Goal.Scope.TEAM, Goal.Scope.ORG):
            goals = by_kind.get((entry.source, scope.value))
            if not goals:
                continue
            joins, on = "", ""
            if entry.type_column:
                joins += f"JOIN {_METRIC_TYPES} mt ON mt.metric_id = g.metric_id "
                on += f" AND r.{entry.type_column} = mt.activitytype_id"
            if entry.metric_column:
                on += f" AND r.{entry.metric_column} = g.metric_id"
            if scope == Goal.Scope.USER:
                on += " AND r.user_id = g.user_id"
            elif scope == Goal.Scope.TEAM:
                joins += "JOIN tree ON tree.goal_id = g.id "
                on += " AND r.team_id = tree.team_id"
            branches.append(
                f"SELECT g.id, r.date, r.{entry.value} FROM {_GOAL} g "
                f"{joins}JOIN {entry.table} r ON r.organization_id = g.organization_id "
                f'AND r.date >= g.start AND r.date <= g."end"{on}{window_sql} '
                f"WHERE g.id IN ({_marks(len(goals))})"
            )
            params += [*window_params, *goals]
    if not branches:  # e.g. deal metrics while the deals app is not installed
        branches.append("SELECT sel.id, sel.start, 0 FROM sel WHERE 1 = 0")
    ctes.append("contrib(goal_id, day, v) AS (" + " UNION ALL ".join(branches) + ")")
    return "WITH RECURSIVE " + ", ".join(ctes), params


def _recompute(ids: list[int], windows: Windows | None, by_kind: dict[Kind, list[int]]) -> None:
    """Rewrite the period rows (all, or those in `windows`) and the actual of locked goals."""
    marks = _marks(len(ids))
    with connection.cursor() as cursor:
        delete = f"DELETE FROM {_PERIOD} WHERE goal_id IN ({marks})"
        delete_params: list[Any] = list(ids)
        week_filter = month_filter = ""
        week_params: list[Any] = []
        month_params: list[Any] = []
        if windows is not None:
            weeks_sql, week_params = _window_sql("period_start", windows.weeks)
            months_sql, month_params = _window_sql("period_start", windows.months)
            delete += (
                f" AND ((grain = 'week' AND {weeks_sql}) OR (grain = 'month' AND {months_sql}))"
            )
            delete_params += week_params + month_params
            week_filter, week_params = _window_sql("c.day", windows.weeks)
            month_filter, month_params = _window_sql("c.day", windows.months)
            week_filter, month_filter = f"WHERE {week_filter}", f"WHERE {month_filter}"
        cursor.execute(delete, delete_params)
        with_sql, params = _contributions(ids, windows, by_kind)
        week_key = _greatest(_week_start("c.day", "sel.week_start"), "sel.start")
        month_key = _greatest(_month_start("c.day"), "sel.start")
        cursor.execute(
            f"{with_sql} INSERT INTO {_PERIOD} (goal_id, grain, period_start, actual) "
            "SELECT goal_id, 'week', k, SUM(v) FROM ("
            f"  SELECT c.goal_id, {week_key} AS k, c.v FROM contrib c"
            f"  JOIN sel ON sel.id = c.goal_id {week_filter}) w GROUP BY goal_id, k "
            "UNION ALL "
            "SELECT goal_id, 'month', k, SUM(v) FROM ("
            f"  SELECT c.goal_id, {month_key} AS k, c.v FROM contrib c"
            f"  JOIN sel ON sel.id = c.goal_id {month_filter}) x GROUP BY goal_id, k",
            params + week_params + month_params,
        )
        # A goal's months partition its period, so its actual is the sum of its months.
        cursor.execute(
            f"INSERT INTO {_PROGRESS} (goal_id, actual, computed_at) "
            "SELECT g.id, COALESCE((SELECT SUM(p.actual) FROM "
            f"{_PERIOD} p WHERE p.goal_id = g.id AND p.grain = 'month'), 0), %s "
            f"FROM {_GOAL} g WHERE g.id IN ({marks}) "
            "ON CONFLICT (goal_id) DO UPDATE SET actual = excluded.actual, "
            "computed_at = excluded.computed_at",
            [connection.ops.adapt_datetimefield_value(timezone.now()), *ids],
        )


def _lock_open(ids: list[int]) -> tuple[list[int], dict[Kind, list[int]]]:
    """Lock these goals' rows, in id order: the open ones that still exist, by kind."""
    rows = list(
        Goal.objects.filter(pk__in=ids, closed_at=None)
        .select_for_update(no_key=True, of=("self",))
        .order_by("pk")
        .values_list("pk", "metric__source", "scope")
    )
    by_kind: dict[Kind, list[int]] = defaultdict(list)
    for pk, source, scope in rows:
        by_kind[(source, scope)].append(pk)
    return [row[0] for row in rows], dict(by_kind)


def _refresh_locked(goal_ids: Iterable[int], windows: Windows | None) -> int:
    done = 0
    for chunk in _chunks(sorted(set(goal_ids))):
        locked, by_kind = _lock_open(chunk)
        if locked:
            _recompute(locked, windows, by_kind)
            done += len(locked)
    return done


def refresh_goals(*, goal_ids: Iterable[int]) -> int:
    """Recompute these goals' stored progress whole, from the rollups; closed goals keep theirs.

    Waits for the drains in flight of the goals' organisations (their rollup lock, taken
    exclusively), so what it reads includes every committed change.
    """
    ids = sorted(set(goal_ids))
    if not ids:
        return 0
    with transaction.atomic():
        orgs = sorted(
            set(Goal.objects.filter(pk__in=ids).values_list("organization_id", flat=True))
        )
        for org_id in orgs:
            lock_organization(org_id, exclusive=True)
        done = _refresh_locked(ids, None)
        transaction.on_commit(lambda: progress_refreshed.send(sender=Goal, goal_ids=ids))
        return done


def refresh_open_goals(*, org_id: int, scope: str | None = None) -> int:
    """Recompute every open goal of an organisation (or those of one scope), set-based."""
    qs = Goal.objects.filter(organization_id=org_id, closed_at=None)
    if scope is not None:
        qs = qs.filter(scope=scope)
    return refresh_goals(goal_ids=qs.values_list("pk", flat=True))


@transaction.atomic
def close_ended_goals(*, org: Organization) -> int:
    """Close every goal whose period has ended: final actual, reached or missed (idempotent)."""
    today = periods.today(org)
    ended = list(
        Goal.objects.for_org(org).filter(closed_at=None, end__lt=today).values_list("pk", flat=True)
    )
    if not ended:
        return 0
    refresh_goals(goal_ids=ended)
    actual = Coalesce(
        Subquery(GoalProgress.objects.filter(goal=OuterRef("pk")).values("actual")[:1]),
        Value(Decimal(0)),
    )
    now = timezone.now()
    closed = 0
    for chunk in _chunks(ended):
        closed += Goal.objects.filter(pk__in=chunk, closed_at=None).update(
            final_actual=actual,
            result=Case(
                When(GreaterThanOrEqual(actual, F("target")), then=Value(Goal.Result.REACHED)),
                default=Value(Goal.Result.MISSED),
            ),
            closed_at=now,
            updated_at=now,
        )
    return closed


# --- which goals a drain's changes feed --------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One rollup row of a bucket that differs after the drain."""

    source: str
    user_id: int
    date: date
    team_id: int | None
    type_id: int | None


@dataclass
class _Calendar:
    timezone: str
    week_start: int
    fiscal_year_start_month: int


def _ancestors(team_ids: set[int], org_id: int) -> dict[int, set[int]]:
    """Each team with itself and every team above it (one read of the tree)."""
    if not team_ids:
        return {}
    parent_of = dict(Team.objects.filter(organization_id=org_id).values_list("id", "parent_id"))
    result: dict[int, set[int]] = {}
    for team_id in team_ids:
        seen: set[int] = set()
        cursor: int | None = team_id
        while cursor is not None and cursor not in seen:
            seen.add(cursor)
            cursor = parent_of.get(cursor)
        result[team_id] = seen
    return result


def goals_fed_by(org_id: int, changes: Iterable[Change]) -> tuple[list[int], _Calendar | None]:
    """The open goals whose numbers these changes feed, and the organisation's calendar.

    Three reads whatever the organisation's size: the team tree, the candidate goals (the
    people's own, their teams' and the teams above, the organisation's; of the changed
    sources, meeting the dates), and the activity types of the candidates' metrics.
    """
    changes = list(changes)
    if not changes:
        return [], None
    ancestors = _ancestors({c.team_id for c in changes if c.team_id is not None}, org_id)
    above = set().union(*ancestors.values()) if ancestors else set()
    days = [c.date for c in changes]
    candidates = list(
        Goal.objects.filter(
            organization_id=org_id,
            closed_at=None,
            start__lte=max(days),
            end__gte=min(days),
            metric__source__in={c.source for c in changes},
        )
        .filter(
            ~Q(metric__source=Metric.Source.ACTIVITY)
            | Exists(
                Metric.activity_types.through.objects.filter(
                    metric_id=OuterRef("metric_id"),
                    activitytype_id__in={c.type_id for c in changes if c.type_id is not None},
                )
            )
        )
        .filter(
            Q(scope=Goal.Scope.USER, user_id__in={c.user_id for c in changes})
            | Q(scope=Goal.Scope.TEAM, team_id__in=above)
            | Q(scope=Goal.Scope.ORG)
        )
        .values_list(
            "pk",
            "scope",
            "user_id",
            "team_id",
            "start",
            "end",
            "metric_id",
            "metric__source",
            "organization__timezone",
            "organization__week_start",
            "organization__fiscal_year_start_month",
        )
    )
    if not candidates:
        return [], None
    calendar = _Calendar(*candidates[0][8:11])
    activity_metrics = {row[6] for row in candidates if row[7] == Metric.Source.ACTIVITY}
    types_of: dict[int, set[int]] = defaultdict(set)
    if activity_metrics:
        through = Metric.activity_types.through.objects
        for metric_id, type_id in through.filter(metric_id__in=activity_metrics).values_list(
            "metric_id", "activitytype_id"
        ):
            types_of[metric_id].add(type_id)
    by_user: dict[tuple[str, int], list[Change]] = defaultdict(list)
    by_team: dict[tuple[str, int], list[Change]] = defaultdict(list)
    by_source: dict[str, list[Change]] = defaultdict(list)
    for c in changes:
        by_user[(c.source, c.user_id)].append(c)
        by_source[c.source].append(c)
        for team_id in ancestors.get(c.team_id, ()) if c.team_id is not None else ():
            by_team[(c.source, team_id)].append(c)
    fed = []
    for pk, scope, user_id, team_id, start, end, metric_id, source, *_cal in candidates:
        if scope == Goal.Scope.USER:
            pool = by_user.get((source, user_id), [])
        elif scope == Goal.Scope.TEAM:
            pool = by_team.get((source, team_id), [])
        else:
            pool = by_source.get(source, [])
        types = types_of.get(metric_id, set())
        if any(
            start <= c.date <= end and (source != Metric.Source.ACTIVITY or c.type_id in types)
            for c in pool
        ):
            fed.append(pk)
    return fed, calendar


def windows_of(calendar: periods.HasCalendar, days: Iterable[date]) -> Windows:
    """The organisation weeks and months containing these dates."""
    weeks, months = set(), set()
    for day in set(days):
        week = periods.week_of(calendar, day)
        month = periods.month_of(day)
        weeks.add((week.start, week.end))
        months.add((month.start, month.end))
    return Windows(tuple(sorted(weeks)), tuple(sorted(months)))


def refresh_for_changes(org_id: int, changes: Iterable[Change]) -> int:
    """Recompute the weeks and months (and actual) of the goals these changes feed.

    Call inside the transaction that made the changes, holding the organisation's rollup
    lock (shared, as a drain does).
    """
    changes = list(changes)
    fed, calendar = goals_fed_by(org_id, changes)
    if not fed or calendar is None:
        return 0
    return _refresh_locked(fed, windows_of(calendar, (c.date for c in changes)))


# --- riding the drain -------------------------------------------------------------------------

RowKey = tuple[str, int, date, int | None, int | None]


def _bucket_rows(cursor: Any, dirty_table: str, ids: list[int]) -> dict[RowKey, Any]:
    """The rollup rows (of every source on buckets) of these dirty buckets, by key."""
    parts, params = [], []
    marks = _marks(len(ids))
    for entry in _TABLES.values():
        if not entry.on_buckets:
            continue
        type_col = f"r.{entry.type_column}" if entry.type_column else "NULL"
        parts.append(
            f"SELECT %s, r.user_id, r.date, r.team_id, {type_col}, r.{entry.value} "
            f"FROM {entry.table} r JOIN {dirty_table} d ON r.organization_id = d.organization_id "
            f"AND r.user_id = d.user_id AND r.date = d.date WHERE d.id IN ({marks})"
        )
        params += [entry.source, *ids]
    if not parts:
        return {}
    cursor.execute(" UNION ALL ".join(parts), params)
    rows: dict[RowKey, Any] = defaultdict(int)
    for source, user_id, day, team_id, type_id, value in cursor.fetchall():
        rows[(str(source), user_id, _as_date(day), team_id, type_id)] += value
    return dict(rows)


class BucketFollower:
    """Keeps goal progress in step with the drain, in its transaction (activities.rollup)."""

    def before_buckets(
        self, cursor: Any, org_id: int, dirty_table: str, ids: list[int]
    ) -> dict[RowKey, Any]:
        return _bucket_rows(cursor, dirty_table, ids)

    def after_buckets(
        self,
        cursor: Any,
        org_id: int,
        dirty_table: str,
        ids: list[int],
        before: dict[RowKey, Any],
    ) -> None:
        after = _bucket_rows(cursor, dirty_table, ids)
        changes = [
            Change(*key) for key in set(before) | set(after) if before.get(key) != after.get(key)
        ]
        refresh_for_changes(org_id, changes)

    def after_range(self, org_id: int, start: date | None, end: date | None) -> None:
        qs = Goal.objects.filter(organization_id=org_id, closed_at=None).exclude(
            metric__source=Metric.Source.MANUAL
        )
        if start is not None:
            qs = qs.filter(end__gte=start)
        if end is not None:
            qs = qs.filter(start__lte=end)
        _refresh_locked(qs.values_list("pk", flat=True), None)


bucket_follower = BucketFollower()


# --- for checks and tests ---------------------------------------------------------------------


def stored_actuals(goal: Goal) -> tuple[Decimal, dict[tuple[str, date], Decimal]]:
    """A goal's stored actual and weekly/monthly actuals (same shape as a recompute)."""
    row = GoalProgress.objects.filter(goal=goal).values_list("actual", flat=True).first()
    per_period = {
        (grain, start): actual
        for grain, start, actual in GoalPeriodActual.objects.filter(goal=goal).values_list(
            "grain", "period_start", "actual"
        )
    }
    return (row if row is not None else Decimal(0)), per_period
