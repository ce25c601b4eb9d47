"""Motivation's answers to other apps' hooks: the demo organisation's check-ins, 1:1s, kudos."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.signals import demo_data_requested


@receiver(demo_data_requested, dispatch_uid="motivation-demo")
def add_demo_motivation(sender: Any, organization: Any, memberships: Any, **kwargs: Any) -> None:
    from motivation.demo import seed_demo_motivation

    seed_demo_motivation(org=organization, memberships=list(memberships))
