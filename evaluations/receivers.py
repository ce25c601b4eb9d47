"""Evaluations' answers to other apps' hooks: default criteria, the demo organisation's cycles."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.signals import demo_data_requested, organization_defaults_requested


@receiver(organization_defaults_requested, dispatch_uid="evaluations-defaults")
def _create_default_criteria(sender: Any, organization: Any, **kwargs: Any) -> None:
    from evaluations.services import ensure_default_criteria

    ensure_default_criteria(org=organization)


@receiver(demo_data_requested, dispatch_uid="evaluations-demo")
def _seed_demo_evaluations(sender: Any, organization: Any, memberships: Any, **kwargs: Any) -> None:
    from evaluations.demo import seed_demo_evaluations

    seed_demo_evaluations(org=organization, memberships=list(memberships))
