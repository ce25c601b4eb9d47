"""Messaging's answers to other apps' hooks: the demo organisation's week of posts."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.signals import demo_data_requested


@receiver(demo_data_requested, dispatch_uid="messaging-demo")
def add_demo_posts(sender: Any, organization: Any, memberships: Any, **kwargs: Any) -> None:
    from messaging.demo import seed_demo_messaging

    seed_demo_messaging(org=organization, memberships=list(memberships))
