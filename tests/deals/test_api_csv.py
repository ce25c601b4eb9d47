"""CSV import (managers and admins; all or nothing, errors by line) and export (visible,
filtered, formula-safe, bounded)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deals import csv_io
from deals.models import Customer, DailyDealWon, Deal, StageChange
from tests.deals.factories import CustomerFactory, DealFactory, default_stages

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs/acme/deals/"
IMPORT = f"{BASE}import/"
EXPORT = f"{BASE}export/"
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
HEADER = ",".join(csv_io.IMPORT_COLUMNS)


@pytest.fixture(autouse=True)
def _setup(org, time_machine):
    time_machine.move_to(NOW, tick=False)
    default_stages(org)


def _upload(text: str) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile("deals.csv", text.encode(), "text/csv")}


def _line(**values: str) -> str:
    return ",".join(values.get(column, "") for column in csv_io.IMPORT_COLUMNS)


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


# --- import -------------------------------------------------------------------------------


def test_an_import_opens_every_deal_and_matches_or_creates_customers(
    api_for, org, manager, member, teammate
):
    org.currency = "USD"  # dollars have cents
    org.save(update_fields=["currency"])
    CustomerFactory.create(organization=org, name="Yamada Trading")
    text = "\n".join(
        [
            HEADER,
            _line(title="Fleet renewal", customer="yamada trading", amount="1200.50"),
            _line(
                title="New site",
                customer="Sato Foods",
                amount="800",
                owner_email=member.user.email,
                stage="proposal",
                probability="40",
                expected_close_date="2026-03-31",
                next_step="Quote",
                next_step_date="2026-03-12",
                term="long",
                forecast_category="commit",
                collaborator_emails=f"{teammate.user.email};{manager.user.email}",
            ),
            _line(title="Extra line", customer="SATO FOODS", amount="5", stage="won"),
        ]
    )
    response = api_for(manager).post(IMPORT, _upload(text), format="multipart")
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 3, "errors": []}
    assert sorted(Customer.objects.for_org(org).values_list("name", flat=True)) == [
        "Sato Foods",
        "Yamada Trading",
    ]
    site = Deal.objects.get(title="New site")
    assert (site.owner_id, site.team_id, site.stage.key) == (
        member.user_id,
        member.team_id,
        "proposal",
    )
    assert (site.probability, site.probability_is_manual) == (40, True)
    assert (site.expected_close_date, site.term, site.forecast_category) == (
        date(2026, 3, 31),
        "long",
        "commit",
    )
    assert set(site.collaborators.values_list("pk", flat=True)) == {
        teammate.user_id,
        manager.user_id,
    }
    fleet = Deal.objects.get(title="Fleet renewal")
    assert (fleet.owner_id, fleet.amount) == (manager.user_id, Decimal("1200.50"))
    assert StageChange.objects.count() == 3
    won = Deal.objects.get(title="Extra line")
    assert won.won_date == date(2026, 3, 10)


def test_a_raw_text_csv_body_is_accepted(api_for, manager):
    text = f"{HEADER}\n{_line(title='T', customer='C', amount='1')}\n"
    response = api_for(manager).generic("POST", IMPORT, text.encode(), content_type="text/csv")
    assert response.status_code == 201, response.content
    assert Deal.objects.count() == 1


def test_salespeople_may_not_import_deals(api_for, member):
    text = f"{HEADER}\n{_line(title='T', customer='C', amount='1')}\n"
    response = api_for(member).post(IMPORT, _upload(text), format="multipart")
    assert response.status_code == 403
    assert not Deal.objects.exists()
    assert not Customer.objects.exists()


def test_one_bad_line_and_nothing_is_imported_every_bad_line_named(
    api_for, org, other_manager, member
):
    customers_before = Customer.objects.count()
    text = "\n".join(
        [
            HEADER,
            _line(title="Good", customer="New Customer", amount="10"),  # line 2
            _line(title="Negative", customer="C", amount="-5"),  # 3
            _line(title="Stage", customer="C", amount="5", stage="closing"),  # 4
            _line(title="Who", customer="C", amount="5", owner_email="nobody@example.com"),  # 5
            _line(title="Date", customer="C", amount="5", expected_close_date="31.03.2026"),  # 6
            _line(title="", customer="C", amount="5"),  # 7
            # `member` is in a team other_manager does not lead
            _line(title="Not theirs", customer="C", amount="5", owner_email=member.user.email),
            _line(title="Collab", customer="C", amount="5", collaborator_emails="x@example.com"),
        ]
    )
    response = api_for(other_manager).post(IMPORT, _upload(text), format="multipart")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["created"] == 0
    assert [e["line"] for e in body["errors"]] == [3, 4, 5, 6, 7, 8, 9]
    messages = [e["message"] for e in body["errors"]]
    assert messages[0] == "An amount cannot be negative."
    assert messages[2] == "Unknown member e-mail “nobody@example.com”."
    assert messages[5] == "You may not open deals for this member."
    assert not Deal.objects.exists()
    assert Customer.objects.count() == customers_before
    assert not StageChange.objects.exists()


def test_service_errors_of_valid_looking_lines_are_reported_with_their_lines(
    api_for, other_manager, member
):
    text = "\n".join(
        [
            HEADER,
            _line(title="Good", customer="Fresh KK", amount="10", stage="won"),  # line 2
            _line(title="Negative", customer="C", amount="-5"),  # 3
            _line(title="Stage", customer="C", amount="5", stage="closing"),  # 4
            _line(title="Not theirs", customer="C", amount="5", owner_email=member.user.email),
            _line(title="Prob", customer="C", amount="5", probability="140"),  # 6
        ]
    )
    response = api_for(other_manager).post(IMPORT, _upload(text), format="multipart")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["line"] for e in errors] == [3, 4, 5, 6]
    assert all(e["message"] for e in errors)
    assert not Deal.objects.exists()
    assert not Customer.objects.filter(name__in=["Fresh KK", "C"]).exists()
    assert not DailyDealWon.objects.exists()


def test_file_level_problems_are_reported_on_line_0_or_1(api_for, manager):
    client = api_for(manager)
    missing = client.post(IMPORT, _upload("title,amount\nT,1\n"), format="multipart")
    assert missing.status_code == 400
    assert missing.json()["created"] == 0
    assert missing.json()["errors"][0]["line"] == 1
    assert "customer" in missing.json()["errors"][0]["message"]
    empty = client.post(IMPORT, _upload(f"{HEADER}\n"), format="multipart")
    assert empty.json() == {
        "created": 0,
        "errors": [{"line": 1, "message": "The file has no rows."}],
    }
    latin = {"file": SimpleUploadedFile("d.csv", "title\nCafé".encode("latin-1"), "text/csv")}
    assert client.post(IMPORT, latin, format="multipart").json()["errors"][0]["line"] == 0
    no_file = client.post(IMPORT, {}, format="multipart")
    assert no_file.status_code == 400
    assert no_file.json()["created"] == 0
    assert no_file.json()["errors"][0]["line"] == 0
    too_big = _upload(HEADER + "\n" + "x" * (5 * 1024 * 1024 + 10))
    assert client.post(IMPORT, too_big, format="multipart").status_code == 413
    assert not Deal.objects.exists()


# --- export -------------------------------------------------------------------------------


def test_the_export_has_the_callers_visible_deals_after_the_filters(api_for, org, member, teammate):
    stages = default_stages(org)
    mine = DealFactory.create(membership=member, title="Mine", amount=Decimal("120.00"))
    DealFactory.create(membership=member, title="Mine won", stage=stages["won"])
    DealFactory.create(membership=teammate, title="Not mine")
    shared = DealFactory.create(membership=teammate, title="Shared", collaborators=[member.user])
    client = api_for(member)
    rows = _rows(client.get(EXPORT))
    assert {r["title"] for r in rows} == {"Mine", "Mine won", "Shared"}
    assert list(rows[0]) == list(csv_io.EXPORT_COLUMNS)
    by_title = {r["title"]: r for r in rows}
    assert by_title["Mine"]["id"] == str(mine.pk)
    assert by_title["Mine"]["amount"] == "120"  # whole yen
    assert by_title["Mine"]["owner_email"] == member.user.email
    assert by_title["Mine"]["stage"] == "lead"
    assert by_title["Shared"]["collaborator_emails"] == member.user.email
    assert by_title["Shared"]["team"] == teammate.team.name
    assert {r["title"] for r in _rows(client.get(EXPORT, {"stage": "won"}))} == {"Mine won"}
    assert {r["title"] for r in _rows(client.get(EXPORT, {"open": "true"}))} == {"Mine", "Shared"}
    response = client.get(EXPORT)
    assert response["Content-Disposition"].startswith('attachment; filename="deals-acme-')
    assert shared.pk


def test_export_neutralises_formulas_and_keeps_markup_as_plain_data(api_for, org, member):
    customer = CustomerFactory.create(organization=org, name="+cmd|' /C calc'!A0")
    deal = DealFactory.create(
        membership=member,
        customer=customer,
        title='=HYPERLINK("http://evil.example","click")',
        next_step="-2+3",
        lost_reason="@SUM(A1:A2)",
    )
    deal.concerns.create(text="<script>alert(1)</script>")
    rows = _rows(api_for(member).get(EXPORT))
    [row] = rows
    assert row["title"] == "'" + deal.title
    assert row["customer"] == "'" + customer.name
    assert row["next_step"] == "'-2+3"
    assert row["lost_reason"] == "'@SUM(A1:A2)"
    assert row["open_concerns"] == "<script>alert(1)</script>"
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_markup_in_titles_is_stored_and_returned_as_data(api_for, org, member):
    customer = CustomerFactory.create(organization=org)
    title = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = api_for(member).post(
        BASE, {"title": title, "customer": customer.pk, "amount": "1"}, format="json"
    )
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response.json()["title"] == title
    assert Deal.objects.get().title == title


def test_an_export_reimports_as_the_same_deals(api_for, org, admin, member, teammate):
    org.currency = "EUR"  # euros have cents
    org.save(update_fields=["currency"])
    stages = default_stages(org)
    DealFactory.create(
        membership=member,
        title="Round trip",
        amount=Decimal("42.50"),
        stage=stages["proposal"],
        probability=50,
        expected_close_date=date(2026, 4, 30),
        term="long",
        forecast_category="best_case",
        collaborators=[teammate.user],
    )
    text = b"".join(api_for(member).get(EXPORT).streaming_content).decode()
    Deal.objects.all().delete()
    response = api_for(admin).post(IMPORT, _upload(text), format="multipart")
    assert response.status_code == 201, response.content
    deal = Deal.objects.get()
    assert (deal.title, deal.amount, deal.stage.key, deal.probability) == (
        "Round trip",
        Decimal("42.50"),
        "proposal",
        50,
    )
    assert (deal.expected_close_date, deal.term, deal.forecast_category) == (
        date(2026, 4, 30),
        "long",
        "best_case",
    )
    assert list(deal.collaborators.values_list("pk", flat=True)) == [teammate.user_id]


def test_a_nul_character_in_a_cell_refuses_the_file_naming_its_line(api_for, manager):
    text = "\n".join(
        [
            HEADER,
            _line(title="Fine", customer="C", amount="1"),
            _line(title="Bad\x00title", customer="C", amount="1"),
        ]
    )
    response = api_for(manager).post(IMPORT, _upload(text), format="multipart")
    assert response.status_code == 400
    assert response.json()["created"] == 0
    [error] = response.json()["errors"]
    assert error["line"] == 3
    assert "NUL" in error["message"]
    assert not Deal.objects.exists()


def test_an_unterminated_quote_refuses_the_file_instead_of_swallowing_lines(api_for, manager):
    text = "\n".join(
        [
            HEADER,
            _line(title="Fine", customer="C", amount="1"),
            _line(title="Fine too", customer="C", amount="2", next_step='"Call back'),
            _line(title="Swallowed", customer="C", amount="3"),
        ]
    )
    response = api_for(manager).post(IMPORT, _upload(text), format="multipart")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["line"] == 3
    assert "never closed" in error["message"]
    assert not Deal.objects.exists()


def test_an_import_opens_its_deals_in_a_bounded_number_of_queries(
    api_for, org, manager, member, teammate, settings, django_assert_max_num_queries
):
    settings.IMPORT_SYNC_MAX_ROWS = 1000
    lines = [HEADER]
    for n in range(300):
        lines.append(
            _line(
                title=f"Deal {n}",
                customer=f"Customer {n % 40}",
                amount=str(n),
                owner_email=member.user.email,
                stage="won" if n % 10 == 0 else "lead",
                collaborator_emails=teammate.user.email,
            )
        )
    with django_assert_max_num_queries(60):
        response = api_for(manager).post(IMPORT, _upload("\n".join(lines)), format="multipart")
    assert response.status_code == 201, response.content
    assert Deal.objects.count() == 300
    assert StageChange.objects.count() == 300
    assert Customer.objects.for_org(org).count() == 40
    assert Deal.objects.filter(collaborators=teammate.user).count() == 300
    assert set(Deal.objects.filter(stage__key="won").values_list("won_user_id", "won_team_id")) == {
        (member.user_id, member.team_id)
    }


def test_an_export_over_the_limit_is_refused_with_a_clear_message(api_for, member, settings):
    settings.EXPORT_MAX_ROWS = 2
    for n in range(3):
        DealFactory.create(membership=member, title=f"Deal {n}")
    refused = api_for(member).get(EXPORT)
    assert refused.status_code == 400
    assert "at most 2 rows" in refused.json()["detail"]
    settings.EXPORT_MAX_ROWS = 3
    assert len(_rows(api_for(member).get(EXPORT))) == 3
