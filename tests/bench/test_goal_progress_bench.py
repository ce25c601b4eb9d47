"""Goal progress with a year of goals present (issue 11): one drain's cost, and the lag from
an activity's commit to its owner's goal progress showing it, with one real worker.

The goals are the dashboard benchmark's (`test_dashboard_bench.cast`): per team with people,
this fiscal year's and each month's new-visit goal, cascaded evenly to its people (13,676
goals at 1,000 users). Timings are reported, never asserted; the assertions are sanity
checks (the drained goals equal a recompute from source, every burst activity reached its
owner's goal). Run: see tests/bench/README.md.
"""

# Raw SQL here interpolates only table names (model _meta), never input.
# ruff: noqa: S608

from __future__ import annotations

import statistics
import subprocess
import threading
import time
from collections import defaultdict
from datetime import date
from typing import Any
from unittest import mock

import psycopg2
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.management.commands.seed_demo import ADMIN_EMAIL
from accounts.models import Membership
from activities import rollup
from activities.models import Activity, ActivityType, DirtyBucket
from activities.services import log_activity
from goals import progress
from goals.models import Goal, GoalProgress
from goals.services import compute_actuals
from salesmgmt import periods
from tests.bench import test_dashboard_bench, test_rollup_bench
from tests.bench.test_dashboard_bench import GOAL_MARK, Cast
from tests.bench.test_rollup_bench import Report, _percentile, _remove

# The fixtures of the neighbouring benchmarks: the year of goals, one real worker.
cast = test_dashboard_bench.cast
worker = test_rollup_bench.worker

BURST = 500
BURST_USERS = 50
SUSTAINED_RATE = 20  # activities per second
SUSTAINED_SECONDS = 60
POLL_INTERVAL = 0.02
DEADLINE = 120.0
DRAIN_ROUNDS = 7
_GOAL = Goal._meta.db_table
_PROGRESS = GoalProgress._meta.db_table


def _month_goals(org_id: int, users: list[int], today: date) -> dict[int, int]:
    """Each person's cascaded new-visit goal of this month: user id -> goal id."""
    rows = Goal.objects.filter(
        organization_id=org_id,
        scope=Goal.Scope.USER,
        user_id__in=users,
        title__startswith=GOAL_MARK,
        start__lte=today,
        end__gte=today,
    ).values_list("user_id", "pk", "start", "end")
    # The month goal is the shorter of the person's two (month and fiscal year).
    best: dict[int, tuple[int, int]] = {}
    for user_id, pk, start, end in rows:
        span = (end - start).days
        if user_id not in best or span < best[user_id][0]:
            best[user_id] = (span, pk)
    return {user_id: pk for user_id, (_span, pk) in best.items()}


class GoalPoller(threading.Thread):
    """Reads the stored actual of each person's month goal every POLL_INTERVAL."""

    def __init__(self, goal_of: dict[int, int]) -> None:
        super().__init__(daemon=True)
        db = settings.DATABASES["default"]
        self.conn = psycopg2.connect(
            dbname=db["NAME"],
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
        )
        self.conn.autocommit = True
        self.user_of = {goal_id: user_id for user_id, goal_id in goal_of.items()}
        self.stop = threading.Event()
        self.seen: list[tuple[float, dict[int, int]]] = []

    def read(self) -> dict[int, int]:
        with self.conn.cursor() as cursor:
            cursor.execute(
                f"SELECT goal_id, actual FROM {_PROGRESS} WHERE goal_id = ANY(%s)",
                [list(self.user_of)],
            )
            return {self.user_of[g]: int(actual) for g, actual in cursor.fetchall()}

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.seen.append((time.perf_counter(), self.read()))
                self.stop.wait(POLL_INTERVAL)
        finally:
            self.conn.close()


def _admin(org_id: int) -> Membership:
    return (
        Membership.objects.for_org(org_id)
        .select_related("organization", "user")
        .get(user__email=ADMIN_EMAIL)
    )


def _owners(org_id: int) -> list[int]:
    return list(
        Membership.objects.for_org(org_id)
        .filter(role="member", active=True, team__isnull=False)
        .order_by("user_id")
        .values_list("user_id", flat=True)[:BURST_USERS]
    )


def test_drain_of_one_bucket_with_a_year_of_goals(cast: Cast, bench_report: Report) -> None:
    org = cast.org
    admin = _admin(org.pk)
    owner = _owners(org.pk)[0]
    today = periods.today(org)
    goal_id = _month_goals(org.pk, [owner], today)[owner]
    goals = Goal.objects.filter(organization=org).count()
    visit = ActivityType.objects.for_org(org).get(key="new_visit")
    queries: list[int] = []
    seconds: list[float] = []
    refreshed: list[int] = []
    slowest: dict[str, list[float]] = defaultdict(list)
    made: list[Activity] = []
    try:
        for _ in range(DRAIN_ROUNDS):
            # Logged without its drain task (eager here), so that the drain below does the work.
            with mock.patch("activities.services.request_rollup"), transaction.atomic():
                made.append(log_activity(actor=admin, type=visit, user=owner))
            stamp = GoalProgress.objects.filter(goal__organization=org).values_list(
                "goal_id", "computed_at"
            )
            before = dict(stamp.all())
            counted: list[str] = []

            def count(execute: Any, sql: str, *args: Any, seen: list[str] = counted) -> Any:
                seen.append(sql)  # CaptureQueriesContext stops counting at 9,000
                return execute(sql, *args)

            with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(count):
                began = time.perf_counter()
                assert rollup.drain(org_id=org.pk) == 1
                seconds.append(time.perf_counter() - began)
            queries.append(len(counted))
            after = dict(stamp.all())
            for query in captured.captured_queries:
                slowest[query["sql"][:60]].append(float(query["time"]))
            refreshed.append(sum(1 for g, at in after.items() if before.get(g) != at))
        goal = Goal.objects.select_related("metric", "organization").get(pk=goal_id)
        assert progress.stored_actuals(goal) == compute_actuals(goal)
    finally:
        _remove(org.pk, made)
    section = f"one drain, one bucket ({goals:,} goals present, {cast.goals})"
    bench_report(section, "queries (aim ≤ 30)", f"{statistics.median(queries):.0f}")
    bench_report(
        section,
        f"time, median of {DRAIN_ROUNDS} (aim ≤ 20 ms)",
        f"{statistics.median(seconds) * 1000:.1f} ms (min {min(seconds) * 1000:.1f})",
    )
    bench_report(section, "goals rewritten per drain", f"{statistics.median(refreshed):.0f}")
    top = sorted(slowest.items(), key=lambda kv: -statistics.median(kv[1]))[:4]
    for sql, times in top:
        bench_report(section, f"… {sql[:45]}", f"{statistics.median(times) * 1000:.1f} ms")


def _run_lag(
    org_id: int, pace: float, count: int, report: Report, section: str
) -> tuple[list[float], float]:
    admin = _admin(org_id)
    owners = _owners(org_id)
    today = periods.today(admin.organization)
    goal_of = _month_goals(org_id, owners, today)
    assert len(goal_of) == len(owners)
    visit = ActivityType.objects.for_org(org_id).get(key="new_visit")
    poller = GoalPoller(goal_of)
    before = poller.read()
    committed: list[float] = []
    made: list[Activity] = []
    try:
        poller.start()
        began = time.perf_counter()
        for i in range(count):
            if pace:
                delay = began + i / pace - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            with transaction.atomic():
                transaction.on_commit(lambda: committed.append(time.perf_counter()))
                made.append(log_activity(actor=admin, type=visit, user=owners[i % len(owners)]))
        logged = time.perf_counter() - began
        thresholds: list[tuple[int, int]] = []
        per_user: dict[int, int] = defaultdict(int)
        for activity in made:
            per_user[activity.user_id] += 1
            thresholds.append(
                (activity.user_id, before.get(activity.user_id, 0) + per_user[activity.user_id])
            )
        deadline = time.perf_counter() + DEADLINE
        while time.perf_counter() < deadline:
            latest = poller.seen[-1][1] if poller.seen else {}
            if all(latest.get(u, 0) >= n for u, n in thresholds):
                break
            time.sleep(POLL_INTERVAL)
        poller.stop.set()
        poller.join(timeout=10)
        lags: list[float] = []
        visible: list[float] = []
        for (user_id, needed), at in zip(thresholds, committed, strict=True):
            first = next((t for t, seen in poller.seen if seen.get(user_id, 0) >= needed), None)
            if first is not None:
                visible.append(first)
                lags.append(max(0.0, first - at))
        assert len(lags) == count, f"only {len(lags)} of {count} reached their goal"
        backlog_deadline = time.monotonic() + 30
        while DirtyBucket.objects.filter(organization_id=org_id).exists():
            assert time.monotonic() < backlog_deadline, "dirty buckets left"
            time.sleep(0.02)
        empty_after = time.perf_counter() - committed[-1]
        for goal in Goal.objects.filter(pk__in=goal_of.values()).select_related(
            "metric", "organization"
        ):
            assert progress.stored_actuals(goal) == compute_actuals(goal)
    finally:
        poller.stop.set()
        poller.join(timeout=10)
        _remove(org_id, made)
    report(section, "logged in", f"{logged:.2f} s ({count / logged:.0f}/s)")
    report(section, "commit → goal progress p50", f"{statistics.median(lags) * 1000:.0f} ms")
    report(section, "… p95 (aim ≤ 500 ms)", f"{_percentile(lags, 0.95) * 1000:.0f} ms")
    report(section, "… max", f"{max(lags) * 1000:.0f} ms")
    report(
        section,
        "last commit → backlog empty (aim ≤ 2 s)",
        f"{empty_after:.2f} s (poll every {POLL_INTERVAL * 1000:.0f} ms)",
    )
    return lags, empty_after


def test_lag_to_goal_progress_burst(
    cast: Cast, bench_report: Report, worker: subprocess.Popen[bytes]
) -> None:
    section = f"lag to goal progress: burst of {BURST}, {BURST_USERS} people, 1 solo worker"
    _run_lag(cast.org.pk, 0, BURST, bench_report, section)


def test_lag_to_goal_progress_sustained(
    cast: Cast, bench_report: Report, worker: subprocess.Popen[bytes]
) -> None:
    section = f"lag to goal progress: {SUSTAINED_RATE}/s for {SUSTAINED_SECONDS} s, 1 solo worker"
    count = SUSTAINED_RATE * SUSTAINED_SECONDS
    _run_lag(cast.org.pk, SUSTAINED_RATE, count, bench_report, section)


@pytest.fixture(autouse=True)
def _no_leftover_dirty(cast: Cast) -> None:
    rollup.drain_all(org_id=cast.org.pk)
