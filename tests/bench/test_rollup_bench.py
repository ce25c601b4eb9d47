"""Rollup benchmarks: full rebuild vs a plain GROUP BY upsert, dashboard reads, log-to-stats lag.

Timings are reported (terminal summary, README), never asserted: the assertions here are
sanity checks (the rollup equals a recompute from source, every burst activity became
visible). Run: see tests/bench/README.md.
"""

# Raw SQL here interpolates only table names (model _meta and a constant), never input.
# ruff: noqa: S608

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from kombu import pools

from accounts.management.commands.seed_demo import ADMIN_EMAIL
from accounts.models import Membership, Team
from activities import rollup, selectors
from activities.models import (
    Activity,
    ActivityType,
    DailyActivityCount,
    DirtyBucket,
    OrgDailyActivityCount,
)
from activities.services import log_activity
from salesmgmt import periods
from salesmgmt.celery import app as celery_app
from tests.bench.datagen import Dataset

ROOT = Path(__file__).resolve().parents[2]
ACT = Activity._meta.db_table
DAILY = DailyActivityCount._meta.db_table
ORG_DAILY = OrgDailyActivityCount._meta.db_table
BURST = 500
BURST_USERS = 50
POLL_INTERVAL = 0.02
# The worker the lag benchmark starts: `celery -A salesmgmt worker …`, one process, one task.
WORKER_ARGS = ["-A", "salesmgmt", "worker", "-P", "solo", "-c", "1"]
WORKER_ARGS += ["--without-gossip", "--without-mingle", "-l", "warning"]
LAG_DEADLINE = 120.0  # seconds after the burst for every activity to show up

Report = Callable[[str, str, str], None]


def _sql(statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def _settle(table: str) -> None:
    """Before a timed run: no dead rows left to trip over, no checkpoint half-way."""
    _sql(f"VACUUM {table}")
    _sql("CHECKPOINT")


# --- rebuild_rollups vs a plain INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE ----------


class StatementTimes:
    """A connection.execute_wrapper adding up the time spent per kind of statement."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if not sql.lstrip().startswith("WITH"):
                kind = "other statements"
            elif f"INSERT INTO {ORG_DAILY}" in sql:
                kind = "coarse (type, day) diff statement"
            else:
                kind = "daily diff statement"
            self.seconds[kind] += time.perf_counter() - began


def _timed_rebuild(org_id: int) -> tuple[float, rollup.RebuildResult, dict[str, float]]:
    _settle(DAILY)
    times = StatementTimes()
    began = time.perf_counter()
    with connection.execute_wrapper(times):
        result = rollup.rewrite_range(org_id=org_id)
    total = time.perf_counter() - began
    phases = dict(times.seconds)
    phases["COMMIT (deferred FK checks of inserted rows)"] = total - sum(times.seconds.values())
    return total, result, phases


def _timed_plain_upsert(org_id: int) -> tuple[float, int]:
    """The baseline: one plain statement recomputing every bucket into the rollup itself."""
    _settle(DAILY)
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DAILY} "
            "(organization_id, user_id, team_id, type_id, date, count, entries) "
            "SELECT organization_id, user_id, team_id, type_id, local_date, "
            "       SUM(quantity), COUNT(*) "
            f"FROM {ACT} WHERE organization_id = %s "
            "GROUP BY organization_id, user_id, local_date, type_id, team_id "
            "ON CONFLICT (organization_id, user_id, date, type_id, team_id) DO UPDATE "
            "SET count = excluded.count, entries = excluded.entries",
            [org_id],
        )
        rows = cursor.rowcount
    return time.perf_counter() - began, rows


def _perturb(org_id: int) -> None:
    """Make every stored daily row of the organisation differ from the recompute (committed),
    then VACUUM: a "fully changed" range for the next statement to put right."""
    with transaction.atomic():
        _sql(f"UPDATE {DAILY} SET count = count + 1 WHERE organization_id = %s", [org_id])


def _differences(org_id: int) -> int:
    """Rows in which the rollup and a fresh GROUP BY of the log differ (either way)."""
    stored = (
        "SELECT user_id, team_id, type_id, date, count, entries "
        f"FROM {DAILY} WHERE organization_id = %s"
    )
    fresh = (
        "SELECT user_id, team_id, type_id, local_date, SUM(quantity), COUNT(*) "
        f"FROM {ACT} WHERE organization_id = %s GROUP BY user_id, team_id, type_id, local_date"
    )
    (row,) = _sql(
        f"SELECT count(*) FROM (({stored} EXCEPT ALL {fresh}) "
        f"UNION ALL ({fresh} EXCEPT ALL {stored})) AS diff",
        [org_id] * 4,
    )
    return int(row[0])


def test_rebuild_vs_plain_upsert(
    bench_dataset: Dataset, bench_report: Report, bench_rounds: int
) -> None:
    org_id = bench_dataset.org_id
    # ON CONFLICT never matches a NULL team (NULLs are distinct in the unique key), so the
    # baseline is only the same work on a dataset where every activity has a team.
    assert not Activity.objects.filter(organization_id=org_id, team_id=None).exists()
    section = "rebuild"
    for scenario in ("unchanged", "fully changed"):
        rebuilds: list[float] = []
        plains: list[float] = []
        phases: dict[str, list[float]] = defaultdict(list)
        result = None
        plain_rows = 0
        for _round in range(bench_rounds):
            if scenario == "fully changed":
                _perturb(org_id)
            seconds, result, by_statement = _timed_rebuild(org_id)
            rebuilds.append(seconds)
            for kind, spent in by_statement.items():
                phases[kind].append(spent)
            if _round == 0:
                # Sanity (untimed): the rebuild left exactly the recompute, coarse rows too.
                assert _differences(org_id) == 0
                assert rollup.stored_org_daily(org_id) == rollup.org_daily_from_scratch(org_id)
            if scenario == "fully changed":
                _perturb(org_id)
            seconds, plain_rows = _timed_plain_upsert(org_id)
            plains.append(seconds)
        assert result is not None
        fresh, deleted, updated, inserted = result.daily
        assert fresh == plain_rows > 0
        if scenario == "unchanged":
            assert (deleted, updated, inserted) == (0, 0, 0)
        else:
            assert (deleted, updated, inserted) == (0, fresh, 0)
        rebuild, plain = statistics.median(rebuilds), statistics.median(plains)
        bench_report(
            section,
            f"{scenario}: daily rows fresh / deleted / updated / inserted",
            f"{fresh:,} / {deleted:,} / {updated:,} / {inserted:,}",
        )
        bench_report(
            section,
            f"{scenario}: rebuild_range(org) median of {bench_rounds}",
            f"{rebuild:.2f} s  ({', '.join(f'{s:.2f}' for s in rebuilds)})",
        )
        for kind, samples in sorted(phases.items()):
            bench_report(
                section, f"{scenario}:   of which {kind}", f"{statistics.median(samples):.2f} s"
            )
        bench_report(
            section,
            f"{scenario}: plain INSERT…GROUP BY…ON CONFLICT DO UPDATE, median of {bench_rounds}",
            f"{plain:.2f} s  ({', '.join(f'{s:.2f}' for s in plains)})",
        )
        aim = 2 if scenario == "unchanged" else 3
        bench_report(
            section, f"{scenario}: ratio rebuild / plain (aim <= {aim})", f"{rebuild / plain:.2f}x"
        )
    bench_report(section, "load average after", " ".join(f"{x:.1f}" for x in os.getloadavg()))


# --- dashboard reads ----------------------------------------------------------------------


def test_activity_counts_reads(bench_dataset: Dataset, bench_report: Report) -> None:
    org = bench_dataset.org
    today = periods.today(org)
    month = periods.month_of(periods.month_of(today).start - timedelta(days=1))
    year_start, year_end = today - timedelta(days=365), today - timedelta(days=1)
    team = Team.objects.for_org(org).filter(name__startswith="Region ").order_by("id").first()
    assert team is not None
    with CaptureQueriesContext(connection) as scope_queries:
        scope = selectors.team_scope(org, team)
    team_size = Membership.objects.for_org(org).filter(team_id__in=scope, role="member").count()
    cases: list[tuple[str, dict[str, Any]]] = [
        (f"team of {team_size}, {month.start:%Y-%m} by day", {"team_ids": scope}),
        (f"team of {team_size}, 365 days by month", {"team_ids": scope, "year": True}),
        (f"whole org, {month.start:%Y-%m} by day", {}),
        ("whole org, 365 days by month", {"year": True}),
    ]
    bench_report("activity_counts", "team_scope(team)", f"{len(scope_queries)} query")
    for label, options in cases:
        year = options.pop("year", False)
        start, end = (year_start, year_end) if year else (month.start, month.last)
        kwargs = {"start": start, "end": end, "grain": "month" if year else "day", **options}
        with CaptureQueriesContext(connection) as queries:
            rows = selectors.activity_counts(org, **kwargs)
        times = []
        for _ in range(5):
            began = time.perf_counter()
            selectors.activity_counts(org, **kwargs)
            times.append(time.perf_counter() - began)
        # Sanity: the rollup's total is the raw log's total over the same rows.
        raw = Activity.objects.for_org(org).filter(local_date__gte=start, local_date__lte=end)
        if "team_ids" in kwargs:
            raw = raw.filter(team_id__in=kwargs["team_ids"])
        assert sum(r.count for r in rows) == raw.aggregate(total=Sum("quantity"))["total"]
        assert len(queries) <= 2
        bench_report(
            "activity_counts",
            label,
            f"{len(queries)} query, median {statistics.median(times) * 1000:.1f} ms "
            f"({len(rows)} rows)",
        )


# --- lag from log to visible stats, one worker ----------------------------------------------


class Poller(threading.Thread):
    """Reads the rollup entries of the burst's buckets every POLL_INTERVAL (own connection)."""

    def __init__(self, org_id: int, users: list[int], days: list[date]) -> None:
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
        self.args = (org_id, days, users)
        self.stop = threading.Event()
        self.seen: list[tuple[float, dict[tuple[int, date], int]]] = []

    def read(self) -> dict[tuple[int, date], int]:
        with self.conn.cursor() as cursor:
            cursor.execute(
                f"SELECT user_id, date, SUM(entries) FROM {DAILY} "
                "WHERE organization_id = %s AND date = ANY(%s) AND user_id = ANY(%s) "
                "GROUP BY user_id, date",
                self.args,
            )
            return {(u, d): int(n) for u, d, n in cursor.fetchall()}

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                counts = self.read()
                self.seen.append((time.perf_counter(), counts))
                self.stop.wait(POLL_INTERVAL)
        finally:
            self.conn.close()


def _worker_env(redis_url: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    url = os.environ.get("DATABASE_URL") or (
        f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        DEBUG="0",  # as in production: no query log in the worker
        SECRET_KEY="bench-only-" + "x" * 50,
        ALLOWED_HOSTS="localhost",
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture
def worker(bench_dataset: Dataset, bench_redis_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """One real Celery worker (solo pool) on a flushed Redis database, this process publishing."""
    broker = redis.Redis.from_url(bench_redis_url, socket_timeout=2)
    broker.flushdb()
    conf = celery_app.conf
    saved = {name: conf[name] for name in ("broker_url", "broker_write_url", "task_always_eager")}
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed in the finally below)
        prefix="bench-worker-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", *WORKER_ARGS],
        cwd=ROOT,
        env=_worker_env(bench_redis_url),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _reset_celery_pools()
        conf.update(broker_url=bench_redis_url, broker_write_url=None, task_always_eager=False)
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker did not start:\n{Path(log.name).read_text()[-3000:]}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        _reset_celery_pools()
        conf.update(saved)
        broker.flushdb()
        broker.close()
        log.close()
        Path(log.name).unlink(missing_ok=True)


def _reset_celery_pools() -> None:
    """Close broker connections made with the previous broker_url; the next publish reconnects.

    kombu keeps connection and producer pools per broker URL process-wide (`pools.reset()`
    empties them); the app caches its own pool and producer pool as well.
    """
    pools.reset()
    celery_app._pool = None  # type: ignore[attr-defined]
    with contextlib.suppress(AttributeError):
        celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def test_log_to_stats_lag(
    bench_dataset: Dataset, bench_report: Report, worker: subprocess.Popen[bytes]
) -> None:
    org = bench_dataset.org
    admin = (
        Membership.objects.for_org(org)
        .select_related("organization", "user")
        .get(user__email=ADMIN_EMAIL)
    )
    owners = list(
        Membership.objects.for_org(org)
        .filter(role="member", active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)[:BURST_USERS]
    )
    visit = ActivityType.objects.for_org(org).get(key="new_visit")
    today = periods.today(org)
    days = [today, today + timedelta(days=1)]  # a burst may straddle local midnight
    poller = Poller(org.pk, owners, days)
    before = poller.read()
    committed: list[float] = []
    made: list[Activity] = []
    try:
        poller.start()
        burst_began = time.perf_counter()
        for i in range(BURST):
            with transaction.atomic():
                # Registered first, so it runs right at the commit, before the enqueue.
                transaction.on_commit(lambda: committed.append(time.perf_counter()))
                made.append(log_activity(actor=admin, type=visit, user=owners[i % BURST_USERS]))
        burst_seconds = time.perf_counter() - burst_began

        # The k-th burst activity of a bucket is visible once the bucket holds k more entries.
        thresholds: list[tuple[tuple[int, date], int]] = []
        per_bucket: dict[tuple[int, date], int] = defaultdict(int)
        for activity in made:
            bucket = (activity.user_id, activity.local_date)
            per_bucket[bucket] += 1
            thresholds.append((bucket, before.get(bucket, 0) + per_bucket[bucket]))
        deadline = time.perf_counter() + LAG_DEADLINE
        while time.perf_counter() < deadline:
            latest = poller.seen[-1][1] if poller.seen else {}
            if all(latest.get(b, 0) >= n for b, n in thresholds):
                break
            time.sleep(POLL_INTERVAL)
        poller.stop.set()
        poller.join(timeout=10)

        lags: list[float] = []
        visible_at: list[float] = []
        for (bucket, needed), commit_time in zip(thresholds, committed, strict=True):
            first = next((t for t, counts in poller.seen if counts.get(bucket, 0) >= needed), None)
            if first is not None:
                visible_at.append(first)
                lags.append(max(0.0, first - commit_time))
        assert len(lags) == BURST, f"only {len(lags)} of {BURST} activities became visible"
        pending_deadline = time.monotonic() + 30
        while DirtyBucket.objects.filter(organization_id=org.pk).exists():
            assert time.monotonic() < pending_deadline, "dirty buckets left after the burst"
            time.sleep(0.1)
        assert _burst_rollup(org.pk, owners, days) == _burst_recompute(org.pk, owners, days)
    finally:
        poller.stop.set()
        poller.join(timeout=10)
        _remove(org.pk, made)

    section = f"lag ({BURST} activities, {BURST_USERS} users, 1 solo worker)"
    bench_report(
        section, "burst logged in", f"{burst_seconds:.2f} s ({BURST / burst_seconds:.0f}/s)"
    )
    bench_report(section, "lag p50", f"{statistics.median(lags) * 1000:.0f} ms")
    bench_report(section, "lag p95 (aim < 1 s)", f"{_percentile(lags, 0.95) * 1000:.0f} ms")
    bench_report(section, "lag max", f"{max(lags) * 1000:.0f} ms")
    bench_report(
        section,
        "first commit to last visible",
        f"{max(visible_at) - committed[0]:.2f} s (poll every {POLL_INTERVAL * 1000:.0f} ms)",
    )
    bench_report(section, "last commit to last visible", f"{max(visible_at) - committed[-1]:.2f} s")


def _burst_rollup(org_id: int, users: list[int], days: list[date]) -> set[tuple[Any, ...]]:
    rows = DailyActivityCount.objects.filter(
        organization_id=org_id, user_id__in=users, date__in=days
    ).values_list("user_id", "team_id", "type_id", "date", "count", "entries")
    return set(rows)


def _burst_recompute(org_id: int, users: list[int], days: list[date]) -> set[tuple[Any, ...]]:
    rows = (
        Activity.objects.filter(organization_id=org_id, user_id__in=users, local_date__in=days)
        .values("user_id", "team_id", "type_id", "local_date")
        .annotate(total=Sum("quantity"), n=Count("id"))
        .order_by()
        .values_list("user_id", "team_id", "type_id", "local_date", "total", "n")
    )
    return set(rows)


def _remove(org_id: int, made: list[Activity]) -> None:
    """Put the dataset back: delete the burst and re-roll its buckets in-process."""
    if not made:
        return
    with transaction.atomic():
        Activity.objects.filter(pk__in=[a.pk for a in made]).delete()
        rollup.mark_dirty(
            org_id=org_id, buckets={rollup.Bucket(a.user_id, a.local_date) for a in made}
        )
    rollup.drain_all(org_id=org_id)
