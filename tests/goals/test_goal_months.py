"""Goals of past and future months can be browsed; a goal far outside the supported
calendar (year 2999) is refused by the page, the API and the service alike."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from goals import services
from goals.models import Goal
from salesmgmt.errors import DomainError
from tests.goals.factories import GoalFactory, activity_metric, with_progress

pytestmark = pytest.mark.django_db

PAGE = "/o/acme/goals/"


@pytest.fixture
def december(time_machine):
    time_machine.move_to(datetime(2026, 12, 10, 3, tzinfo=UTC))


@pytest.fixture
def calls(org):
    return activity_metric(org, "call")


def _goal(org, member, calls, start, end, title, **fields) -> Goal:
    return with_progress(
        GoalFactory.create(
            organization=org,
            metric=calls,
            scope=Goal.Scope.USER,
            user=member.user,
            start=start,
            end=end,
            title=title,
            **fields,
        )
    )


def titles(response) -> set[str]:
    return {c.goal.title for c in response.context["own_cards"]}


def test_a_january_goal_set_in_december_is_found_under_january(
    december, client_for, org, member, calls
):
    _goal(org, member, calls, date(2027, 1, 1), date(2027, 1, 31), "January visits")
    _goal(org, member, calls, date(2026, 12, 1), date(2026, 12, 31), "December visits")
    client = client_for(member)

    january = client.get(PAGE, {"on": "2027-01-15"})

    assert january.status_code == 200
    assert titles(january) == {"January visits"}
    assert "Goals of January 2027" in january.content.decode()
    assert 'href="?on=2026-12-31"' in january.content.decode()  # back to December
    assert 'href="?on=2027-02-01"' in january.content.decode()


def test_past_months_show_closed_goals_too(december, client_for, org, member, calls):
    _goal(
        org,
        member,
        calls,
        date(2026, 10, 1),
        date(2026, 10, 31),
        "October visits",
        closed_at=datetime(2026, 11, 1, tzinfo=UTC),
    )

    client = client_for(member)

    assert "October visits" not in titles(client.get(PAGE))  # open goals only by default
    assert titles(client.get(PAGE, {"on": "2026-10-01"})) == {"October visits"}


def test_the_open_goals_page_links_to_the_previous_and_next_month(december, client_for, member):
    html = client_for(member).get(PAGE).content.decode()

    assert 'href="?on=2026-11-30"' in html
    assert 'href="?on=2027-01-01"' in html


def test_browsing_shows_only_goals_the_member_may_read(
    december, client_for, org, member, teammate, calls
):
    _goal(org, teammate, calls, date(2027, 1, 1), date(2027, 1, 31), "Teammate's January")

    assert titles(client_for(member).get(PAGE, {"on": "2027-01-15"})) == set()


@pytest.mark.parametrize("on", ["2999-01-01", "soon", "2027-02-30"])
def test_a_bad_or_unsupported_month_answers_400_with_the_reason(client_for, member, on):
    response = client_for(member).get(PAGE, {"on": on})

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_the_goal_form_refuses_year_2999(client_for, org, admin, calls):
    data = {
        "metric": calls.pk,
        "scope": "org",
        "team": "",
        "user": "",
        "period": "",
        "start": "2999-01-01",
        "end": "2999-01-31",
        "target": "10",
        "title": "Far away",
    }

    response = client_for(admin).post("/o/acme/goals/new/", data)

    assert response.status_code == 422
    assert "start" in response.context["form"].errors
    assert not Goal.objects.filter(title="Far away").exists()


def test_the_api_refuses_year_2999(api_for, org, admin, calls):
    body = {"metric": "call", "scope": "org", "start": "2999-01-01", "end": "2999-01-31"}

    response = api_for(admin).post("/api/v1/orgs/acme/goals/", {**body, "target": "10"})

    assert response.status_code == 400
    assert "start" in response.json()
    assert not Goal.objects.for_org(org).filter(start__year=2999).exists()


def test_the_service_refuses_year_2999(org, admin, calls):
    with pytest.raises(DomainError) as refused:
        services.create_goal(
            actor=admin,
            metric=calls,
            scope=Goal.Scope.ORG,
            start=date(2999, 1, 1),
            end=date(2999, 1, 31),
            target=10,
        )

    assert refused.value.field == "start"


def test_a_manager_browses_the_team_goals_of_next_month(
    december, client_for, org, manager, member, team, calls
):
    _goal(org, member, calls, date(2027, 1, 1), date(2027, 1, 31), "January visits")
    client = client_for(manager)

    now = client.get("/o/acme/goals/team/", {"team": team.pk})
    january = client.get("/o/acme/goals/team/", {"team": team.pk, "on": "2027-01-01"})

    assert {c.goal.title for c in now.context["member_cards"]} == set()
    assert f'href="?team={team.pk}&amp;on=2027-01-01"' in now.content.decode()
    assert january.status_code == 200
    assert {c.goal.title for c in january.context["member_cards"]} == {"January visits"}
    assert client.get("/o/acme/goals/team/", {"on": "2999-01-01"}).status_code == 400
