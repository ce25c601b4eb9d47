"""At most one pending drain per organisation (activities.tasks.publish_drain, issue 11).

Each drain takes every dirty bucket of its organisation, so a write that finds a drain
already waiting publishes nothing. The "drain pending" flag lives in the broker's Redis
(`SET … NX EX`); the task deletes it before it reads dirty buckets, so a write committed
after that publishes again. Without a Redis broker (eager tasks, the embedded default)
nothing is ever pending and every write drains at once, as before.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator

import pytest
import redis

from activities import rollup, tasks
from activities.models import DirtyBucket
from activities.services import log_activity
from activities.tasks import (
    DRAIN_PENDING_TTL,
    drain_all_dirty_buckets_task,
    drain_dirty_buckets_task,
)
from tests.activities.conftest import assert_rollup_exact, dirty_buckets
from tests.activities.workers import (
    drains_waiting_for_the_org_lock,
    organisation_lock_held,
    wait_until,
)


def _key(org_id: int) -> str:
    return f"salesmgmt:drain-pending:{org_id}"


def _queued(broker: redis.Redis) -> list[int]:
    """Org ids of the drain tasks waiting in the default queue, oldest first."""
    found = []
    for raw in reversed(broker.lrange("celery", 0, -1)):
        message = json.loads(raw)
        assert message["headers"]["task"] == "activities.tasks.drain_dirty_buckets_task"
        body = json.loads(base64.b64decode(message["body"]))
        found.append(body[0][0])
    return found


def _log(django_capture_on_commit_callbacks, actor, **kwargs):
    """Log an activity with its on-commit callbacks run, as after a real commit."""
    with django_capture_on_commit_callbacks(execute=True):
        return log_activity(actor=actor, **kwargs)


@pytest.fixture
def broker(worker_broker) -> Iterator[redis.Redis]:
    """The flushed Redis database this process now publishes to (non-eager), no worker."""
    client = redis.Redis.from_url(worker_broker, socket_timeout=5)
    yield client
    client.close()


# --- without Redis: the embedded default ----------------------------------------------------


def test_with_eager_tasks_every_write_drains_at_once_and_nothing_is_flagged(
    rollup_org, member, teammate, django_capture_on_commit_callbacks, monkeypatch
):
    def no_flag_store():
        raise AssertionError("eager tasks must not look for a flag store")

    monkeypatch.setattr(redis.Redis, "from_url", no_flag_store)
    for quantity in (1, 2, 3):
        _log(django_capture_on_commit_callbacks, member, type="call", quantity=quantity)
        assert dirty_buckets(rollup_org.pk) == set()  # drained inside the on-commit
    _log(django_capture_on_commit_callbacks, teammate, type="proposal")
    assert_rollup_exact(rollup_org)


@pytest.mark.real_broker
def test_a_broker_that_is_not_redis_publishes_every_write(
    rollup_org, member, celery_broker, django_capture_on_commit_callbacks, monkeypatch
):
    celery_broker("memory://")
    published: list[tuple] = []
    monkeypatch.setattr(
        type(drain_dirty_buckets_task._get_current_object()),
        "apply_async",
        lambda self, args=None, **kw: published.append(args),
    )
    for _ in range(3):
        _log(django_capture_on_commit_callbacks, member, type="call")
    assert published == [(rollup_org.pk,)] * 3


# --- with Redis, no worker: what is published -------------------------------------------------


@pytest.mark.real_broker
def test_writes_while_a_drain_is_pending_publish_one_task_per_organisation(
    rollup_org,
    member,
    teammate,
    other_org,
    outsider,
    broker,
    django_capture_on_commit_callbacks,
):
    from activities.services import ensure_default_activity_types

    ensure_default_activity_types(org=other_org)
    for i in range(6):
        _log(django_capture_on_commit_callbacks, member if i % 2 else teammate, type="call")
    _log(django_capture_on_commit_callbacks, outsider, type="call")
    _log(django_capture_on_commit_callbacks, outsider, type="proposal")

    assert _queued(broker) == [rollup_org.pk, other_org.pk]
    assert 0 < broker.ttl(_key(rollup_org.pk)) <= DRAIN_PENDING_TTL
    # Published to run DRAIN_DELAY later, so that the writes meanwhile gather onto it.
    for raw in broker.lrange("celery", 0, -1):
        headers = json.loads(raw)["headers"]
        assert headers["eta"] is not None
        assert headers["expires"] is not None
    assert len(dirty_buckets(rollup_org.pk)) == 2  # the writes are recorded, not drained

    # The one task drains every dirty bucket of its organisation.
    assert drain_dirty_buckets_task.apply(args=(rollup_org.pk,)).get() == 2
    assert_rollup_exact(rollup_org)
    assert broker.exists(_key(rollup_org.pk)) == 0
    assert broker.exists(_key(other_org.pk)) == 1  # the other organisation's is still pending


@pytest.mark.real_broker
def test_a_write_after_the_task_started_publishes_again(
    rollup_org, member, teammate, broker, django_capture_on_commit_callbacks, monkeypatch
):
    _log(django_capture_on_commit_callbacks, member, type="call", quantity=2)
    assert _queued(broker) == [rollup_org.pk]

    real_drain = rollup.drain_marked_before
    seen: dict[str, object] = {}

    def drain_with_a_write_racing(*, org_id: int, **kwargs) -> int:
        # The flag is gone before any dirty bucket is read...
        seen["flag_when_reading"] = broker.exists(_key(org_id))
        # ...so a write committing now, while this drain runs, publishes a new task.
        _log(django_capture_on_commit_callbacks, teammate, type="proposal")
        seen["queued_meanwhile"] = _queued(broker)
        return real_drain(org_id=org_id, **kwargs)

    monkeypatch.setattr(rollup, "drain_marked_before", drain_with_a_write_racing)
    broker.delete("celery")  # the worker took the first task off the queue
    drain_dirty_buckets_task.apply(args=(rollup_org.pk,)).get()
    monkeypatch.setattr(rollup, "drain_marked_before", real_drain)

    assert seen == {"flag_when_reading": 0, "queued_meanwhile": [rollup_org.pk]}
    assert broker.exists(_key(rollup_org.pk)) == 1  # the racing write's task is pending
    assert_rollup_exact(rollup_org)  # this drain took the racing write's bucket too

    # The second task finds nothing left: cheap, and nothing is left dirty.
    assert drain_dirty_buckets_task.apply(args=(rollup_org.pk,)).get() == 0
    assert broker.exists(_key(rollup_org.pk)) == 0
    _log(django_capture_on_commit_callbacks, member, type="call")
    assert _queued(broker) == [rollup_org.pk, rollup_org.pk]


@pytest.mark.real_broker
def test_a_failed_publish_clears_the_flag_so_the_next_write_publishes(
    rollup_org, member, broker, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    task_class = type(drain_dirty_buckets_task._get_current_object())
    real_apply_async = task_class.apply_async

    def broken_apply_async(self, args=None, **kwargs):
        raise ConnectionError("broker went away")

    caplog.set_level(logging.WARNING, logger="activities.services")
    monkeypatch.setattr(task_class, "apply_async", broken_apply_async)
    _log(django_capture_on_commit_callbacks, member, type="call")
    assert "rollup not enqueued" in caplog.text
    assert broker.exists(_key(rollup_org.pk)) == 0
    assert dirty_buckets(rollup_org.pk) != set()  # committed; the periodic drain has it

    monkeypatch.setattr(task_class, "apply_async", real_apply_async)
    _log(django_capture_on_commit_callbacks, member, type="call")
    assert _queued(broker) == [rollup_org.pk]


@pytest.mark.real_broker
def test_the_periodic_drain_clears_the_flag_of_a_lost_task(
    rollup_org, member, broker, django_capture_on_commit_callbacks
):
    _log(django_capture_on_commit_callbacks, member, type="call")
    broker.delete("celery")  # the task is lost (queue purged); its flag stays
    _log(django_capture_on_commit_callbacks, member, type="call")
    assert _queued(broker) == []  # coalesced onto the lost task

    assert drain_all_dirty_buckets_task() == 1
    assert_rollup_exact(rollup_org)
    assert broker.exists(_key(rollup_org.pk)) == 0
    _log(django_capture_on_commit_callbacks, member, type="call")
    assert _queued(broker) == [rollup_org.pk]


# --- a real worker ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.real_broker
@pytest.mark.usefixtures("require_postgres")
def test_a_real_worker_runs_one_drain_for_a_burst_and_leaves_nothing_dirty(
    rollup_org, member, teammate, start_worker, worker_broker
):
    broker = redis.Redis.from_url(worker_broker, socket_timeout=5)
    worker = start_worker("solo")
    with organisation_lock_held(rollup_org.pk):
        log_activity(actor=member, type="call")  # commits: publishes the first drain
        wait_until(
            lambda: drains_waiting_for_the_org_lock() == 1, 15, "the drain to start", worker.log
        )
        # The running drain cleared the flag before blocking on the lock, so the burst
        # publishes exactly one more task, whatever its size (published with a countdown,
        # the worker may already hold it: counted below, two drains in all).
        assert broker.exists(_key(rollup_org.pk)) == 0
        for i in range(20):
            log_activity(actor=teammate if i % 2 else member, type="proposal", quantity=2)
        assert broker.llen("celery") <= 1
        assert broker.exists(_key(rollup_org.pk)) == 1

    wait_until(
        lambda: (
            not DirtyBucket.objects.filter(organization=rollup_org).exists()
            and broker.llen("celery") == 0
            and worker.output().count(" succeeded ") == 2
        ),
        20,
        "both drains to finish",
        worker.log,
    )
    assert_rollup_exact(rollup_org)
    assert worker.output().count("drain_dirty_buckets_task[") == 4  # 2 received, 2 succeeded
    assert broker.exists(_key(rollup_org.pk)) == 0
    broker.close()


def test_no_flag_store_when_tasks_are_eager():
    assert tasks._flag_store() is None
