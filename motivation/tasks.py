"""Celery entry points of the motivation app (scheduled in salesmgmt/celery.py)."""

from __future__ import annotations

from celery import shared_task

from motivation import services


@shared_task(ignore_result=True)
def send_motivation_reminders_task() -> int:
    """Check-in reminders on each organisation's chosen day, and each manager's weekly
    "who to talk to" nudge on the week's first day (idempotent: once a week each)."""
    reminded = services.send_checkin_reminders().reminded
    return reminded + services.send_manager_nudges().nudged
