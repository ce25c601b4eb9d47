"""What a drain task drains: every bucket marked before it started, then it stops.

Marks made while it runs are left to the drain their writes published (tasks.publish_drain),
so that writes gather for the next task instead of one round per few writes.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from activities import rollup
from activities.models import DirtyBucket
from tests.activities.conftest import assert_rollup_exact, dirty_buckets
from tests.activities.factories import ActivityFactory
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 2)


def marked(org, people, days):
    """Activities written straight to the log, their buckets marked dirty (no drain yet)."""
    buckets = []
    for membership in people:
        for day in days:
            ActivityFactory(membership=membership, local_date=day)
            buckets.append(rollup.Bucket(membership.user_id, day))
    rollup.mark_dirty(org_id=org.pk, buckets=buckets)
    return {(b.user_id, b.date) for b in buckets}


def test_full_rounds_go_on_and_the_first_short_one_ends_the_drain(rollup_org, monkeypatch):
    people = [MembershipFactory(organization=rollup_org) for _ in range(5)]
    assert len(marked(rollup_org, people, [DAY])) == 5
    rounds: list[tuple[int, int]] = []
    real = rollup._drain_round

    def spy(org_id: int, limit: int) -> tuple[int, int]:
        result = real(org_id, limit)
        rounds.append(result)
        return result

    monkeypatch.setattr(rollup, "_drain_round", spy)
    assert rollup.drain_marked_before(org_id=rollup_org.pk, limit=2) == 5
    assert rounds == [(2, 2), (2, 2), (1, 1)]
    assert_rollup_exact(rollup_org)


def test_marks_made_while_it_runs_are_left_for_the_next_drain(rollup_org, monkeypatch):
    early, late = (MembershipFactory(organization=rollup_org) for _ in range(2))
    marked(rollup_org, [early], [DAY, DAY + timedelta(days=1)])
    real = rollup._drain_round
    arrived: list[set[tuple[int, date]]] = []

    def write_arrives_after_the_first_round(org_id: int, limit: int) -> tuple[int, int]:
        result = real(org_id, limit)
        if not arrived:  # a write commits while the drain is busy
            arrived.append(marked(rollup_org, [late], [DAY]))
        return result

    monkeypatch.setattr(rollup, "_drain_round", write_arrives_after_the_first_round)
    assert rollup.drain_marked_before(org_id=rollup_org.pk) == 2
    assert dirty_buckets(rollup_org.pk) == arrived[0]
    # drain_all (the periodic drain) goes on until nothing is dirty.
    monkeypatch.setattr(rollup, "_drain_round", real)
    assert rollup.drain_all(org_id=rollup_org.pk) == 1
    assert not DirtyBucket.objects.filter(organization=rollup_org).exists()
    assert_rollup_exact(rollup_org)


def test_the_task_drains_what_was_marked_and_clears_the_pending_flag(rollup_org):
    from activities.tasks import drain_dirty_buckets_task

    people = [MembershipFactory(organization=rollup_org) for _ in range(3)]
    marked(rollup_org, people, [DAY])
    assert drain_dirty_buckets_task.apply(args=(rollup_org.pk,)).get() == 3
    assert_rollup_exact(rollup_org)
