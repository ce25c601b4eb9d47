"""Broker and task faults around the rollup pipeline (QUALITY R5, R6, R7, R11, R15).

Logging an activity never fails because Redis or the worker is down: the activity and its
dirty mark commit together, the enqueue after commit is best-effort and logged when it
fails, and the periodic drain (beat) recomputes what no worker did.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from celery.exceptions import Retry
from django.core.cache import cache
from django.db import OperationalError

from activities import rollup
from activities.models import Activity, DirtyBucket
from activities.selectors import activity_counts
from activities.services import log_activity
from activities.tasks import drain_all_dirty_buckets_task, drain_dirty_buckets_task
from salesmgmt import periods
from salesmgmt.celery import app as celery_app
from tests.activities.conftest import assert_rollup_exact, dirty_buckets, rollup_rows

REFUSED_BROKER = "redis://127.0.0.1:1/0"
STALL_BUDGET = 5.0  # seconds; the target is about 3 s (1 s socket timeouts)


def _task_class():
    return type(drain_dirty_buckets_task._get_current_object())


def _enqueue_warnings(caplog) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "activities.services"
        and r.levelno == logging.WARNING
        and "rollup not enqueued" in r.getMessage()
    ]


def _today_total(org) -> int:
    today = periods.today(org)
    return sum(r.count for r in activity_counts(org, start=today, end=today))


def _assert_pending_then_beat_catches_up(org, member, quantity: int) -> None:
    """The write is committed and marked dirty; one beat drain makes the rollup exact."""
    assert Activity.objects.filter(organization=org, user=member.user).count() == 1
    assert dirty_buckets(org.pk) == {(member.user_id, periods.today(org))}
    assert rollup_rows(org.pk) == []
    schedule = celery_app.conf.beat_schedule["drain-dirty-buckets"]
    assert schedule["task"] == drain_all_dirty_buckets_task.name
    assert schedule["schedule"] <= 60  # "within one beat period"

    assert drain_all_dirty_buckets_task() == 1  # what beat runs, called in-process

    assert _today_total(org) == quantity
    assert_rollup_exact(org)


@pytest.fixture
def post_activity(api_for, client_for, django_capture_on_commit_callbacks):
    """Log an activity through the API or the "my day" page; on-commit callbacks run.

    Returns (response status, seconds taken, number of on-commit callbacks).
    """
    cache.clear()  # the write throttle counts in the cache

    def post(via: str, member, quantity: int) -> tuple[int, float, int]:
        org = member.organization
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            if via == "api":
                response = api_for(member).post(
                    f"/api/v1/orgs/{org.slug}/activities/",
                    {"type": "call", "quantity": quantity},
                    format="json",
                )
            else:
                response = client_for(member).post(
                    f"/o/{org.slug}/activities/", {"type": "call", "quantity": quantity}
                )
        return response.status_code, time.monotonic() - started, len(callbacks)

    yield post
    cache.clear()


ENTRY_POINTS = ["api", "html"]
EXPECTED_STATUS = {"api": 201, "html": 302}  # the page redirects back to "my day"


# --- R7: the on-commit enqueue raises ---------------------------------------------------------


def test_an_enqueue_that_raises_after_commit_is_logged_and_the_write_stands(
    rollup_org, member, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    attempts: list[tuple] = []

    def broken_apply_async(self, args=None, **kwargs):
        attempts.append(tuple(args))
        raise RuntimeError("broker exploded")

    monkeypatch.setattr(_task_class(), "apply_async", broken_apply_async)
    caplog.set_level(logging.WARNING, logger="activities.services")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        activity = log_activity(actor=member, type="call", quantity=2)

    assert len(callbacks) == 1
    assert attempts == [(rollup_org.pk,)]
    assert activity.pk is not None
    warnings = _enqueue_warnings(caplog)
    assert len(warnings) == 1
    assert warnings[0].exc_info is not None  # the traceback is kept for the operator
    _assert_pending_then_beat_catches_up(rollup_org, member, 2)


@pytest.mark.parametrize("via", ENTRY_POINTS)
def test_an_activity_post_whose_enqueue_raises_is_still_a_success(
    rollup_org, member, monkeypatch, caplog, post_activity, via
):
    def broken_apply_async(self, args=None, **kwargs):
        raise RuntimeError("broker exploded")

    monkeypatch.setattr(_task_class(), "apply_async", broken_apply_async)
    caplog.set_level(logging.WARNING, logger="activities.services")

    status, _elapsed, callbacks = post_activity(via, member, 2)

    assert status == EXPECTED_STATUS[via]
    assert callbacks == 1
    assert len(_enqueue_warnings(caplog)) == 1
    _assert_pending_then_beat_catches_up(rollup_org, member, 2)


# --- R5: Redis refused -----------------------------------------------------------------------


@pytest.mark.real_broker
def test_with_redis_refusing_connections_logging_succeeds_quickly_and_beat_catches_up(
    rollup_org, member, celery_broker, caplog, django_capture_on_commit_callbacks
):
    celery_broker(REFUSED_BROKER)
    caplog.set_level(logging.WARNING, logger="activities.services")

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        log_activity(actor=member, type="new_visit", quantity=3)
    elapsed = time.monotonic() - started

    assert len(callbacks) == 1
    assert len(_enqueue_warnings(caplog)) == 1
    # A refused connection is known at once: no sleeping between publish attempts.
    assert elapsed < 1.5, f"logging took {elapsed:.2f}s with Redis refusing connections"
    _assert_pending_then_beat_catches_up(rollup_org, member, 3)


@pytest.mark.real_broker
@pytest.mark.parametrize("via", ENTRY_POINTS)
def test_an_activity_post_with_redis_refusing_connections_is_a_quick_success(
    rollup_org, member, celery_broker, caplog, post_activity, via
):
    celery_broker(REFUSED_BROKER)
    caplog.set_level(logging.WARNING, logger="activities.services")

    status, elapsed, callbacks = post_activity(via, member, 3)

    assert status == EXPECTED_STATUS[via]
    assert callbacks == 1
    assert len(_enqueue_warnings(caplog)) == 1
    assert elapsed < 1.5, f"the POST took {elapsed:.2f}s with Redis refusing connections"
    _assert_pending_then_beat_catches_up(rollup_org, member, 3)


# --- R6: Redis accepts connections but stalls -------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def throwaway_redis(redis_server_binary) -> Iterator[redis.Redis]:
    """A private redis-server on a free port, killed afterwards whatever happens."""
    port = _free_port()
    process = subprocess.Popen(
        [
            redis_server_binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert process.poll() is None, "redis-server exited"
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield client
    finally:
        process.kill()
        process.wait(timeout=10)
        with contextlib.suppress(Exception):
            client.close()


@pytest.mark.real_broker
@pytest.mark.parametrize("warm", [False, True], ids=["fresh_connection", "pooled_connection"])
def test_with_redis_stalled_logging_returns_within_budget_and_the_work_is_kept(
    rollup_org,
    member,
    celery_broker,
    throwaway_redis,
    caplog,
    django_capture_on_commit_callbacks,
    warm,
):
    port = throwaway_redis.connection_pool.connection_kwargs["port"]
    celery_broker(f"redis://127.0.0.1:{port}/0")
    if warm:  # the producer already holds a pooled connection when the stall begins
        drain_dirty_buckets_task.apply_async((rollup_org.pk,), expires=600)
        assert throwaway_redis.llen("celery") == 1
        throwaway_redis.delete("celery")
    caplog.set_level(logging.WARNING, logger="activities.services")
    throwaway_redis.execute_command("CLIENT", "PAUSE", 15000, "ALL")

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        log_activity(actor=member, type="call", quantity=4)
    elapsed = time.monotonic() - started

    assert len(callbacks) == 1
    assert elapsed < STALL_BUDGET, f"logging blocked {elapsed:.2f}s on a stalled Redis"
    assert len(_enqueue_warnings(caplog)) == 1
    _assert_pending_then_beat_catches_up(rollup_org, member, 4)


@pytest.mark.real_broker
def test_an_api_post_with_redis_stalled_answers_201_within_budget(
    rollup_org, member, celery_broker, throwaway_redis, caplog, post_activity
):
    port = throwaway_redis.connection_pool.connection_kwargs["port"]
    celery_broker(f"redis://127.0.0.1:{port}/0")
    caplog.set_level(logging.WARNING, logger="activities.services")
    throwaway_redis.execute_command("CLIENT", "PAUSE", 15000, "ALL")

    status, elapsed, callbacks = post_activity("api", member, 4)

    assert status == 201
    assert callbacks == 1
    assert elapsed < STALL_BUDGET, f"the POST blocked {elapsed:.2f}s on a stalled Redis"
    assert len(_enqueue_warnings(caplog)) == 1
    _assert_pending_then_beat_catches_up(rollup_org, member, 4)


# --- R11: the same task delivered twice -------------------------------------------------------


def test_the_same_drain_task_delivered_twice_counts_once(rollup_org, member, teammate):
    log_activity(actor=member, type="call", quantity=2)
    log_activity(actor=member, type="call", quantity=3)
    log_activity(actor=teammate, type="proposal")

    first = drain_dirty_buckets_task.apply(args=(rollup_org.pk,))
    rows = rollup_rows(rollup_org.pk)
    second = drain_dirty_buckets_task.apply(args=(rollup_org.pk,))

    assert (first.get(), second.get()) == (2, 0)
    assert rollup_rows(rollup_org.pk) == rows
    assert _today_total(rollup_org) == 6
    assert_rollup_exact(rollup_org)


def test_a_late_duplicate_delivery_after_newer_writes_still_counts_each_activity_once(
    rollup_org, member
):
    log_activity(actor=member, type="call", quantity=2)
    drain_dirty_buckets_task.apply(args=(rollup_org.pk,))
    log_activity(actor=member, type="call", quantity=5)  # same bucket, newer mark

    drain_dirty_buckets_task.apply(args=(rollup_org.pk,))  # the old message, redelivered
    drain_dirty_buckets_task.apply(args=(rollup_org.pk,))  # ... and the new one

    assert _today_total(rollup_org) == 7
    assert_rollup_exact(rollup_org)


def test_two_beat_processes_draining_at_once_do_not_double_count(
    rollup_org, other_org, member, outsider, activity_types
):
    from activities.services import ensure_default_activity_types

    ensure_default_activity_types(org=other_org)
    log_activity(actor=member, type="call", quantity=2)
    log_activity(actor=outsider, type="call", quantity=9)

    assert drain_all_dirty_buckets_task() == 2
    assert drain_all_dirty_buckets_task() == 0

    assert _today_total(rollup_org) == 2
    assert _today_total(other_org) == 9
    assert_rollup_exact(rollup_org)
    assert_rollup_exact(other_org)


# --- R15: transient database errors are retried, bugs are not ---------------------------------


class _TransientDatabaseError:
    """Makes the real drain fail inside its transaction, after the rows were rewritten."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        raise self.exc


@pytest.fixture
def retries(monkeypatch) -> list[dict]:
    """Records `Task.retry` calls (and answers like Celery does) instead of re-publishing."""
    calls: list[dict] = []

    def fake_retry(self, exc=None, countdown=None, **kwargs):
        calls.append({"exc": exc, "countdown": countdown, **kwargs})
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(_task_class(), "retry", fake_retry)
    return calls


@pytest.mark.parametrize("previous_retries", [0, 2, 4])
def test_an_operational_error_inside_a_drain_is_retried_with_capped_jittered_backoff(
    rollup_org, member, monkeypatch, retries, previous_retries
):
    log_activity(actor=member, type="call")
    fault = _TransientDatabaseError(OperationalError("could not serialize access"))
    monkeypatch.setattr(rollup, "_record_applied", fault)

    result = drain_dirty_buckets_task.apply(
        args=(rollup_org.pk,), retries=previous_retries, throw=False
    )

    assert result.state == "RETRY"
    assert fault.calls == 1
    assert len(retries) == 1
    assert isinstance(retries[0]["exc"], OperationalError)
    countdown = retries[0]["countdown"]
    assert 0 <= countdown <= min(2**previous_retries, drain_dirty_buckets_task.retry_backoff_max)
    assert DirtyBucket.objects.filter(organization=rollup_org).count() == 1  # rolled back
    assert rollup_rows(rollup_org.pk) == []


def test_an_operational_error_after_the_last_retry_fails_the_task_and_logs_it(
    rollup_org, member, monkeypatch, caplog
):
    log_activity(actor=member, type="call")
    monkeypatch.setattr(rollup, "_record_applied", _TransientDatabaseError(OperationalError("x")))
    caplog.set_level(logging.ERROR, logger="celery.app.trace")

    result = drain_dirty_buckets_task.apply(
        args=(rollup_org.pk,), retries=drain_dirty_buckets_task.max_retries, throw=False
    )

    assert drain_dirty_buckets_task.max_retries == 5
    assert result.state == "FAILURE"
    assert isinstance(result.result, OperationalError)
    assert any("raised unexpected" in r.getMessage() for r in caplog.records)
    assert DirtyBucket.objects.filter(organization=rollup_org).count() == 1  # for beat


def test_a_value_error_inside_a_drain_is_not_retried_but_fails_and_is_logged(
    rollup_org, member, monkeypatch, retries, caplog
):
    log_activity(actor=member, type="call")
    fault = _TransientDatabaseError(ValueError("bad data"))
    monkeypatch.setattr(rollup, "_record_applied", fault)
    caplog.set_level(logging.ERROR, logger="celery.app.trace")

    result = drain_dirty_buckets_task.apply(args=(rollup_org.pk,), throw=False)

    assert result.state == "FAILURE"
    assert isinstance(result.result, ValueError)
    assert fault.calls == 1
    assert retries == []
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("ValueError" in r.getMessage() for r in errors)
    assert DirtyBucket.objects.filter(organization=rollup_org).count() == 1
