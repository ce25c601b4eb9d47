"""QUALITY R14: beat down for two days, then restarted.

Meanwhile the staleness check warns after 26 h and turns critical after 50 h; on restart
every periodic job that missed a slot runs once, at once (activities.jobs.CatchUpScheduler),
and each covers everything since its last completion: the dirty buckets, the open months,
the goals that ended, the week's forecast snapshot. Beat runs in-process here, with eager
tasks, on a clock moved by time-machine.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

# A beat or worker process imports every app's tasks at start (Celery's autodiscovery); so that
# beat runs them in-process here rather than only sending their names, this module does.
import deals.tasks  # noqa: F401
import goals.tasks  # noqa: F401
from activities import jobs, rollup
from activities.models import DailyActivityCount, DirtyBucket, JobRun
from activities.services import log_activity
from activities.tasks import reconcile_open_periods_task
from deals.models import ForecastSnapshot
from goals.models import Goal
from salesmgmt.celery import app as celery_app
from tests.activities.conftest import assert_rollup_exact
from tests.goals.factories import GoalFactory, activity_metric

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
LAST_RUN = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)  # Sunday; every job completed then
EVERY_JOB = {
    "heartbeat",
    "drain-dirty-buckets",
    "reconcile-open-periods",
    "reconcile-goals",
    "forecast-snapshots",
    "resume-import-jobs",
    "daily-digests",
    "motivation-reminders",
    "delete-expired-api-tokens",
}


class RecordingScheduler(jobs.CatchUpScheduler):
    """Beat's scheduler, noting the name of each job it sends."""

    sent: list[str]

    def apply_entry(self, entry, producer=None):
        self.sent.append(entry.name)
        super().apply_entry(entry, producer=producer)


@pytest.fixture
def beat(celery_broker):
    """Start a beat process: its first ticks send whatever is due (run eagerly here)."""
    celery_broker("memory://", eager=True)
    # A worker imports every app's tasks at start; here they run in this process, eagerly.
    celery_app.loader.import_default_modules()

    def start() -> list[str]:
        scheduler = RecordingScheduler(app=celery_app)
        scheduler.sent = []
        for _ in range(2 * len(scheduler.schedule)):
            if scheduler.tick() > 0:  # nothing more is due now
                break
        return scheduler.sent

    return start


def healthcheck(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("healthcheck", *args, stdout=out)
    return exited.value.code, out.getvalue()


def test_beat_down_two_days_warns_then_pages_and_catches_up_every_missed_period_on_restart(
    rollup_org, member, beat, time_machine
):
    goal = GoalFactory(
        organization=rollup_org,
        metric=activity_metric(rollup_org, "call"),
        start=date(2026, 2, 1),
        end=date(2026, 3, 1),  # ends on the day beat goes down
        target=Decimal(5),
    )
    time_machine.move_to(LAST_RUN, tick=False)
    assert set(beat()) == EVERY_JOB  # a first start: nothing ever completed
    assert healthcheck("rollups")[0] == 0
    assert Goal.objects.get(pk=goal.pk).closed_at is None  # its period has not ended yet

    # Beat is down. A rep logs a call; no worker ever drains it.
    time_machine.move_to(LAST_RUN + timedelta(days=1), tick=False)
    log_activity(actor=member, type="call", quantity=3)
    assert DirtyBucket.objects.filter(organization=rollup_org).exists()

    time_machine.move_to(LAST_RUN + timedelta(hours=25), tick=False)
    assert healthcheck("rollups")[0] == 0
    time_machine.move_to(LAST_RUN + timedelta(hours=27), tick=False)
    status, line = healthcheck("rollups")
    assert (status, line.split(":")[0]) == (1, "WARNING")
    assert "nightly rebuild last completed 27.0 h ago" in line
    assert healthcheck("beat")[0] == 2
    time_machine.move_to(LAST_RUN + timedelta(hours=51), tick=False)
    status, line = healthcheck("rollups")
    assert (status, line.split(":")[0]) == (2, "CRITICAL")

    # Beat restarts on Tuesday: Monday's snapshot, two nights and every minute were missed.
    assert set(beat()) == EVERY_JOB

    assert_rollup_exact(rollup_org)
    assert sum(DailyActivityCount.objects.values_list("count", flat=True)) == 3
    closed = Goal.objects.get(pk=goal.pk)
    assert closed.closed_at is not None
    assert closed.result == Goal.Result.MISSED
    restart_day = date(2026, 3, 3)
    assert ForecastSnapshot.objects.filter(organization=rollup_org, date=restart_day).exists()
    assert healthcheck("rollups")[0] == 0
    assert healthcheck("beat")[0] == 0

    # A second restart right away finds nothing due: the catch-up ran each job once.
    assert beat() == []


def test_a_restart_runs_only_the_jobs_whose_slot_passed_since_they_completed(
    rollup_org, beat, time_machine
):
    time_machine.move_to(LAST_RUN, tick=False)
    beat()

    # 40 minutes later (03:40): the minute jobs and the :20 hourly one are due, the :00
    # hourly, nightly and weekly ones are not.
    time_machine.move_to(LAST_RUN + timedelta(minutes=40), tick=False)

    assert set(beat()) == {
        "heartbeat",
        "drain-dirty-buckets",
        "resume-import-jobs",
        "daily-digests",
        "delete-expired-api-tokens",
    }


def test_the_nightly_rebuild_reaches_back_to_the_month_before_its_last_completed_run(
    rollup_org, member, time_machine
):
    january = datetime(2026, 1, 10, 10, 0, tzinfo=TOKYO)
    time_machine.move_to(january, tick=False)
    log_activity(actor=member, type="call", occurred_at=january, quantity=2)
    rollup.drain_all(org_id=rollup_org.pk)
    # A January count went wrong after the last completed nightly run, on January 15.
    DailyActivityCount.objects.filter(organization=rollup_org).delete()
    jobs.record_completed(
        reconcile_open_periods_task.name, at=datetime(2026, 1, 15, 2, 31, tzinfo=UTC)
    )

    time_machine.move_to(datetime(2026, 3, 3, 2, 30, tzinfo=UTC), tick=False)
    reconcile_open_periods_task()

    assert_rollup_exact(rollup_org)
    assert DailyActivityCount.objects.filter(date=date(2026, 1, 10)).get().count == 2


def test_after_a_normal_night_the_rebuild_covers_the_current_and_previous_month_only(
    rollup_org, member, time_machine
):
    january = datetime(2026, 1, 10, 10, 0, tzinfo=TOKYO)
    time_machine.move_to(january, tick=False)
    log_activity(actor=member, type="call", occurred_at=january, quantity=2)
    rollup.drain_all(org_id=rollup_org.pk)
    DailyActivityCount.objects.filter(organization=rollup_org).delete()
    jobs.record_completed(
        reconcile_open_periods_task.name, at=datetime(2026, 3, 2, 2, 31, tzinfo=UTC)
    )

    time_machine.move_to(datetime(2026, 3, 3, 2, 30, tzinfo=UTC), tick=False)
    reconcile_open_periods_task()

    assert not DailyActivityCount.objects.filter(date=date(2026, 1, 10)).exists()


def test_a_completion_record_never_moves_backwards(db):
    later = datetime(2026, 3, 2, tzinfo=UTC)
    jobs.record_completed("some.task", at=later)
    jobs.record_completed("some.task", at=later - timedelta(hours=1))

    assert JobRun.objects.get(job="some.task").completed_at == later
