"""The Celery application and the one place where periodic jobs are scheduled.

Run a worker with beat embedded: `celery -A salesmgmt worker -B`.
With no REDIS_URL the tasks run eagerly in-process (the embedded default).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesmgmt.settings")

app = Celery("salesmgmt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job lives here, each with a plain-words comment and an `expires`
# so that a backlog (beat running while workers are down) does not pile up duplicates.
app.conf.beat_schedule = {}
