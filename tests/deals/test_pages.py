"""The deal pages as people use them: the board (drag, pick a stage, lost reasons), the list
with saved views and CSV, a deal with its concerns, forecast and timeline, customers,
load and health, the forecast report and the pipeline settings."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from deals import services
from deals.models import (
    Concern,
    Contact,
    Customer,
    Deal,
    ForecastSnapshot,
    SavedDealView,
    Stage,
    StageChange,
)
from salesmgmt import periods

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, org, **kwargs) -> str:
    return reverse(f"deals:{name}", kwargs={"org_slug": org.slug, **kwargs})


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def stages(org) -> dict[str, Stage]:
    services.ensure_default_stages(org=org)
    return {s.key: s for s in Stage.objects.for_org(org)}


@pytest.fixture
def customer(org) -> Customer:
    return Customer.objects.create(organization=org, name="Kaede Trading")


def open_deal(owner: Membership, customer: Customer, **fields) -> Deal:
    """A deal opened the way a person does it (with its first stage change)."""
    fields.setdefault("title", "Fleet renewal")
    fields.setdefault("amount", 1000)
    return services.create_deal(actor=owner, customer=customer, **fields)


@pytest.fixture
def deal(member, customer, stages) -> Deal:
    """`member`'s deal in `team` (led by `manager`)."""
    return open_deal(member, customer, next_step="Send the quote")


# --- who gets which page --------------------------------------------------------------------

PAGES = [
    "deal_board",
    "deal_list",
    "deal_export",
    "deal_create",
    "deal_import",
    "customer_list",
    "customer_create",
    "forecast_report",
    "deal_load",
    "stage_list",
]
DEAL_PAGES = ["deal_detail", "deal_edit"]
# role -> pages answered 403 (the rest: 200)
REFUSED = {
    "member": {"deal_load", "stage_list", "deal_import"},  # deals.access.can_import_deals
    "manager": {"stage_list"},
    "other_manager": {"stage_list"},
    "admin": set(),
}


@pytest.mark.parametrize("page_name", PAGES)
@pytest.mark.parametrize("role", ["member", "manager", "other_manager", "admin"])
def test_each_page_answers_each_role_with_200_or_403(
    request, page_name, role, org, stages, client_for
):
    me = request.getfixturevalue(role)

    response = client_for(me).get(url(page_name, org))

    assert response.status_code == (403 if page_name in REFUSED[role] else 200)


@pytest.mark.parametrize("page_name", DEAL_PAGES)
@pytest.mark.parametrize(
    ("role", "expected"),
    [("member", 200), ("manager", 200), ("admin", 200), ("other_manager", 404), ("teammate", 404)],
)
def test_a_deal_is_seen_by_its_owner_their_manager_and_admins_and_is_404_to_others(
    request, page_name, role, expected, org, deal, client_for
):
    me = request.getfixturevalue(role)

    assert client_for(me).get(url(page_name, org, deal_id=deal.pk)).status_code == expected


def test_a_collaborator_sees_the_deal_they_were_asked_to_help_with(org, deal, teammate, client_for):
    deal.collaborators.add(teammate.user)

    response = client_for(teammate).get(url("deal_detail", org, deal_id=deal.pk))

    assert response.status_code == 200


@pytest.mark.parametrize("page_name", [*PAGES, *DEAL_PAGES])
def test_an_outsider_gets_404_on_every_deal_page_of_another_organisation(
    page_name, org, deal, outsider, client_for
):
    kwargs = {"deal_id": deal.pk} if page_name in DEAL_PAGES else {}

    assert client_for(outsider).get(url(page_name, org, **kwargs)).status_code == 404


def test_another_organisations_deal_is_404_in_ones_own_organisation(
    other_org, deal, outsider, client_for
):
    response = client_for(outsider).get(url("deal_detail", other_org, deal_id=deal.pk))

    assert response.status_code == 404


def test_the_nav_links_to_the_deals(org, member, client_for):
    response = client_for(member).get(reverse("accounts:org_home", args=[org.slug]))

    assert url("deal_board", org) in text(response)


# --- the board --------------------------------------------------------------------------------


def test_the_board_shows_open_deals_in_their_stage_columns_with_what_a_rep_needs(
    org, member, manager, customer, stages, client_for
):
    yesterday = periods.today(org) - timedelta(days=1)
    late = open_deal(member, customer, title="Late one", next_step="Call", next_step_date=yesterday)
    late.collaborators.add(manager.user)
    services.add_concern(actor=member, deal=late, text="Price")
    open_deal(member, customer, title="Qualified one", stage="qualified")
    open_deal(member, customer, title="Won one", stage="won")

    response = client_for(member).get(url("deal_board", org))

    html = text(response)
    columns = [c.stage.key for c in response.context["columns"]]
    assert columns == ["lead", "qualified", "proposal", "negotiation"]
    zones = [z.stage.key for z in response.context["drop_zones"]]
    assert zones == ["won", "lost"]
    lead = next(c for c in response.context["columns"] if c.stage.key == "lead")
    assert [d.title for d in lead.deals] == ["Late one"]
    assert "Won one" not in html  # closed deals leave the board
    assert 'data-testid="overdue"' in html
    assert manager.user.display_name in html  # the collaborator
    assert "1 open concern<" in html
    assert 'src="/static/vendor/sortablejs/Sortable.min.js"' in html
    assert 'src="/static/js/deal_board.js"' in html


def test_a_deal_untouched_for_the_organisations_stale_days_carries_a_stale_badge(
    org, member, customer, stages, client_for
):
    old = open_deal(member, customer, title="Quiet one")
    long_ago = timezone.now() - timedelta(days=org.stale_deal_days + 1)
    Deal.objects.filter(pk=old.pk).update(created_at=long_ago, last_stage_change_at=long_ago)
    open_deal(member, customer, title="Fresh one")

    response = client_for(member).get(url("deal_board", org))

    assert text(response).count('data-testid="stale-badge"') == 1
    org.stale_deal_days = 60
    org.save(update_fields=["stale_deal_days"])
    assert 'data-testid="stale-badge"' not in text(client_for(member).get(url("deal_board", org)))


def test_a_member_sees_own_and_collaborating_deals_a_manager_their_peoples(
    org, member, teammate, manager, other_team_member, customer, stages, client_for
):
    own = open_deal(member, customer, title="Mine")
    helping = open_deal(teammate, customer, title="Tess asked me")
    helping.collaborators.add(member.user)
    open_deal(teammate, customer, title="Tess only")
    open_deal(other_team_member, customer, title="Osaka deal")

    def titles(who, **query) -> set[str]:
        response = client_for(who).get(url("deal_board", org), query)
        return {d.title for c in response.context["columns"] for d in c.deals}

    assert titles(member) == {own.title, helping.title}
    assert titles(manager) == {"Mine", "Tess asked me", "Tess only"}
    assert titles(manager, owner=teammate.user_id) == {"Tess asked me", "Tess only"}
    assert "team" not in client_for(member).get(url("deal_board", org)).context["filters"].fields


def test_moving_a_card_through_htmx_records_one_stage_change_and_answers_the_card(
    org, member, deal, stages, client_for
):
    response = client_for(member).post(
        url("deal_move", org, deal_id=deal.pk),
        {"stage": "qualified", "next": url("deal_board", org)},
        **HTMX,
    )

    assert response.status_code == 200
    assert 'data-stage="qualified"' in text(response)
    assert f'id="deal-{deal.pk}"' in text(response)
    deal.refresh_from_db()
    assert deal.stage == stages["qualified"]
    changes = StageChange.objects.filter(deal=deal).order_by("id")
    assert [(c.from_stage_id, c.to_stage_id) for c in changes] == [
        (None, stages["lead"].pk),
        (stages["lead"].pk, stages["qualified"].pk),
    ]


def test_picking_a_stage_without_javascript_moves_the_deal_and_goes_back_to_the_board(
    org, member, deal, stages, client_for
):
    board = url("deal_board", org) + "?q=Fleet"

    response = client_for(member).post(
        url("deal_move", org, deal_id=deal.pk), {"stage": "proposal", "next": board}
    )

    assert response.status_code == 302
    assert response["Location"] == board
    assert Deal.objects.get(pk=deal.pk).stage == stages["proposal"]


def test_a_move_never_redirects_to_another_site(org, member, deal, stages, client_for):
    response = client_for(member).post(
        url("deal_move", org, deal_id=deal.pk),
        {"stage": "proposal", "next": "https://evil.example/"},
    )

    assert response["Location"] == url("deal_detail", org, deal_id=deal.pk)


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_moving_to_lost_without_a_reason_is_a_422_and_nothing_changes(
    org, member, deal, stages, client_for, headers
):
    response = client_for(member).post(
        url("deal_move", org, deal_id=deal.pk), {"stage": "lost", "lost_reason": " "}, **headers
    )

    assert response.status_code == 422
    assert "Say why the deal was lost." in text(response)
    deal.refresh_from_db()
    assert (deal.stage, deal.closed_at) == (stages["lead"], None)
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_without_javascript_the_lost_reason_is_asked_on_its_own_page(
    org, member, deal, stages, client_for
):
    response = client_for(member).post(url("deal_move", org, deal_id=deal.pk), {"stage": "lost"})

    assert response.status_code == 422
    assert 'name="lost_reason"' in text(response)
    assert 'data-testid="move-form"' in text(response)


def test_moving_to_lost_with_a_reason_closes_the_deal(org, member, deal, stages, client_for):
    response = client_for(member).post(
        url("deal_move", org, deal_id=deal.pk),
        {"stage": "lost", "lost_reason": "Chose a cheaper competitor"},
        **HTMX,
    )

    assert response.status_code == 200
    deal.refresh_from_db()
    assert (deal.stage, deal.lost_reason) == (stages["lost"], "Chose a cheaper competitor")
    assert deal.closed_at is not None


def test_a_teammate_cannot_move_a_deal_they_do_not_see(org, teammate, deal, stages, client_for):
    response = client_for(teammate).post(
        url("deal_move", org, deal_id=deal.pk), {"stage": "won"}, **HTMX
    )

    assert response.status_code == 404
    assert Deal.objects.get(pk=deal.pk).stage == stages["lead"]


# --- the list, saved views, CSV ---------------------------------------------------------------


def test_the_list_filters_by_stage_and_staleness_and_sorts_by_a_column(
    org, manager, member, teammate, customer, stages, client_for
):
    open_deal(member, customer, title="Small", amount=100)
    open_deal(teammate, customer, title="Big", amount=9000)
    open_deal(member, customer, title="Proposed", amount=500, stage="proposal")
    client = client_for(manager)

    by_amount = client.get(url("deal_list", org), {"sort": "-amount"})
    proposals = client.get(url("deal_list", org), {"stage": "proposal"})
    stale = client.get(url("deal_list", org), {"stale": "yes"})

    assert [d.title for d in by_amount.context["page"]] == ["Big", "Proposed", "Small"]
    assert [d.title for d in proposals.context["page"]] == ["Proposed"]
    assert list(stale.context["page"]) == []
    amount_header = next(c for c in by_amount.context["sort_columns"] if c.key == "amount")
    assert (amount_header.state, "sort=amount" in amount_header.href) == ("desc", True)


def test_the_list_answers_htmx_with_the_table_only(org, member, deal, client_for):
    response = client_for(member).get(url("deal_list", org), {"status": "open"}, **HTMX)

    assert 'data-testid="deal-table"' in text(response)
    assert "<html" not in text(response)


def test_the_list_pages_by_fifty(org, member, customer, stages, client_for):
    lead = stages["lead"]
    Deal.objects.bulk_create(
        [
            Deal(organization=org, title=f"Deal {i}", customer=customer, owner=member.user,
                 team=member.team, amount=1, stage=lead, probability=10)
            for i in range(51)
        ]
    )  # fmt: skip

    response = client_for(member).get(url("deal_list", org))

    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.num_pages == 2


def test_a_saved_view_keeps_the_filters_and_can_be_picked_and_deleted(
    org, member, manager, deal, client_for
):
    client = client_for(member)

    saved = client.post(
        url("view_save", org),
        {"name": "My stale deals", "query": "stale=yes&sort=-amount&page=3&evil=1"},
    )

    view = SavedDealView.objects.get(user=member.user)
    assert (view.name, view.query) == ("My stale deals", "stale=yes&sort=-amount")
    assert saved["Location"] == url("deal_list", org) + "?stale=yes&sort=-amount"
    listed = client.get(saved["Location"])
    assert 'href="?stale=yes&amp;sort=-amount"' in text(listed)
    assert "My stale deals" in text(listed)
    assert "My stale deals" not in text(client_for(manager).get(url("deal_list", org)))
    # someone else cannot delete it; its owner can
    refused = client_for(manager).post(url("view_delete", org, view_id=view.pk))
    assert refused.status_code == 404
    deleted = client.post(url("view_delete", org, view_id=view.pk))
    assert deleted.status_code == 302
    assert not SavedDealView.objects.exists()


def test_saving_a_view_under_an_existing_name_replaces_it(org, member, client_for):
    client = client_for(member)
    client.post(url("view_save", org), {"name": "Mine", "query": "status=open"})
    client.post(url("view_save", org), {"name": "Mine", "query": "status=closed"})

    assert list(SavedDealView.objects.values_list("name", "query")) == [("Mine", "status=closed")]


def test_a_saved_view_needs_a_name(org, member, client_for):
    response = client_for(member).post(url("view_save", org), {"name": " ", "query": "q=x"})

    assert response.status_code == 422
    assert not SavedDealView.objects.exists()


def test_the_export_has_the_visible_filtered_deals(
    org, member, teammate, customer, stages, client_for
):
    open_deal(member, customer, title="Mine in lead")
    open_deal(member, customer, title="Mine in proposal", stage="proposal")
    open_deal(teammate, customer, title="Not mine")

    response = client_for(member).get(url("deal_export", org), {"stage": "proposal"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["title"] for row in rows] == ["Mine in proposal"]


def test_importing_a_csv_opens_the_deals_all_or_nothing(org, manager, stages, client_for):
    good = "title,customer,amount\nPilot,Hoshi KK,1200\nRenewal,Hoshi KK,300\n"
    bad = "title,customer,amount\nPilot,Hoshi KK,1200\nBroken,Hoshi KK,-5\n"
    client = client_for(manager)

    refused = client.post(
        url("deal_import", org), {"file": SimpleUploadedFile("d.csv", bad.encode())}
    )
    assert refused.status_code == 422
    assert 'data-testid="import-errors"' in text(refused)
    assert not Deal.objects.exists()

    done = client.post(
        url("deal_import", org), {"file": SimpleUploadedFile("d.csv", good.encode())}
    )
    assert done.status_code == 302
    assert set(Deal.objects.values_list("title", flat=True)) == {"Pilot", "Renewal"}


def test_salespeople_neither_see_nor_use_the_deals_import(org, member, manager, stages, client_for):
    assert url("deal_import", org) in text(client_for(manager).get(url("deal_list", org)))
    client = client_for(member)
    assert url("deal_import", org) not in text(client.get(url("deal_list", org)))
    upload = SimpleUploadedFile("d.csv", b"title,customer,amount\nPilot,Hoshi KK,1200\n")
    assert client.post(url("deal_import", org), {"file": upload}).status_code == 403
    assert not Deal.objects.exists()


# --- constant queries -------------------------------------------------------------------------


def _many_deals(org, owners, customer, stages, count: int) -> None:
    open_stages = [s for s in stages.values() if s.outcome == Stage.Outcome.OPEN]
    deals = Deal.objects.bulk_create(
        [
            Deal(
                organization=org,
                title=f"Deal {i}",
                customer=customer,
                owner=owners[i % len(owners)].user,
                team=owners[i % len(owners)].team,
                amount=Decimal(1000 + i),
                stage=open_stages[i % len(open_stages)],
                probability=10,
                next_step="Call",
                next_step_date=periods.today(org) - timedelta(days=i % 3),
                last_stage_change_at=timezone.now(),
            )
            for i in range(count)
        ]
    )
    through = Deal.collaborators.through
    through.objects.bulk_create(
        [through(deal_id=d.pk, user_id=owners[0].user_id) for d in deals[::2]]
    )


@pytest.mark.parametrize("page_name", ["deal_board", "deal_list"])
def test_the_board_and_the_list_take_as_many_queries_for_200_deals_as_for_10(
    page_name, org, manager, member, teammate, customer, stages, client_for,
    django_assert_max_num_queries,
):  # fmt: skip
    client = client_for(manager)
    owners = [member, teammate]
    _many_deals(org, owners, customer, stages, 10)
    client.get(url(page_name, org))  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(page_name, org)).status_code == 200

    _many_deals(org, owners, customer, stages, 190)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url(page_name, org))

    assert response.status_code == 200
    if page_name == "deal_board":
        assert sum(len(c.deals) for c in response.context["columns"]) == 200


# --- one deal ---------------------------------------------------------------------------------


def test_the_deal_page_shows_fields_concerns_collaborators_and_the_timeline(
    org, member, manager, deal, client_for
):
    deal.collaborators.add(manager.user)
    services.add_concern(actor=member, deal=deal, text="Delivery time")
    services.add_note(actor=member, deal=deal, body="Met the plant manager")

    response = client_for(manager).get(url("deal_detail", org, deal_id=deal.pk))

    html = text(response)
    assert "Send the quote" in html
    assert "Delivery time" in html
    assert "Met the plant manager" in html
    assert "Opened in Lead" in html
    assert manager.user.display_name in html


def test_adding_and_resolving_a_concern_through_htmx(org, member, deal, client_for):
    client = client_for(member)

    added = client.post(url("concern_add", org, deal_id=deal.pk), {"text": "Too pricey"}, **HTMX)
    concern = Concern.objects.get(deal=deal)
    resolved = client.post(
        url("concern_resolve", org, deal_id=deal.pk, concern_id=concern.pk),
        {"resolved": "1"},
        **HTMX,
    )

    assert added.status_code == 200
    assert "Too pricey" in text(added)
    assert resolved.status_code == 200
    assert "Reopen" in text(resolved)
    concern.refresh_from_db()
    assert concern.resolved
    assert concern.resolved_at is not None
    client.post(
        url("concern_resolve", org, deal_id=deal.pk, concern_id=concern.pk),
        {"resolved": "0"},
        **HTMX,
    )
    concern.refresh_from_db()
    assert (concern.resolved, concern.resolved_at) == (False, None)


def test_an_empty_concern_is_a_422(org, member, deal, client_for):
    response = client_for(member).post(
        url("concern_add", org, deal_id=deal.pk), {"text": ""}, **HTMX
    )

    assert response.status_code == 422
    assert not Concern.objects.exists()


def test_a_concern_of_another_deal_is_404(org, member, deal, customer, client_for):
    other = open_deal(member, customer, title="Other")
    concern = services.add_concern(actor=member, deal=other, text="Elsewhere")

    response = client_for(member).post(
        url("concern_resolve", org, deal_id=deal.pk, concern_id=concern.pk)
    )

    assert response.status_code == 404


def test_the_owner_sets_the_forecast_category_without_a_note(org, member, deal, client_for):
    response = client_for(member).post(
        url("deal_forecast", org, deal_id=deal.pk), {"forecast_category": "commit"}, **HTMX
    )

    assert response.status_code == 200
    assert Deal.objects.get(pk=deal.pk).forecast_category == "commit"


def test_a_manager_adjusts_the_forecast_only_with_a_note(org, manager, deal, client_for):
    client = client_for(manager)
    target = url("deal_forecast", org, deal_id=deal.pk)

    refused = client.post(target, {"forecast_category": "best_case", "forecast_note": ""}, **HTMX)
    assert refused.status_code == 422
    assert Deal.objects.get(pk=deal.pk).forecast_category == "pipeline"

    adjusted = client.post(
        target, {"forecast_category": "best_case", "forecast_note": "Budget not signed"}, **HTMX
    )
    assert adjusted.status_code == 200
    deal.refresh_from_db()
    assert (deal.forecast_category, deal.forecast_note) == ("best_case", "Budget not signed")
    assert "Budget not signed" in text(adjusted)


def test_a_collaborating_rep_may_not_adjust_the_forecast(org, teammate, deal, client_for):
    deal.collaborators.add(teammate.user)

    response = client_for(teammate).post(
        url("deal_forecast", org, deal_id=deal.pk),
        {"forecast_category": "commit", "forecast_note": "sure"},
    )

    assert response.status_code == 403
    assert Deal.objects.get(pk=deal.pk).forecast_category == "pipeline"


def test_a_note_lands_on_the_timeline(org, member, deal, client_for):
    response = client_for(member).post(
        url("note_add", org, deal_id=deal.pk), {"body": "Asked about delivery"}, **HTMX
    )

    assert response.status_code == 200
    assert "Asked about delivery" in text(response)
    assert deal.notes.get().body == "Asked about delivery"


def test_a_member_opens_a_deal_for_themselves(org, member, customer, stages, client_for):
    response = client_for(member).post(
        url("deal_create", org),
        {
            "title": "Pilot line",
            "customer": customer.pk,
            "amount": "2500",
            "stage": "qualified",
            "term": "long",
            "forecast_category": "best_case",
            "concerns": "Price\n\nDelivery time\n",
        },
    )

    deal = Deal.objects.get(title="Pilot line")
    assert response["Location"] == url("deal_detail", org, deal_id=deal.pk)
    assert (deal.owner, deal.team, deal.stage.key, deal.term) == (
        member.user,
        member.team,
        "qualified",
        "long",
    )
    assert list(deal.concerns.values_list("text", flat=True)) == ["Price", "Delivery time"]


def test_a_manager_opens_a_deal_for_their_rep_but_not_for_another_teams(
    org, manager, member, other_team_member, customer, stages, client_for
):
    form = {"title": "For Sam", "customer": customer.pk, "amount": "10", "stage": "lead",
            "term": "short", "forecast_category": "pipeline"}  # fmt: skip
    client = client_for(manager)

    ok = client.post(url("deal_create", org), {**form, "owner": member.user_id})
    refused = client.post(url("deal_create", org), {**form, "owner": other_team_member.user_id})

    assert ok.status_code == 302
    assert refused.status_code == 422
    assert list(Deal.objects.values_list("owner", flat=True)) == [member.user_id]


def test_editing_a_deal_changes_only_what_was_changed(org, member, manager, deal, client_for):
    deal.collaborators.add(manager.user)
    form = client_for(member).get(url("deal_edit", org, deal_id=deal.pk)).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(title="Fleet renewal, phase 2", amount="1500", collaborators=[manager.user_id])

    response = client_for(member).post(url("deal_edit", org, deal_id=deal.pk), data)

    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.amount, deal.next_step) == (
        "Fleet renewal, phase 2",
        Decimal("1500"),
        "Send the quote",
    )
    assert list(deal.collaborators.all()) == [manager.user]


def test_a_manager_may_not_delete_a_reps_deal_but_the_owner_may(
    org, manager, member, deal, client_for
):
    assert client_for(manager).post(url("deal_delete", org, deal_id=deal.pk)).status_code == 403
    assert Deal.objects.filter(pk=deal.pk).exists()

    response = client_for(member).post(url("deal_delete", org, deal_id=deal.pk))

    assert response.status_code == 302
    assert not Deal.objects.filter(pk=deal.pk).exists()


# --- escaping ---------------------------------------------------------------------------------


def test_a_hostile_deal_title_and_concern_are_escaped_everywhere(
    org, member, customer, stages, client_for
):
    deal = open_deal(member, customer, title=SCRIPT, next_step=SCRIPT)
    services.add_concern(actor=member, deal=deal, text=SCRIPT)
    services.add_note(actor=member, deal=deal, body=SCRIPT)
    client = client_for(member)

    pages = [
        client.get(url("deal_board", org)),
        client.get(url("deal_list", org)),
        client.get(url("deal_detail", org, deal_id=deal.pk)),
        client.post(url("deal_move", org, deal_id=deal.pk), {"stage": "qualified"}, **HTMX),
        client.post(url("concern_add", org, deal_id=deal.pk), {"text": SCRIPT}, **HTMX),
    ]

    for response in pages:
        html = text(response)
        assert SCRIPT not in html, response.request["PATH_INFO"]
        assert SCRIPT_ESCAPED in html, response.request["PATH_INFO"]


# --- customers --------------------------------------------------------------------------------


def test_anyone_adds_a_customer_and_its_contact_persons(org, member, client_for):
    client = client_for(member)

    created = client.post(url("customer_create", org), {"name": "Sakura KK", "industry": "Retail"})
    customer = Customer.objects.get(name="Sakura KK")
    contact = client.post(
        url("contact_add", org, customer_id=customer.pk),
        {"name": "Ms Tanaka", "title": "Buyer", "email": "tanaka@sakura.example"},
        **HTMX,
    )

    assert created["Location"] == url("customer_detail", org, customer_id=customer.pk)
    assert contact.status_code == 200
    assert "Ms Tanaka" in text(contact)
    assert Contact.objects.get().customer == customer
    listed = client.get(url("customer_list", org), {"q": "saku"})
    assert [c.name for c in listed.context["page"]] == ["Sakura KK"]


def test_a_customer_page_lists_only_the_deals_one_may_see(
    org, member, teammate, customer, stages, client_for
):
    open_deal(member, customer, title="Mine")
    open_deal(teammate, customer, title="Tess only")

    response = client_for(member).get(url("customer_detail", org, customer_id=customer.pk))

    assert [d.title for d in response.context["deals"]] == ["Mine"]


def test_another_organisations_customer_is_404(other_org, customer, outsider, client_for):
    response = client_for(outsider).get(url("customer_detail", other_org, customer_id=customer.pk))

    assert response.status_code == 404


# --- load and health, forecast ----------------------------------------------------------------


def test_load_and_health_shows_each_owners_open_deals_stale_and_overdue(
    org, manager, member, teammate, customer, stages, client_for
):
    yesterday = periods.today(org) - timedelta(days=1)
    open_deal(member, customer, title="A", amount=100, next_step_date=yesterday)
    open_deal(member, customer, title="B", amount=200)
    open_deal(teammate, customer, title="C", amount=50)
    open_deal(member, customer, title="Won", amount=999, stage="won")

    response = client_for(manager).get(url("deal_load", org))

    rows = {row.user.pk: row for row in response.context["report"].owners}
    assert (rows[member.user_id].open_count, rows[member.user_id].open_amount) == (2, 300)
    assert rows[member.user_id].overdue_next_steps == 1
    assert rows[teammate.user_id].open_count == 1
    assert f"?owner={member.user_id}&amp;open=true&amp;stale=true" in text(response)


def test_a_manager_may_not_see_the_load_of_a_team_they_do_not_lead(
    org, manager, other_team, client_for
):
    response = client_for(manager).get(url("deal_load", org), {"team": other_team.pk})

    assert response.context["report"] is None
    assert response.context["form"].errors


def test_the_forecast_shows_the_quarter_snapshots_and_stats(
    org, manager, member, team, customer, stages, client_for
):
    today = periods.today(org)
    quarter = periods.fiscal_quarter_of(org, today)
    open_deal(
        member, customer, title="Commit one", amount=700, expected_close_date=today,
        forecast_category="commit",
    )  # fmt: skip
    open_deal(member, customer, title="Lost one", stage="lost")
    ForecastSnapshot.objects.create(
        organization=org, team=team, quarter_start=quarter.start, date=quarter.start,
        closed=0, commit=500, best_case=100, pipeline=0,
    )  # fmt: skip

    response = client_for(manager).get(url("forecast_report", org), {"team": team.pk})

    assert response.status_code == 200
    assert response.context["report"].commit == Decimal("700.00")
    assert response.context["chart"]["commit"] == [500.0]
    assert 'id="forecast-data"' in text(response)
    assert 'src="/static/js/deal_charts.js"' in text(response)
    assert response.context["stats"].lost == 1


def test_a_member_reads_their_own_teams_forecast_only(
    org, member, team, other_team, stages, client_for
):
    client = client_for(member)

    own = client.get(url("forecast_report", org))
    other = client.get(url("forecast_report", org), {"team": other_team.pk})

    assert own.context["team"] == team
    assert "report" not in other.context


# --- pipeline stages and the stale setting ----------------------------------------------------


def test_an_admin_adds_a_stage_and_changes_one(org, admin, stages, client_for):
    client = client_for(admin)

    added = client.post(
        url("stage_list", org),
        {"new-key": "demo_done", "new-name": "Demo done", "new-order": 3,
         "new-probability": 40, "new-outcome": "open"},
    )  # fmt: skip
    lead = stages["lead"]
    changed = client.post(
        url("stage_edit", org, stage_id=lead.pk),
        {f"stage-{lead.pk}-name": "First contact", f"stage-{lead.pk}-order": 1,
         f"stage-{lead.pk}-probability": 5, f"stage-{lead.pk}-outcome": "open"},
    )  # fmt: skip

    assert (added.status_code, changed.status_code) == (302, 302)
    assert Stage.objects.get(organization=org, key="demo_done").probability == 40
    lead.refresh_from_db()
    assert (lead.name, lead.probability) == ("First contact", 5)


def test_a_bad_stage_is_a_422(org, admin, stages, client_for):
    response = client_for(admin).post(
        url("stage_list", org),
        {"new-key": "lead", "new-name": "Dup", "new-order": 1, "new-probability": 101,
         "new-outcome": "open"},
    )  # fmt: skip

    assert response.status_code == 422
    assert Stage.objects.for_org(org).count() == len(stages)


def test_a_manager_may_not_change_the_stages(org, manager, stages, client_for):
    lead = stages["lead"]
    response = client_for(manager).post(
        url("stage_edit", org, stage_id=lead.pk), {f"stage-{lead.pk}-name": "Hijacked"}
    )

    assert response.status_code == 403
    assert Stage.objects.get(pk=lead.pk).name == "Lead"


def test_the_admin_sets_the_stale_days_in_the_organisation_settings(org, admin, client_for):
    response = client_for(admin).post(
        reverse("accounts:org_settings", args=[org.slug]),
        {"name": org.name, "timezone": org.timezone, "week_start": org.week_start,
         "fiscal_year_start_month": org.fiscal_year_start_month, "country": org.country,
         "currency": org.currency, "stale_deal_days": 30, "language": org.language},
    )  # fmt: skip

    assert response.status_code == 302
    org.refresh_from_db()
    assert org.stale_deal_days == 30


def test_the_forecast_adds_up_its_categories_and_shows_a_beaten_quota(
    org, manager, member, team, customer, stages, client_for
):
    from goals.models import Metric
    from goals.services import ensure_default_metrics
    from tests.goals.factories import GoalFactory

    today = periods.today(org)
    quarter = periods.fiscal_quarter_of(org, today)
    ensure_default_metrics(org=org)
    GoalFactory.create(
        organization=org, metric=Metric.objects.for_org(org).get(key="revenue"), scope="team",
        team=team, start=quarter.start, end=quarter.last, target=Decimal(500),
    )  # fmt: skip
    for category, amount in (("commit", 700), ("best_case", 200), ("pipeline", 100)):
        open_deal(
            member, customer, title=category, amount=amount, expected_close_date=today,
            forecast_category=category,
        )  # fmt: skip

    response = client_for(manager).get(url("forecast_report", org), {"team": team.pk})

    report = response.context["report"]
    assert (report.commit, report.best_case, report.pipeline) == (700, 900, 1000)
    assert report.commit <= report.best_case <= report.pipeline
    assert response.context["attainment_pct"] == 140
    html = text(response)
    assert "140%" in html
    assert "above quota" in html


def test_an_overdue_next_step_is_said_in_words_not_only_in_red_on_the_list(
    org, member, customer, stages, client_for
):
    yesterday = periods.today(org) - timedelta(days=1)
    open_deal(member, customer, title="Late one", next_step="Call", next_step_date=yesterday)
    open_deal(member, customer, title="On time", next_step="Visit", next_step_date=None)

    html = text(client_for(member).get(url("deal_list", org)))

    assert html.count('<span class="visually-hidden">Overdue:</span>') == 1
