"""Receivers that give a new organisation its activity types, and the demo its activity."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.signals import demo_data_requested, organization_defaults_requested


@receiver(organization_defaults_requested)
def _create_default_activity_types(sender: Any, organization: Any, **kwargs: Any) -> None:
    from activities.services import ensure_default_activity_types

    ensure_default_activity_types(org=organization)


@receiver(demo_data_requested)
def _seed_demo_activity(sender: Any, organization: Any, memberships: Any, **kwargs: Any) -> None:
    from activities.demo import seed_demo_activity

    seed_demo_activity(org=organization, memberships=memberships)
