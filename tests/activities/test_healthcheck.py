"""`manage.py healthcheck`: one line, and the exit status a supervisor or Nagios acts on.

The two-day outage (R14) is in test_beat_catch_up.py and the worker that stops consuming
(R16) in test_worker_liveness.py; here the edges.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from activities import jobs
from activities.tasks import (
    drain_all_dirty_buckets_task,
    heartbeat_task,
    reconcile_open_periods_task,
)

pytestmark = pytest.mark.django_db


def healthcheck(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("healthcheck", *args, stdout=out)
    return exited.value.code, out.getvalue().strip()


def completed(task, hours_ago: float) -> None:
    jobs.record_completed(task.name, at=timezone.now() - timedelta(hours=hours_ago))


def test_before_any_job_completed_every_background_check_is_critical():
    assert healthcheck("beat") == (2, "CRITICAL: beat: no heartbeat has ever completed")
    status, line = healthcheck("rollups")
    assert status == 2
    assert "drain never completed" in line
    assert "nightly rebuild never completed" in line


def test_the_rollup_thresholds_can_be_set_per_probe():
    completed(drain_all_dirty_buckets_task, 0.01)
    completed(reconcile_open_periods_task, 3)

    assert healthcheck("rollups")[0] == 0
    assert healthcheck("rollups", "--warning-hours", "2", "--critical-hours", "4")[0] == 1
    assert healthcheck("rollups", "--warning-hours", "1", "--critical-hours", "2")[0] == 2


def test_a_stalled_drain_is_reported_even_when_the_nightly_rebuild_ran():
    completed(drain_all_dirty_buckets_task, 30)
    completed(reconcile_open_periods_task, 1)

    status, line = healthcheck("rollups")

    assert status == 1
    assert line.startswith("WARNING: rollups: drain last completed 30.0 h ago")


def test_the_worker_check_has_nothing_to_probe_when_tasks_run_in_process():
    status, line = healthcheck("worker")

    assert status == 0
    assert "tasks run in-process" in line


def test_the_beat_limit_can_be_set_per_probe():
    completed(heartbeat_task, 0.05)  # three minutes ago

    assert healthcheck("beat")[0] == 0
    assert healthcheck("beat", "--max-age", "120")[0] == 2
