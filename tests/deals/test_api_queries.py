"""The deal list costs a constant number of queries: 10 deals or 1,000 (flat rows, prefetched)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deals.models import Concern, Deal
from tests.deals.factories import CustomerFactory, default_stages

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/deals/"
MAX_QUERIES = 10


def _bulk_deals(org, owners, collaborator, n: int) -> None:
    """`n` deals spread over `owners`, each with a collaborator and two concerns."""
    stages = list(default_stages(org).values())
    customer = CustomerFactory.create(organization=org)
    now = timezone.now()
    deals = Deal.objects.bulk_create(
        [
            Deal(
                organization=org,
                title=f"Deal {i}",
                customer=customer,
                owner=owners[i % len(owners)].user,
                team=owners[i % len(owners)].team,
                amount=Decimal(i),
                stage=stages[i % len(stages)],
                probability=stages[i % len(stages)].probability,
                last_stage_change_at=now,
            )
            for i in range(n)
        ]
    )
    through = Deal.collaborators.through
    through.objects.bulk_create(
        [through(deal_id=d.pk, user_id=collaborator.user_id) for d in deals]
    )
    Concern.objects.bulk_create(
        [Concern(deal=d, text=text) for d in deals for text in ("Price", "Timing")]
    )


def _queries_for_a_page(client, **query) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"page_size": 500, **query})
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("who", ["member", "manager", "admin"])
def test_the_list_costs_the_same_queries_for_ten_deals_as_for_a_thousand(
    who, request, org, member, teammate, manager, admin, api_for, django_assert_max_num_queries
):
    actor = request.getfixturevalue(who)
    client = api_for(actor)
    _bulk_deals(org, [member], teammate, 10)
    few, shown_few = _queries_for_a_page(client)
    assert shown_few == 10
    _bulk_deals(org, [member, teammate], manager, 990)
    many, shown_many = _queries_for_a_page(client)
    assert shown_many == 500
    assert many == few
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(URL, {"page_size": 500, "open": "true", "stale": "false", "stage": "lead"})


def test_a_filtered_list_stays_constant_too(org, member, teammate, admin, api_for):
    client = api_for(admin)
    _bulk_deals(org, [member], teammate, 10)
    few, _ = _queries_for_a_page(client, team=member.team_id, open="true")
    _bulk_deals(org, [member, teammate], admin, 990)
    many, shown = _queries_for_a_page(client, team=member.team_id, open="true")
    assert shown > 100
    assert many == few
