"""The Celery application and the one place where periodic jobs are scheduled.

Processes (see the Procfile and the README's "Production" section): any number of
`celery -A salesmgmt worker` and exactly one `celery -A salesmgmt beat`; in development
`celery -A salesmgmt worker -B` runs both in one process. With no REDIS_URL the tasks run
eagerly in-process (the embedded default).
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesmgmt.settings")

app = Celery("salesmgmt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat keeps no schedule file: each job's last run is its last completion recorded in the
# database, so a restarted beat (after a SIGKILL, or days down) runs every job that missed a
# slot once, at once, and each job covers everything since its last completion.
app.conf.beat_scheduler = "activities.jobs:CatchUpScheduler"

# Every periodic job lives here, each with a plain-words comment and an `expires`
# so that a backlog (beat running while workers are down) does not pile up duplicates.
app.conf.beat_schedule = {
    # Every minute: nothing but a recorded completion, so `manage.py healthcheck beat` can
    # tell that beat is scheduling and a worker is running what it sends.
    "heartbeat": {
        "task": "activities.tasks.heartbeat_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Every minute: recompute dirty activity buckets a worker has not picked up
    # (broker was down when the activity was logged, or a worker died mid-task).
    "drain-dirty-buckets": {
        "task": "activities.tasks.drain_all_dirty_buckets_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Nightly at 02:30 UTC: rebuild the open months from source (the current and previous
    # month, back to the month before the last completed run after missed nights).
    "reconcile-open-periods": {
        "task": "activities.tasks.reconcile_open_periods_task",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 3 * 3600},
    },
    # Nightly at 02:45 UTC (after the rollup rebuild): close every goal whose period has
    # ended (however long ago) as reached or missed, and recompute every open goal's progress.
    "reconcile-goals": {
        "task": "goals.tasks.reconcile_goals_task",
        "schedule": crontab(hour=2, minute=45),
        "options": {"expires": 3 * 3600},
    },
    # Mondays at 00:30 UTC: keep each team's quarter forecast, to compare with the outcome.
    # A week whose Monday was missed gets its snapshot when beat is back (dated that day).
    "forecast-snapshots": {
        "task": "deals.tasks.take_forecast_snapshots_task",
        "schedule": crontab(day_of_week="mon", hour=0, minute=30),
        "options": {"expires": 6 * 3600},
    },
    # Every minute: enqueue import jobs no worker took (the broker was down when they were
    # submitted) and take over those whose worker died mid-run.
    "resume-import-jobs": {
        "task": "accounts.tasks.resume_import_jobs_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Hourly, at :20: delete expired API tokens (each request checks only its own token's
    # expiry; issuing a token also clears the user's expired ones).
    "delete-expired-api-tokens": {
        "task": "accounts.tasks.delete_expired_api_tokens_task",
        "schedule": crontab(minute=20),
        "options": {"expires": 50 * 60},
    },
    # Every 15 minutes: e-mail the daily digest of unread notifications to whoever wants
    # it and whose organisation's morning (08:00 local) has come; once per person per day.
    "daily-digests": {
        "task": "messaging.tasks.send_daily_digests_task",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    # Hourly, on the hour: each organisation's weekly check-in reminder from 09:00 local on
    # its chosen day, to whoever has not checked in that week, and from 09:00 on the week's
    # first day each manager's "who to talk to" nudge (each once per person per week).
    "motivation-reminders": {
        "task": "motivation.tasks.send_motivation_reminders_task",
        "schedule": crontab(minute=0),
        "options": {"expires": 50 * 60},
    },
}
