"""Input PostgreSQL or Django cannot take is refused up front, never a 500: NUL characters
in query strings and bodies (400 naming the field), and bodies over Django's size limit
(the API answers JSON, pages keep their HTML error page)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from accounts.services import provision_organization_defaults
from deals.models import Concern, Customer, Deal
from goals.models import Goal
from tests.deals.factories import CustomerFactory, DealFactory
from tests.goals.factories import GoalFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/acme/"
NUL_MESSAGE = "Null characters are not allowed."


@pytest.fixture(autouse=True)
def defaults(org):
    provision_organization_defaults(org=org)


# --- query strings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("members/?search=ada%00", "search"),
        ("members/?role=admin%00", "role"),
        ("customers/?q=%00", "q"),
        ("goals/?metric=call%00", "metric"),
        ("deals/?stage=lead%00", "stage"),
        ("activities/?type=call%00", "type"),
        ("members/?x%00=1", "detail"),
    ],
)
def test_a_nul_in_an_api_query_string_is_a_400_naming_the_parameter(api_for, admin, url, parameter):
    response = api_for(admin).get(f"{API}{url}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {parameter: [NUL_MESSAGE]}


@pytest.mark.parametrize(
    "url", ["members/?q=ada%00", "deals/list/?q=%00", "activities/list/?from=%00", "goals/?x=%00"]
)
def test_a_nul_in_a_page_query_string_is_the_400_page(client_for, admin, url):
    response = client_for(admin).get(f"/o/acme/{url}")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


# --- bodies ---------------------------------------------------------------------------------


def test_a_nul_in_a_deals_concerns_is_a_400_and_nothing_is_written(api_for, member, org):
    customer = CustomerFactory.create(organization=org)
    deal = DealFactory.create(membership=member)
    client = api_for(member)
    body = {"title": "Fleet", "customer": customer.pk, "amount": "1", "concerns": ["pri\x00ce"]}

    created = client.post(f"{API}deals/", body, format="json")
    changed = client.patch(
        f"{API}deals/{deal.pk}/", {"concerns": [{"text": "\x00", "resolved": False}]}, format="json"
    )

    for response in (created, changed):
        assert response.status_code == 400
        assert response.json() == {"concerns": [NUL_MESSAGE]}
    assert list(Deal.objects.values_list("pk", flat=True)) == [deal.pk]
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Yamada\x00 KK"}, "name"),
        ({"name": "Yamada KK", "notes": ["\x00"]}, "notes"),
        ({"name": "Yamada KK", "in\x00dustry": "x"}, "detail"),
    ],
)
def test_a_nul_anywhere_in_a_json_body_is_a_400_naming_the_field(api_for, member, body, field):
    response = api_for(member).post(f"{API}customers/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [NUL_MESSAGE]}
    assert not Customer.objects.exists()


def test_a_nul_in_a_cascades_weights_is_a_400(api_for, admin, org, team):
    goal = GoalFactory.create(organization=org)
    body = {"to": "teams", "strategy": "weights", "weights": {f"{team.pk}\x00": 1}}

    response = api_for(admin).post(f"{API}goals/{goal.pk}/cascade/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"weights": [NUL_MESSAGE]}
    assert Goal.objects.count() == 1


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_nul_in_a_form_encoded_api_body_is_a_400(api_for, member, encoding):
    client = api_for(member)
    if encoding == "multipart":
        response = client.post(f"{API}customers/", {"name": "Ya\x00mada"}, format="multipart")
    else:
        response = client.generic(
            "POST",
            f"{API}customers/",
            "name=Ya%00mada",
            content_type="application/x-www-form-urlencoded",
        )

    assert response.status_code == 400
    assert response.json() == {"name": [NUL_MESSAGE]}


def test_a_nul_in_a_page_form_is_a_form_error(client_for, member, org):
    customer = CustomerFactory.create(organization=org)

    response = client_for(member).post(
        "/o/acme/deals/new/",
        {
            "title": "Fleet",
            "customer": customer.pk,
            "amount": "1",
            "stage": "lead",
            "term": "short",
            "forecast_category": "pipeline",
            "concerns": "price\x00",
        },
    )

    assert response.context["form"].errors["concerns"] == [NUL_MESSAGE]
    assert not Deal.objects.exists()


# --- too large ------------------------------------------------------------------------------


def test_an_api_body_over_the_size_limit_answers_413_in_json(api_for, member):
    body = json.dumps({"type": "call", "note": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    response = api_for(member).post(f"{API}activities/", body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_page_form_over_the_size_limit_keeps_the_html_error_page(client_for, member):
    body = "title=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client_for(member).generic(
        "POST", "/o/acme/deals/new/", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


# --- addresses no route matches -------------------------------------------------------------


def test_an_api_address_no_route_matches_answers_json_404(api_for, admin):
    response = api_for(admin).get(f"{API}activities/%C2%84/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_address_no_route_matches_keeps_the_html_404_page(client_for, admin):
    response = client_for(admin).get("/o/acme/activities/%C2%84/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
