"""The one way background jobs retry: transient database trouble only, with backoff."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

# Transient database trouble (OperationalError) is retried with backoff and jitter;
# anything else (a bug, bad data) fails at once and is logged by Celery.
RETRY_ON = (OperationalError,)

retrying_task = shared_task(
    ignore_result=True,
    acks_late=True,
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
