"""Bad input answers a clear 400 and changes nothing (S2 foreign references, S5 mass
assignment, the issue's list of bad values); activities link only to deals one works on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from activities.models import Activity
from deals import services
from deals.models import Concern, Contact, Customer, DailyDealWon, Deal, Stage, StageChange
from tests.activities.factories import default_types
from tests.deals.factories import CustomerFactory, DealFactory, default_stages
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs/acme/"
DEALS = f"{BASE}deals/"


@pytest.fixture(autouse=True)
def stages(org):
    return default_stages(org)


@pytest.fixture
def customer(org):
    return CustomerFactory.create(organization=org, name="Yamada Trading")


@pytest.fixture
def foreign(other_org, outsider):
    """globex's customer, stage and member (`outsider`, an admin there)."""
    return {
        "customer": CustomerFactory.create(organization=other_org, name="Globex Customer"),
        "stage": Stage.objects.create(
            organization=other_org, key="globex_only", name="G", order=9, probability=5
        ),
        "member": outsider,
    }


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row the deals API could write."""
    models = (Deal, Customer, Contact, Concern, StageChange, DailyDealWon, Stage)
    rows = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    rows["collaborators"] = list(Deal.collaborators.through.objects.order_by("pk").values())
    return rows


def _payload(customer, **extra):
    return {"title": "Fleet renewal", "customer": customer.pk, "amount": "100"} | extra


def _refused(response, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    body = response.json()
    if field is not None:
        assert field in body, body
        assert all(isinstance(m, str) and m for m in body[field])
    return body


# --- S2: another organisation's ids --------------------------------------------------------


def test_opening_a_deal_with_another_orgs_customer_member_or_stage_is_a_400(
    api_for, member, customer, foreign
):
    client = api_for(member)
    before = snapshot()
    cases = [
        ("customer", _payload(foreign["customer"])),
        ("owner", _payload(customer, owner=foreign["member"].user_id)),
        ("collaborators", _payload(customer, collaborators=[foreign["member"].user_id])),
        ("stage", _payload(customer, stage="globex_only")),
    ]
    for field, payload in cases:
        _refused(client.post(DEALS, payload, format="json"), field)
    assert snapshot() == before


def test_changing_a_deal_to_another_orgs_customer_member_or_stage_is_a_400(
    api_for, member, customer, foreign
):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="10")
    client = api_for(member)
    url = f"{DEALS}{deal.pk}/"
    before = snapshot()
    cases = [
        ("customer", {"customer": foreign["customer"].pk}),
        ("owner", {"owner": foreign["member"].user_id}),
        ("collaborators", {"collaborators": [foreign["member"].user_id]}),
        ("stage", {"stage": "globex_only"}),
    ]
    for field, payload in cases:
        _refused(client.patch(url, payload, format="json"), field)
    _refused(client.post(f"{url}move/", {"stage": "globex_only"}), "stage")
    assert snapshot() == before


def test_filters_naming_another_orgs_rows_are_a_400(api_for, member, outsider_team, foreign):
    client = api_for(member)
    _refused(client.get(DEALS, {"team": outsider_team.pk}), "team")
    _refused(client.get(DEALS, {"owner": foreign["member"].user_id}), "owner")
    _refused(client.get(DEALS, {"stage": "globex_only"}), "stage")


def test_a_deactivated_member_cannot_be_owner_or_collaborator(api_for, org, team, admin, customer):
    gone = MembershipFactory.create(organization=org, team=team, active=False)
    client = api_for(admin)
    _refused(client.post(DEALS, _payload(customer, owner=gone.user_id)), "owner")
    _refused(client.post(DEALS, _payload(customer, collaborators=[gone.user_id])), "collaborators")
    assert not Deal.objects.exists()


# --- S5: mass assignment ------------------------------------------------------------------


PROTECTED = {
    "id": 4242,
    "organization": 999,
    "team": 999,
    "won_user": 1,
    "won_team": 1,
    "won_date": "2026-01-05",
    "closed_at": "2026-01-05T00:00:00Z",
    "created_at": "2020-01-01T00:00:00Z",
    "probability_is_manual": True,
    "is_stale": True,
    "last_stage_change_at": "2020-01-01T00:00:00Z",
    "forecast_note": "planted",
}


def test_bookkeeping_fields_sent_on_create_are_ignored(api_for, member, customer):
    response = api_for(member).post(DEALS, _payload(customer, **PROTECTED), format="json")
    assert response.status_code == 201, response.content
    deal = Deal.objects.get()
    assert deal.pk != 4242
    assert deal.organization.slug == "acme"
    assert deal.team_id == member.team_id
    assert (deal.won_user_id, deal.won_team_id, deal.won_date, deal.closed_at) == (
        None,
        None,
        None,
        None,
    )
    assert deal.created_at.year != 2020
    assert deal.probability_is_manual is False
    assert deal.forecast_note == ""
    assert not DailyDealWon.objects.exists()


def test_bookkeeping_fields_sent_on_change_are_ignored(api_for, member, customer):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="10")
    before = Deal.objects.filter(pk=deal.pk).values().get()
    response = api_for(member).patch(f"{DEALS}{deal.pk}/", PROTECTED, format="json")
    assert response.status_code == 200, response.content
    after = Deal.objects.filter(pk=deal.pk).values().get()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }


def test_a_customer_cannot_be_moved_into_another_organisation(api_for, member, customer):
    response = api_for(member).patch(
        f"{BASE}customers/{customer.pk}/", {"organization": 999, "id": 77, "name": "Renamed"}
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.pk, customer.organization.slug, customer.name) != (77, "globex", "")
    assert customer.name == "Renamed"


# --- the bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "extra"),
    [
        ("amount", {"amount": "-1"}),
        ("amount", {"amount": -0.01}),
        ("amount", {"amount": "abc"}),
        ("amount", {"amount": "NaN"}),
        ("amount", {"amount": "Infinity"}),
        ("amount", {"amount": "1e20"}),
        ("amount", {"amount": "1.001"}),
        ("stage", {"stage": "closing"}),
        ("probability", {"probability": 101}),
        ("probability", {"probability": -1}),
        ("term", {"term": "medium"}),
        ("forecast_category", {"forecast_category": "maybe"}),
        ("title", {"title": "  "}),
        ("customer", {"customer": 987654321}),
        ("customer", {"customer": "x"}),
        ("collaborators", {"collaborators": "7"}),
        ("collaborators", {"collaborators": [987654321]}),
        ("concerns", {"concerns": 5}),
        ("concerns", {"concerns": [{"text": 5}]}),
        ("concerns", {"concerns": [{"text": "ok", "resolved": "perhaps"}]}),
        ("concerns", {"concerns": ["   "]}),
        ("expected_close_date", {"expected_close_date": "31/03/2026"}),
    ],
)
def test_bad_values_on_create_are_a_400_naming_the_field(api_for, member, customer, field, extra):
    before = snapshot()
    payload = _payload(customer) | extra
    _refused(api_for(member).post(DEALS, payload, format="json"), field)
    assert snapshot() == before


def test_a_move_into_lost_without_a_reason_is_a_400_and_changes_nothing_else_in_the_patch(
    api_for, member, customer
):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="10")
    client = api_for(member)
    before = snapshot()
    _refused(client.post(f"{DEALS}{deal.pk}/move/", {"stage": "lost"}), "lost_reason")
    _refused(client.post(f"{DEALS}{deal.pk}/move/", {"stage": "lost", "lost_reason": " "}))
    both = client.patch(f"{DEALS}{deal.pk}/", {"title": "Changed", "amount": "5", "stage": "lost"})
    _refused(both, "lost_reason")
    _refused(client.post(f"{DEALS}{deal.pk}/move/", {}), "stage")
    _refused(client.post(f"{DEALS}{deal.pk}/move/", {"stage": "nope"}), "stage")
    assert snapshot() == before


def test_negative_amount_on_change_is_a_400(api_for, member, customer):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="10")
    before = snapshot()
    _refused(api_for(member).patch(f"{DEALS}{deal.pk}/", {"amount": "-5"}), "amount")
    assert snapshot() == before


def test_malformed_bodies_are_a_400_not_a_500(api_for, member, customer):
    client = api_for(member)
    response = client.post(DEALS, "{not json", content_type="application/json")
    assert response.status_code == 400
    deep = "[" * 5000 + "]" * 5000
    assert client.post(DEALS, deep, content_type="application/json").status_code == 400
    assert client.post(DEALS, [1, 2], format="json").status_code == 400
    assert not Deal.objects.exists()


def test_a_huge_id_in_a_url_or_query_is_a_404_or_400_not_a_500(api_for, member):
    client = api_for(member)
    assert client.get(f"{DEALS}{2**70}/").status_code == 404
    assert client.get(DEALS, {"owner": 2**70}).status_code == 400
    assert client.get(f"{BASE}stats/forecast/", {"team": 2**70}).status_code == 400


# --- the activity's deal ------------------------------------------------------------------


ACTIVITIES = f"{BASE}activities/"
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def test_an_activity_links_to_a_deal_the_caller_works_on(
    api_for, org, member, teammate, customer, outsider, time_machine
):
    time_machine.move_to(NOW, tick=False)
    default_types(org)
    mine = DealFactory.create(membership=member)
    private = DealFactory.create(membership=teammate)
    foreign = DealFactory.create(membership=outsider)
    client = api_for(member)

    linked = client.post(ACTIVITIES, {"type": "call", "deal": mine.pk})
    assert linked.status_code == 201, linked.content
    assert linked.json()["deal"] == mine.pk
    mine.refresh_from_db()
    assert mine.last_activity_at == NOW  # the deal is not stale any more

    before = list(Activity.objects.values())
    for deal in (private, foreign):
        _refused(client.post(ACTIVITIES, {"type": "call", "deal": deal.pk}), "deal")
    url = f"{ACTIVITIES}{linked.json()['id']}/"
    _refused(client.patch(url, {"deal": foreign.pk}), "deal")
    assert list(Activity.objects.values()) == before

    unlinked = client.patch(url, {"deal": None}, format="json")
    assert unlinked.status_code == 200
    assert unlinked.json()["deal"] is None
    assert client.get(ACTIVITIES).json()["results"][0]["deal"] is None


def test_stage_configuration_errors_are_a_400(api_for, admin, stages):
    client = api_for(admin)
    before = snapshot()
    bad = [
        {"key": "Bad Key", "name": "X", "order": 1, "probability": 5, "outcome": "open"},
        {"key": "ok", "name": "X", "order": 1, "probability": 5, "outcome": "maybe"},
        {"key": "ok", "name": "X", "order": -1, "probability": 5, "outcome": "open"},
        {"key": "ok", "name": "", "order": 1, "probability": 5, "outcome": "open"},
    ]
    for payload in bad:
        assert client.post(f"{BASE}stages/", payload).status_code == 400, payload
    assert snapshot() == before
