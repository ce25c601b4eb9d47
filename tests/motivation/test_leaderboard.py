"""Fair leaderboards: each person against their own goal (or their improvement on the
previous period); no goal, no place; an organisation may switch them off."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from goals.models import GoalProgress
from motivation.models import MotivationSettings
from tests.factories import MembershipFactory
from tests.goals.factories import GoalFactory, MetricFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday")]


def _goal(person, metric, target, actual, start=date(2026, 3, 1), end=date(2026, 3, 31)):
    goal = GoalFactory(
        organization=person.organization,
        metric=metric,
        scope="user",
        user=person.user,
        start=start,
        end=end,
        target=Decimal(target),
    )
    GoalProgress.objects.create(goal=goal, actual=Decimal(actual), computed_at=timezone.now())
    return goal


@pytest.fixture
def visits(org):
    return MetricFactory(organization=org, key="visits", name="Visits")


def _url(org):
    return f"/api/v1/orgs/{org.slug}/leaderboard/"


def test_attainment_ranks_people_against_their_own_goal_and_leaves_out_the_goalless(
    org, visits, member, teammate, manager, other_team_member, api_for
):
    _goal(member, visits, 100, 50)  # big territory, half way
    _goal(teammate, visits, 10, 8)  # small territory, ahead
    _goal(other_team_member, visits, 20, 16)  # the same attainment as teammate
    body = api_for(member).get(_url(org), {"metric": "visits", "period": "month"}).json()

    assert body["as_of"] == "2026-03-04"
    assert body["period"] == {"start": "2026-03-01", "end": "2026-03-31"}
    places = [(r["user"], r["value"], r["rank"]) for r in body["results"]]
    assert set(places[:2]) == {(teammate.user_id, 0.8, 1), (other_team_member.user_id, 0.8, 1)}
    assert places[2] == (member.user_id, 0.5, 3)
    assert manager.user_id not in {r["user"] for r in body["results"]}


def test_improvement_is_this_periods_attainment_minus_the_previous_one(
    org, visits, member, teammate, api_for
):
    _goal(member, visits, 100, 50)
    _goal(member, visits, 100, 20, start=date(2026, 2, 1), end=date(2026, 2, 28))
    _goal(teammate, visits, 10, 9)  # no February goal: left out of improvement
    body = (
        api_for(member)
        .get(_url(org), {"metric": "visits", "period": "month", "kind": "improvement"})
        .json()
    )
    assert [(r["user"], r["value"], r["rank"]) for r in body["results"]] == [
        (member.user_id, 0.3, 1)
    ]


def test_a_team_filter_keeps_its_people_and_sub_teams(
    org, visits, member, other_team_member, team, sub_team, api_for
):
    sub = MembershipFactory(organization=org, team=sub_team)
    for person in (member, other_team_member, sub):
        _goal(person, visits, 10, 5)
    body = api_for(member).get(_url(org), {"metric": "visits", "team": team.pk}).json()
    assert {r["user"] for r in body["results"]} == {member.user_id, sub.user_id}


def test_bad_queries_are_a_400(org, visits, member, outsider, other_org, team, api_for):
    client = api_for(member)
    assert client.get(_url(org)).status_code == 400
    assert client.get(_url(org), {"metric": "nope"}).status_code == 400
    assert client.get(_url(org), {"metric": "visits", "period": "decade"}).status_code == 400
    assert client.get(_url(org), {"metric": "visits", "kind": "raw"}).status_code == 400
    foreign_team = api_for(outsider).get(_url(other_org), {"metric": "visits", "team": team.pk})
    assert foreign_team.status_code == 400


def test_an_organisation_that_switched_leaderboards_off_answers_404_and_explains(
    org, visits, member, api_for, client_for
):
    MotivationSettings.objects.create(organization=org, leaderboards_enabled=False)
    assert api_for(member).get(_url(org), {"metric": "visits"}).status_code == 404
    page = client_for(member).get(reverse("motivation:leaderboard", args=[org.slug]))
    assert page.status_code == 200
    assert "switched leaderboards off" in page.content.decode()


def test_the_page_shows_the_ranking(org, visits, member, teammate, client_for):
    _goal(teammate, visits, 10, 8)
    page = client_for(member).get(
        reverse("motivation:leaderboard", args=[org.slug]), {"metric": "visits"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert teammate.user.display_name in html
    assert "80%" in html


def test_the_leaderboard_reads_a_fixed_number_of_queries(
    org, team, visits, member, api_for, django_assert_max_num_queries
):
    for _ in range(25):
        _goal(MembershipFactory(organization=org, team=team), visits, 10, 3)
    client = api_for(member)
    with django_assert_max_num_queries(12):
        body = client.get(_url(org), {"metric": "visits", "team": team.pk}).json()
    assert len(body["results"]) == 25
