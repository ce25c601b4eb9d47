"""Invariants of the rollup pipeline (QUALITY R1, R4, R8, R12, R13).

The rule under test: once the dirty buckets are drained, `DailyActivityCount` equals a
from-scratch GROUP BY over `Activity` — whatever was written, edited, deleted, moved, or
crashed half-way, and whichever time zone, DST change or week start the organisation has.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from accounts.services import update_membership
from activities import rollup
from activities.models import Activity, DailyActivityCount, DirtyBucket, RollupState
from activities.selectors import CountRow, activity_counts
from activities.services import delete_activity, log_activity, update_activity
from activities.tasks import drain_dirty_buckets_task
from salesmgmt import periods
from tests.activities.conftest import assert_rollup_exact, dirty_buckets, rollup_rows

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=TOKYO)  # a Wednesday
LAST_WEEK = date(2026, 5, 13)
LAST_MONTH = date(2026, 4, 15)


@pytest.fixture
def frozen_now(time_machine) -> datetime:
    time_machine.move_to(NOW, tick=False)
    return NOW


def at(day: date, hour: int = 10, minute: int = 0, tz: ZoneInfo = TOKYO, fold: int = 0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz, fold=fold)


def counts_for(org, user, day: date) -> dict[str, int]:
    """The stored rollup of one user and day, by activity type key."""
    return {
        row.type.key: row.count
        for row in DailyActivityCount.objects.filter(organization=org, user=user.user, date=day)
    }


def _task_class():
    return type(drain_dirty_buckets_task._get_current_object())


# --- R1: running twice gives the same rows -----------------------------------------------------


@pytest.mark.usefixtures("frozen_now")
def test_draining_twice_gives_identical_rows_and_totals(rollup_org, admin, member, teammate):
    for day, who, kind, qty in [
        (LAST_WEEK, member, "call", 2),
        (LAST_WEEK, member, "call", 1),
        (LAST_WEEK, member, "new_visit", 1),
        (LAST_MONTH, teammate, "proposal", 5),
        (NOW.date(), admin, "email", 3),
    ]:
        log_activity(actor=who, type=kind, occurred_at=at(day), quantity=qty)

    assert rollup.drain_all(org_id=rollup_org.pk) == 3
    first = rollup_rows(rollup_org.pk)
    assert rollup.drain_all(org_id=rollup_org.pk) == 0
    assert rollup_rows(rollup_org.pk) == first

    # Re-mark every bucket: the second drain really recomputes, and changes nothing.
    every_bucket = {rollup.Bucket(r[0], r[3]) for r in first}
    with transaction.atomic():
        rollup.mark_dirty(org_id=rollup_org.pk, buckets=every_bucket)
    assert rollup.drain_all(org_id=rollup_org.pk) == 3
    assert rollup_rows(rollup_org.pk) == first
    assert counts_for(rollup_org, member, LAST_WEEK) == {"call": 3, "new_visit": 1}
    assert_rollup_exact(rollup_org)


@pytest.mark.usefixtures("frozen_now")
def test_rebuilding_a_range_twice_gives_identical_rows_and_leaves_other_dates_alone(
    rollup_org, member, teammate
):
    for day, who, kind in [
        (LAST_WEEK, member, "call"),
        (LAST_WEEK, teammate, "call"),
        (LAST_MONTH, member, "new_visit"),
    ]:
        log_activity(actor=who, type=kind, occurred_at=at(day))
    rollup.drain_all(org_id=rollup_org.pk)
    expected = rollup_rows(rollup_org.pk)
    # Corrupt one row inside and one outside the rebuilt range.
    DailyActivityCount.objects.filter(date=LAST_WEEK, user=member.user).update(count=999)
    DailyActivityCount.objects.filter(date=LAST_MONTH).update(count=777)

    rollup.rebuild_range(org_id=rollup_org.pk, start=LAST_WEEK, end=NOW.date())
    once = rollup_rows(rollup_org.pk)
    rollup.rebuild_range(org_id=rollup_org.pk, start=LAST_WEEK, end=NOW.date())

    assert rollup_rows(rollup_org.pk) == once
    assert counts_for(rollup_org, member, LAST_WEEK) == {"call": 1}
    assert counts_for(rollup_org, member, LAST_MONTH) == {"new_visit": 777}  # outside the range
    rollup.rebuild_range(org_id=rollup_org.pk)
    rollup.rebuild_range(org_id=rollup_org.pk)
    assert rollup_rows(rollup_org.pk) == expected
    assert_rollup_exact(rollup_org)


@pytest.mark.usefixtures("frozen_now")
def test_a_rebuild_counts_activities_whose_buckets_are_still_dirty(rollup_org, member):
    log_activity(actor=member, type="call", occurred_at=at(LAST_WEEK), quantity=4)
    assert rollup_rows(rollup_org.pk) == []

    rollup.rebuild_range(org_id=rollup_org.pk, start=LAST_MONTH, end=NOW.date())

    assert counts_for(rollup_org, member, LAST_WEEK) == {"call": 4}
    # The mark stays (a write committing during the rebuild is covered by the next drain).
    assert dirty_buckets(rollup_org.pk) == {(member.user_id, LAST_WEEK)}
    assert rollup.drain_all(org_id=rollup_org.pk) == 1
    assert_rollup_exact(rollup_org)


# --- R4: an exception half-way leaves nothing behind -------------------------------------------


class _InjectedFault(RuntimeError):
    pass


class _CursorFailingAfterDelete:
    """Wraps a real cursor: lets the rollup DELETE run, then fails the INSERT after it."""

    def __init__(self, real, record: dict[str, int]) -> None:
        self._real = real
        self._record = record

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._real.close()
        return False

    def execute(self, sql, params=None):
        words = sql.split()[:3]
        daily = DailyActivityCount._meta.db_table
        if words == ["INSERT", "INTO", daily] and self._record.get("deleted"):
            raise _InjectedFault("crash after the DELETE of the bucket")
        result = self._real.execute(sql, params)
        if words == ["DELETE", "FROM", daily]:
            # The drain's DELETE returns the rows it removed (SQLite counts them only once
            # they are fetched): fetch them here and hand them on to the caller.
            self._returned = self._real.fetchall()
            self._record["deleted"] = self._record.get("deleted", 0) + len(self._returned)
        return result

    def fetchall(self):
        rows, self._returned = getattr(self, "_returned", None), None
        return self._real.fetchall() if rows is None else rows

    def executemany(self, sql, param_list):
        return self._real.executemany(sql, param_list)

    def __getattr__(self, name):
        return getattr(self._real, name)


class _ConnectionFailingAfterDelete:
    def __init__(self, record: dict[str, int]) -> None:
        self._record = record

    def cursor(self):
        return _CursorFailingAfterDelete(connection.cursor(), self._record)

    def __getattr__(self, name):
        return getattr(connection, name)


def _stale_rollup_with_pending_work(org, member):
    log_activity(actor=member, type="call", occurred_at=at(LAST_WEEK), quantity=3)
    log_activity(actor=member, type="new_visit", occurred_at=at(LAST_WEEK))
    rollup.drain_all(org_id=org.pk)
    before = rollup_rows(org.pk)
    log_activity(actor=member, type="call", occurred_at=at(LAST_WEEK), quantity=2)
    log_activity(actor=member, type="proposal", occurred_at=at(LAST_MONTH))
    return before


@pytest.mark.usefixtures("frozen_now")
def test_a_crash_after_the_delete_rolls_the_whole_drain_back(rollup_org, member, monkeypatch):
    before = _stale_rollup_with_pending_work(rollup_org, member)
    record: dict[str, int] = {}
    monkeypatch.setattr(rollup, "connection", _ConnectionFailingAfterDelete(record))

    with pytest.raises(_InjectedFault):
        rollup.drain(org_id=rollup_org.pk)

    assert record["deleted"] == 2  # the partial write happened before the crash
    assert rollup_rows(rollup_org.pk) == before  # ... and was rolled back
    assert dirty_buckets(rollup_org.pk) == {
        (member.user_id, LAST_WEEK),
        (member.user_id, LAST_MONTH),
    }
    monkeypatch.undo()
    assert rollup.drain_all(org_id=rollup_org.pk) == 2
    assert counts_for(rollup_org, member, LAST_WEEK) == {"call": 5, "new_visit": 1}
    assert counts_for(rollup_org, member, LAST_MONTH) == {"proposal": 1}
    assert_rollup_exact(rollup_org)


@pytest.mark.usefixtures("frozen_now")
def test_a_crash_while_recording_progress_keeps_the_dirty_marks_and_the_next_drain_is_exact(
    rollup_org, member, monkeypatch
):
    before = _stale_rollup_with_pending_work(rollup_org, member)
    applied_before = RollupState.objects.get(organization=rollup_org).applied_through

    def boom(*args, **kwargs):
        raise _InjectedFault("crash after the rollup rows were rewritten")

    monkeypatch.setattr(rollup, "_record_applied", boom)
    with pytest.raises(_InjectedFault):
        rollup.drain_all(org_id=rollup_org.pk)

    assert rollup_rows(rollup_org.pk) == before
    assert len(dirty_buckets(rollup_org.pk)) == 2
    assert RollupState.objects.get(organization=rollup_org).applied_through == applied_before
    monkeypatch.undo()
    rollup.drain_all(org_id=rollup_org.pk)
    assert counts_for(rollup_org, member, LAST_WEEK) == {"call": 5, "new_visit": 1}
    assert_rollup_exact(rollup_org)


# --- R8: a rolled-back write leaves no trace and publishes nothing -----------------------------


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple]:
    """Records every enqueue of the drain task instead of publishing it."""
    calls: list[tuple] = []
    monkeypatch.setattr(
        _task_class(), "apply_async", lambda self, args=None, **kw: calls.append(tuple(args))
    )
    return calls


def test_a_committed_activity_registers_exactly_one_enqueue(
    rollup_org, member, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        log_activity(actor=member, type="call")

    assert len(callbacks) == 1
    assert enqueued == [(rollup_org.pk,)]
    assert DirtyBucket.objects.filter(organization=rollup_org).count() == 1


def test_a_rolled_back_transaction_leaves_no_activity_no_dirty_row_and_enqueues_nothing(
    rollup_org, member, enqueued, django_capture_on_commit_callbacks
):
    class Abort(Exception):
        pass

    marked_inside: list[int] = []

    def log_then_roll_back() -> None:
        with transaction.atomic():
            log_activity(actor=member, type="call")
            marked_inside.append(DirtyBucket.objects.filter(organization=rollup_org).count())
            raise Abort

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Abort):
        log_then_roll_back()

    assert marked_inside == [1]  # the mark was written, then rolled back with the activity
    assert callbacks == []
    assert enqueued == []
    assert not Activity.objects.filter(organization=rollup_org).exists()
    assert not DirtyBucket.objects.filter(organization=rollup_org).exists()


# --- R12: back-dated, edited and deleted activities --------------------------------------------


def _week_and_month_totals(org, day: date) -> tuple[int, int]:
    week = periods.week_of(org, day)
    month = periods.month_of(day)
    week_total = sum(r.count for r in activity_counts(org, start=week.start, end=week.last))
    month_total = sum(r.count for r in activity_counts(org, start=month.start, end=month.last))
    return week_total, month_total


@pytest.mark.usefixtures("frozen_now")
@pytest.mark.parametrize("day", [LAST_WEEK, LAST_MONTH], ids=["last_week", "last_month"])
def test_a_back_dated_activity_marks_its_old_bucket_and_lands_in_that_week_and_month(
    rollup_org, member, day
):
    log_activity(actor=member, type="call", occurred_at=at(NOW.date()))
    rollup.drain_all(org_id=rollup_org.pk)

    log_activity(actor=member, type="call", occurred_at=at(day, 9), quantity=4)

    assert dirty_buckets(rollup_org.pk) == {(member.user_id, day)}
    assert _week_and_month_totals(rollup_org, day) == (0, 0 if day == LAST_MONTH else 1)
    rollup.drain_all(org_id=rollup_org.pk)
    assert _week_and_month_totals(rollup_org, day) == (4, 4 if day == LAST_MONTH else 5)
    assert_rollup_exact(rollup_org)


@pytest.mark.usefixtures("frozen_now")
@pytest.mark.parametrize(("old", "new"), [(LAST_WEEK, LAST_MONTH), (LAST_MONTH, LAST_WEEK)])
def test_moving_an_activity_to_another_date_re_rolls_both_the_old_and_the_new_bucket(
    rollup_org, member, old, new
):
    activity = log_activity(actor=member, type="call", occurred_at=at(old), quantity=3)
    log_activity(actor=member, type="call", occurred_at=at(old))
    rollup.drain_all(org_id=rollup_org.pk)

    update_activity(actor=member, activity=activity, occurred_at=at(new, 23, 30))

    assert dirty_buckets(rollup_org.pk) == {(member.user_id, old), (member.user_id, new)}
    rollup.drain_all(org_id=rollup_org.pk)
    assert counts_for(rollup_org, member, old) == {"call": 1}
    assert counts_for(rollup_org, member, new) == {"call": 3}
    assert _week_and_month_totals(rollup_org, new)[0] == 3
    assert_rollup_exact(rollup_org)


@pytest.mark.usefixtures("frozen_now")
@pytest.mark.parametrize("day", [LAST_WEEK, LAST_MONTH], ids=["last_week", "last_month"])
def test_changing_type_or_quantity_re_rolls_the_bucket(rollup_org, member, day):
    activity = log_activity(actor=member, type="call", occurred_at=at(day), quantity=2)
    rollup.drain_all(org_id=rollup_org.pk)

    update_activity(actor=member, activity=activity, type="new_visit")
    assert dirty_buckets(rollup_org.pk) == {(member.user_id, day)}
    rollup.drain_all(org_id=rollup_org.pk)
    assert counts_for(rollup_org, member, day) == {"new_visit": 2}

    update_activity(actor=member, activity=activity, quantity=7)
    assert dirty_buckets(rollup_org.pk) == {(member.user_id, day)}
    rollup.drain_all(org_id=rollup_org.pk)
    assert counts_for(rollup_org, member, day) == {"new_visit": 7}
    assert_rollup_exact(rollup_org)


@pytest.mark.usefixtures("frozen_now")
@pytest.mark.parametrize("day", [LAST_WEEK, LAST_MONTH], ids=["last_week", "last_month"])
def test_giving_an_activity_to_another_owner_re_rolls_both_owners_buckets(
    rollup_org, admin, member, other_team_member, day
):
    activity = log_activity(actor=member, type="proposal", occurred_at=at(day), quantity=2)
    rollup.drain_all(org_id=rollup_org.pk)

    moved = update_activity(actor=admin, activity=activity, user=other_team_member.user)

    assert moved.team_id == other_team_member.team_id
    assert dirty_buckets(rollup_org.pk) == {
        (member.user_id, day),
        (other_team_member.user_id, day),
    }
    rollup.drain_all(org_id=rollup_org.pk)
    assert counts_for(rollup_org, member, day) == {}
    assert counts_for(rollup_org, other_team_member, day) == {"proposal": 2}
    assert DailyActivityCount.objects.get(organization=rollup_org).team_id == (
        other_team_member.team_id
    )
    assert_rollup_exact(rollup_org)


@pytest.mark.usefixtures("frozen_now")
@pytest.mark.parametrize("day", [LAST_WEEK, LAST_MONTH], ids=["last_week", "last_month"])
def test_deleting_an_activity_re_rolls_its_bucket(rollup_org, member, day):
    keep = log_activity(actor=member, type="call", occurred_at=at(day))
    gone = log_activity(actor=member, type="call", occurred_at=at(day), quantity=5)
    only = log_activity(actor=member, type="revisit", occurred_at=at(day))
    rollup.drain_all(org_id=rollup_org.pk)
    assert counts_for(rollup_org, member, day) == {"call": 6, "revisit": 1}

    delete_activity(actor=member, activity=gone)
    delete_activity(actor=member, activity=only)

    assert dirty_buckets(rollup_org.pk) == {(member.user_id, day)}
    rollup.drain_all(org_id=rollup_org.pk)
    assert counts_for(rollup_org, member, day) == {"call": 1}
    delete_activity(actor=member, activity=keep)
    rollup.drain_all(org_id=rollup_org.pk)
    assert rollup_rows(rollup_org.pk) == []
    assert_rollup_exact(rollup_org)


@pytest.mark.usefixtures("frozen_now")
def test_moving_a_member_to_another_team_rewrites_neither_past_activities_nor_their_rollup(
    rollup_org, admin, member, team, other_team
):
    past = log_activity(actor=member, type="call", occurred_at=at(LAST_MONTH), quantity=2)
    log_activity(actor=member, type="call", occurred_at=at(NOW.date(), 8))
    rollup.drain_all(org_id=rollup_org.pk)
    rows_before = rollup_rows(rollup_org.pk)

    update_membership(actor=admin, membership=member, team=other_team)

    past.refresh_from_db()
    member.refresh_from_db()  # as the next request would load it
    assert past.team_id == team.pk
    assert dirty_buckets(rollup_org.pk) == set()
    assert rollup_rows(rollup_org.pk) == rows_before
    # New work counts for the new team; a same-day bucket then holds both teams' rows.
    log_activity(actor=member, type="call", occurred_at=at(NOW.date(), 11), quantity=5)
    rollup.drain_all(org_id=rollup_org.pk)
    rollup.rebuild_range(org_id=rollup_org.pk)
    today = {
        r.team_id: r.count
        for r in DailyActivityCount.objects.filter(organization=rollup_org, date=NOW.date())
    }
    assert today == {team.pk: 1, other_team.pk: 5}
    assert counts_for(rollup_org, member, LAST_MONTH) == {"call": 2}
    team_ids = frozenset({team.pk})
    old_team = activity_counts(rollup_org, start=LAST_MONTH, end=NOW.date(), team_ids=team_ids)
    assert sum(r.count for r in old_team) == 3
    assert_rollup_exact(rollup_org)


# --- R13: the organisation's local date and week -----------------------------------------------

SUNDAY = date(2026, 5, 17)
MONDAY = date(2026, 5, 18)


@pytest.mark.usefixtures("frozen_now")
@pytest.mark.parametrize(
    ("zone", "utc_date_of_sunday_2330", "utc_date_of_monday_0030"),
    [
        ("Asia/Tokyo", SUNDAY, SUNDAY),
        ("Pacific/Kiritimati", SUNDAY, SUNDAY),  # UTC+14: local Monday is still Sunday in UTC
        ("America/Los_Angeles", MONDAY, MONDAY),  # UTC-7: local Sunday is already Monday in UTC
    ],
)
def test_an_activity_at_2330_on_sunday_counts_on_the_local_date_and_in_the_local_week(
    rollup_org, member, zone, utc_date_of_sunday_2330, utc_date_of_monday_0030
):
    rollup_org.timezone = zone
    rollup_org.week_start = 0  # Monday
    rollup_org.save()
    tz = ZoneInfo(zone)
    sunday = log_activity(actor=member, type="call", occurred_at=at(SUNDAY, 23, 30, tz))
    monday = log_activity(actor=member, type="call", occurred_at=at(MONDAY, 0, 30, tz), quantity=2)
    assert sunday.occurred_at.astimezone(UTC).date() == utc_date_of_sunday_2330
    assert monday.occurred_at.astimezone(UTC).date() == utc_date_of_monday_0030

    rollup.drain_all(org_id=rollup_org.pk)

    assert (sunday.local_date, monday.local_date) == (SUNDAY, MONDAY)
    assert counts_for(rollup_org, member, SUNDAY) == {"call": 1}
    assert counts_for(rollup_org, member, MONDAY) == {"call": 2}
    weeks = activity_counts(rollup_org, start=date(2026, 5, 4), end=date(2026, 5, 31), grain="week")
    assert weeks == [CountRow(date(2026, 5, 11), "call", 1), CountRow(MONDAY, "call", 2)]
    assert_rollup_exact(rollup_org)


@pytest.mark.parametrize("week_start", range(7))
def test_the_week_boundary_follows_the_organisations_week_start(
    rollup_org, member, time_machine, week_start
):
    time_machine.move_to(NOW, tick=False)
    rollup_org.week_start = week_start
    rollup_org.save()
    first = date(2026, 5, 4)  # a Monday
    boundary = first + timedelta(days=(week_start - first.weekday()) % 7)
    assert boundary.weekday() == week_start
    before = boundary - timedelta(days=1)
    log_activity(actor=member, type="call", occurred_at=at(before, 23, 30))
    log_activity(actor=member, type="call", occurred_at=at(boundary, 0, 30), quantity=3)

    rollup.drain_all(org_id=rollup_org.pk)

    assert periods.week_of(rollup_org, before).start == boundary - timedelta(days=7)
    assert periods.week_of(rollup_org, boundary).start == boundary
    weeks = activity_counts(
        rollup_org,
        start=boundary - timedelta(days=7),
        end=boundary + timedelta(days=6),
        grain="week",
    )
    assert weeks == [
        CountRow(boundary - timedelta(days=7), "call", 1),
        CountRow(boundary, "call", 3),
    ]
    assert_rollup_exact(rollup_org)


NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize("week_start", [0, 6], ids=["monday_weeks", "sunday_weeks"])
def test_the_spring_forward_week_counts_every_activity_on_its_local_date(
    rollup_org, member, time_machine, week_start
):
    rollup_org.timezone = "America/New_York"
    rollup_org.week_start = week_start
    rollup_org.save()
    # 23:30 on Sunday 8 March 2026 (EDT, UTC-4) is already Monday 03:30 in UTC.
    time_machine.move_to(datetime(2026, 3, 8, 23, 30, tzinfo=NEW_YORK), tick=False)
    assert periods.today(rollup_org) == date(2026, 3, 8)
    now_activity = log_activity(actor=member, type="call")  # occurred_at = now
    assert now_activity.local_date == date(2026, 3, 8)
    moments = [
        at(date(2026, 3, 7), 23, 30, NEW_YORK),  # Saturday, EST
        at(date(2026, 3, 8), 0, 30, NEW_YORK),
        at(date(2026, 3, 8), 1, 59, NEW_YORK),  # just before the gap
        at(date(2026, 3, 8), 3, 0, NEW_YORK),  # just after it (EDT)
    ]
    for moment in moments:
        log_activity(actor=member, type="call", occurred_at=moment)
    time_machine.move_to(datetime(2026, 3, 9, 12, 0, tzinfo=NEW_YORK), tick=False)
    log_activity(actor=member, type="call", occurred_at=at(date(2026, 3, 9), 0, 30, NEW_YORK))

    rollup.drain_all(org_id=rollup_org.pk)

    assert counts_for(rollup_org, member, date(2026, 3, 7)) == {"call": 1}
    assert counts_for(rollup_org, member, date(2026, 3, 8)) == {"call": 4}
    assert counts_for(rollup_org, member, date(2026, 3, 9)) == {"call": 1}
    weeks = activity_counts(rollup_org, start=date(2026, 3, 1), end=date(2026, 3, 15), grain="week")
    if week_start == 0:  # Monday weeks: 2-8 March, then 9 March
        assert weeks == [
            CountRow(date(2026, 3, 2), "call", 5),
            CountRow(date(2026, 3, 9), "call", 1),
        ]
    else:  # Sunday weeks: 1-7 March, then 8 March
        assert weeks == [
            CountRow(date(2026, 3, 1), "call", 1),
            CountRow(date(2026, 3, 8), "call", 5),
        ]
    assert_rollup_exact(rollup_org)


def test_the_fall_back_day_counts_both_1_30s_and_the_late_evening_on_that_date(
    rollup_org, member, time_machine
):
    rollup_org.timezone = "America/New_York"
    rollup_org.week_start = 6
    rollup_org.save()
    time_machine.move_to(datetime(2026, 11, 2, 12, 0, tzinfo=NEW_YORK), tick=False)
    first = at(date(2026, 11, 1), 1, 30, NEW_YORK, fold=0)  # EDT
    second = at(date(2026, 11, 1), 1, 30, NEW_YORK, fold=1)  # EST, an hour later
    late = at(date(2026, 11, 1), 23, 30, NEW_YORK)  # Monday 04:30 in UTC
    assert second - first == timedelta(0)  # same wall time...
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)  # ...not instant
    for moment in (first, second, late):
        log_activity(actor=member, type="new_visit", occurred_at=moment)
    log_activity(
        actor=member, type="new_visit", occurred_at=at(date(2026, 10, 31), 23, 30, NEW_YORK)
    )

    rollup.drain_all(org_id=rollup_org.pk)

    assert counts_for(rollup_org, member, date(2026, 11, 1)) == {"new_visit": 3}
    assert counts_for(rollup_org, member, date(2026, 10, 31)) == {"new_visit": 1}
    weeks = activity_counts(
        rollup_org, start=date(2026, 10, 25), end=date(2026, 11, 7), grain="week"
    )
    assert weeks == [
        CountRow(date(2026, 10, 25), "new_visit", 1),
        CountRow(date(2026, 11, 1), "new_visit", 3),
    ]
    assert_rollup_exact(rollup_org)


def test_a_drain_task_run_marks_the_rollup_state_with_the_newest_change(rollup_org, member):
    log_activity(actor=member, type="call")
    newest = DirtyBucket.objects.get(organization=rollup_org).marked_at

    assert drain_dirty_buckets_task.apply(args=(rollup_org.pk,)).get() == 1

    assert RollupState.objects.get(organization=rollup_org).applied_through == newest
    assert_rollup_exact(rollup_org)
