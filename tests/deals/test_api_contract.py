"""The deals API as documented in API.md: shapes, defaults, moves, history, forecast, stats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from activities.rollup import drain_all
from deals import services
from deals.models import Concern, Customer, Deal, DealNote, ForecastSnapshot, Stage, StageChange
from goals.models import Metric
from goals.services import ensure_default_metrics
from tests.deals.factories import CustomerFactory, DealFactory, default_stages
from tests.goals.factories import GoalFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs/acme/"
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo; fiscal Q1 (Jan-Mar)
DEAL_FIELDS = {
    "id",
    "title",
    "customer",
    "owner",
    "team",
    "collaborators",
    "amount",
    "stage",
    "probability",
    "probability_is_manual",
    "expected_close_date",
    "next_step",
    "next_step_date",
    "proposal_date",
    "concerns",
    "term",
    "forecast_category",
    "forecast_note",
    "lost_reason",
    "created_at",
    "updated_at",
    "closed_at",
    "won_date",
    "is_stale",
}


@pytest.fixture(autouse=True)
def _frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def stages(org):
    return default_stages(org)


@pytest.fixture
def customer(org):
    return CustomerFactory.create(organization=org, name="Yamada Trading", industry="Logistics")


def _deal_url(deal, suffix=""):
    pk = deal if isinstance(deal, int) else deal.pk
    return f"{BASE}deals/{pk}/{suffix}"


# --- customers ----------------------------------------------------------------------------


def test_customers_are_created_listed_searched_and_changed_with_their_contacts(
    api_for, member, customer
):
    client = api_for(member)
    created = client.post(
        f"{BASE}customers/", {"name": "  Sato Foods ", "industry": "Food", "notes": "Key account"}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"id", "name", "industry", "notes", "contacts", "created_at"}
    assert (body["name"], body["industry"], body["contacts"]) == ("Sato Foods", "Food", [])

    contact = client.post(
        f"{BASE}customers/{body['id']}/contacts/",
        {"name": "Sato Hanako", "title": "Buyer", "email": "hanako@sato.example"},
    )
    assert contact.status_code == 201, contact.content
    assert set(contact.json()) == {"id", "name", "title", "email", "phone"}

    detail = client.get(f"{BASE}customers/{body['id']}/").json()
    assert [c["name"] for c in detail["contacts"]] == ["Sato Hanako"]

    listed = client.get(f"{BASE}customers/", {"q": "sato"}).json()
    assert set(listed) == {"count", "next", "previous", "results"}
    assert [c["name"] for c in listed["results"]] == ["Sato Foods"]
    everyone = client.get(f"{BASE}customers/").json()
    assert [c["name"] for c in everyone["results"]] == ["Sato Foods", "Yamada Trading"]

    changed = client.patch(f"{BASE}customers/{body['id']}/", {"industry": "Retail"})
    assert changed.status_code == 200
    stored = Customer.objects.get(pk=body["id"])
    assert (stored.name, stored.industry, stored.notes) == ("Sato Foods", "Retail", "Key account")


def test_a_customer_and_a_contact_need_a_name(api_for, member, customer):
    client = api_for(member)
    assert client.post(f"{BASE}customers/", {"name": "   "}).status_code == 400
    response = client.post(f"{BASE}customers/{customer.pk}/contacts/", {"name": ""})
    assert response.status_code == 400
    assert "name" in response.json()
    assert not customer.contacts.exists()


# --- stages -------------------------------------------------------------------------------


def test_stages_list_in_order_with_the_defaults(api_for, member):
    response = api_for(member).get(f"{BASE}stages/")
    assert response.status_code == 200
    rows = response.json()
    assert [s["key"] for s in rows] == [
        "lead",
        "qualified",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ]
    assert set(rows[0]) == {"id", "key", "name", "order", "probability", "outcome"}
    assert [s["outcome"] for s in rows][-2:] == ["won", "lost"]


def test_admins_add_and_change_stages_but_not_their_key(api_for, admin, stages):
    client = api_for(admin)
    created = client.post(
        f"{BASE}stages/",
        {"key": "demo", "name": "Demo", "order": 3, "probability": 40, "outcome": "open"},
    )
    assert created.status_code == 201, created.content
    changed = client.patch(f"{BASE}stages/{stages['proposal'].pk}/", {"probability": 55})
    assert changed.status_code == 200
    assert changed.json()["probability"] == 55
    assert Stage.objects.get(pk=stages["proposal"].pk).name == "Proposal"
    rekeyed = client.patch(f"{BASE}stages/{stages['proposal'].pk}/", {"key": "offer"})
    assert rekeyed.status_code == 400
    assert "key" in rekeyed.json()
    duplicate = client.post(
        f"{BASE}stages/",
        {"key": "lead", "name": "Again", "order": 9, "probability": 5, "outcome": "open"},
    )
    assert duplicate.status_code == 400
    too_likely = client.patch(f"{BASE}stages/{stages['lead'].pk}/", {"probability": 101})
    assert too_likely.status_code == 400
    assert Stage.objects.get(pk=stages["lead"].pk).probability == 10


def test_a_stage_added_without_an_outcome_is_an_open_stage(api_for, admin, stages):
    response = api_for(admin).post(
        f"{BASE}stages/", {"key": "demo", "name": "Demo", "order": 3, "probability": 40}
    )

    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "open"
    assert Stage.objects.get(key="demo").outcome == Stage.Outcome.OPEN


# --- deals --------------------------------------------------------------------------------


def test_opening_a_deal_returns_the_documented_flat_shape(api_for, org, member, teammate, customer):
    org.currency = "USD"  # dollars have cents
    org.save(update_fields=["currency"])
    response = api_for(member).post(
        f"{BASE}deals/",
        {
            "title": "Fleet renewal",
            "customer": customer.pk,
            "amount": 1234.5,
            "collaborators": [teammate.user_id],
            "expected_close_date": "2026-03-31",
            "next_step": "Send the quote",
            "next_step_date": "2026-03-12",
            "proposal_date": "2026-03-15",
            "term": "long",
            "forecast_category": "best_case",
            "concerns": ["Price", {"text": "Delivery time", "resolved": True}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == DEAL_FIELDS
    assert body["customer"] == customer.pk
    assert body["owner"] == member.user_id
    assert body["team"] == member.team_id
    assert body["collaborators"] == [teammate.user_id]
    assert body["amount"] == "1234.50"
    assert (body["stage"], body["probability"], body["probability_is_manual"]) == (
        "lead",
        10,
        False,
    )
    assert body["expected_close_date"] == "2026-03-31"
    assert (body["term"], body["forecast_category"]) == ("long", "best_case")
    assert [(c["text"], c["resolved"]) for c in body["concerns"]] == [
        ("Price", False),
        ("Delivery time", True),
    ]
    assert all(set(c) == {"id", "text", "resolved"} for c in body["concerns"])
    assert (body["closed_at"], body["won_date"], body["lost_reason"]) == (None, None, "")
    assert body["is_stale"] is False
    assert datetime.fromisoformat(body["created_at"]) == NOW
    deal = Deal.objects.get(pk=body["id"])
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_a_plain_string_is_one_open_concern(api_for, member, customer):
    response = api_for(member).post(
        f"{BASE}deals/",
        {"title": "T", "customer": customer.pk, "amount": "10", "concerns": "Too expensive"},
    )
    assert response.status_code == 201, response.content
    assert [(c["text"], c["resolved"]) for c in response.json()["concerns"]] == [
        ("Too expensive", False)
    ]


def test_a_deal_can_open_in_a_given_stage_with_a_manual_probability(api_for, member, customer):
    response = api_for(member).post(
        f"{BASE}deals/",
        {
            "title": "T",
            "customer": customer.pk,
            "amount": "10",
            "stage": "proposal",
            "probability": 65,
        },
    )
    body = response.json()
    assert (body["stage"], body["probability"], body["probability_is_manual"]) == (
        "proposal",
        65,
        True,
    )


def test_the_list_is_paginated_and_filtered(
    api_for, org, admin, member, teammate, other_team_member, team, sub_team, stages, time_machine
):
    time_machine.move_to(NOW - timedelta(days=40), tick=False)
    stale = DealFactory.create(membership=member, title="Old lead")
    time_machine.move_to(NOW, tick=False)
    fresh = DealFactory.create(membership=member, title="New lead")
    won = DealFactory.create(membership=teammate, stage=stages["won"], title="Won one")
    osaka = DealFactory.create(membership=other_team_member, title="Osaka deal")
    client = api_for(admin)

    def titles(**query):
        response = client.get(f"{BASE}deals/", query)
        assert response.status_code == 200, response.content
        return {row["title"] for row in response.json()["results"]}

    body = client.get(f"{BASE}deals/", {"page_size": 2}).json()
    assert body["count"] == 4
    assert len(body["results"]) == 2
    assert body["next"] is not None
    assert titles() == {stale.title, fresh.title, won.title, osaka.title}
    assert titles(owner=member.user_id) == {stale.title, fresh.title}
    assert titles(team=team.pk) == {stale.title, fresh.title, won.title}
    assert titles(stage="won") == {won.title}
    assert titles(open="true") == {stale.title, fresh.title, osaka.title}
    assert titles(open="false") == {won.title}
    assert titles(stale="true") == {stale.title}
    assert titles(stale="false") == {fresh.title, won.title, osaka.title}
    rows = {row["title"]: row for row in client.get(f"{BASE}deals/").json()["results"]}
    assert rows[stale.title]["is_stale"] is True
    for bad in ({"stage": "nope"}, {"open": "maybe"}, {"owner": "x"}, {"team": 987654}):
        assert client.get(f"{BASE}deals/", bad).status_code == 400, bad


def test_a_team_filter_includes_sub_teams(api_for, org, manager, sub_team, team):
    from tests.factories import MembershipFactory

    rep = MembershipFactory.create(organization=org, team=sub_team)
    deal = DealFactory.create(membership=rep)
    rows = api_for(manager).get(f"{BASE}deals/", {"team": team.pk}).json()["results"]
    assert [row["id"] for row in rows] == [deal.pk]


def test_patch_changes_details_and_replaces_concerns(api_for, org, member, teammate, customer):
    org.currency = "EUR"  # euros have cents
    org.save(update_fields=["currency"])
    client = api_for(member)
    deal = services.create_deal(
        actor=member, title="T", customer=customer, amount="10", concerns=["Price"]
    )
    response = client.patch(
        _deal_url(deal),
        {
            "title": "Renamed",
            "amount": "99.90",
            "probability": 30,
            "collaborators": [teammate.user_id],
            "next_step": "Call back",
            "concerns": [{"text": "Price", "resolved": True}, "Timing"],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["amount"], body["probability"]) == ("Renamed", "99.90", 30)
    assert body["probability_is_manual"] is True
    assert body["collaborators"] == [teammate.user_id]
    assert [(c["text"], c["resolved"]) for c in body["concerns"]] == [
        ("Price", True),
        ("Timing", False),
    ]
    assert Concern.objects.filter(deal=deal).count() == 2


def test_patch_with_a_stage_moves_the_deal_through_the_history(api_for, member, customer):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="10")
    response = api_for(member).patch(_deal_url(deal), {"stage": "proposal", "next_step": "Demo"})
    assert response.status_code == 200, response.content
    assert (response.json()["stage"], response.json()["probability"]) == ("proposal", 50)
    assert StageChange.objects.filter(deal=deal).count() == 2


def test_delete_removes_the_deal(api_for, member, customer):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="10")
    assert api_for(member).delete(_deal_url(deal)).status_code == 204
    assert not Deal.objects.filter(pk=deal.pk).exists()


def test_put_is_not_offered(api_for, member, customer):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="10")
    response = api_for(member).put(
        _deal_url(deal), {"title": "X", "customer": customer.pk, "amount": "1"}
    )
    assert response.status_code == 405


# --- move and history ---------------------------------------------------------------------


def test_moving_to_won_closes_and_shows_in_the_history(api_for, org, member, customer):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="500")
    client = api_for(member)
    moved = client.post(_deal_url(deal, "move/"), {"stage": "proposal"})
    assert moved.status_code == 200, moved.content
    won = client.post(_deal_url(deal, "move/"), {"stage": "won"})
    assert won.status_code == 200
    body = won.json()
    assert (body["stage"], body["probability"]) == ("won", 100)
    assert datetime.fromisoformat(body["closed_at"]) == NOW
    assert body["won_date"] == "2026-03-10"
    again = client.post(_deal_url(deal, "move/"), {"stage": "won"})  # nothing to record
    assert again.status_code == 200

    history = client.get(_deal_url(deal, "history/"))
    assert history.status_code == 200
    rows = history.json()
    assert [(r["from"], r["to"], r["by"]) for r in rows] == [
        (None, "lead", member.user_id),
        ("lead", "proposal", member.user_id),
        ("proposal", "won", member.user_id),
    ]
    assert all(set(r) == {"from", "to", "at", "by"} for r in rows)
    assert datetime.fromisoformat(rows[-1]["at"]) == NOW


def test_moving_to_lost_needs_a_reason(api_for, member, customer):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="500")
    client = api_for(member)
    refused = client.post(_deal_url(deal, "move/"), {"stage": "lost"})
    assert refused.status_code == 400
    assert "lost_reason" in refused.json()
    assert Deal.objects.get(pk=deal.pk).stage.key == "lead"
    lost = client.post(_deal_url(deal, "move/"), {"stage": "lost", "lost_reason": "No budget"})
    assert lost.status_code == 200
    assert lost.json()["lost_reason"] == "No budget"


# --- forecast call and notes --------------------------------------------------------------


def test_the_owner_sets_the_forecast_and_a_manager_adjusts_it_with_a_note(
    api_for, member, manager, customer
):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="500")
    url = _deal_url(deal, "forecast/")
    own = api_for(member).post(url, {"forecast_category": "commit"})
    assert own.status_code == 200, own.content
    assert own.json()["forecast_category"] == "commit"
    silent = api_for(manager).post(url, {"forecast_category": "best_case"})
    assert silent.status_code == 400
    assert "note" in silent.json()
    adjusted = api_for(manager).post(
        url, {"forecast_category": "best_case", "note": "Legal review slips"}
    )
    assert adjusted.status_code == 200
    assert (adjusted.json()["forecast_category"], adjusted.json()["forecast_note"]) == (
        "best_case",
        "Legal review slips",
    )
    assert api_for(member).post(url, {"forecast_category": "sure"}).status_code == 400


def test_notes_are_added_and_listed(api_for, member, customer):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="500")
    client = api_for(member)
    added = client.post(_deal_url(deal, "notes/"), {"body": "Met the CFO"})
    assert added.status_code == 201, added.content
    assert set(added.json()) == {"id", "author", "body", "created_at"}
    assert added.json()["author"] == member.user_id
    assert client.post(_deal_url(deal, "notes/"), {"body": ""}).status_code == 400
    listed = client.get(_deal_url(deal, "notes/")).json()
    assert [n["body"] for n in listed["results"]] == ["Met the CFO"]
    assert DealNote.objects.filter(deal=deal).count() == 1


# --- stats --------------------------------------------------------------------------------


def test_pipeline_shows_open_deals_by_stage_and_each_owners_load(
    api_for, org, manager, member, teammate, team, stages
):
    DealFactory.create(
        membership=member, amount=Decimal("1000"), stage=stages["proposal"], probability=50
    )
    DealFactory.create(
        membership=member,
        amount=Decimal("500"),
        next_step_date=date(2026, 3, 1),  # overdue
    )
    DealFactory.create(membership=teammate, amount=Decimal("200"), stage=stages["won"])
    response = api_for(manager).get(f"{BASE}stats/pipeline/", {"team": team.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"stages", "owners"}
    by_key = {row["stage"]: row for row in body["stages"]}
    assert list(by_key) == ["lead", "qualified", "proposal", "negotiation"]
    assert set(body["stages"][0]) == {"stage", "name", "count", "amount", "weighted"}
    assert (by_key["proposal"]["count"], by_key["proposal"]["amount"]) == (1, "1000.00")
    assert by_key["proposal"]["weighted"] == "500.00"
    assert (by_key["lead"]["count"], by_key["lead"]["weighted"]) == (1, "50.00")
    [owner] = body["owners"]
    assert set(owner) == {
        "user",
        "name",
        "open_count",
        "open_amount",
        "stale_count",
        "overdue_next_steps",
    }
    assert (owner["user"], owner["open_count"], owner["open_amount"]) == (
        member.user_id,
        2,
        "1500.00",
    )
    assert (owner["stale_count"], owner["overdue_next_steps"]) == (0, 1)


def test_forecast_shows_the_quarter_against_the_quota(
    api_for, org, admin, member, team, customer, django_capture_on_commit_callbacks
):
    ensure_default_metrics(org=org)
    revenue = Metric.objects.for_org(org).get(key="revenue")
    GoalFactory.create(
        organization=org,
        metric=revenue,
        scope="team",
        team=team,
        start=date(2026, 1, 1),
        end=date(2026, 3, 31),
        target=Decimal("10000"),
    )
    won = services.create_deal(actor=member, title="W", customer=customer, amount="1000")
    services.move_deal_to_stage(actor=member, deal=won, stage="won")
    with django_capture_on_commit_callbacks(execute=True):
        drain_all(org_id=org.pk)
    for category, amount in (("commit", "300"), ("best_case", "200"), ("pipeline", "100")):
        services.create_deal(
            actor=member,
            title=category,
            customer=customer,
            amount=amount,
            forecast_category=category,
            expected_close_date=date(2026, 3, 20),
        )
    services.create_deal(  # next quarter: not in this one
        actor=member,
        title="later",
        customer=customer,
        amount="999",
        forecast_category="commit",
        expected_close_date=date(2026, 4, 20),
    )
    ForecastSnapshot.objects.create(
        organization=org,
        team=team,
        quarter_start=date(2026, 1, 1),
        date=date(2026, 3, 2),
        closed=0,
        commit=Decimal("250"),
        best_case=Decimal("50"),
        pipeline=0,
    )
    response = api_for(member).get(f"{BASE}stats/forecast/", {"team": team.pk, "period": "quarter"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert {"quota", "closed", "commit", "best_case", "pipeline", "snapshots"} <= set(body)
    assert body["period"] == {"start": "2026-01-01", "end": "2026-03-31"}
    assert Decimal(body["quota"]) == Decimal("10000")
    # Cumulative categories: best case = commit + best-case deals, pipeline = best case + more.
    assert (body["closed"], body["commit"], body["best_case"], body["pipeline"]) == (
        "1000.00",
        "300.00",
        "500.00",
        "600.00",
    )
    assert body["attainment"] == pytest.approx(0.13)  # (1000 + 300) / 10000
    assert [(s["date"], s["commit"], s["best_case"], s["pipeline"]) for s in body["snapshots"]] == [
        ("2026-03-02", "250.00", "300.00", "300.00")
    ]
    year = api_for(member).get(f"{BASE}stats/forecast/", {"team": team.pk, "period": "year"})
    assert year.status_code == 400


def test_deal_stats_give_win_rate_cycle_days_in_stage_and_close_months(
    api_for, admin, member, customer, time_machine
):
    time_machine.move_to(NOW - timedelta(days=10), tick=False)
    won = services.create_deal(actor=member, title="W", customer=customer, amount="100")
    lost = services.create_deal(actor=member, title="L", customer=customer, amount="100")
    services.create_deal(
        actor=member,
        title="Open",
        customer=customer,
        amount="400",
        stage="proposal",
        expected_close_date=date(2026, 3, 25),
    )
    time_machine.move_to(NOW - timedelta(days=6), tick=False)
    services.move_deal_to_stage(actor=member, deal=won, stage="proposal")
    time_machine.move_to(NOW, tick=False)
    services.move_deal_to_stage(actor=member, deal=won, stage="won")
    services.move_deal_to_stage(actor=member, deal=lost, stage="lost", lost_reason="Price")
    response = api_for(admin).get(f"{BASE}stats/deals/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["won"], body["lost"], body["win_rate"]) == (1, 1, 0.5)
    assert body["average_cycle_days"] == pytest.approx(10)
    assert body["days_in_stage"] == {"lead": pytest.approx(7), "proposal": pytest.approx(6)}
    assert body["weighted_by_close_month"] == [{"month": "2026-03-01", "weighted": "200.00"}]


def test_the_schema_describes_every_deals_endpoint(client):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    prefix = "/api/v1/orgs/{org_slug}/"
    for path in (
        "customers/",
        "customers/{customer_id}/",
        "customers/{customer_id}/contacts/",
        "stages/",
        "stages/{stage_id}/",
        "deals/",
        "deals/{deal_id}/",
        "deals/{deal_id}/move/",
        "deals/{deal_id}/history/",
        "deals/{deal_id}/forecast/",
        "deals/{deal_id}/notes/",
        "deals/import/",
        "deals/export/",
        "stats/pipeline/",
        "stats/forecast/",
        "stats/deals/",
    ):
        assert prefix + path in paths, path
    history = paths[prefix + "deals/{deal_id}/history/"]["get"]["responses"]["200"]
    assert history["content"]["application/json"]["schema"]["type"] == "array"
