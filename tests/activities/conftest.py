"""Shared cast and helpers for the activities suites.

`rollup_org` is the conftest `org` with the default activity types; `assert_rollup_exact`
checks the heart of the rollup pipeline: one stored row per bucket key and stored counts
equal to a from-scratch GROUP BY over the activity log.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
import redis
from kombu import pools

from accounts.models import Organization
from activities import rollup
from activities.models import ActivityType, DailyActivityCount, DirtyBucket
from activities.services import ensure_default_activity_types
from salesmgmt.celery import app as celery_app
from tests.activities.workers import Worker, worker_redis_url


def require_services() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") in ("1", "true", "yes")


def rollup_rows(org_id: int) -> list[tuple]:
    """Every stored daily row of the organisation, sorted (duplicates stay visible)."""
    return sorted(
        DailyActivityCount.objects.filter(organization_id=org_id).values_list(
            "user_id", "team_id", "type_id", "date", "count", "entries"
        ),
        key=lambda r: (r[0], r[1] or 0, r[2], r[3]),
    )


def assert_rollup_exact(org: Organization | int, *, drained: bool = True) -> None:
    """Stored rows == recompute from scratch, one row per bucket key (NULL teams included);
    the coarse organisation totals too.

    `stored_counts` is a dict and would hide two rows with the same key (PostgreSQL lets
    NULL team ids through the unique constraint), so duplicates are counted on the rows.
    """
    org_id = org if isinstance(org, int) else org.pk
    rows = rollup_rows(org_id)
    duplicates = [key for key, n in Counter(r[:4] for r in rows).items() if n > 1]
    assert duplicates == [], f"duplicate rollup rows: {duplicates}"
    assert rollup.stored_counts(org_id) == rollup.recompute_from_scratch(org_id)
    assert rollup.stored_org_daily(org_id) == rollup.org_daily_from_scratch(org_id)
    if drained:
        assert not DirtyBucket.objects.filter(organization_id=org_id).exists()


def dirty_buckets(org_id: int) -> set[tuple[int, object]]:
    return set(DirtyBucket.objects.filter(organization_id=org_id).values_list("user_id", "date"))


@pytest.fixture
def activity_types(org) -> dict[str, ActivityType]:
    ensure_default_activity_types(org=org)
    return {t.key: t for t in ActivityType.objects.for_org(org)}


@pytest.fixture
def rollup_org(org, activity_types) -> Organization:
    """The conftest organisation with its default activity types."""
    return org


# --- Celery wiring ----------------------------------------------------------------------------


def _reset_connections() -> None:
    """Close the app's broker connections and forget its pools.

    kombu keeps connection and producer pools in process-wide groups keyed on the broker
    URL; `pools.reset()` closes them all and empties the groups, so the next publish opens
    a fresh pool for whatever URL is configured then.
    """
    pools.reset()
    celery_app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        celery_app.amqp._producer_pool = None


@pytest.fixture
def celery_broker() -> Iterator[Callable[..., None]]:
    """Point this process's Celery app at a broker (non-eager) for one test, then restore."""
    conf = celery_app.conf
    saved = {
        "broker_url": conf.broker_url,
        "broker_write_url": conf.broker_write_url,
        "task_always_eager": conf.task_always_eager,
    }

    def point(url: str, *, eager: bool = False) -> None:
        _reset_connections()
        conf.broker_url = url
        conf.broker_write_url = None  # type: ignore[assignment]
        conf.task_always_eager = eager

    yield point
    _reset_connections()
    for name, value in saved.items():
        setattr(conf, name, value)


@pytest.fixture
def redis_server_binary() -> str:
    """The redis-server binary; fails under REQUIRE_SERVICES=1 when missing, else skips."""
    path = shutil.which("redis-server")
    if path is None:
        message = "redis-server binary not found"
        if require_services():
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def worker_broker(require_redis, celery_broker) -> Iterator[str]:
    """A dedicated, flushed Redis database; this process publishes to it (non-eager)."""
    url = worker_redis_url(require_redis)
    client = redis.Redis.from_url(url, socket_timeout=5)
    client.flushdb()
    celery_broker(url)
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def start_worker(worker_broker, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start real workers on `worker_broker` and the test database; all killed afterwards."""
    started: list[Worker] = []

    def start(
        pool: str = "solo", command: str | None = None, ready: str = " ready.", **extra_env: str
    ) -> Worker:
        worker = Worker(worker_broker, tmp_path, pool, command, ready, **extra_env)
        started.append(worker)
        return worker.start()

    try:
        yield start
    finally:
        for worker in started:
            worker.kill()
