"""Background processes run the documented way survive a SIGKILL, and a worker that stops
consuming fails its liveness probe (QUALITY R16).

The worker and beat are started with the Procfile's lines, verbatim: the worker takes its
default node name (celery@<hostname>), the one `manage.py healthcheck worker` probes by default.
The probe runs as a supervisor runs it, as a separate `manage.py` process.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from celery.utils.nodenames import worker_direct
from django.conf import settings
from django.db.models import F

from activities import health
from activities.models import JobRun
from activities.selectors import activity_counts
from activities.services import log_activity
from activities.tasks import heartbeat_task
from salesmgmt import periods
from salesmgmt.celery import app as celery_app
from tests.activities.conftest import assert_rollup_exact
from tests.activities.workers import process_env, wait_until
from tests.production import procfile

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.real_broker,
    pytest.mark.usefixtures("require_postgres"),
]

ROLLUP_TIMEOUT = 15


def total_today(org) -> int:
    today = periods.today(org)
    return sum(r.count for r in activity_counts(org, start=today, end=today))


def rollup_is_exact(org) -> bool:
    try:
        assert_rollup_exact(org)
    except AssertionError:
        return False
    return True


def probe(broker_url: str, *args: str) -> subprocess.CompletedProcess:
    """`manage.py healthcheck …` as a liveness probe runs it, next to the worker."""
    return subprocess.run(
        [sys.executable, "manage.py", "healthcheck", *args],
        cwd=settings.BASE_DIR,
        env=process_env(broker_url, "healthcheck"),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_a_sigkilled_worker_started_again_the_procfile_way_processes_tasks(
    rollup_org, member, start_worker
):
    worker = start_worker(command=procfile()["worker"])
    log_activity(actor=member, type="call", quantity=2)
    wait_until(lambda: total_today(rollup_org) == 2, ROLLUP_TIMEOUT, "the rollup", worker.log)

    worker.kill()
    log_activity(actor=member, type="call", quantity=1)  # queued while no worker runs
    worker.start()

    wait_until(lambda: total_today(rollup_org) == 3, ROLLUP_TIMEOUT, "the queued task", worker.log)
    wait_until(lambda: rollup_is_exact(rollup_org), ROLLUP_TIMEOUT, "an exact rollup", worker.log)


def test_a_sigkilled_beat_started_again_the_procfile_way_schedules_and_leaves_no_file(
    rollup_org, start_worker, worker_broker
):
    start_worker(command=procfile()["worker"])
    beat = start_worker(command=procfile()["beat"], ready="beat: Starting...")
    wait_until(lambda: probe(worker_broker, "beat").returncode == 0, 60, "a heartbeat", beat.log)

    beat.kill()
    # Down for two minutes: the heartbeat's slot passed meanwhile.
    JobRun.objects.filter(job=heartbeat_task.name).update(
        completed_at=F("completed_at") - timedelta(minutes=2)
    )
    beat.start()

    sent = "Sending due task heartbeat"
    wait_until(lambda: sent in beat.output().split("beat: Starting...")[-1], 20, "a send", beat.log)
    assert "Traceback" not in beat.output()
    assert not list(settings.BASE_DIR.glob("celerybeat-schedule*"))


def test_a_worker_that_stops_consuming_fails_the_probe_though_it_still_answers_pings(
    rollup_org, member, start_worker, worker_broker
):
    worker = start_worker(command=procfile()["worker"])
    node = health.local_worker_name()
    healthy = probe(worker_broker, "worker", "--timeout", "20")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert healthy.stdout.startswith(f"OK: worker {node}: ran the probe")

    # The fault: connected to Redis, answering its control channel, consuming nothing.
    for queue in ("celery", worker_direct(node).name):
        celery_app.control.cancel_consumer(queue, destination=[node], reply=True, timeout=5)
    assert celery_app.control.ping(destination=[node], timeout=5) == [{node: {"ok": "pong"}}]
    log_activity(actor=member, type="call", quantity=4)
    time.sleep(2)
    assert total_today(rollup_org) == 0

    stuck = probe(worker_broker, "worker", "--timeout", "5")

    assert stuck.returncode == 2
    assert stuck.stdout.strip() == f"CRITICAL: worker {node}: did not run the probe within 5 s"

    # The supervisor restarts it; the queued drain restores the totals.
    worker.kill()
    worker.start()
    wait_until(lambda: total_today(rollup_org) == 4, ROLLUP_TIMEOUT, "the drain", worker.log)
    wait_until(lambda: rollup_is_exact(rollup_org), ROLLUP_TIMEOUT, "an exact rollup", worker.log)
    assert probe(worker_broker, "worker", "--timeout", "20").returncode == 0
