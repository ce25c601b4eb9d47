"""A goal's `progress.actual` follows the activities logged for its person, team or company."""

from __future__ import annotations

import pytest

from activities.services import log_activity
from tests.factories import MembershipFactory
from tests.goals.factories import activity_metric

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(org, time_machine):
    """Mid-March 2026 in Tokyo; the goals below run over March."""
    time_machine.move_to("2026-03-16 12:00+09:00")
    activity_metric(org, "call")


@pytest.fixture
def sub_team_member(org, sub_team):
    return MembershipFactory(organization=org, team=sub_team, user__username="suzu")


def _set_goal(client, org, **fields):
    body = {"metric": "call", "start": "2026-03-01", "end": "2026-03-31", "target": 100, **fields}
    response = client.post(f"/api/v1/orgs/{org.slug}/goals/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _actual(client, org, goal_id) -> str:
    response = client.get(f"/api/v1/orgs/{org.slug}/goals/{goal_id}/")
    assert response.status_code == 200
    return response.json()["progress"]["actual"]


def test_progress_counts_the_activities_of_the_goals_person_team_or_company(
    org,
    team,
    admin,
    member,
    teammate,
    sub_team_member,
    other_team_member,
    api_for,
    march,
    django_capture_on_commit_callbacks,
):
    client = api_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        ids = {
            "person": _set_goal(client, org, scope="user", user=member.user_id),
            "team": _set_goal(client, org, scope="team", team=team.pk),
            "company": _set_goal(client, org, scope="org"),
        }
    assert {_actual(client, org, goal_id) for goal_id in ids.values()} == {"0.00"}

    with django_capture_on_commit_callbacks(execute=True):
        log_activity(actor=member, type="call", quantity=3)
        log_activity(actor=teammate, type="call", quantity=2)
        log_activity(actor=sub_team_member, type="call", quantity=4)
        log_activity(actor=other_team_member, type="call", quantity=5)
        log_activity(actor=member, type="email", quantity=7)  # another metric

    assert _actual(client, org, ids["person"]) == "3.00"  # only that person
    assert _actual(client, org, ids["team"]) == "9.00"  # the team and its sub-team
    assert _actual(client, org, ids["company"]) == "14.00"  # everyone
    # the person reads their own progress the same way
    assert _actual(api_for(member), org, ids["person"]) == "3.00"


def test_progress_shows_in_the_list_as_in_the_detail(
    org, admin, member, api_for, march, django_capture_on_commit_callbacks
):
    client = api_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        goal_id = _set_goal(client, org, scope="user", user=member.user_id, target=10)
        log_activity(actor=member, type="call", quantity=10)
    listed = client.get(f"/api/v1/orgs/{org.slug}/goals/").json()["results"]
    progress = next(row["progress"] for row in listed if row["id"] == goal_id)
    assert progress == client.get(f"/api/v1/orgs/{org.slug}/goals/{goal_id}/").json()["progress"]
    assert progress["actual"] == "10.00"
    assert (progress["status"], progress["attainment"]) == ("done", 1.0)


def test_the_breakdown_reports_actuals_per_part(
    org, admin, member, api_for, march, django_capture_on_commit_callbacks
):
    client = api_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        goal_id = _set_goal(client, org, scope="user", user=member.user_id)
        log_activity(actor=member, type="call", quantity=6)
    rows = client.get(
        f"/api/v1/orgs/{org.slug}/goals/{goal_id}/breakdown/", {"grain": "week"}
    ).json()
    by_start = {row["start"]: row["actual"] for row in rows}
    assert by_start["2026-03-16"] == "6.00"  # the week starting on Monday the 16th
    assert sum(float(a) for a in by_start.values()) == 6
