"""Is the background machinery alive? The answers `manage.py healthcheck` prints.

Statuses follow the Nagios convention (0 OK, 1 WARNING, 2 CRITICAL), so one command serves a
container liveness probe, a process supervisor and a monitoring system alike.

- worker: a real round trip. The probe puts a task on the worker's own queue and waits for it
  to be executed. A ping (`celery inspect ping`) is answered by the worker's control channel
  even when its task consumer is gone, which is exactly the failure to catch (QUALITY R16).
- beat: the age of the heartbeat job that beat schedules every minute. It needs a worker to
  run it, so read it next to the worker check.
- rollups: the age of the last completed drain and nightly rebuild (QUALITY R14): WARNING
  after 26 h, CRITICAL after 50 h, so a missed night warns and two missed nights page.
"""

from __future__ import annotations

import enum
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.utils.nodenames import worker_direct
from django.utils import timezone

from activities import jobs
from activities.tasks import (
    drain_all_dirty_buckets_task,
    heartbeat_task,
    reconcile_open_periods_task,
    worker_ping_task,
)


class Status(enum.IntEnum):
    OK = 0
    WARNING = 1
    CRITICAL = 2


@dataclass(frozen=True)
class Verdict:
    status: Status
    message: str

    @property
    def line(self) -> str:
        return f"{self.status.name}: {self.message}"


def _age(moment: datetime | None) -> timedelta | None:
    return None if moment is None else timezone.now() - moment


def _hours(age: timedelta) -> str:
    return f"{age.total_seconds() / 3600:.1f} h"


def check_beat(*, max_age: timedelta) -> Verdict:
    """OK while the every-minute heartbeat completed within `max_age`."""
    age = _age(jobs.last_completed(heartbeat_task.name))
    if age is None:
        return Verdict(Status.CRITICAL, "beat: no heartbeat has ever completed")
    seconds = int(age.total_seconds())
    if age > max_age:
        return Verdict(
            Status.CRITICAL,
            f"beat: last heartbeat {seconds} s ago (limit {int(max_age.total_seconds())} s); "
            "beat, or every worker, is down",
        )
    return Verdict(Status.OK, f"beat: last heartbeat {seconds} s ago")


def check_rollups(*, warning: timedelta, critical: timedelta) -> Verdict:
    """The worst of the drain's and the nightly rebuild's ages against the two thresholds."""
    verdicts = []
    for label, task in (
        ("drain", drain_all_dirty_buckets_task),
        ("nightly rebuild", reconcile_open_periods_task),
    ):
        age = _age(jobs.last_completed(task.name))
        if age is None:
            verdicts.append(Verdict(Status.CRITICAL, f"{label} never completed"))
        elif age > critical:
            verdicts.append(Verdict(Status.CRITICAL, f"{label} last completed {_hours(age)} ago"))
        elif age > warning:
            verdicts.append(Verdict(Status.WARNING, f"{label} last completed {_hours(age)} ago"))
        else:
            verdicts.append(Verdict(Status.OK, f"{label} {_hours(age)} ago"))
    status = max(v.status for v in verdicts)
    limits = f"warning after {_hours(warning)}, critical after {_hours(critical)}"
    return Verdict(status, f"rollups: {'; '.join(v.message for v in verdicts)} ({limits})")


def local_worker_name() -> str:
    """The node name `celery worker` takes by default on this machine (celery@<hostname>)."""
    return f"celery@{socket.gethostname()}"


def check_worker(*, node: str, timeout: float) -> Verdict:
    """Send a task to `node`'s own queue; OK once that worker has executed it."""
    if worker_ping_task.app.conf.task_always_eager:
        return Verdict(Status.OK, "worker: no broker configured, tasks run in-process")
    sent_at = timezone.now()
    began = time.monotonic()
    try:
        worker_ping_task.apply_async(
            (sent_at.isoformat(),), queue=worker_direct(node), expires=timeout
        )
    except Exception as exc:  # any broker failure is the answer, not a crash
        return Verdict(Status.CRITICAL, f"worker {node}: could not send the probe: {exc!r}")
    job = f"worker:{node}"
    while time.monotonic() - began < timeout:
        answered = jobs.last_completed(job)
        if answered is not None and answered >= sent_at:
            elapsed = time.monotonic() - began
            return Verdict(Status.OK, f"worker {node}: ran the probe in {elapsed:.1f} s")
        time.sleep(0.2)
    return Verdict(Status.CRITICAL, f"worker {node}: did not run the probe within {timeout:g} s")
