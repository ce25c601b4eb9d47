"""Evaluations' answers to other apps' hooks: every organisation's default criteria."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.signals import organization_defaults_requested


@receiver(organization_defaults_requested, dispatch_uid="evaluations-defaults")
def _create_default_criteria(sender: Any, organization: Any, **kwargs: Any) -> None:
    from evaluations.services import ensure_default_criteria

    ensure_default_criteria(org=organization)
