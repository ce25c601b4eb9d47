"""Goals listen to the activities' rollup hook (goals imports activities, never the reverse)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.signals import demo_data_requested, organization_defaults_requested
from activities.signals import rollups_changed


@receiver(rollups_changed)
def _refresh_goals_after_rollup(
    sender: Any, organization_id: int, buckets: Any = None, **kwargs: Any
) -> None:
    """Runs in the worker right after a rollup commit: recompute the goals it touches."""
    from goals import services

    if buckets is None:
        ids = services.goals_touching(
            org_id=organization_id, days=None, start=kwargs.get("start"), end=kwargs.get("end")
        )
    else:
        ids = services.goals_touching(org_id=organization_id, days=[b.date for b in buckets])
    services.refresh_progress(goal_ids=ids)


@receiver(organization_defaults_requested)
def _create_default_metrics(sender: Any, organization: Any, **kwargs: Any) -> None:
    from goals.services import ensure_default_metrics

    ensure_default_metrics(org=organization)


@receiver(demo_data_requested)
def _seed_demo_goals(sender: Any, organization: Any, memberships: Any, **kwargs: Any) -> None:
    from goals.demo import seed_demo_goals

    seed_demo_goals(org=organization)
