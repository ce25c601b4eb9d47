"""Goal progress under concurrency on PostgreSQL (QUALITY R1, R11 for goal progress).

Real threads with their own connections: people of one team log activities at once (each
commit drains eagerly, so drains of different buckets race to rewrite the same team and
organisation goals), while other threads refresh the same goals whole and a team moves.
Afterwards every stored actual, weekly and monthly actual equals a recompute, and no
thread saw an exception (no deadlock, no IntegrityError).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.models import Membership
from activities import rollup
from activities.services import ensure_default_activity_types, log_activity
from goals import progress, services
from goals.models import Goal, GoalProgress, Metric
from salesmgmt import periods
from tests.activities.test_rollup_concurrency import run_concurrently
from tests.factories import MembershipFactory, TeamFactory
from tests.goals.test_progress_scale import assert_progress_exact

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]

NOW = datetime(2026, 5, 20, 3, 0, tzinfo=UTC)


def test_racing_drains_and_refreshes_keep_goal_progress_equal_to_a_recompute(
    org, team, time_machine
):
    time_machine.move_to(NOW, tick=True)
    ensure_default_activity_types(org=org)
    services.ensure_default_metrics(org=org)
    visit = Metric.objects.for_org(org).get(key="new_visit")
    sub = TeamFactory(organization=org, parent=team)
    reps = [MembershipFactory(organization=org, team=team if i % 2 else sub) for i in range(6)]
    month = periods.month_of(periods.today(org))
    span = {"start": month.start, "end": month.last, "target": Decimal(100)}
    goals = [
        Goal.objects.create(organization=org, metric=visit, scope="org", **span),
        Goal.objects.create(organization=org, metric=visit, scope="team", team=team, **span),
        Goal.objects.create(organization=org, metric=visit, scope="team", team=sub, **span),
    ]
    goals += [
        Goal.objects.create(organization=org, metric=visit, scope="user", user=r.user, **span)
        for r in reps
    ]
    ids = [g.pk for g in goals]
    progress.refresh_goals(goal_ids=ids)
    barrier = threading.Barrier(len(reps) + 2, timeout=20)

    def logger(rep: Membership) -> None:
        barrier.wait()
        for i in range(6):
            day = periods.today(org) - timedelta(days=i % 3)
            log_activity(
                actor=Membership.objects.select_related("organization", "user").get(pk=rep.pk),
                type="new_visit",
                occurred_at=datetime(day.year, day.month, day.day, 10, tzinfo=org.tzinfo),
                quantity=1 + i % 2,
            )

    def refresher() -> None:
        barrier.wait()
        for _ in range(4):
            services.refresh_progress(goal_ids=ids)

    targets = [lambda rep=rep: logger(rep) for rep in reps] + [refresher, refresher]
    errors = run_concurrently(targets)

    assert errors == []
    rollup.drain_all(org_id=org.pk)
    assert_progress_exact(org.pk)
    expected = 9 * len(reps)  # six visits each, quantities 1, 2, 1, 2, 1, 2
    assert GoalProgress.objects.get(goal=goals[0]).actual == expected
