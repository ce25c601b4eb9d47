"""Splitting a goal through the API: exact sums, the three strategies, and refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from goals import services
from goals.models import Goal, Metric
from tests.factories import MembershipFactory, TeamFactory
from tests.goals.factories import GoalFactory, MetricFactory, activity_metric, revenue_metric

pytestmark = pytest.mark.django_db


def cascade_url(goal: Goal) -> str:
    return f"/api/v1/orgs/{goal.organization.slug}/goals/{goal.pk}/cascade/"


@pytest.fixture
def calls(org) -> Metric:
    return activity_metric(org, "call")


@pytest.fixture
def third(org, team):
    """A third member of `team`, so that splits do not come out even."""
    return MembershipFactory(organization=org, team=team, user__username="theo")


def _team_goal(team, metric, target, **fields) -> Goal:
    return GoalFactory.create(
        organization=team.organization,
        metric=metric,
        scope="team",
        team=team,
        target=Decimal(target),
        **fields,
    )


def _targets(response) -> dict[int, str]:
    assert response.status_code == 201, response.content
    return {row["user"] or row["team"]: row["target"] for row in response.json()}


def test_an_even_split_of_100_over_three_members_is_34_33_33(
    org, team, admin, member, teammate, third, api_for, calls
):
    goal = _team_goal(team, calls, 100)
    response = api_for(admin).post(cascade_url(goal), {"to": "members"}, format="json")
    targets = _targets(response)
    assert set(targets) == {member.user_id, teammate.user_id, third.user_id}
    assert sorted(targets.values()) == ["33.00", "33.00", "34.00"]
    children = response.json()
    assert all(
        (c["parent"], c["metric"], c["scope"], c["start"], c["end"], c["version"])
        == (goal.pk, "call", "user", "2026-01-01", "2026-01-31", 1)
        for c in children
    )
    assert set(children[0]) >= {"id", "progress", "title"}
    assert sum(g.target for g in goal.children.all()) == goal.target
    goal.refresh_from_db()
    assert goal.version == 2


@pytest.mark.parametrize(
    ("currency", "parts"),
    [
        ("USD", ["333.33", "333.33", "333.34"]),  # to the cent
        ("JPY", ["333.00", "333.00", "334.00"]),  # yen has no minor unit
    ],
)
def test_money_splits_to_the_currency_s_minor_unit_and_sums_exactly(
    org, team, admin, member, teammate, third, api_for, currency, parts
):
    org.currency = currency
    org.save(update_fields=["currency"])
    goal = _team_goal(team, revenue_metric(org), "1000.00")
    targets = _targets(api_for(admin).post(cascade_url(goal), {"to": "members"}, format="json"))
    assert sorted(targets.values()) == parts
    assert sum(Decimal(t) for t in targets.values()) == Decimal("1000.00")


def test_an_org_goal_splits_over_the_top_level_teams(
    org, team, sub_team, other_team, admin, api_for, calls
):
    goal = GoalFactory.create(organization=org, metric=calls, target=Decimal(101))
    targets = _targets(api_for(admin).post(cascade_url(goal), {"to": "teams"}, format="json"))
    assert set(targets) == {team.pk, other_team.pk}  # not sub_team: it sits under `team`
    assert sorted(targets.values()) == ["50.00", "51.00"]


def test_a_team_goal_splits_over_its_sub_teams(org, team, sub_team, manager, api_for, calls):
    goal = _team_goal(team, calls, 30)
    targets = _targets(api_for(manager).post(cascade_url(goal), {"to": "teams"}, format="json"))
    assert targets == {sub_team.pk: "30.00"}


def test_weights_split_by_the_given_shares_and_skip_zero_shares(
    org, team, admin, member, teammate, third, api_for, calls
):
    goal = _team_goal(team, calls, 100)
    body = {
        "to": "members",
        "strategy": "weights",
        "weights": {str(member.user_id): 3, str(teammate.user_id): "1"},
    }
    targets = _targets(api_for(admin).post(cascade_url(goal), body, format="json"))
    assert targets == {member.user_id: "75.00", teammate.user_id: "25.00"}  # `third` got 0


def test_weights_over_teams_are_keyed_by_team_id(org, team, other_team, admin, api_for, calls):
    goal = GoalFactory.create(organization=org, metric=calls, target=Decimal(90))
    body = {"to": "teams", "strategy": "weights", "weights": {team.pk: 2, other_team.pk: 1}}
    targets = _targets(api_for(admin).post(cascade_url(goal), body, format="json"))
    assert targets == {team.pk: "60.00", other_team.pk: "30.00"}


def test_last_period_splits_by_last_periods_shares(
    org, team, admin, member, teammate, third, api_for
):
    checkins = MetricFactory.create(organization=org, key="checkins", source="manual")
    # November 2025 (30 days) follows 2 October .. 31 October 2025.
    for who, value in ((member, 10), (teammate, 30)):
        services.log_manual_entry(actor=who, metric=checkins, day=date(2025, 10, 20), value=value)
    services.log_manual_entry(actor=third, metric=checkins, day=date(2025, 10, 1), value=99)
    goal = _team_goal(team, checkins, 200, start=date(2025, 11, 1), end=date(2025, 11, 30))
    body = {"to": "members", "strategy": "last_period"}
    targets = _targets(api_for(admin).post(cascade_url(goal), body, format="json"))
    # `third` logged only before that window: no share this time
    assert targets == {member.user_id: "50.00", teammate.user_id: "150.00"}


def test_last_period_without_history_falls_back_to_an_even_split(
    org, team, admin, member, teammate, third, api_for, calls
):
    goal = _team_goal(team, calls, 100)
    body = {"to": "members", "strategy": "last_period"}
    targets = _targets(api_for(admin).post(cascade_url(goal), body, format="json"))
    assert sorted(targets.values()) == ["33.00", "33.00", "34.00"]


def test_the_tree_after_a_split_shows_no_gap(org, team, admin, member, teammate, api_for, calls):
    goal = _team_goal(team, calls, 7)
    api_for(admin).post(cascade_url(goal), {"to": "members"}, format="json")
    nodes = api_for(admin).get(f"/api/v1/orgs/{org.slug}/goals/{goal.pk}/tree/").json()
    assert [n["depth"] for n in nodes] == [0, 1, 1]
    assert (nodes[0]["children_sum"], nodes[0]["gap"]) == ("7.00", "0.00")


# --- refusals: nothing is created ---------------------------------------------------------


@pytest.fixture
def tokyo_goal(team, calls, member, teammate) -> Goal:
    return _team_goal(team, calls, 100)


def _bad_cascades(request) -> dict[str, tuple[dict, str]]:
    get = request.getfixturevalue
    member, other = get("member"), get("other_team_member")
    return {
        "unknown strategy": ({"to": "members", "strategy": "lottery"}, "strategy"),
        "unknown target": ({"to": "planets"}, "to"),
        "no target": ({}, "to"),
        "weights for someone not under the goal": (
            {"to": "members", "strategy": "weights", "weights": {other.user_id: 1}},
            "weights",
        ),
        "weights for a team not under the goal": (
            {"to": "members", "strategy": "weights", "weights": {get("other_team").pk: 1}},
            "weights",
        ),
        "negative weights": (
            {"to": "members", "strategy": "weights", "weights": {member.user_id: -1}},
            "weights",
        ),
        "all-zero weights": (
            {"to": "members", "strategy": "weights", "weights": {member.user_id: 0}},
            "weights",
        ),
        "non-numeric weights": (
            {"to": "members", "strategy": "weights", "weights": {member.user_id: "heavy"}},
            "weights",
        ),
        "weights keyed by something else": (
            {"to": "members", "strategy": "weights", "weights": {"sam": 1}},
            "weights",
        ),
        "infinite weights": (
            {"to": "members", "strategy": "weights", "weights": {member.user_id: "Infinity"}},
            "weights",
        ),
        "teams under a team without sub-teams": ({"to": "teams"}, "to"),
    }


BAD_CASCADES = [
    "unknown strategy",
    "unknown target",
    "no target",
    "weights for someone not under the goal",
    "weights for a team not under the goal",
    "negative weights",
    "all-zero weights",
    "non-numeric weights",
    "weights keyed by something else",
    "infinite weights",
    "teams under a team without sub-teams",
]


@pytest.mark.parametrize("case", BAD_CASCADES)
def test_a_bad_cascade_is_a_400_naming_the_field_and_creates_no_child(
    request, org, other_team, other_team_member, admin, api_for, calls, member, teammate, case
):
    team = TeamFactory(organization=org, name="Nagoya")
    for who in (member, teammate):
        who.team = team
        who.save()
    goal = _team_goal(team, calls, 100)
    body, field = _bad_cascades(request)[case]
    before = Goal.objects.count()
    response = api_for(admin).post(cascade_url(goal), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Goal.objects.count() == before
    goal.refresh_from_db()
    assert goal.version == 1


def test_a_persons_goal_cannot_be_split(org, admin, member, api_for, calls):
    goal = GoalFactory.create(organization=org, metric=calls, scope="user", user=member.user)
    response = api_for(admin).post(cascade_url(goal), {"to": "members"}, format="json")
    assert response.status_code == 400
    assert "to" in response.json()
    assert not goal.children.exists()


def test_a_team_without_members_cannot_be_split_over_members(
    org, admin, other_team, api_for, calls
):
    goal = _team_goal(other_team, calls, 10)
    response = api_for(admin).post(cascade_url(goal), {"to": "members"}, format="json")
    assert response.status_code == 400
    assert "to" in response.json()


def test_a_goal_already_split_is_a_409_and_keeps_its_children(org, admin, api_for, tokyo_goal):
    client = api_for(admin)
    first = client.post(cascade_url(tokyo_goal), {"to": "members"}, format="json")
    assert first.status_code == 201
    children = set(tokyo_goal.children.values_list("pk", "target"))
    again = client.post(
        cascade_url(tokyo_goal), {"to": "members", "strategy": "last_period"}, format="json"
    )
    assert again.status_code == 409
    assert "detail" in again.json()
    assert set(tokyo_goal.children.values_list("pk", "target")) == children
