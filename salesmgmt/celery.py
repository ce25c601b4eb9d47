"""The Celery application and the one place where periodic jobs are scheduled.

Run a worker with beat embedded: `celery -A salesmgmt worker -B`.
With no REDIS_URL the tasks run eagerly in-process (the embedded default).
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesmgmt.settings")

app = Celery("salesmgmt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job lives here, each with a plain-words comment and an `expires`
# so that a backlog (beat running while workers are down) does not pile up duplicates.
app.conf.beat_schedule = {
    # Every minute: recompute dirty activity buckets a worker has not picked up
    # (broker was down when the activity was logged, or a worker died mid-task).
    "drain-dirty-buckets": {
        "task": "activities.tasks.drain_all_dirty_buckets_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Nightly at 02:30 UTC: rebuild the current and previous month from source.
    # Nightly at 02:45 UTC (after the rollup rebuild): close ended goals as reached or
    # missed, and recompute every open goal's progress from source.
    "reconcile-goals": {
        "task": "goals.tasks.reconcile_goals_task",
        "schedule": crontab(hour=2, minute=45),
        "options": {"expires": 3 * 3600},
    },
    # Mondays at 00:30 UTC: keep each team's quarter forecast, to compare with the outcome.
    "forecast-snapshots": {
        "task": "deals.tasks.take_forecast_snapshots_task",
        "schedule": crontab(day_of_week="mon", hour=0, minute=30),
        "options": {"expires": 6 * 3600},
    },
    # Every 15 minutes: e-mail the daily digest of unread notifications to whoever wants
    # it and whose organisation's morning (08:00 local) has come; once per person per day.
    "daily-digests": {
        "task": "messaging.tasks.send_daily_digests_task",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    "reconcile-open-periods": {
        "task": "activities.tasks.reconcile_open_periods_task",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 3 * 3600},
    },
}
