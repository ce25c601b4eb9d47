"""Goals listen to the activities' rollup hook (goals imports activities, never the reverse)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import Team
from accounts.signals import demo_data_requested, organization_defaults_requested
from activities.rollup import register_follower
from goals.progress import bucket_follower

log = logging.getLogger(__name__)

# Goal progress follows every drain and range rebuild inside their transaction.
register_follower(bucket_follower)


def _refresh_team_goals(organization_id: int) -> None:
    """After the commit, have a worker recompute the organisation's open team goals."""

    def run() -> None:
        from goals.models import Goal
        from goals.tasks import refresh_goal_progress_task

        ids = list(
            Goal.objects.filter(
                organization_id=organization_id, scope=Goal.Scope.TEAM, closed_at=None
            ).values_list("pk", flat=True)
        )
        if not ids:
            return
        try:
            refresh_goal_progress_task.apply_async((ids,), expires=600)
        except Exception:
            log.warning("team goal refresh not enqueued; nightly reconcile will", exc_info=True)

    transaction.on_commit(run)


@receiver(post_save, sender=Team)
def _team_moved(sender: Any, instance: Team, created: bool, update_fields: Any, **kw: Any) -> None:
    """A team under another parent: the team goals above it (old and new) count differently."""
    if not created and (update_fields is None or "parent" in update_fields):
        _refresh_team_goals(instance.organization_id)


@receiver(post_delete, sender=Team)
def _team_deleted(sender: Any, instance: Team, **kwargs: Any) -> None:
    """Rows of a deleted team lose their team: the team goals above it count less."""
    _refresh_team_goals(instance.organization_id)


@receiver(organization_defaults_requested)
def _create_default_metrics(sender: Any, organization: Any, **kwargs: Any) -> None:
    from goals.services import ensure_default_metrics

    ensure_default_metrics(org=organization)


@receiver(demo_data_requested)
def _seed_demo_goals(sender: Any, organization: Any, memberships: Any, **kwargs: Any) -> None:
    from goals.demo import seed_demo_goals

    seed_demo_goals(org=organization)
