"""Celery entry points of the goals app: small, id-taking, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Organization
from goals import progress
from salesmgmt.tasks import retrying_task


@retrying_task
def refresh_goal_progress_task(goal_ids: list[int]) -> int:
    """Recompute the stored progress of these goals from their sources."""
    return progress.refresh_goals(goal_ids=goal_ids)


@shared_task(ignore_result=True, acks_late=True)
def reconcile_goals_task() -> None:
    """Nightly: close goals whose period ended, and recompute every open goal from source."""
    for org in Organization.objects.all():
        progress.close_ended_goals(org=org)
        progress.refresh_open_goals(org_id=org.pk)
