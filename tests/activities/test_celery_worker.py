"""A real Celery worker against the real stack (QUALITY R2, R3; DESIGN "The rollup pipeline").

Each test starts `celery -A salesmgmt worker` as a subprocess on the pytest test database
and a dedicated Redis database (flushed before and after), logs activities through the
service (committed: on_commit publishes for real) and watches the rollup. A drain is held
"mid-rollup" without any test hook in the app: the test takes the organisation's advisory
lock exclusively, so the worker's drain blocks on its shared lock inside its transaction;
then the pool child, or the whole worker, is SIGKILLed. The harness (workers.py) bounds every
wait and kills every worker in a `finally`.
"""

from __future__ import annotations

import os
import signal

import pytest
import redis

from activities import rollup
from activities.models import DirtyBucket
from activities.selectors import activity_counts
from activities.services import log_activity
from activities.tasks import drain_all_dirty_buckets_task
from salesmgmt import periods
from salesmgmt.celery import app as celery_app
from tests.activities.workers import (
    drains_waiting_for_the_org_lock,
    organisation_lock_held,
    wait_until,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.real_broker,
    pytest.mark.usefixtures("require_postgres"),
]

ROLLUP_TIMEOUT = 5


def total_today(org) -> int:
    today = periods.today(org)
    return sum(r.count for r in activity_counts(org, start=today, end=today))


def rollup_is_exact(org) -> bool:
    return not DirtyBucket.objects.filter(organization=org).exists() and rollup.stored_counts(
        org.pk
    ) == rollup.recompute_from_scratch(org.pk)


def test_a_running_worker_rolls_up_a_logged_activity_within_five_seconds(
    rollup_org, member, start_worker
):
    worker = start_worker("solo")

    log_activity(actor=member, type="call", quantity=3)  # commits: on_commit publishes

    wait_until(lambda: total_today(rollup_org) == 3, ROLLUP_TIMEOUT, "the rollup", worker.log)
    wait_until(lambda: rollup_is_exact(rollup_org), ROLLUP_TIMEOUT, "an exact rollup", worker.log)
    assert "drain_dirty_buckets_task" in worker.output()


def test_killing_the_pool_child_mid_rollup_re_runs_the_task(rollup_org, member, start_worker):
    """R2: acks_late + reject_on_worker_lost put the message back; a new child re-runs it."""
    worker = start_worker("prefork")
    [child] = worker.pool_children()

    with organisation_lock_held(rollup_org.pk):
        log_activity(actor=member, type="new_visit", quantity=2)
        wait_until(
            lambda: drains_waiting_for_the_org_lock() == 1, 15, "the drain to start", worker.log
        )
        os.kill(child, signal.SIGKILL)
        wait_until(lambda: child not in worker.pool_children(), 15, "a new pool child", worker.log)

    wait_until(lambda: rollup_is_exact(rollup_org), 20, "the re-run to finish", worker.log)
    assert total_today(rollup_org) == 2
    wait_until(lambda: " succeeded " in worker.output(), 10, "the success line", worker.log)
    output = worker.output()
    assert "WorkerLostError" in output
    # The same message (same task id) was delivered again and this time succeeded.
    received = [line for line in output.splitlines() if "drain_dirty_buckets_task[" in line]
    task_ids = {line.split("[", 2)[2].split("]")[0] for line in received}
    assert len(task_ids) == 1
    assert sum(" received" in line for line in received) == 2
    assert any(" succeeded " in line for line in received)


def test_killing_the_whole_worker_mid_rollup_leaves_the_work_for_the_beat_drain(
    rollup_org, member, start_worker, worker_broker
):
    """R3: the unacked message waits for the visibility timeout; the dirty bucket does not."""
    first = start_worker("prefork")
    with organisation_lock_held(rollup_org.pk):
        log_activity(actor=member, type="call", quantity=4)
        wait_until(
            lambda: drains_waiting_for_the_org_lock() == 1, 15, "the drain to start", first.log
        )
        first.kill()
    # The killed drain's database session ends once it gets the lock and finds no client.
    wait_until(lambda: first.database_backends() == 0, 15, "the dead worker's session to end")

    broker = redis.Redis.from_url(worker_broker, socket_timeout=5)
    assert broker.hlen("unacked") == 1  # not redelivered before the visibility timeout
    assert broker.llen("celery") == 0
    assert DirtyBucket.objects.filter(organization=rollup_org).count() == 1
    assert total_today(rollup_org) == 0

    assert drain_all_dirty_buckets_task() == 1  # beat's job, run in-process
    assert total_today(rollup_org) == 4
    assert rollup_is_exact(rollup_org)

    # The visibility timeout passes: kombu's own sweep puts the old message back...
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.visibility_timeout = 0
        channel.qos.restore_visible(num=10, interval=1)
    assert broker.hlen("unacked") == 0
    assert broker.llen("celery") == 1
    # ... and a restarted worker runs it again: nothing is counted twice.
    second = start_worker("solo")
    wait_until(lambda: broker.llen("celery") == 0, 10, "the redelivered message", second.log)
    wait_until(lambda: "succeeded" in second.output(), 10, "its drain to finish", second.log)
    assert total_today(rollup_org) == 4
    assert rollup_is_exact(rollup_org)

    log_activity(actor=member, type="call", quantity=1)
    wait_until(lambda: total_today(rollup_org) == 5, ROLLUP_TIMEOUT, "new work", second.log)
    wait_until(lambda: rollup_is_exact(rollup_org), ROLLUP_TIMEOUT, "exact", second.log)
    broker.close()
