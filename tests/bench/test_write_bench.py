"""Write path under load: activities POSTed over HTTP by many reps, the worker keeping up.

gunicorn with the Procfile's web settings (`--config gunicorn.conf.py --workers 3 --timeout
30`, sync workers) on a free loopback port, one real Celery worker (solo, as the lag
benchmarks) on a flushed Redis database, and wrk POSTing new visits to
`/api/v1/orgs/<org>/activities/` with the knox tokens of many reps, at 4, 8 and 16
connections. Reported: sustained activities/s, latency p50/p95/max (wrk), the broker's queue
length during and after each run, how long after the last request the dirty backlog was
empty, and whether every goal the writes fed equals a recompute. The year of goals is the
dashboard benchmark's (`test_dashboard_bench.cast`). Run: see tests/bench/README.md.

Timings are reported, never asserted; the assertions are sanity checks (every request
answered 201, the backlog emptied, goal progress and the rollup equal a recompute). What the
runs wrote (activities, tokens) is removed again and the touched buckets re-rolled.
"""

# Raw SQL here interpolates only table names (model _meta), never input.
# ruff: noqa: S608

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from knox.models import AuthToken

from accounts.models import Membership
from activities import rollup
from activities.models import Activity, DirtyBucket
from goals import progress
from goals.models import Goal
from goals.services import compute_actuals
from salesmgmt import periods
from tests.bench import test_dashboard_bench, test_rollup_bench
from tests.bench.servers import database_url, free_port, serving
from tests.bench.test_dashboard_bench import Cast
from tests.bench.test_rollup_bench import Report

# The fixtures of the neighbouring benchmarks: the year of goals, one real worker.
cast = test_dashboard_bench.cast
worker = test_rollup_bench.worker

ROOT = Path(__file__).resolve().parents[2]
# gunicorn runs the code of this checkout, or of another one (BENCH_WRITE_WEB_ROOT, e.g. the
# code before a change, to compare both against the same data and load); the worker always
# runs this checkout's.
WEB_ROOT = Path(os.environ.get("BENCH_WRITE_WEB_ROOT") or ROOT)
WRK = shutil.which("wrk") or "/usr/bin/wrk"
CONNECTIONS = (4, 8, 16)
DURATION = int(os.environ.get("BENCH_WRITE_SECONDS", "30"))
REPS = 1000  # tokens of this many reps; each request picks one at random
BACKLOG_TIMEOUT = 120.0
SAMPLE_INTERVAL = 0.25
ACTIVITY_TYPE = "new_visit"  # the metric of the year of goals: every write feeds goals

LUA = """
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local path = os.getenv("BENCH_PATH")
local body = '{"type": "__TYPE__"}'

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local token = tokens[math.random(#tokens)]
  return wrk.format("POST", path, {
    ["Authorization"] = "Token " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"timeouts": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
""".replace("__TYPE__", ACTIVITY_TYPE)


def _procfile_web() -> list[str]:
    """The Procfile's `web:` line, with `$PORT` left for the caller and the bind on loopback."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            argv = line.removeprefix("web:").split()
            return [
                str(ROOT / ".venv" / "bin" / "gunicorn") if a == "gunicorn" else a for a in argv
            ]
    raise AssertionError("Procfile has no web process")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _cpu_probe() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this machine's CPUs run right now.

    On a shared virtual machine the same code takes 30-40 % more CPU in some hours than in
    others; reported beside each run so runs can be compared.
    """
    started = time.process_time()
    total = 0
    for i in range(3_000_000):
        total += i * i % 7
    return time.process_time() - started


@dataclass
class Web:
    port: int
    workdir: Path
    pid: int


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU of a process (and of its live children: gunicorn's workers)."""
    pids = [pid]
    if children:
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0
    for one in pids:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICK


@pytest.fixture
def web(cast: Cast, bench_redis_url: str, worker: subprocess.Popen[bytes]) -> Iterator[Web]:
    """gunicorn with the Procfile's web settings on loopback, publishing to the worker's broker."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="bench-write-"))
    argv = [a.replace("0.0.0.0:$PORT", f"127.0.0.1:{port}") for a in _procfile_web()]
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_MANIFEST": "0",
        "DATABASE_URL": database_url(),
        "REDIS_URL": bench_redis_url,
        "LOG_LEVEL": "WARNING",
    }
    # CONN_MAX_AGE: gunicorn.conf.py's default for the web workers (60 s, persistent
    # connections) unless the environment running the benchmark sets it (0: one per request).
    try:
        with serving(argv, cwd=WEB_ROOT, env=env, port=port, error_log=workdir / "error.log") as p:
            yield Web(port=port, workdir=workdir, pid=p.pid)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def tokens(cast: Cast, web: Web) -> Iterator[Path]:
    """A knox token for each of REPS reps, in a file for the Lua script; deleted afterwards."""
    reps = list(
        Membership.objects.for_org(cast.org)
        .filter(role=Membership.Role.MEMBER, active=True, team__isnull=False)
        .order_by("user_id")
        .select_related("user")[:REPS]
    )
    made = [AuthToken.objects.create(user=m.user) for m in reps]
    path = web.workdir / "tokens.txt"
    path.write_text("".join(f"{token}\n" for _instance, token in made))
    try:
        yield path
    finally:
        AuthToken.objects.filter(pk__in=[instance.pk for instance, _ in made]).delete()


class Sampler(threading.Thread):
    """Every SAMPLE_INTERVAL: the broker's queue length and the organisation's dirty buckets."""

    def __init__(self, broker: redis.Redis, org_id: int) -> None:
        super().__init__(daemon=True)
        self.broker, self.org_id = broker, org_id
        self.samples: list[tuple[float, int, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        import psycopg2

        db = settings.DATABASES["default"]
        conn = psycopg2.connect(
            dbname=db["NAME"],
            user=db.get("USER") or "postgres",
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or "127.0.0.1",
            port=db.get("PORT") or 5432,
        )
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                while not self.stop.is_set():
                    cursor.execute(
                        f"SELECT count(*) FROM {DirtyBucket._meta.db_table} "
                        "WHERE organization_id = %s",
                        [self.org_id],
                    )
                    dirty = cursor.fetchone()[0]
                    queued = self.broker.llen("celery")
                    self.samples.append((time.monotonic(), queued, dirty))
                    self.stop.wait(SAMPLE_INTERVAL)
        finally:
            conn.close()


def _run_wrk(web: Web, tokens: Path, script: Path, slug: str, connections: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "BENCH_TOKENS": str(tokens),
        "BENCH_PATH": f"/api/v1/orgs/{slug}/activities/",
    }
    completed = subprocess.run(
        [
            WRK,
            "-t",
            str(min(2, connections)),
            "-c",
            str(connections),
            "-d",
            f"{DURATION}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{web.port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=DURATION + 60,
        check=True,
    )
    last = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    assert last, completed.stdout + completed.stderr
    return json.loads(last[-1])


def _goals_fed(org_id: int, user_ids: set[int], day: Any) -> list[Goal]:
    """The open goals the writes fed: the reps', their teams' (and ancestors'), the org's."""
    return list(
        Goal.objects.for_org(org_id)
        .filter(start__lte=day, end__gte=day, closed_at__isnull=True)
        .select_related("metric")
        .order_by("id")
    )


def test_write_path_under_load(
    cast: Cast,
    web: Web,
    tokens: Path,
    worker: subprocess.Popen[bytes],
    bench_redis_url: str,
    bench_report: Report,
) -> None:
    if not Path(WRK).exists():
        pytest.fail("wrk is not installed (apt-get install -y wrk)")
    org = cast.org
    section = "write path"
    broker = redis.Redis.from_url(bench_redis_url, socket_timeout=5)
    script = web.workdir / "post_activity.lua"
    script.write_text(LUA)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Activity._meta.db_table}")
        first_new_id = cursor.fetchone()[0] + 1
    bench_report(section, "dataset", cast.goals)
    bench_report(
        section,
        "gunicorn",
        f"{' '.join(_procfile_web()[1:])}, DEBUG=0, code of {WEB_ROOT}",
    )
    bench_report(
        section, "CONN_MAX_AGE", os.environ.get("CONN_MAX_AGE", "60 (gunicorn.conf.py's default)")
    )
    try:
        for connections in CONNECTIONS:
            before = Activity.objects.filter(organization=org, id__gte=first_new_id).count()
            sampler = Sampler(broker, org.pk)
            probe = _cpu_probe()
            load_before = _load()
            cpu_web, cpu_worker = _cpu_seconds(web.pid, children=True), _cpu_seconds(worker.pid)
            sampler.start()
            try:
                result = _run_wrk(web, tokens, script, org.slug, connections)
                cpu_web = _cpu_seconds(web.pid, children=True) - cpu_web
                ended = time.monotonic()
                deadline = ended + BACKLOG_TIMEOUT
                while not (
                    sampler.samples
                    and sampler.samples[-1][0] > ended
                    and sampler.samples[-1][1:] == (0, 0)
                ):
                    assert time.monotonic() < deadline, "the backlog did not empty in 120 s"
                    time.sleep(SAMPLE_INTERVAL / 2)
            finally:
                sampler.stop.set()
                sampler.join(timeout=10)
            cpu_worker = _cpu_seconds(worker.pid) - cpu_worker
            during = [s for s in sampler.samples if s[0] <= ended]
            emptied = next(s[0] for s in sampler.samples if s[0] > ended and s[1:] == (0, 0))
            written = Activity.objects.filter(organization=org, id__gte=first_new_id).count()
            seconds = result["duration_us"] / 1e6
            label = f"{connections} connections"
            assert result["non_2xx"] == 0, result
            assert result["socket_errors"] == 0, result
            # wrk counts the requests answered within the duration; those still in flight
            # at the end (at most one per connection) were written too.
            assert 0 <= written - before - result["requests"] <= connections, (written, result)
            bench_report(
                section,
                f"{label}: activities/s (aim ≥ 200 at 8)",
                f"{result['requests'] / seconds:.1f} ({result['requests']:,} in {seconds:.1f} s)",
            )
            bench_report(
                section,
                f"{label}: latency p50 / p95 / max (aim p95 ≤ 50 ms at 8)",
                f"{result['p50_us'] / 1000:.1f} / {result['p95_us'] / 1000:.1f} / "
                f"{result['max_us'] / 1000:.1f} ms (p99 {result['p99_us'] / 1000:.1f} ms)",
            )
            bench_report(
                section,
                f"{label}: queue (LLEN) during: max / median",
                f"{max(s[1] for s in during)} / {statistics.median(s[1] for s in during):.0f}",
            )
            bench_report(
                section,
                f"{label}: dirty buckets during: max / median",
                f"{max(s[2] for s in during)} / {statistics.median(s[2] for s in during):.0f}",
            )
            bench_report(
                section,
                f"{label}: end → queue and backlog empty",
                f"{emptied - ended:.2f} s (≤ {SAMPLE_INTERVAL} s resolution)",
            )
            bench_report(
                section,
                f"{label}: CPU per activity: gunicorn workers / celery worker",
                f"{cpu_web / result['requests'] * 1000:.1f} / "
                f"{cpu_worker / result['requests'] * 1000:.1f} ms",
            )
            bench_report(
                section, f"{label}: load average before / after", f"{load_before} / {_load()}"
            )
            bench_report(
                section,
                f"{label}: CPU probe before (fixed loop; lower is a faster CPU)",
                f"{probe:.3f} s",
            )

        # Goal progress kept up: every goal the writes fed equals a recompute.
        today = periods.today(org)
        made = Activity.objects.filter(organization=org, id__gte=first_new_id)
        users = set(made.values_list("user_id", flat=True))
        goals = _goals_fed(org.pk, users, today)
        started = time.perf_counter()
        wrong = [g.pk for g in goals if progress.stored_actuals(g) != compute_actuals(g)]
        bench_report(
            section,
            "goals containing today equal to a recompute",
            f"{len(goals) - len(wrong):,} of {len(goals):,} "
            f"(checked in {time.perf_counter() - started:.0f} s; {len(users)} reps wrote)",
        )
        assert wrong == []
        assert not DirtyBucket.objects.filter(organization=org).exists()
        assert broker.llen("celery") == 0
    finally:
        _remove_new(org.pk, first_new_id)
        broker.close()


def _remove_new(org_id: int, first_new_id: int) -> None:
    """Put the dataset back: delete what the runs wrote and re-roll its buckets in-process."""
    made = Activity.objects.filter(organization_id=org_id, id__gte=first_new_id)
    buckets = {rollup.Bucket(u, d) for u, d in made.values_list("user_id", "local_date")}
    if not buckets:
        return
    with transaction.atomic():
        made.delete()
        rollup.mark_dirty(org_id=org_id, buckets=buckets)
    rollup.drain_all(org_id=org_id)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run with pytest, see tests/bench/README.md")
