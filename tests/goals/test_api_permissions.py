"""Who may read, set, change and split goals through the API; other organisations' ids (S2);
fields a caller may not set (S5)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from goals.models import Goal, Metric
from tests.goals.factories import GoalFactory, MetricFactory, activity_metric

pytestmark = pytest.mark.django_db


def goals_url(org, *rest: object) -> str:
    return "/".join([f"/api/v1/orgs/{org.slug}/goals", *map(str, rest), ""])


@pytest.fixture
def calls(org) -> Metric:
    return activity_metric(org, "call")


def _body(**fields: object) -> dict[str, object]:
    return {"metric": "call", "start": "2026-01-01", "end": "2026-01-31", "target": "50", **fields}


def _goal_rows() -> list[tuple]:
    return list(Goal.objects.order_by("pk").values_list())


# --- reading ------------------------------------------------------------------------------


@pytest.fixture
def goals(org, team, sub_team, other_team, member, teammate, other_team_member, calls):
    def make(title: str, **fields: object) -> Goal:
        return GoalFactory.create(organization=org, metric=calls, title=title, **fields)

    return {
        "company": make("company"),
        "tokyo": make("tokyo", scope="team", team=team),
        "tokyo-enterprise": make("tokyo-enterprise", scope="team", team=sub_team),
        "osaka": make("osaka", scope="team", team=other_team),
        "sam": make("sam", scope="user", user=member.user),
        "tess": make("tess", scope="user", user=teammate.user),
        "olga": make("olga", scope="user", user=other_team_member.user),
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("member", {"company", "tokyo", "sam"}),
        ("manager", {"company", "tokyo", "tokyo-enterprise", "sam", "tess"}),
        ("other_manager", {"company", "osaka", "olga"}),
        ("admin", {"company", "tokyo", "tokyo-enterprise", "osaka", "sam", "tess", "olga"}),
    ],
)
def test_each_role_lists_and_reads_exactly_the_goals_it_may_see(
    request, org, api_for, goals, who, expected
):
    client = api_for(request.getfixturevalue(who))
    listed = client.get(goals_url(org), {"page_size": 100}).json()["results"]
    assert {row["title"] for row in listed} == expected
    for title, goal in goals.items():
        for suffix in ((), ("breakdown",), ("tree",)):
            response = client.get(goals_url(org, goal.pk, *suffix))
            assert response.status_code == (200 if title in expected else 404), (title, suffix)


# --- setting goals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("member", "org", 403),
        ("member", "own_team", 403),
        ("member", "self", 403),
        ("manager", "org", 403),
        ("manager", "own_team", 201),
        ("manager", "sub_team", 201),
        ("manager", "self", 201),  # `member`, whom the manager leads
        ("manager", "other_team", 403),
        ("manager", "other_team_member", 403),
        ("admin", "org", 201),
        ("admin", "own_team", 201),
        ("admin", "other_team", 201),
        ("admin", "other_team_member", 201),
    ],
)
def test_who_may_set_which_goal(request, org, api_for, calls, who, target, status):
    get = request.getfixturevalue
    bodies = {
        "org": _body(scope="org"),
        "own_team": _body(scope="team", team=get("team").pk),
        "sub_team": _body(scope="team", team=get("sub_team").pk),
        "other_team": _body(scope="team", team=get("other_team").pk),
        "self": _body(scope="user", user=get("member").user_id),
        "other_team_member": _body(scope="user", user=get("other_team_member").user_id),
    }
    actor = get(who)
    before = Goal.objects.count()
    response = api_for(actor).post(goals_url(org), bodies[target], format="json")
    assert response.status_code == status, response.content
    assert Goal.objects.count() == before + (1 if status == 201 else 0)


def test_a_manager_may_not_set_their_own_goal(org, manager, api_for, calls):
    body = _body(scope="user", user=manager.user_id)
    assert api_for(manager).post(goals_url(org), body, format="json").status_code == 403


def test_a_member_cannot_change_or_delete_even_their_own_goal(org, member, api_for, goals):
    before = _goal_rows()
    client = api_for(member)
    for title in ("sam", "tokyo", "company"):
        goal = goals[title]
        patch = client.patch(goals_url(org, goal.pk), {"target": "1"}, format="json")
        assert patch.status_code == 403
        assert client.delete(goals_url(org, goal.pk)).status_code == 403
    # refused before its body is looked at: a bad body is still a 403
    bad = client.patch(goals_url(org, goals["sam"].pk), {"target": "lots"}, format="json")
    assert bad.status_code == 403
    assert _goal_rows() == before


def test_a_manager_changes_and_deletes_goals_of_their_teams_only(org, manager, api_for, goals):
    client = api_for(manager)
    tokyo = client.patch(goals_url(org, goals["tokyo"].pk), {"target": "70"}, format="json")
    assert tokyo.status_code == 200, tokyo.content
    assert tokyo.json()["target"] == "70.00"
    company = client.patch(goals_url(org, goals["company"].pk), {"target": "1"}, format="json")
    assert company.status_code == 403  # visible, not theirs to change
    osaka = client.patch(goals_url(org, goals["osaka"].pk), {"target": "1"}, format="json")
    assert osaka.status_code == 404  # not even visible
    assert client.delete(goals_url(org, goals["tess"].pk)).status_code == 204
    assert client.delete(goals_url(org, goals["company"].pk)).status_code == 403
    assert client.delete(goals_url(org, goals["olga"].pk)).status_code == 404
    assert not Goal.objects.filter(pk=goals["tess"].pk).exists()
    assert Goal.objects.get(pk=goals["company"].pk).target == Decimal(100)


def test_deleting_a_goal_deletes_its_cascaded_children(org, admin, api_for, goals):
    goals["tokyo"].parent = goals["company"]
    goals["tokyo"].save()
    assert api_for(admin).delete(goals_url(org, goals["company"].pk)).status_code == 204
    assert not Goal.objects.filter(pk__in=[goals["company"].pk, goals["tokyo"].pk]).exists()


# --- splitting goals ----------------------------------------------------------------------


CASCADE = {"to": "members", "strategy": "even"}


@pytest.mark.parametrize(
    ("who", "title", "status"),
    [
        ("member", "tokyo", 403),
        ("manager", "tokyo", 201),
        ("manager", "company", 403),  # an org goal: visible to everyone, split by admins
        ("manager", "osaka", 404),  # another team's goal is not visible to this manager
        ("other_manager", "tokyo", 404),
        ("other_manager", "osaka", 201),
        ("admin", "tokyo", 201),
    ],
)
def test_who_may_split_which_goal(request, org, api_for, goals, who, title, status):
    body = {**CASCADE, "to": "teams"} if title == "company" else CASCADE
    response = api_for(request.getfixturevalue(who)).post(
        goals_url(org, goals[title].pk, "cascade"), body, format="json"
    )
    assert response.status_code == status, response.content
    assert Goal.objects.filter(parent=goals[title]).exists() is (status == 201)


# --- S2: another organisation's objects ---------------------------------------------------


@pytest.fixture
def foreign_goal(other_org, outsider_team) -> Goal:
    metric = activity_metric(other_org, "call")
    return GoalFactory.create(
        organization=other_org, metric=metric, scope="team", team=outsider_team
    )


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", (), None),
        ("patch", (), {"target": "1"}),
        ("delete", (), None),
        ("post", ("cascade",), {"to": "members"}),
        ("get", ("breakdown",), None),
        ("get", ("tree",), None),
    ],
)
def test_another_organisations_goal_is_a_404_on_every_goal_route(
    org, admin, outsider, other_org, api_for, foreign_goal, method, suffix, body
):
    before = _goal_rows()
    # through this organisation's slug, as its admin
    response = getattr(api_for(admin), method)(
        goals_url(org, foreign_goal.pk, *suffix), body, format="json"
    )
    missing = getattr(api_for(admin), method)(goals_url(org, 999999, *suffix), body, format="json")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    # through the other organisation's slug, as someone who is not a member there
    response = getattr(api_for(admin), method)(
        goals_url(other_org, foreign_goal.pk, *suffix), body, format="json"
    )
    assert response.status_code == 404
    assert _goal_rows() == before


def test_another_organisations_metric_is_a_404(org, other_org, admin, api_for):
    metric = MetricFactory.create(organization=other_org, key="globex_only")
    response = api_for(admin).get(f"/api/v1/orgs/{org.slug}/metrics/{metric.pk}/")
    assert response.status_code == 404
    listed = api_for(admin).get(f"/api/v1/orgs/{org.slug}/metrics/").json()["results"]
    assert metric.pk not in {row["id"] for row in listed}


@pytest.mark.parametrize("field", ["team", "user", "parent", "metric"])
def test_a_goal_naming_another_organisations_object_is_refused_and_nothing_is_written(
    org, admin, api_for, calls, outsider, outsider_team, foreign_goal, field
):
    MetricFactory.create(organization=foreign_goal.organization, key="globex_only")
    values = {
        "team": {"scope": "team", "team": outsider_team.pk},
        "user": {"scope": "user", "user": outsider.user_id},
        "parent": {"scope": "org", "parent": foreign_goal.pk},
        "metric": {"scope": "org", "metric": "globex_only"},
    }
    before = _goal_rows()
    response = api_for(admin).post(goals_url(org), _body(**values[field]), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert _goal_rows() == before


def test_a_parent_the_caller_cannot_see_answers_like_a_missing_one(org, manager, api_for, goals):
    body = _body(scope="team", team=goals["tokyo"].team_id)
    hidden = api_for(manager).post(
        goals_url(org), {**body, "parent": goals["osaka"].pk}, format="json"
    )
    missing = api_for(manager).post(goals_url(org), {**body, "parent": 999999}, format="json")
    assert hidden.status_code == missing.status_code == 400
    hidden_pk = goals["osaka"].pk
    assert hidden.json() == {"parent": [f'Invalid pk "{hidden_pk}" - object does not exist.']}
    assert not Goal.objects.filter(parent=goals["osaka"]).exists()


# --- S5: fields nobody sets through the API -----------------------------------------------


def test_mass_assignment_on_create_is_ignored(org, other_org, admin, outsider, api_for, calls):
    body = _body(
        scope="org",
        organization=other_org.pk,
        version=7,
        closed=True,
        closed_at="2026-01-02T00:00:00Z",
        result="reached",
        final_actual="999",
        progress={"actual": "50"},
        created_by=outsider.user_id,
        id=424242,
    )
    response = api_for(admin).post(goals_url(org), body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    goal = Goal.objects.get(pk=data["id"])
    assert goal.pk != 424242
    assert goal.organization_id == org.pk
    assert (goal.version, goal.closed_at, goal.result, goal.final_actual) == (1, None, "", None)
    assert goal.created_by_id == admin.user_id
    assert (data["version"], data["closed"], data["result"]) == (1, False, "")
    assert data["progress"]["actual"] == "0.00"


def test_mass_assignment_on_change_is_ignored_and_a_made_up_version_is_a_conflict(
    org, other_org, team, admin, outsider, other_team, api_for, calls
):
    goal = GoalFactory.create(organization=org, metric=calls, scope="team", team=team)
    client = api_for(admin)
    extras = {
        "organization": other_org.pk,
        "closed": True,
        "result": "reached",
        "created_by": outsider.user_id,
        "scope": "org",
        "team": other_team.pk,
        "metric": "email",
        "progress": {"actual": "100"},
    }
    response = client.patch(goals_url(org, goal.pk), {"title": "Renamed", **extras}, format="json")
    assert response.status_code == 200, response.content
    goal.refresh_from_db()
    assert (goal.title, goal.version) == ("Renamed", 2)
    assert (goal.organization_id, goal.scope, goal.team_id, goal.metric_id) == (
        org.pk,
        "team",
        team.pk,
        calls.pk,
    )
    assert (goal.closed_at, goal.result, goal.created_by_id) == (None, "", None)
    bumped = client.patch(goals_url(org, goal.pk), {"title": "X", "version": 9}, format="json")
    assert bumped.status_code == 409
    goal.refresh_from_db()
    assert (goal.title, goal.version) == ("Renamed", 2)
