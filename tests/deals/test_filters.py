"""One FilterSet for the deal list: the API (list, export) and the list, board and export
pages read `q, owner, team, stage, open, stale` through it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal
from tests.deals.factories import CustomerFactory, DealFactory, default_stages

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/acme/deals/"


@pytest.fixture
def deals(org, member, teammate, other_team_member) -> dict[str, Deal]:
    stages = default_stages(org)
    acme = CustomerFactory.create(organization=org, name="Acme Robotics")
    old = timezone.now() - timedelta(days=org.stale_deal_days + 5)
    stale = DealFactory.create(membership=member, title="Stale", last_stage_change_at=old)
    Deal.objects.filter(pk=stale.pk).update(created_at=old)
    return {
        "fresh": DealFactory.create(membership=member, title="Fresh", customer=acme),
        "stale": stale,
        "won": DealFactory.create(membership=teammate, title="Won", stage=stages["won"]),
        "osaka": DealFactory.create(membership=other_team_member, title="Osaka"),
    }


def _api_titles(client, **params) -> set[str]:
    response = client.get(API, {"page_size": 500, **params})
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


def _page_titles(client, org, **params) -> set[str]:
    response = client.get(reverse("deals:deal_list", kwargs={"org_slug": org.slug}), params)
    assert response.status_code == 200
    return {d.title for d in response.context["page"]}


def test_the_api_and_the_page_filter_alike(api_for, client_for, admin, org, team, deals):
    api, page = api_for(admin), client_for(admin)
    cases = [
        {"open": "true"},
        {"open": "false"},
        {"stale": "true"},
        {"stale": "false", "open": ""},
        {"stage": "won", "open": ""},
        {"team": team.pk, "open": ""},
        {"q": "robotics", "open": ""},
        {"q": "osa", "open": ""},
    ]
    for params in cases:
        assert _api_titles(api, **params) == _page_titles(page, org, **params), params
    assert _api_titles(api, q="robotics") == {"Fresh"}  # the customer's name matches
    assert _page_titles(page, org) == {"Fresh", "Stale", "Osaka"}  # the page: open by default


def test_older_links_and_saved_views_keep_working_on_the_page(client_for, admin, org, deals):
    page = client_for(admin)
    assert _page_titles(page, org, status="closed") == {"Won"}
    assert _page_titles(page, org, status="all") == {"Fresh", "Stale", "Won", "Osaka"}
    assert _page_titles(page, org, stale="yes") == {"Stale"}
    assert _page_titles(page, org, stale="no") == {"Fresh", "Osaka"}


def test_bad_filters_answer_400_on_the_api_and_a_form_error_on_the_page(
    api_for, client_for, admin, org, outsider_team, deals
):
    bad = ({"open": "maybe"}, {"stale": "2"}, {"stage": "nope"}, {"team": outsider_team.pk},
           {"owner": "x"}, {"q": "x" * 101})  # fmt: skip
    page = client_for(admin)
    list_url = reverse("deals:deal_list", kwargs={"org_slug": org.slug})
    export_url = reverse("deals:deal_export", kwargs={"org_slug": org.slug})
    for params in bad:
        response = api_for(admin).get(API, params)
        assert response.status_code == 400, params
        assert set(response.json()) == set(params), params
        listed = page.get(list_url, params)
        assert listed.status_code == 200
        assert set(listed.context["filters"].errors) == set(params), params
        exported = page.get(export_url, params)
        assert exported.status_code == 302
        assert exported["Location"].startswith(list_url)


def test_the_board_filters_by_search_team_and_owner_only(client_for, admin, org, deals):
    board = client_for(admin).get(
        reverse("deals:deal_board", kwargs={"org_slug": org.slug}), {"q": "stale", "open": "x"}
    )
    assert set(board.context["filters"].fields) == {"q", "team", "owner"}
    cards = {d.title for column in board.context["columns"] for d in column.deals}
    assert cards == {"Stale"}


def test_the_schema_describes_the_deal_filters_from_the_filterset(client):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    for path in ("deals/", "deals/export/"):
        parameters = {
            p["name"]: p["schema"]["type"]
            for p in paths["/api/v1/orgs/{org_slug}/" + path]["get"]["parameters"]
        }
        expected = {"q": "string", "owner": "integer", "team": "integer", "stage": "string",
                    "open": "boolean", "stale": "boolean"}  # fmt: skip
        assert {k: parameters.get(k) for k in expected} == expected, path


def test_the_customer_search_is_one_filter_for_the_api_and_the_page(
    api_for, client_for, member, org, other_org
):
    CustomerFactory.create(organization=org, name="Sakura Foods", industry="Food")
    CustomerFactory.create(organization=org, name="Kato Steel", industry="Steel")
    CustomerFactory.create(organization=other_org, name="Sakura Globex", industry="Food")
    api = api_for(member).get("/api/v1/orgs/acme/customers/", {"q": "food"})
    page = client_for(member).get(
        reverse("deals:customer_list", kwargs={"org_slug": org.slug}), {"q": "food"}
    )
    assert [c["name"] for c in api.json()["results"]] == ["Sakura Foods"]
    assert [c.name for c in page.context["page"]] == ["Sakura Foods"]
    too_long = api_for(member).get("/api/v1/orgs/acme/customers/", {"q": "x" * 201})
    assert too_long.status_code == 400
    assert too_long.json()["q"]
