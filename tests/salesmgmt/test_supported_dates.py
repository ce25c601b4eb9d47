"""One supported calendar (periods.FIRST_SUPPORTED_DATE … LAST_SUPPORTED_DATE) for every
date the product takes in: out-of-range and impossible dates are a 400 on the field (API)
or a form error / 400 (pages), never a 500, and nothing out of range is stored."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import DayOff
from accounts.services import provision_organization_defaults
from deals.models import Deal
from goals.models import Goal
from salesmgmt import periods
from tests.deals.factories import CustomerFactory, DealFactory
from tests.goals.factories import GoalFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/acme/"
PAGES = "/o/acme/"
FAR_FUTURE = "9999-12-31"
FAR_PAST = "0001-01-01"
IMPOSSIBLE = "2026-02-30"


# --- the range itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "supported"),
    [
        (date(2000, 1, 1), True),
        (date(2099, 12, 31), True),
        (date(1999, 12, 31), False),
        (date(2100, 1, 1), False),
        (datetime(2099, 12, 31, 23, 59, tzinfo=UTC), True),
        (datetime(1, 1, 1, tzinfo=UTC), False),
    ],
)
def test_the_supported_calendar_runs_from_2000_to_2099(value, supported):
    assert periods.is_supported_date(value) is supported
    if supported:
        periods.validate_supported_date(value)
    else:
        with pytest.raises(ValidationError) as refused:
            periods.validate_supported_date(value)
        assert "2000-01-01" in refused.value.messages[0]
        assert "2099-12-31" in refused.value.messages[0]


def test_every_period_of_a_supported_day_can_be_computed(org):
    for day in (periods.FIRST_SUPPORTED_DATE, periods.LAST_SUPPORTED_DATE):
        for kind in periods.PERIOD_KINDS:
            period = periods.period_of(org, kind, day)
            assert day in period
            periods.shift(org, period, kind, 1)
            periods.shift(org, period, kind, -1)
        assert periods.local_midnight(org, day).year == day.year


# --- API bodies -----------------------------------------------------------------------------


@pytest.fixture
def defaults(org):
    provision_organization_defaults(org=org)


@pytest.mark.usefixtures("defaults")
@pytest.mark.parametrize(
    ("field", "value"),
    [("start", FAR_FUTURE), ("end", FAR_FUTURE), ("start", FAR_PAST), ("start", IMPOSSIBLE)],
)
def test_a_goal_outside_the_calendar_is_refused_and_the_goal_list_keeps_working(
    api_for, admin, field, value
):
    client = api_for(admin)
    body = {"metric": "call", "scope": "org", "start": "2026-01-01", "end": "2026-01-31"}
    body |= {"target": 10, field: value}

    response = client.post(f"{API}goals/", body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Goal.objects.exists()
    assert client.get(f"{API}goals/").status_code == 200


def test_a_goal_cannot_be_moved_outside_the_calendar(api_for, admin, org):
    goal = GoalFactory.create(organization=org)

    response = api_for(admin).patch(f"{API}goals/{goal.pk}/", {"end": FAR_FUTURE}, format="json")

    assert response.status_code == 400
    assert "end" in response.json()
    goal.refresh_from_db()
    assert goal.end == date(2026, 1, 31)


@pytest.mark.usefixtures("defaults")
@pytest.mark.parametrize(
    "occurred_at",
    [
        "0001-01-01T00:00:00",  # no offset: the organisation's local time, still out of range
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "1999-12-31T23:59:59+09:00",
        "2026-02-30T10:00:00+09:00",
    ],
)
def test_an_activity_outside_the_calendar_is_refused(api_for, member, occurred_at):
    response = api_for(member).post(
        f"{API}activities/", {"type": "call", "occurred_at": occurred_at}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "occurred_at" in response.json()


@pytest.mark.usefixtures("defaults")
def test_an_activity_time_without_offset_is_the_organisations_local_time(api_for, member):
    response = api_for(member).post(
        f"{API}activities/", {"type": "call", "occurred_at": "2026-03-02T00:30:00"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["occurred_at"] == "2026-03-02T00:30:00+09:00"  # acme is in Tokyo
    assert response.json()["local_date"] == "2026-03-02"


@pytest.mark.parametrize("field", ["expected_close_date", "next_step_date", "proposal_date"])
def test_a_deal_date_outside_the_calendar_is_refused(api_for, member, org, field):
    customer = CustomerFactory.create(organization=org)
    client = api_for(member)
    body = {"title": "Fleet", "customer": customer.pk, "amount": "10", field: FAR_FUTURE}

    created = client.post(f"{API}deals/", body, format="json")
    deal = DealFactory.create(membership=member)
    changed = client.patch(f"{API}deals/{deal.pk}/", {field: "1900-01-01"}, format="json")

    for response in (created, changed):
        assert response.status_code == 400, response.content
        assert field in response.json()
    assert list(Deal.objects.values_list("pk", flat=True)) == [deal.pk]


# --- API query strings ----------------------------------------------------------------------


def _query_urls(team_id: int) -> list[tuple[str, str]]:
    """(url with a bad date in the named parameter, parameter) for every dated filter."""
    stats = "stats/activity/?scope=org&grain=day"
    return [
        (f"goals/?start={FAR_FUTURE}", "start"),
        (f"goals/?end={IMPOSSIBLE}", "end"),
        (f"activities/?from={FAR_PAST}", "from"),
        (f"activities/?to={FAR_FUTURE}", "to"),
        (f"activities/export/?from={FAR_PAST}", "from"),
        (f"{stats}&from={FAR_FUTURE}&to={FAR_FUTURE}", "from"),
        (f"{stats}&from=2026-01-01&to={IMPOSSIBLE}", "to"),
        (f"stats/funnel/?team={team_id}&from={FAR_PAST}&to=2026-01-01", "from"),
        (f"stats/forecast/?date={FAR_FUTURE}", "date"),
        (f"stats/deals/?since={FAR_PAST}", "since"),
        (f"dashboards/team/{team_id}/?date={FAR_FUTURE}", "date"),
        (f"dashboards/team/{team_id}/?date={IMPOSSIBLE}", "date"),
        (f"dashboards/team/{team_id}/?period=quarter&date={FAR_PAST}", "date"),
    ]


def test_every_dated_query_parameter_refuses_dates_outside_the_calendar(api_for, admin, team):
    client = api_for(admin)
    for url, parameter in _query_urls(team.pk):
        response = client.get(f"{API}{url}", HTTP_ACCEPT="application/json")

        assert response.status_code == 400, (url, response.content)
        assert parameter in response.json(), url


def test_the_edges_of_the_calendar_are_answered(api_for, admin, team):
    client = api_for(admin)
    for day in ("2000-01-01", "2099-12-31"):
        for period in ("week", "month", "quarter"):
            url = f"{API}dashboards/team/{team.pk}/?period={period}&date={day}"
            assert client.get(url).status_code == 200, url
        assert client.get(f"{API}stats/forecast/?date={day}").status_code == 200


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [FAR_FUTURE, IMPOSSIBLE, FAR_PAST])
def test_dashboard_pages_answer_400_to_a_date_outside_the_calendar(
    client_for, admin, team, member, value
):
    client = client_for(admin)
    for url in (
        f"{PAGES}dashboards/?date={value}",
        f"{PAGES}dashboards/team/{team.pk}/?date={value}",
        f"{PAGES}dashboards/member/{member.user_id}/?period=week&date={value}",
    ):
        assert client.get(url).status_code == 400, url


def test_a_day_off_outside_the_calendar_is_a_form_error(client_for, admin):
    response = client_for(admin).post(f"{PAGES}goals/days-off/", {"date": FAR_FUTURE})

    assert response.status_code == 422
    assert "2099-12-31" in response.context["form"].errors["date"][0]
    assert not DayOff.objects.exists()


@pytest.mark.usefixtures("defaults")
def test_a_goal_outside_the_calendar_is_a_form_error(client_for, admin):
    response = client_for(admin).post(
        f"{PAGES}goals/new/",
        {"metric": "", "scope": "org", "start": "2026-01-01", "end": FAR_FUTURE, "target": "5"},
    )

    assert response.context["form"].errors["end"]
    assert not Goal.objects.exists()


@pytest.mark.usefixtures("defaults")
def test_an_activity_logged_on_a_page_outside_the_calendar_is_a_form_error(client_for, member):
    response = client_for(member).post(
        f"{PAGES}activities/", {"type": "call", "occurred_at": "0001-01-01T00:00"}
    )

    assert response.status_code != 500
    assert response.context["form"].errors["occurred_at"]


def test_a_deal_page_date_outside_the_calendar_is_a_form_error(client_for, member, org):
    customer = CustomerFactory.create(organization=org)
    response = client_for(member).post(
        f"{PAGES}deals/new/",
        {"title": "Fleet", "customer": customer.pk, "amount": "1", "next_step_date": FAR_FUTURE},
    )

    assert response.context["form"].errors["next_step_date"]
    assert not Deal.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        f"activities/list/?from={FAR_PAST}",
        f"activities/list/?to={IMPOSSIBLE}",
        f"activities/accompaniments/?from={FAR_FUTURE}",
        f"activities/funnel/?to={FAR_FUTURE}",
    ],
)
def test_dated_filters_of_pages_show_a_form_error(client_for, manager, url):
    response = client_for(manager).get(f"{PAGES}{url}")

    assert response.status_code == 200
    form = response.context.get("filters") or response.context["form"]
    assert form.errors
