"""Celery entry points of the deals app."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Organization, Team
from deals.models import Deal, ForecastSnapshot
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
                    # each category's own amount (the reads make them cumulative)
                    "commit": result.by_category[Deal.Forecast.COMMIT],
                    "best_case": result.by_category[Deal.Forecast.BEST_CASE],
                    "pipeline": result.by_category[Deal.Forecast.PIPELINE],
                },
            )
            made += 1
    return made
