"""R10 through the API, on PostgreSQL: two people splitting or editing one goal at once.

Each request runs in its own thread with its own database connection; the services lock
the goal row, so whichever comes second sees the first one's write and is refused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from goals.models import Goal
from tests.factories import MembershipFactory
from tests.goals.factories import GoalFactory, activity_metric

pytestmark = pytest.mark.django_db(transaction=True)


def race(*requests: Callable[[], Any]) -> list[Any]:
    """Start the requests together, one thread each; every thread closes its connection."""
    barrier = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = requests[index]()
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results


def client_of(membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    return client


@pytest.fixture
def tokyo_goal(require_postgres, org, team, member, teammate) -> Goal:
    MembershipFactory(organization=org, team=team, user__username="theo")
    metric = activity_metric(org, "call")
    return GoalFactory.create(organization=org, metric=metric, scope="team", team=team, target=100)


def test_two_simultaneous_cascades_of_one_goal_make_one_split(
    org, admin, manager, member, teammate, tokyo_goal
):
    url = f"/api/v1/orgs/{org.slug}/goals/{tokyo_goal.pk}/cascade/"
    weighted = {
        "to": "members",
        "strategy": "weights",
        "weights": {str(member.user_id): 1, str(teammate.user_id): 1},
    }
    even, by_weight = race(
        lambda: client_of(admin).post(url, {"to": "members"}, format="json"),
        lambda: client_of(manager).post(url, weighted, format="json"),
    )
    assert sorted([even.status_code, by_weight.status_code]) == [201, 409]
    winner = even if even.status_code == 201 else by_weight
    children = list(tokyo_goal.children.all())
    assert {c.pk for c in children} == {row["id"] for row in winner.json()}
    assert sum(c.target for c in children) == Decimal(100)
    tokyo_goal.refresh_from_db()
    assert tokyo_goal.version == 2


def test_two_simultaneous_changes_from_the_same_version_let_one_through(
    org, admin, manager, tokyo_goal
):
    url = f"/api/v1/orgs/{org.slug}/goals/{tokyo_goal.pk}/"
    first, second = race(
        lambda: client_of(admin).patch(url, {"target": "120", "version": 1}, format="json"),
        lambda: client_of(manager).patch(url, {"target": "80", "version": 1}, format="json"),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    winner = first if first.status_code == 200 else second
    tokyo_goal.refresh_from_db()
    assert tokyo_goal.version == 2
    assert str(tokyo_goal.target.quantize(Decimal("0.01"))) == winner.json()["target"]


def test_a_change_racing_a_cascade_leaves_the_children_summing_to_the_target(
    org, admin, manager, tokyo_goal
):
    base = f"/api/v1/orgs/{org.slug}/goals/{tokyo_goal.pk}/"
    change, split = race(
        lambda: client_of(admin).patch(base, {"target": "90", "version": 1}, format="json"),
        lambda: client_of(manager).post(f"{base}cascade/", {"to": "members"}, format="json"),
    )
    assert split.status_code == 201, split.content
    assert change.status_code in (200, 409)
    tokyo_goal.refresh_from_db()
    children_sum = sum(c.target for c in tokyo_goal.children.all())
    # A split bumps the version, so an edit read before it cannot land after it: either the
    # edit came first and the split divided 90, or the edit is refused and 100 was divided.
    expected = Decimal(90) if change.status_code == 200 else Decimal(100)
    assert (tokyo_goal.target, children_sum) == (expected, expected)
