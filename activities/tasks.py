"""Celery entry points of the rollup pipeline: small, id-taking, safe to run twice."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import Task, shared_task

from accounts.models import Organization
from activities import jobs, rollup
from activities.models import DirtyBucket
from salesmgmt import periods
from salesmgmt.tasks import retrying_task

log = logging.getLogger(__name__)


@retrying_task
def drain_dirty_buckets_task(org_id: int) -> int:
    """Recompute every dirty bucket of one organisation from source."""
    return rollup.drain_all(org_id=org_id)


@retrying_task
def drain_all_dirty_buckets_task() -> int:
    """Every minute: drain leftovers (broker was down, a worker died mid-task)."""
    total = 0
    org_ids = DirtyBucket.objects.values_list("organization_id", flat=True).distinct()
    for org_id in list(org_ids):
        total += rollup.drain_all(org_id=org_id)
    if total:
        log.info("periodic drain recomputed %d buckets", total)
    return total


@retrying_task
def reconcile_open_periods_task() -> None:
    """Nightly: rebuild every organisation's open months from source.

    Open months are the current and the previous one, reaching back to the month before the
    last completed run: after nights without a run (beat or the workers down), the first run
    covers every month those nights would have.
    """
    last_run = jobs.last_completed(reconcile_open_periods_task.name)
    for org in Organization.objects.all():
        today = periods.today(org)
        since = min(today, periods.local_date(org, last_run)) if last_run else today
        start = periods.month_of(periods.month_of(since).start - timedelta(days=1)).start
        rollup.rebuild_range(org_id=org.pk, start=start, end=today + timedelta(days=1))


@shared_task(ignore_result=True)
def heartbeat_task() -> None:
    """Every minute: nothing but its recorded completion, which shows beat is scheduling."""


@shared_task(bind=True, ignore_result=True)
def worker_ping_task(self: Task, sent_at: str) -> None:
    """The worker liveness probe's round trip: this worker took the probe off its own queue.

    Records the probe's own send time (not the worker's clock), so the probe recognises the
    answer to its message whatever the clocks of the two machines say.
    """
    jobs.record_completed(f"worker:{self.request.hostname}", at=datetime.fromisoformat(sent_at))
