"""Team dashboard benchmark: the JSON and the page under gunicorn, one and 20 clients.

On the bench dataset (tests/bench/datagen.py) plus a year of goals (a fiscal-year and
twelve monthly new-visit goals per team, each cascaded to its people; kept for the next run
in a database of its own, see `_keeps_goals`): one team of 20 ("Region 4"), this month.
Measured in one run:

- queries of the selectors (`team_dashboard`, what the JSON reads; `team_dashboard_page`,
  what the page reads) and of whole requests (the API with a knox token, the page with a
  session), in-process with `CaptureQueriesContext`;
- in-process wall time of the selectors (median of warm calls), computed (`team_dashboard`,
  the cache emptied before each page call) and served from the dashboard cache
  (`team_board`, dashboards/cache.py);
- the organisation overview of all 52 teams and 1,000 people for an admin: queries and
  in-process time of `org_overview` and of whole page requests, computed and cached;
- the same team's raw numbers (members, activities by type from the daily rollup, goals with
  stored progress, open/stale/overdue deals) as ONE hand-written SQL statement over the
  rollups, median of warm runs, checked equal to the selector's numbers;
- over HTTP against gunicorn with the Procfile's web settings (`--config gunicorn.conf.py
  --workers 3 --timeout 30`, sync workers; DEBUG off, loopback only): a single client
  (sequential requests), then 20 concurrent clients (threads, a fixed number of requests
  each); p50/p95 of the time each request took in the worker (gunicorn's access log, %(D)s)
  and of the time the client waited (which includes queueing for one of the 3 workers).
  The dashboard cache is the workers' own memory, or Redis with `--bench-cache-redis-url`.

Timings are printed (terminal summary) and copied into tests/bench/README.md by hand, never
asserted. Run: see the README ("Team dashboard").
"""

from __future__ import annotations

import http.client
import os
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from accounts.management.commands.seed_demo import ADMIN_EMAIL
from accounts.models import Membership, Organization, Team
from accounts.rules import must_use_mfa
from dashboards.api import as_json, team_board_json
from dashboards.selectors import (
    org_overview,
    team_board,
    team_dashboard,
    team_dashboard_page,
)
from deals.selectors import stale_cutoff
from goals import services as goal_services
from goals.models import Goal, GoalPeriodActual, GoalProgress, Metric
from salesmgmt import periods
from tests.bench.datagen import Dataset, database_name
from tests.bench.servers import database_url, free_port, serving

ROOT = Path(__file__).resolve().parents[2]
TEAM = "Region 4"
GOAL_MARK = "bench:"  # the title prefix of the goals this benchmark adds
WARM_CALLS = 15
WARMUP_REQUESTS = 10
SINGLE_REQUESTS = 200
CLIENTS = 20
REQUESTS_PER_CLIENT = 20
WORKERS = 3  # the Procfile's web process
REQUEST_TIMEOUT = 60.0

Report = Callable[[str, str, str], None]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _p50_p95(values: list[float]) -> str:
    return f"p50 {_ms(_percentile(values, 50))}, p95 {_ms(_percentile(values, 95))}"


# --- a year of goals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    org: Organization
    team: Team
    manager: Membership
    admin: Membership
    goals: str  # what the goals fixture did, for the report


def _yearly_visits_per_rep(dataset: Dataset) -> int:
    """Last year's new visits of an average rep (activities spread over 6 types, 2 each)."""
    return max(12, round(dataset.spec.activities / dataset.spec.users / 6 * 2))


def _add_a_year_of_goals(org: Organization, admin: Membership, per_rep: int) -> int:
    """Per team with people: this fiscal year's and each month's new-visit goal, cascaded
    evenly to its people, through the goal services (progress computed as in production)."""
    metric = Metric.objects.for_org(org).get(key="new_visit")
    year = periods.fiscal_year_of(org, periods.today(org))
    months = periods.split(org, year, "month")
    created = 0
    for team in Team.objects.for_org(org).order_by("id"):
        people = Membership.objects.for_org(org).filter(
            team=team, role=Membership.Role.MEMBER, active=True
        )
        reps = people.count()
        if not reps:
            continue
        spans = [(year, f"{GOAL_MARK} {team.name} FY", per_rep * reps)]
        spans += [
            (month, f"{GOAL_MARK} {team.name} {month.start:%Y-%m}", per_rep * reps / 12)
            for month in months
        ]
        for span, title, target in spans:
            goal = goal_services.create_goal(
                actor=admin,
                metric=metric,
                scope=Goal.Scope.TEAM,
                team=team,
                start=span.start,
                end=span.last,
                target=Decimal(round(target)),
                title=title,
            )
            children = goal_services.cascade_goal(actor=admin, goal=goal, to="members")
            created += 1 + len(children)
    return created


def _keeps_goals() -> bool:
    """Goals stay in a database of the dashboard benchmark's own (`…bench_dash…`); from a
    shared bench database they are removed again, leaving it as the other benchmarks expect
    it (no goals: their worker would otherwise refresh goal progress after each drain)."""
    return "dash" in database_name()


@pytest.fixture(scope="module")
def cast(bench_dataset: Dataset) -> Iterator[Cast]:
    org = bench_dataset.org
    admin = Membership.objects.select_related("organization", "user").get(
        organization=org, user__email=ADMIN_EMAIL
    )
    team = Team.objects.for_org(org).get(name=TEAM)
    manager = Membership.objects.select_related("organization", "user").get(
        organization=org, user__in=team.managers.all()
    )
    existing = Goal.objects.for_org(org).filter(title__startswith=GOAL_MARK).count()
    added = not existing
    if existing:
        goals = f"{existing:,} goals (reused)"
    else:
        began = time.perf_counter()
        created = _add_a_year_of_goals(org, admin, _yearly_visits_per_rep(bench_dataset))
        with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give
            for model in (Goal, GoalProgress, GoalPeriodActual):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        goals = f"{created:,} goals added in {time.perf_counter() - began:.0f} s"
    if added and not _keeps_goals():
        goals += ", removed after the run"
    yield Cast(org=org, team=team, manager=manager, admin=admin, goals=goals)
    if added and not _keeps_goals():
        Goal.objects.for_org(org).filter(title__startswith=GOAL_MARK, parent=None).delete()


# --- in-process: queries, selector times, the hand-written SQL ----------------------------------

# The team's raw numbers for [start, end) in one statement: its people (team and sub-teams),
# activities per type from the daily rollup, goals overlapping the period with their stored
# progress, open deals with stale and overdue counts. Pace, status, bottlenecks and alerts are
# arithmetic on these numbers, done in Python by the selector. (`= ANY(ARRAY(subquery))` makes
# the team ids a value the planner can use in index conditions; `IN (subquery)` does not.)
HAND_SQL = """
WITH RECURSIVE scope(id) AS (
    SELECT id FROM accounts_team WHERE id = %(team)s AND organization_id = %(org)s
    UNION ALL
    SELECT t.id FROM accounts_team t JOIN scope s ON t.parent_id = s.id
), people AS (
    SELECT m.user_id, u.name
    FROM accounts_membership m JOIN accounts_user u ON u.id = m.user_id
    WHERE m.organization_id = %(org)s AND m.active AND m.role = 'member'
      AND m.team_id = ANY(ARRAY(SELECT id FROM scope))
), activity AS (
    SELECT d.user_id, json_object_agg(d.key, d.total) AS counts
    FROM (
        SELECT c.user_id, t.key, SUM(c.count) AS total
        FROM activities_dailyactivitycount c JOIN activities_activitytype t ON t.id = c.type_id
        WHERE c.organization_id = %(org)s AND c.team_id = ANY(ARRAY(SELECT id FROM scope))
          AND c.date >= %(start)s AND c.date < %(end)s
        GROUP BY c.user_id, t.key
    ) AS d
    GROUP BY d.user_id
), goal_rows AS (
    SELECT g.user_id,
           json_agg(json_build_object('id', g.id, 'metric', k.key, 'target', g.target,
                                      'actual', CASE WHEN g.closed_at IS NULL
                                                     THEN COALESCE(p.actual, 0)
                                                     ELSE COALESCE(g.final_actual, 0) END)
                    ORDER BY g.start, g.id) AS goals
    FROM goals_goal g
    JOIN goals_metric k ON k.id = g.metric_id
    LEFT JOIN goals_goalprogress p ON p.goal_id = g.id
    WHERE g.organization_id = %(org)s AND g.scope = 'user'
      AND g.user_id IN (SELECT user_id FROM people)
      AND g.start < %(end)s AND g."end" >= %(start)s
    GROUP BY g.user_id
), deal_rows AS (
    SELECT d.owner_id,
           COUNT(*) AS open_deals,
           COUNT(*) FILTER (WHERE GREATEST(COALESCE(d.last_stage_change_at, d.created_at),
                                           COALESCE(d.last_activity_at, d.created_at))
                                  < %(stale_before)s) AS stale_deals,
           COUNT(*) FILTER (WHERE d.next_step_date < %(today)s) AS overdue_next_steps
    FROM deals_deal d JOIN deals_stage s ON s.id = d.stage_id
    WHERE d.organization_id = %(org)s AND s.outcome = 'open'
      AND d.owner_id IN (SELECT user_id FROM people)
    GROUP BY d.owner_id
)
SELECT p.user_id, COALESCE(a.counts, '{}'::json), COALESCE(g.goals, '[]'::json),
       COALESCE(d.open_deals, 0), COALESCE(d.stale_deals, 0), COALESCE(d.overdue_next_steps, 0)
FROM people p
LEFT JOIN activity a ON a.user_id = p.user_id
LEFT JOIN goal_rows g ON g.user_id = p.user_id
LEFT JOIN deal_rows d ON d.owner_id = p.user_id
ORDER BY p.name, p.user_id
"""


def _hand_sql(cast: Cast, period: periods.Period) -> list[tuple[Any, ...]]:
    params = {
        "org": cast.org.pk,
        "team": cast.team.pk,
        "start": period.start,
        "end": period.end,
        "today": periods.today(cast.org),
        "stale_before": stale_cutoff(cast.org),
    }
    with connection.cursor() as cursor:
        cursor.execute(HAND_SQL, params)
        return cursor.fetchall()


def _median_time(call: Callable[[], Any], rounds: int = WARM_CALLS) -> float:
    call()
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def _same_numbers(board: Any, rows: list[tuple[Any, ...]]) -> None:
    """The hand-written statement and the selector agree member by member."""
    by_user = {row[0]: row for row in rows}
    assert set(by_user) == {m.user.pk for m in board.members}
    for member in board.members:
        _uid, counts, goals, open_deals, stale, overdue = by_user[member.user.pk]
        assert {k: int(v) for k, v in counts.items()} == member.activities
        assert [(g["id"], Decimal(str(g["actual"]))) for g in goals] == [
            (line.goal.pk, line.progress.actual) for line in member.goals
        ]
        assert (open_deals, stale, overdue) == (
            member.open_deals,
            member.stale_deals,
            member.overdue_next_steps,
        )


def test_team_dashboard_queries_and_in_process_times(cast: Cast, bench_report: Report) -> None:
    org, team, manager = cast.org, cast.team, cast.manager
    today = periods.today(org)
    with CaptureQueriesContext(connection) as selector_queries:
        board = team_dashboard(org, team, kind="month", on=today)
    fresh = Membership.objects.select_related("organization", "user").get(pk=manager.pk)
    with CaptureQueriesContext(connection) as page_queries:
        team_dashboard_page(org, fresh, team, kind="month", on=today)
    assert len(board.members) == 20
    assert all(row.goals for row in board.members), "every rep has this month's goals"

    rows = _hand_sql(cast, board.period)
    _same_numbers(board, rows)

    def page() -> Any:
        actor = Membership.objects.select_related("organization", "user").get(pk=manager.pk)
        return team_dashboard_page(org, actor, team, kind="month", on=today)

    def page_computed() -> Any:
        caches["dashboards"].clear()
        return page()

    json_time = _median_time(lambda: as_json(team_dashboard(org, team, kind="month", on=today)))
    cached_json_time = _median_time(
        lambda: team_board_json(org, team, kind="month", on=today), rounds=200
    )
    page_time = _median_time(page_computed)
    cached_page_time = _median_time(page, rounds=100)
    sql_time = _median_time(lambda: _hand_sql(cast, board.period))
    assert as_json(team_board(org, team, kind="month", on=today)) == as_json(board)

    computed, cached = _request_queries(cast)
    section = f"dashboard ({TEAM}, 20 reps, {board.period.start:%Y-%m})"
    bench_report(section, "a year of goals", cast.goals)
    bench_report(section, "queries: team_dashboard (JSON's selector)", str(len(selector_queries)))
    bench_report(section, "queries: team_dashboard_page (page's selector)", str(len(page_queries)))
    bench_report(section, "queries: JSON request, computed / cached", f"{computed[0]}/{cached[0]}")
    bench_report(section, "queries: page request, computed / cached", f"{computed[1]}/{cached[1]}")
    bench_report(section, "in-process: team_dashboard + as_json, median", _ms(json_time))
    bench_report(
        section, "in-process: cached team_board_json (the API's), median", _ms(cached_json_time)
    )
    bench_report(section, "in-process: team_dashboard_page computed, median", _ms(page_time))
    bench_report(section, "in-process: team_dashboard_page cached, median", _ms(cached_page_time))
    bench_report(section, "hand-written SQL (1 statement), median", _ms(sql_time))


def _request_queries(cast: Cast) -> tuple[tuple[int, int], tuple[int, int]]:
    """Queries of a whole JSON request and a whole page request, in-process: with the
    dashboard computed (the cache emptied first), then served from the cache."""
    instance, token = AuthToken.objects.create(user=cast.manager.user)
    client = Client()
    client.force_login(cast.manager.user)
    try:
        api_url, page_url = _urls(cast)
        client.get(page_url)  # first-use caches (templates, URL resolvers) out of the count
        Client().get(api_url, HTTP_AUTHORIZATION=f"Token {token}")
        counts = []
        for empty_first in (True, False):
            if empty_first:
                caches["dashboards"].clear()
            with CaptureQueriesContext(connection) as api:
                response = Client().get(api_url, HTTP_AUTHORIZATION=f"Token {token}")
            assert response.status_code == 200
            if empty_first:
                caches["dashboards"].clear()
            with CaptureQueriesContext(connection) as page:
                response = client.get(page_url)
            assert response.status_code == 200
            counts.append((len(api), len(page)))
        return counts[0], counts[1]
    finally:
        instance.delete()
        client.logout()


@contextmanager
def _signed_in(membership: Membership) -> Iterator[Client]:
    """A session for the person, past the second factor where they must use one (admins):
    as django-otp marks it after a correct code. A device made here is removed after."""
    client = Client()
    client.force_login(membership.user)
    made = None
    if must_use_mfa(membership.user):
        device = TOTPDevice.objects.filter(user=membership.user, confirmed=True).first()
        if device is None:
            device = made = TOTPDevice.objects.create(
                user=membership.user, name="bench", confirmed=True
            )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    try:
        yield client
    finally:
        client.logout()
        if made is not None:
            made.delete()


def _cookie(client: Client) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_org_overview_in_process(cast: Cast, bench_report: Report) -> None:
    """The overview an admin opens: every team (52) and person (1,000), this month."""
    org, admin = cast.org, cast.admin
    today = periods.today(org)
    with _counting() as queries:
        overview = org_overview(org, admin, kind="month", on=today)
    people = sum(row.people for row in overview.rows if row.depth == 0)
    computed = _median_time(lambda: org_overview(org, admin, kind="month", on=today))
    with _signed_in(admin) as client:
        url = _overview_url(cast)
        client.get(url)  # first-use caches (templates, URL resolvers) out of the count

        def fresh_page() -> None:
            caches["dashboards"].clear()
            assert client.get(url).status_code == 200

        with _counting() as page_computed:
            fresh_page()
        with _counting() as page_cached:
            assert client.get(url).status_code == 200
        fresh_time = _median_time(fresh_page, rounds=7)
        page_time = _median_time(lambda: client.get(url), rounds=50)
    section = f"org overview ({len(overview.rows)} teams, {people:,} people)"
    bench_report(section, "queries: org_overview", str(queries[0]))
    bench_report(
        section, "queries: page request, computed / cached", f"{page_computed[0]}/{page_cached[0]}"
    )
    bench_report(section, "in-process: org_overview, median", _ms(computed))
    bench_report(section, "in-process: page request computed, median", _ms(fresh_time))
    bench_report(section, "in-process: page request cached, median", _ms(page_time))


@contextmanager
def _counting() -> Iterator[list[int]]:
    """Statements run inside, counted as they go (Django's query log stops at 9,000)."""
    count = [0]

    def wrapper(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


def _overview_url(cast: Cast) -> str:
    return f"/o/{cast.org.slug}/dashboards/?period=month"


def _urls(cast: Cast) -> tuple[str, str]:
    slug, team_id = cast.org.slug, cast.team.pk
    return (
        f"/api/v1/orgs/{slug}/dashboards/team/{team_id}/?period=month",
        f"/o/{slug}/dashboards/team/{team_id}/?period=month",
    )


# --- over HTTP: gunicorn, one client, 20 clients ------------------------------------------------


@dataclass
class Server:
    port: int
    access_log: Path

    def server_times(self, tag: str) -> list[float]:
        """Seconds each request tagged `tag` spent in a worker (gunicorn's %(D)s)."""
        times = []
        for line in self.access_log.read_text().splitlines():
            _path, query, status, micros = line.rsplit(" ", 3)
            if parse_qs(query.lstrip("?")).get("run") == [tag]:
                assert status == "200", line
                times.append(int(micros) / 1e6)
        return times


@pytest.fixture(scope="module")
def cache_redis_url(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--bench-cache-redis-url") or "")


@pytest.fixture(scope="module")
def gunicorn(cast: Cast, cache_redis_url: str) -> Iterator[Server]:
    """gunicorn with the Procfile's web settings on a free loopback port, DEBUG off, against
    the bench database (persistent connections, as a deployment would set CONN_MAX_AGE).
    The dashboard cache: each worker's memory, or the Redis of `--bench-cache-redis-url`."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="bench-gunicorn-"))
    access_log = workdir / "access.log"
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # the session cookie made here must verify there
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_MANIFEST": "0",
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
        # Each worker's own memory: right here only because nothing is written meanwhile.
        "DASHBOARD_CACHE_URL": "locmem://",
    }
    if cache_redis_url:
        # REDIS_URL also hands tasks to a broker; no task is sent by these GETs.
        env.update(REDIS_URL=cache_redis_url, DASHBOARD_CACHE_URL=cache_redis_url)
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "salesmgmt.wsgi",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        "%(U)s ?%(q)s %(s)s %(D)s",
        "--log-level",
        "warning",
        "--timeout",
        "30",
    ]
    with serving(command, cwd=ROOT, env=env, port=port, error_log=workdir / "error.log"):
        yield Server(port=port, access_log=access_log)


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _timed_get(port: int, path: str, headers: dict[str, str]) -> float:
    began = time.perf_counter()
    status, body = _get(port, path, headers)
    took = time.perf_counter() - began
    assert status == 200, body[:300]
    return took


def _tagged(url: str, tag: str) -> str:
    return f"{url}&{urlencode({'run': tag})}"


def _single_client(server: Server, url: str, headers: dict[str, str], tag: str) -> list[float]:
    for _ in range(WARMUP_REQUESTS):
        _timed_get(server.port, _tagged(url, "warmup"), headers)
    return [_timed_get(server.port, _tagged(url, tag), headers) for _ in range(SINGLE_REQUESTS)]


def _concurrent_clients(
    server: Server, url: str, headers: dict[str, str], tag: str
) -> tuple[list[float], float]:
    """CLIENTS threads, REQUESTS_PER_CLIENT requests each, all released at once."""
    waits: dict[int, list[float]] = defaultdict(list)
    errors: list[BaseException] = []
    start = threading.Barrier(CLIENTS + 1)

    def client(index: int) -> None:
        try:
            start.wait(timeout=30)
            for _ in range(REQUESTS_PER_CLIENT):
                waits[index].append(_timed_get(server.port, _tagged(url, tag), headers))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    start.wait(timeout=30)
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT * REQUESTS_PER_CLIENT)
    elapsed = time.perf_counter() - began
    assert not errors, errors[:3]
    assert not any(thread.is_alive() for thread in threads), "a client is stuck"
    return [t for times in waits.values() for t in times], elapsed


def test_team_dashboard_over_http_with_1_and_20_clients(
    cast: Cast, gunicorn: Server, cache_redis_url: str, bench_report: Report
) -> None:
    instance, token = AuthToken.objects.create(user=cast.manager.user)
    browser = Client()
    browser.force_login(cast.manager.user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    admin_session = _signed_in(cast.admin)
    admin_cookie = _cookie(admin_session.__enter__())
    api_url, page_url = _urls(cast)
    targets = [
        ("json", "JSON", api_url, {"Authorization": f"Token {token}"}),
        ("page", "page", page_url, {"Cookie": cookie}),
        ("partial", "page, htmx partial", page_url, {"Cookie": cookie, "HX-Request": "true"}),
        ("overview", "org overview page (admin)", _overview_url(cast), {"Cookie": admin_cookie}),
    ]
    where = f"Redis {cache_redis_url}" if cache_redis_url else "each worker's memory"
    bench_report("dashboard over HTTP", f"gunicorn --workers {WORKERS}, cache", where)
    try:
        for tag, name, url, headers in targets:
            waits = _single_client(gunicorn, url, headers, f"{tag}-1")
            served = gunicorn.server_times(f"{tag}-1")
            bench_report("dashboard over HTTP", f"{name}, 1 client: server", _p50_p95(served))
            bench_report("dashboard over HTTP", f"{name}, 1 client: client", _p50_p95(waits))
            waits, elapsed = _concurrent_clients(gunicorn, url, headers, f"{tag}-20")
            served = gunicorn.server_times(f"{tag}-20")
            rate = len(waits) / elapsed
            bench_report("dashboard over HTTP", f"{name}, 20 clients: server", _p50_p95(served))
            bench_report(
                "dashboard over HTTP",
                f"{name}, 20 clients: client",
                f"{_p50_p95(waits)} ({len(waits)} requests, {rate:.0f}/s)",
            )
    finally:
        instance.delete()
        browser.logout()
        admin_session.__exit__(None, None, None)
