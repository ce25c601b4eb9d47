"""Celery entry points of the messaging app (scheduled in salesmgmt/celery.py)."""

from __future__ import annotations

from celery import shared_task

from messaging import services


@shared_task(ignore_result=True)
def send_daily_digests_task() -> int:
    """E-mail the day's digest to everyone due (idempotent: one per person per local day)."""
    return services.send_daily_digests().sent
