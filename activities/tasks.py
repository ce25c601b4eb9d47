"""Celery entry points of the rollup pipeline: small, id-taking, safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from accounts.models import Organization
from activities import rollup
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
    """Nightly: rebuild every organisation's current and previous month from source."""
    for org in Organization.objects.all():
        today = periods.today(org)
        start = periods.month_of(periods.month_of(today).start - timedelta(days=1)).start
        rollup.rebuild_range(org_id=org.pk, start=start, end=today + timedelta(days=1))
