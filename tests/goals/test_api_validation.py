"""Bad input to the goals API: a 400 naming the field, and nothing written."""

from __future__ import annotations

from datetime import date

import pytest

from goals.models import Goal
from tests.goals.factories import GoalFactory, MetricFactory, activity_metric

pytestmark = pytest.mark.django_db


def goals_url(org, *rest: object) -> str:
    return "/".join([f"/api/v1/orgs/{org.slug}/goals", *map(str, rest), ""])


@pytest.fixture
def calls(org):
    return activity_metric(org, "call")


@pytest.fixture
def parent(org, calls) -> Goal:
    return GoalFactory.create(
        organization=org, metric=calls, start=date(2026, 1, 1), end=date(2026, 3, 31)
    )


def _rows() -> list[tuple]:
    return list(Goal.objects.order_by("pk").values_list())


VALID = {
    "metric": "call",
    "scope": "org",
    "start": "2026-01-01",
    "end": "2026-01-31",
    "target": "50",
}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end": "2025-12-31"}, "end"),
        ({"end": "2028-06-30"}, "end"),  # longer than two years
        ({"start": "01/01/2026"}, "start"),
        ({"target": "-5"}, "target"),
        ({"target": "0"}, "target"),
        ({"target": "lots"}, "target"),
        ({"target": "NaN"}, "target"),
        ({"target": "1e40"}, "target"),
        ({"target": "12.5"}, "target"),  # calls are counted in whole units
        ({"target": "12.345"}, "target"),
        ({"target": None}, "target"),
        ({"metric": "no_such_metric"}, "metric"),
        ({"metric": None}, "metric"),
        ({"scope": "galaxy"}, "scope"),
        ({"scope": "team"}, "team"),  # a team goal names its team
        ({"scope": "user"}, "user"),
        ({"scope": "user", "user": 999999}, "user"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_a_bad_goal_is_refused_with_a_field_message_and_nothing_is_created(
    org, admin, api_for, calls, changes, field
):
    before = _rows()
    response = api_for(admin).post(goals_url(org), {**VALID, **changes}, format="json")
    assert response.status_code == 400, response.content
    messages = response.json()[field]
    assert messages
    assert all(isinstance(m, str) and m for m in messages)
    assert _rows() == before


@pytest.mark.parametrize("missing", ["metric", "scope", "start", "end", "target"])
def test_each_required_field_is_named_when_missing(org, admin, api_for, calls, missing):
    body = {k: v for k, v in VALID.items() if k != missing}
    response = api_for(admin).post(goals_url(org), body, format="json")
    assert response.status_code == 400
    assert missing in response.json()


def test_a_member_of_a_deactivated_membership_cannot_be_given_a_goal(
    org, admin, api_for, calls, teammate
):
    teammate.active = False
    teammate.save()
    body = {**VALID, "scope": "user", "user": teammate.user_id}
    response = api_for(admin).post(goals_url(org), body, format="json")
    assert response.status_code == 400
    assert "user" in response.json()


@pytest.mark.parametrize(
    ("start", "end"), [("2025-12-31", "2026-01-31"), ("2026-03-01", "2026-04-01")]
)
def test_a_child_goal_must_lie_inside_its_parents_period(org, admin, api_for, parent, start, end):
    before = _rows()
    body = {**VALID, "parent": parent.pk, "start": start, "end": end}
    response = api_for(admin).post(goals_url(org), body, format="json")
    assert response.status_code == 400
    assert "start" in response.json()
    assert _rows() == before


def test_a_child_goal_counts_its_parents_metric(org, admin, api_for, parent):
    MetricFactory.create(organization=org, key="checkins")
    body = {**VALID, "metric": "checkins", "parent": parent.pk}
    response = api_for(admin).post(goals_url(org), body, format="json")
    assert response.status_code == 400
    assert "metric" in response.json()


def test_a_child_goal_inside_its_parent_is_accepted(org, admin, api_for, parent):
    body = {**VALID, "parent": parent.pk, "start": "2026-02-01", "end": "2026-02-28"}
    response = api_for(admin).post(goals_url(org), body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["parent"] == parent.pk


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end": "2025-06-30"}, "end"),
        ({"start": "2026-04-01"}, "end"),
        ({"target": "-1"}, "target"),
        ({"target": "abc"}, "target"),
        ({"target": "1.5"}, "target"),
        ({"version": "first"}, "version"),
        ({"version": 0}, "version"),
    ],
)
def test_a_bad_change_is_refused_with_a_field_message(org, admin, api_for, parent, changes, field):
    before = _rows()
    response = api_for(admin).patch(goals_url(org, parent.pk), changes, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert _rows() == before


def test_a_parent_cannot_shrink_around_its_children(org, admin, api_for, parent):
    GoalFactory.create(
        organization=org,
        metric=parent.metric,
        parent=parent,
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
    )
    before = _rows()
    response = api_for(admin).patch(goals_url(org, parent.pk), {"end": "2026-02-28"}, format="json")
    assert response.status_code == 400
    assert "start" in response.json()
    assert _rows() == before


def test_a_change_with_the_current_version_is_applied_and_bumps_it(org, admin, api_for, parent):
    response = api_for(admin).patch(
        goals_url(org, parent.pk),
        {"target": 250, "title": "Q1", "end": "2026-03-30", "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["target"], data["title"], data["end"], data["version"]) == (
        "250.00",
        "Q1",
        "2026-03-30",
        2,
    )
    stale = api_for(admin).patch(
        goals_url(org, parent.pk), {"target": 1, "version": 1}, format="json"
    )
    assert stale.status_code == 409
    assert "detail" in stale.json()
    parent.refresh_from_db()
    assert parent.target == 250


def test_malformed_json_is_a_400_not_a_500(org, admin, api_for, calls):
    response = api_for(admin).generic(
        "POST", goals_url(org), "{not json", content_type="application/json"
    )
    assert response.status_code == 400
