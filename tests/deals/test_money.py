"""Deal amounts follow the organisation's currency (ISO 4217 minor units): yen are whole,
dollars and euros have cents. Forms, the API and CSV imports refuse finer amounts with a
clear message; pages and CSV exports show each amount with the currency's own decimals; the
deal list names the currency as the board does."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deals import csv_io, services
from deals.models import Customer, Deal
from salesmgmt import money
from salesmgmt.errors import DomainError
from tests.deals.factories import DealFactory, default_stages

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/acme/deals/"


def url(name: str, org, **kwargs) -> str:
    return reverse(f"deals:{name}", kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def customer(org) -> Customer:
    default_stages(org)
    return Customer.objects.create(organization=org, name="Kaede Trading")


def in_currency(org, code: str) -> None:
    org.currency = code
    org.save(update_fields=["currency"])


def exported_amounts(response) -> dict[str, str]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return {row["title"]: row["amount"] for row in csv.DictReader(io.StringIO(text))}


# --- the rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "digits", "step"),
    [("JPY", 0, "1"), ("USD", 2, "0.01"), ("EUR", 2, "0.01"), ("KRW", 0, "1")],
)
def test_each_currency_has_its_minor_unit(code, digits, step):
    assert money.minor_digits(code) == digits
    assert str(money.quantum(code)) == step


def test_plain_amounts_for_files_have_the_currency_s_decimals_and_no_grouping():
    assert money.plain(Decimal("51024590.16"), "JPY") == "51024590"
    assert money.plain(Decimal("51024590.50"), "JPY") == "51024591"  # half up
    assert money.plain(Decimal("1500000.00"), "JPY") == "1500000"
    assert money.plain(Decimal("12.5"), "USD") == "12.50"
    assert money.plain(Decimal("7"), "EUR") == "7.00"
    assert money.plain(None, "USD") == ""


# --- services (what the form, the API and imports all go through) -------------------------


def test_a_yen_deal_refuses_decimals_but_takes_zero_cents(org, member, customer):
    with pytest.raises(DomainError, match="Amounts in JPY have no decimals") as refused:
        services.create_deal(actor=member, title="T", customer=customer, amount="1500.5")
    assert refused.value.field == "amount"
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="1500000.00")
    assert deal.amount == Decimal("1500000")

    with pytest.raises(DomainError, match="no decimals"):
        services.update_deal(actor=member, deal=deal, amount=Decimal("99.99"))
    deal.refresh_from_db()
    assert deal.amount == Decimal("1500000")


@pytest.mark.parametrize("code", ["USD", "EUR"])
def test_a_dollar_or_euro_deal_takes_cents_but_not_less(org, member, customer, code):
    in_currency(org, code)
    with pytest.raises(DomainError, match=f"Amounts in {code} have at most 2 decimals"):
        services.create_deal(actor=member, title="T", customer=customer, amount="10.005")
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="10.5")
    deal.refresh_from_db()
    assert deal.amount == Decimal("10.50")


# --- the form -----------------------------------------------------------------------------


def test_the_deal_form_refuses_sen_with_a_form_error_and_steps_by_whole_yen(
    org, member, customer, client_for
):
    client = client_for(member)
    form = {"title": "Pilot", "customer": customer.pk, "amount": "2500.5", "stage": "lead",
            "term": "short", "forecast_category": "pipeline"}  # fmt: skip

    refused = client.post(url("deal_create", org), form)

    assert refused.status_code == 422
    assert "Amounts in JPY have no decimals." in refused.content.decode()
    assert not Deal.objects.exists()
    page = client.get(url("deal_create", org)).content.decode()
    assert re.search(r'<input[^>]*name="amount"[^>]*step="1"', page)
    assert "Amount (JPY)" in page

    assert client.post(url("deal_create", org), {**form, "amount": "2500"}).status_code == 302
    assert Deal.objects.get().amount == Decimal("2500")


def test_the_edit_form_shows_the_amount_in_whole_yen_and_keeps_it_unchanged(
    org, member, customer, client_for
):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="1500000")
    client = client_for(member)

    page = client.get(url("deal_edit", org, deal_id=deal.pk)).content.decode()

    assert re.search(r'<input[^>]*name="amount"[^>]*value="1500000"', page)
    assert "1500000.00" not in page


def test_the_form_in_dollars_takes_cents_and_refuses_a_tenth_of_a_cent(
    org, member, customer, client_for
):
    in_currency(org, "USD")
    client = client_for(member)
    form = {"title": "Pilot", "customer": customer.pk, "amount": "19.999", "stage": "lead",
            "term": "short", "forecast_category": "pipeline"}  # fmt: skip

    refused = client.post(url("deal_create", org), form)

    assert refused.status_code == 422
    assert "Amounts in USD have at most 2 decimals." in refused.content.decode()
    page = client.get(url("deal_create", org)).content.decode()
    assert re.search(r'<input[^>]*name="amount"[^>]*step="0.01"', page)
    assert client.post(url("deal_create", org), {**form, "amount": "19.99"}).status_code == 302
    assert Deal.objects.get().amount == Decimal("19.99")


def test_the_form_error_is_in_japanese_for_a_japanese_reader(org, member, customer, client_for):
    member.user.locale = "ja"
    member.user.save(update_fields=["locale"])
    form = {"title": "Pilot", "customer": customer.pk, "amount": "1.5", "stage": "lead",
            "term": "short", "forecast_category": "pipeline"}  # fmt: skip

    refused = client_for(member).post(url("deal_create", org), form)

    assert refused.status_code == 422
    assert "JPY の金額に小数は使えません。" in refused.content.decode()


# --- the API ------------------------------------------------------------------------------


def test_the_api_answers_400_for_sen_and_for_a_tenth_of_a_cent(org, member, customer, api_for):
    client = api_for(member)
    body = {"title": "T", "customer": customer.pk, "amount": "10.5"}

    yen = client.post(API, body, format="json")
    assert yen.status_code == 400
    assert yen.json() == {"amount": ["Amounts in JPY have no decimals."]}
    assert client.post(API, {**body, "amount": "10.00"}, format="json").status_code == 201

    in_currency(org, "USD")
    dollars = client.post(API, {**body, "amount": 10.125}, format="json")
    assert dollars.status_code == 400
    assert dollars.json() == {"amount": ["Amounts in USD have at most 2 decimals."]}
    assert client.post(API, {**body, "amount": "10.13"}, format="json").status_code == 201
    assert sorted(Deal.objects.values_list("amount", flat=True)) == [
        Decimal("10.00"),
        Decimal("10.13"),
    ]


def test_an_api_change_with_sen_is_refused_and_leaves_the_deal(org, member, customer, api_for):
    deal = services.create_deal(actor=member, title="T", customer=customer, amount="500")

    response = api_for(member).patch(f"{API}{deal.pk}/", {"amount": "499.5"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"amount": ["Amounts in JPY have no decimals."]}
    deal.refresh_from_db()
    assert deal.amount == Decimal("500")


# --- CSV ----------------------------------------------------------------------------------


def test_the_csv_export_writes_whole_yen_without_grouping(org, member, client_for, api_for):
    DealFactory.create(membership=member, title="Big", amount=Decimal("51024590.00"))
    DealFactory.create(membership=member, title="Small", amount=Decimal("120"))

    page = exported_amounts(client_for(member).get(url("deal_export", org)))
    api = exported_amounts(api_for(member).get(f"{API}export/"))

    assert page == api == {"Big": "51024590", "Small": "120"}


@pytest.mark.parametrize("code", ["USD", "EUR"])
def test_the_csv_export_writes_dollars_and_euros_to_the_cent(org, member, api_for, code):
    in_currency(org, code)
    DealFactory.create(membership=member, title="Half", amount=Decimal("1234567.5"))
    DealFactory.create(membership=member, title="Whole", amount=Decimal("3"))

    assert exported_amounts(api_for(member).get(f"{API}export/")) == {
        "Half": "1234567.50",
        "Whole": "3.00",
    }


def test_a_csv_import_names_the_line_with_sen_and_opens_nothing(org, manager, customer, api_for):
    header = ",".join(csv_io.IMPORT_COLUMNS)
    line = dict.fromkeys(csv_io.IMPORT_COLUMNS, "")
    rows = [
        ",".join({**line, "title": "Ok", "customer": "C", "amount": "1000"}.values()),
        ",".join({**line, "title": "Sen", "customer": "C", "amount": "1000.5"}.values()),
    ]
    upload = SimpleUploadedFile("deals.csv", "\n".join([header, *rows]).encode(), "text/csv")

    response = api_for(manager).post(f"{API}import/", {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"] == [{"line": 3, "message": "Amounts in JPY have no decimals."}]
    assert not Deal.objects.exists()


# --- pages --------------------------------------------------------------------------------


def test_the_deal_list_shows_amounts_in_the_currency_like_the_board(org, member, client_for):
    DealFactory.create(membership=member, title="Big", amount=Decimal("51024590.00"))
    client = client_for(member)

    listed = client.get(url("deal_list", org)).content.decode()
    board = client.get(url("deal_board", org)).content.decode()

    assert "¥51,024,590" in listed
    assert "¥51,024,590" in board
    assert "51,024,590.00" not in listed

    in_currency(org, "USD")
    assert "$51,024,590.00" in client.get(url("deal_list", org)).content.decode()
