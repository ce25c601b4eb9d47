"""Moving a deal is atomic and recorded once, even when requests race (PostgreSQL).

Each request runs in its own thread with its own database connection, started together at
a barrier. The service locks the deal row, so the second move sees the first one's stage:
the same target twice is one history entry; two targets are two entries, one after the
other, and the deal ends in the stage of the later one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from activities.rollup import drain_all
from deals import services
from deals.models import DailyDealWon, Deal, StageChange
from tests.deals.factories import CustomerFactory, default_stages

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5


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
def open_deal(require_postgres, org, member):
    default_stages(org)
    customer = CustomerFactory.create(organization=org)

    def make() -> Deal:
        return services.create_deal(actor=member, title="Race", customer=customer, amount="700")

    return make


def _move(membership, deal: Deal, stage: str) -> Callable[[], Any]:
    url = f"/api/v1/orgs/acme/deals/{deal.pk}/move/"
    return lambda: client_of(membership).post(url, {"stage": stage}, format="json")


def _chain(deal: Deal) -> list[tuple[str | None, str]]:
    return list(
        StageChange.objects.filter(deal=deal)
        .order_by("at", "id")
        .values_list("from_stage__key", "to_stage__key")
    )


def test_two_simultaneous_moves_to_the_same_stage_are_recorded_once(open_deal, member, manager):
    for _ in range(ROUNDS):
        deal = open_deal()
        first, second = race(_move(member, deal, "proposal"), _move(manager, deal, "proposal"))
        assert (first.status_code, second.status_code) == (200, 200)
        assert _chain(deal) == [(None, "lead"), ("lead", "proposal")]
        assert Deal.objects.get(pk=deal.pk).stage.key == "proposal"


def test_two_simultaneous_moves_to_different_stages_are_both_recorded_in_order(
    open_deal, member, manager
):
    for _ in range(ROUNDS):
        deal = open_deal()
        first, second = race(_move(member, deal, "qualified"), _move(manager, deal, "negotiation"))
        assert (first.status_code, second.status_code) == (200, 200)
        chain = _chain(deal)
        assert len(chain) == 3
        assert {chain[1][1], chain[2][1]} == {"qualified", "negotiation"}
        # Serialised: the second move starts from where the first one left the deal.
        assert chain[1][0] == "lead"
        assert chain[2][0] == chain[1][1]
        assert Deal.objects.get(pk=deal.pk).stage.key == chain[-1][1]


def test_two_simultaneous_wins_credit_the_deal_once(org, open_deal, member, admin):
    for _ in range(ROUNDS):
        deal = open_deal()
        first, second = race(_move(member, deal, "won"), _move(admin, deal, "won"))
        assert (first.status_code, second.status_code) == (200, 200)
        assert _chain(deal)[1:] == [("lead", "won")]
    drain_all(org_id=org.pk)
    rows = list(DailyDealWon.objects.filter(organization=org).values_list("user_id", "count"))
    assert rows == [(member.user_id, ROUNDS)]


def test_a_win_racing_a_loss_leaves_one_consistent_outcome(org, open_deal, member, manager):
    for _ in range(ROUNDS):
        deal = open_deal()
        lose = client_of(manager)
        url = f"/api/v1/orgs/acme/deals/{deal.pk}/move/"
        won, lost = race(
            _move(member, deal, "won"),
            lambda lose=lose, url=url: lose.post(
                url, {"stage": "lost", "lost_reason": "Chose a rival"}, format="json"
            ),
        )
        assert (won.status_code, lost.status_code) == (200, 200)
        final = Deal.objects.get(pk=deal.pk)
        assert final.stage.key == _chain(deal)[-1][1]
        if final.stage.key == "won":
            assert (final.won_user_id, final.lost_reason) == (member.user_id, "")
        else:
            assert (final.won_user_id, final.won_date, final.lost_reason) == (
                None,
                None,
                "Chose a rival",
            )
    drain_all(org_id=org.pk)
    won_now = Deal.objects.filter(organization=org, stage__key="won").count()
    credited = sum(DailyDealWon.objects.filter(organization=org).values_list("count", flat=True))
    assert credited == won_now
