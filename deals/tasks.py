"""Celery entry points of the deals app."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Organization, Team
from deals.models import ForecastSnapshot
from deals.selectors import forecast
from salesmgmt import periods


@shared_task(ignore_result=True, acks_late=True)
def take_forecast_snapshots_task() -> int:
    """Weekly: store each team's (and the organisation's) quarter forecast as of today."""
    made = 0
    for org in Organization.objects.all():
        today = periods.today(org)
        for team in [None, *Team.objects.for_org(org)]:
            result = forecast(org, team=team, on=today)
            ForecastSnapshot.objects.update_or_create(
                organization=org,
                team=team,
                quarter_start=result.quarter.start,
                date=today,
                defaults={
                    "closed": result.closed,
                    "commit": result.commit,
                    "best_case": result.best_case,
                    "pipeline": result.pipeline,
                },
            )
            made += 1
    return made
