"""Concurrency of the rollup pipeline on PostgreSQL (QUALITY R1, R9).

Real threads, each with its own database connection (closed at the end), committing real
transactions: concurrent writers, two drains on the same buckets, rebuilds racing drains,
and a drain racing an edit that touches two buckets. Afterwards the rollup must equal a
from-scratch recompute, with one row per bucket and no exception anywhere.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction

from accounts.models import Membership
from activities import rollup
from activities.models import Activity, DailyActivityCount, DirtyBucket
from activities.services import log_activity, update_activity
from activities.tasks import drain_dirty_buckets_task
from tests.activities.conftest import assert_rollup_exact, dirty_buckets, rollup_rows
from tests.factories import MembershipFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]

THREAD_TIMEOUT = 60


def run_concurrently(targets: list[Callable[[], object]]) -> list[BaseException]:
    """Run each target in its own thread; return every exception raised (none may hang)."""
    errors: list[BaseException] = []

    def wrap(target: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(t), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + THREAD_TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def waiting_on_locks() -> int:
    """Backends of this database currently blocked on a lock (row, tuple or advisory)."""
    with connection.cursor() as cursor:
        # Statistics views are cached for the rest of a transaction unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


@pytest.fixture
def no_enqueue(monkeypatch) -> list[int]:
    """Writers commit without triggering a drain: only the test's drains run."""
    calls: list[int] = []
    task_class = type(drain_dirty_buckets_task._get_current_object())
    monkeypatch.setattr(
        task_class, "apply_async", lambda self, args=None, **kw: calls.append(args[0])
    )
    return calls


@pytest.fixture
def rep_without_team(org) -> Membership:
    """A member with no team: rollup rows with a NULL team (not covered by the constraint)."""
    return MembershipFactory(organization=org, team=None)


DAY = datetime(2026, 5, 18, 10, 0, tzinfo=UTC)


@pytest.fixture
def frozen(time_machine) -> None:
    time_machine.move_to(datetime(2026, 5, 20, 3, 0, tzinfo=UTC), tick=True)


@pytest.mark.usefixtures("frozen")
def test_fifty_concurrent_posts_for_one_user_and_day_give_exact_totals(rollup_org, member, caplog):
    """R9: writers and their (eager) drains all race on one bucket."""
    caplog.set_level(logging.WARNING)
    barrier = threading.Barrier(50, timeout=20)
    quantities = [1 + i % 3 for i in range(50)]

    def post(quantity: int) -> Callable[[], None]:
        def run() -> None:
            barrier.wait()
            log_activity(actor=member, type="call", occurred_at=DAY, quantity=quantity)

        return run

    errors = run_concurrently([post(q) for q in quantities])

    assert errors == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert Activity.objects.filter(organization=rollup_org).count() == 50
    rollup.drain_all(org_id=rollup_org.pk)
    row = DailyActivityCount.objects.get(organization=rollup_org)
    assert (row.count, row.entries) == (sum(quantities), 50)
    assert_rollup_exact(rollup_org)


@pytest.mark.usefixtures("frozen")
def test_two_drains_at_once_recompute_each_bucket_exactly_once(
    rollup_org, member, teammate, rep_without_team, no_enqueue
):
    """R1: two workers drain the same buckets at the same moment, round after round."""
    reps = [member, teammate, rep_without_team]
    for round_ in range(5):
        for i, rep in enumerate(reps):
            log_activity(
                actor=rep,
                type="call",
                occurred_at=DAY - timedelta(days=i + round_ % 2),
                quantity=round_ + 1,
            )
        pending = len(dirty_buckets(rollup_org.pk))
        barrier = threading.Barrier(2, timeout=20)
        done: list[int] = []

        def drain(barrier: threading.Barrier = barrier, done: list[int] = done) -> None:
            barrier.wait()
            done.append(rollup.drain(org_id=rollup_org.pk))

        errors = run_concurrently([drain, drain])

        assert errors == []
        assert sum(done) == pending  # no bucket recomputed twice, none skipped
        assert_rollup_exact(rollup_org)


@pytest.mark.usefixtures("frozen")
def test_drains_racing_writers_lose_no_update(
    rollup_org, member, teammate, rep_without_team, no_enqueue
):
    """R1: a drain never clears a mark that a writer set after the drain read its data."""
    writers_done = threading.Event()
    drained: list[int] = []

    def writer(rep: Membership, seed: int) -> Callable[[], None]:
        def run() -> None:
            for j in range(12):
                moment = DAY - timedelta(days=(seed + j) % 3, minutes=j)
                log_activity(actor=rep, type="call", occurred_at=moment, quantity=1 + j % 4)

        return run

    def drainer() -> None:
        while not writers_done.is_set():
            drained.append(rollup.drain(org_id=rollup_org.pk))
            time.sleep(0.001)

    writer_threads = [writer(rep, i) for i, rep in enumerate([member, teammate, rep_without_team])]

    def writers() -> None:
        try:
            errors = run_concurrently(writer_threads)
            assert errors == []
        finally:
            writers_done.set()

    errors = run_concurrently([writers, drainer, drainer])

    assert errors == []
    assert sum(drained) > 0  # the drains really ran while the writers wrote
    rollup.drain_all(org_id=rollup_org.pk)
    assert Activity.objects.filter(organization=rollup_org).count() == 36
    assert_rollup_exact(rollup_org)


@pytest.mark.usefixtures("frozen")
def test_rebuilds_racing_drains_and_writers_stay_consistent(
    rollup_org, member, rep_without_team, no_enqueue
):
    """R1: `rebuild_range` (exclusive org lock) against drains (shared) and writers."""
    writers_done = threading.Event()

    def writer(rep: Membership) -> Callable[[], None]:
        def run() -> None:
            try:
                for j in range(15):
                    log_activity(
                        actor=rep, type="new_visit", occurred_at=DAY - timedelta(days=j % 4)
                    )
            finally:
                writers_done.set()

        return run

    def keep_doing(step: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            while not writers_done.is_set():
                step()

        return run

    def rebuild_last_week() -> None:
        rollup.rebuild_range(org_id=rollup_org.pk, start=date(2026, 5, 11), end=date(2026, 5, 20))

    errors = run_concurrently(
        [
            writer(member),
            writer(rep_without_team),
            keep_doing(lambda: rollup.drain(org_id=rollup_org.pk)),
            keep_doing(rebuild_last_week),
        ]
    )
    assert errors == []

    # Writers have stopped: one rebuild and one drain at once must leave exact numbers.
    errors = run_concurrently([rebuild_last_week, lambda: rollup.drain_all(org_id=rollup_org.pk)])
    assert errors == []
    assert_rollup_exact(rollup_org, drained=False)
    rollup.drain_all(org_id=rollup_org.pk)
    assert_rollup_exact(rollup_org)


@pytest.mark.usefixtures("frozen")
def test_a_drain_racing_an_edit_across_two_buckets_does_not_deadlock(
    rollup_org, member, no_enqueue
):
    """A drain and a two-bucket edit take the dirty-row locks in one global order.

    The edit marks (user, earlier date) then (user, later date); the drain must delete its
    dirty rows in that same order, or each ends up waiting for the other and PostgreSQL
    aborts one of them (the edit: a 500 for the user). A third transaction holds the later
    bucket's row so that both reach their second lock at the same time.
    """
    later, earlier = date(2026, 5, 18), date(2026, 5, 11)
    moved = log_activity(actor=member, type="call", occurred_at=DAY)  # marks `later` first
    log_activity(actor=member, type="call", occurred_at=DAY - timedelta(days=7))
    assert dirty_buckets(rollup_org.pk) == {(member.user_id, later), (member.user_id, earlier)}
    later_row = DirtyBucket.objects.get(date=later)
    assert later_row.pk < DirtyBucket.objects.get(date=earlier).pk

    def edit() -> None:
        update_activity(actor=member, activity=moved, occurred_at=DAY - timedelta(days=7))

    def drain() -> None:
        rollup.drain(org_id=rollup_org.pk)

    results: list[list[BaseException]] = []
    outer = threading.Thread(target=lambda: results.append(run_concurrently([drain])), daemon=True)
    edit_thread_errors: list[list[BaseException]] = []
    edit_thread = threading.Thread(
        target=lambda: edit_thread_errors.append(run_concurrently([edit])), daemon=True
    )
    with transaction.atomic():
        DirtyBucket.objects.select_for_update().get(pk=later_row.pk)
        outer.start()
        wait_until(lambda: waiting_on_locks() >= 1)  # the drain waits for the held row
        edit_thread.start()
        wait_until(lambda: waiting_on_locks() >= 2)  # the edit waits too
    outer.join(THREAD_TIMEOUT)
    edit_thread.join(THREAD_TIMEOUT)

    assert results == [[]]
    assert edit_thread_errors == [[]]
    rollup.drain_all(org_id=rollup_org.pk)
    assert [r[3:5] for r in rollup_rows(rollup_org.pk)] == [(earlier, 2)]
    assert_rollup_exact(rollup_org)
