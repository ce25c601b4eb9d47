"""When each background job last completed, and the beat scheduler that starts from it.

- Every periodic job (the beat schedule in salesmgmt/celery.py) records its completion when it
  succeeds, whichever process ran it: one rule here, so a job added to the schedule is covered.
- `CatchUpScheduler` is beat's scheduler. It keeps nothing on disk: each job's last run is its
  last recorded completion, so a beat restarted after any downtime runs every job that missed a
  slot once, at once, and a SIGKILLed beat leaves no stale or half-written schedule file.
- The jobs themselves cover everything since their last completion (see the tasks), and
  `manage.py healthcheck` reads the same records (activities.health).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from celery import Celery, Task
from celery.beat import Scheduler
from celery.signals import task_success
from django.utils import timezone

from activities.models import JobRun

# What "never completed" counts as: long enough ago for every schedule to be due at once.
_NEVER = timedelta(days=366)


def record_completed(job: str, *, at: datetime | None = None) -> None:
    """Note that `job` completed at `at` (now); a record never moves backwards."""
    at = at or timezone.now()
    JobRun.objects.bulk_create([JobRun(job=job, completed_at=at)], ignore_conflicts=True)
    JobRun.objects.filter(job=job, completed_at__lt=at).update(completed_at=at)


def last_completed(job: str) -> datetime | None:
    """When `job` last completed, or None if it never did."""
    return JobRun.objects.filter(job=job).values_list("completed_at", flat=True).first()


def completions() -> dict[str, datetime]:
    """Every recorded completion, by job."""
    return dict(JobRun.objects.values_list("job", "completed_at"))


def periodic_task_names(app: Celery) -> set[str]:
    return {entry["task"] for entry in app.conf.beat_schedule.values()}


@task_success.connect
def _record_periodic_job(sender: Task | None = None, **_kwargs: Any) -> None:
    if sender is not None and sender.name in periodic_task_names(sender.app):
        record_completed(sender.name)


class CatchUpScheduler(Scheduler):
    """Celery beat scheduler whose memory is the database (see the module docstring).

    Celery's default scheduler keeps last-run times in a local shelve file, which only knows
    what beat *sent* (not what completed), is lost with a container and can be left
    half-written by a SIGKILL. Here a job is due at start when it never completed or when a
    slot has passed since its last completion; after that beat runs its usual clock.
    """

    def setup_schedule(self) -> None:
        super().setup_schedule()
        done = completions()
        never = self.app.now() - _NEVER
        for entry in self.schedule.values():
            entry.last_run_at = done.get(entry.task or "", never)
