"""Celery entry points of the motivation app (scheduled in salesmgmt/celery.py)."""

from __future__ import annotations

from celery import shared_task

from motivation import services


@shared_task(ignore_result=True)
def send_motivation_reminders_task() -> int:
    """Check-in reminders on each organisation's chosen day (idempotent: once a week each)."""
    return services.send_checkin_reminders().reminded
