"""The goals API contract: metrics, goals with progress, breakdown, tree, filters, query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from goals.models import Goal, GoalProgress, Metric
from tests.goals.factories import GoalFactory, MetricFactory, activity_metric, with_progress

pytestmark = pytest.mark.django_db

GOAL_FIELDS = {
    "id",
    "title",
    "metric",
    "scope",
    "team",
    "user",
    "start",
    "end",
    "target",
    "parent",
    "progress",
    "version",
    "closed",
    "result",
}
PROGRESS_FIELDS = {
    "actual",
    "attainment",
    "expected_to_date",
    "projected",
    "needed_per_working_day",
    "status",
}


def goals_url(org, *rest: object) -> str:
    return "/".join([f"/api/v1/orgs/{org.slug}/goals", *map(str, rest), ""])


@pytest.fixture
def calls(org) -> Metric:
    return activity_metric(org, "call")


# --- metrics ------------------------------------------------------------------------------


def test_everyone_lists_the_metrics_with_their_activity_type_keys(org, member, api_for, calls):
    response = api_for(member).get(f"/api/v1/orgs/{org.slug}/metrics/")
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()["results"]}
    assert rows["call"] == {
        "id": calls.pk,
        "key": "call",
        "name": calls.name,
        "unit": "count",
        "source": "activity",
        "activity_types": ["call"],
    }
    assert rows["revenue"]["source"] == "deals_won_amount"
    detail = api_for(member).get(f"/api/v1/orgs/{org.slug}/metrics/{calls.pk}/")
    assert detail.json() == rows["call"]


def test_admin_defines_an_activity_metric_by_type_keys(org, admin, api_for, calls):
    body = {
        "key": "touches",
        "name": "Touches",
        "source": "activity",
        "activity_types": ["call", "email"],
    }
    response = api_for(admin).post(f"/api/v1/orgs/{org.slug}/metrics/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["key"] == "touches"
    assert sorted(data["activity_types"]) == ["call", "email"]
    assert data["unit"] == "count"
    assert Metric.objects.for_org(org).filter(key="touches").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "call", "name": "Again", "source": "manual"}, "key"),
        ({"key": "Bad Key", "name": "X", "source": "manual"}, "key"),
        ({"key": "x", "name": "X", "source": "telepathy"}, "source"),
        ({"key": "x", "name": "X", "source": "activity"}, "activity_types"),
        (
            {"key": "x", "name": "X", "source": "activity", "activity_types": ["nope"]},
            "activity_types",
        ),
    ],
)
def test_a_bad_metric_is_refused_with_a_field_message(org, admin, api_for, calls, body, field):
    before = Metric.objects.count()
    response = api_for(admin).post(f"/api/v1/orgs/{org.slug}/metrics/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Metric.objects.count() == before


def test_a_metric_names_activity_types_of_its_own_organisation_only(
    org, other_org, admin, api_for, calls
):
    activity_metric(other_org, "call")
    from activities.models import ActivityType

    ActivityType.objects.create(organization=other_org, key="telegram", name="Telegram")
    body = {"key": "x", "name": "X", "source": "activity", "activity_types": ["telegram"]}
    response = api_for(admin).post(f"/api/v1/orgs/{org.slug}/metrics/", body, format="json")
    assert response.status_code == 400
    assert "activity_types" in response.json()


# --- goals: shape -------------------------------------------------------------------------


def test_a_created_goal_reads_back_with_every_contract_field(org, admin, member, api_for, calls):
    body = {
        "title": "Calls in March",
        "metric": "call",
        "scope": "user",
        "user": member.user_id,
        "start": "2026-03-01",
        "end": "2026-03-31",
        "target": "40",
    }
    response = api_for(admin).post(goals_url(org), body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == GOAL_FIELDS
    assert set(data["progress"]) == PROGRESS_FIELDS
    assert data == {
        **data,
        "title": "Calls in March",
        "metric": "call",
        "scope": "user",
        "team": None,
        "user": member.user_id,
        "start": "2026-03-01",
        "end": "2026-03-31",
        "target": "40.00",
        "parent": None,
        "version": 1,
        "closed": False,
        "result": "",
    }
    assert data["progress"]["actual"] == "0.00"
    assert isinstance(data["progress"]["attainment"], float)
    assert data["progress"]["status"] in {"ahead", "on_track", "behind", "at_risk", "done"}
    again = api_for(admin).get(goals_url(org, data["id"]))
    assert again.status_code == 200
    assert again.json() == data


def test_target_is_accepted_as_a_number_or_a_string_and_read_as_a_decimal_string(
    org, admin, api_for
):
    revenue = MetricFactory.create(
        organization=org, key="revenue", unit="USD", source="deals_won_amount"
    )
    body = {"metric": revenue.key, "scope": "org", "start": "2026-01-01", "end": "2026-12-31"}
    as_number = api_for(admin).post(goals_url(org), {**body, "target": 1000.5}, format="json")
    as_string = api_for(admin).post(goals_url(org), {**body, "target": "2500.25"}, format="json")
    assert as_number.status_code == as_string.status_code == 201, as_number.content
    assert as_number.json()["target"] == "1000.50"
    assert as_string.json()["target"] == "2500.25"
    assert as_string.json()["title"] == ""


def test_a_yen_target_is_in_whole_yen(org, admin, api_for):
    yen = MetricFactory.create(organization=org, key="sales", unit="JPY", source="deals_won_amount")
    body = {"metric": yen.key, "scope": "org", "start": "2026-01-01", "end": "2026-12-31"}

    refused = api_for(admin).post(goals_url(org), {**body, "target": "1000.50"}, format="json")
    accepted = api_for(admin).post(goals_url(org), {**body, "target": "1000"}, format="json")

    assert refused.status_code == 400
    assert "target" in refused.json()
    assert accepted.status_code == 201


def test_progress_reports_pace_from_the_stored_actual(org, admin, api_for, calls, time_machine):
    time_machine.move_to("2026-03-16 12:00+09:00")
    goal = with_progress(
        GoalFactory.create(
            organization=org,
            metric=calls,
            start=date(2026, 3, 1),
            end=date(2026, 3, 31),
            target=Decimal(210),
        ),
        actual=90,
    )
    progress = api_for(admin).get(goals_url(org, goal.pk)).json()["progress"]
    # March 2026 in Japan: 22 weekdays minus the Vernal Equinox Day (Friday 20th) = 21
    # working days; 11 of them by the 16th (inclusive), 11 left from the 16th (inclusive).
    assert progress == {
        "actual": "90.00",
        "attainment": round(90 / 210, 4),
        "expected_to_date": "110.00",  # 210 * 11 / 21
        "projected": "172.00",  # 90 * 21 / 11, in whole calls
        "needed_per_working_day": "10.91",  # (210 - 90) / 11
        "status": "behind",  # 90 / 110 is below 95% of the pace, above 75%
    }


def test_a_goal_reached_reads_done(org, admin, api_for, calls):
    goal = with_progress(
        GoalFactory.create(organization=org, metric=calls, target=Decimal(5)), actual=7
    )
    progress = api_for(admin).get(goals_url(org, goal.pk)).json()["progress"]
    assert progress["status"] == "done"
    assert progress["attainment"] == 1.4


# --- goals: list and filters --------------------------------------------------------------


@pytest.fixture
def assorted(org, team, other_team, member, teammate, calls):
    """An org goal split to both teams, one goal for `member`, and a goal of 2025."""
    manual = MetricFactory.create(organization=org, key="checkins")
    top = GoalFactory.create(organization=org, metric=calls, title="company")
    return {
        "top": top,
        "team": GoalFactory.create(
            organization=org, metric=calls, scope="team", team=team, parent=top, title="tokyo"
        ),
        "other": GoalFactory.create(
            organization=org, metric=calls, scope="team", team=other_team, parent=top, title="osaka"
        ),
        "member": GoalFactory.create(
            organization=org, metric=manual, scope="user", user=member.user, title="sam"
        ),
        "old": GoalFactory.create(
            organization=org,
            metric=calls,
            start=date(2025, 6, 1),
            end=date(2025, 6, 30),
            title="old",
        ),
    }


def _titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"company", "tokyo", "osaka", "sam", "old"}),
        ("scope=team", {"tokyo", "osaka"}),
        ("metric=checkins", {"sam"}),
        ("start=2026-01-15&end=2026-02-01", {"company", "tokyo", "osaka", "sam"}),
        ("start=2025-06-30&end=2025-06-30", {"old"}),
        ("end=2025-12-31", {"old"}),
        ("start=2026-02-01", set()),
        ("parent=null", {"company", "sam", "old"}),
    ],
)
def test_the_goal_list_filters(org, admin, api_for, assorted, query, expected):
    assert _titles(api_for(admin).get(f"{goals_url(org)}?{query}")) == expected


def test_the_goal_list_filters_by_team_user_and_parent_ids(
    org, admin, api_for, assorted, team, member
):
    client = api_for(admin)
    assert _titles(client.get(goals_url(org), {"team": team.pk})) == {"tokyo"}
    assert _titles(client.get(goals_url(org), {"user": member.user_id})) == {"sam"}
    assert _titles(client.get(goals_url(org), {"parent": assorted["top"].pk})) == {"tokyo", "osaka"}


@pytest.mark.parametrize(
    "query", ["team=abc", "start=yesterday", "scope=galaxy", "parent=root", "user=1.5"]
)
def test_a_malformed_filter_is_a_400_with_its_field(org, admin, api_for, assorted, query):
    response = api_for(admin).get(f"{goals_url(org)}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_the_goal_list_is_paginated(org, admin, api_for, assorted):
    response = api_for(admin).get(goals_url(org), {"page_size": 2})
    data = response.json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 5
    assert len(data["results"]) == 2
    assert data["next"]


def _bulk_goals(org, metric, team, member, n: int) -> None:
    goals = Goal.objects.bulk_create(
        [
            Goal(
                organization=org,
                metric=metric,
                title=f"bulk {i}",
                scope=("org", "team", "user")[i % 3],
                team=team if i % 3 == 1 else None,
                user=member.user if i % 3 == 2 else None,
                start=date(2026, 1 + i % 12, 1),
                end=date(2026, 1 + i % 12, 28),
                target=Decimal(100 + i),
            )
            for i in range(n)
        ]
    )
    GoalProgress.objects.bulk_create(
        [
            GoalProgress(goal=g, actual=Decimal(i), computed_at=timezone.now())
            for i, g in enumerate(goals)
        ]
    )


@pytest.mark.parametrize("who", ["admin", "manager", "member"])
def test_the_goal_list_takes_the_same_number_of_queries_for_10_or_500_goals(
    request, org, team, member, calls, api_for, django_assert_max_num_queries, who
):
    client = api_for(request.getfixturevalue(who))
    _bulk_goals(org, calls, team, member, 10)
    with CaptureQueriesContext(connection) as small:
        response = client.get(goals_url(org), {"page_size": 500})
    assert len(response.json()["results"]) == 10
    _bulk_goals(org, calls, team, member, 490)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(goals_url(org), {"page_size": 500})
    assert len(response.json()["results"]) == 500
    assert len(small.captured_queries) <= 12


# --- breakdown and tree -------------------------------------------------------------------


@pytest.mark.parametrize("grain", ["month", "week", "day"])
def test_the_breakdown_targets_sum_exactly_to_the_goal_target(org, member, api_for, calls, grain):
    goal = GoalFactory.create(
        organization=org,
        metric=calls,
        start=date(2026, 1, 1),
        end=date(2026, 3, 31),
        target=Decimal(1000),
    )
    response = api_for(member).get(goals_url(org, goal.pk, "breakdown"), {"grain": grain})
    assert response.status_code == 200, response.content
    rows = response.json()
    assert set(rows[0]) == {"start", "end", "target", "actual"}
    assert rows[0]["start"] == "2026-01-01"
    assert rows[-1]["end"] == "2026-03-31"
    assert sum(Decimal(r["target"]) for r in rows) == Decimal(1000)
    assert all(Decimal(r["target"]) == Decimal(r["target"]).to_integral() for r in rows)
    if grain == "month":
        assert [(r["start"], r["end"]) for r in rows] == [
            ("2026-01-01", "2026-01-31"),
            ("2026-02-01", "2026-02-28"),
            ("2026-03-01", "2026-03-31"),
        ]
    if grain == "day":
        assert len(rows) == 90
        assert rows[0]["target"] == "0.00"  # New Year's Day is a public holiday in Japan


def test_the_breakdown_defaults_to_months_and_refuses_another_grain(org, member, api_for, calls):
    goal = GoalFactory.create(organization=org, metric=calls)
    client = api_for(member)
    assert len(client.get(goals_url(org, goal.pk, "breakdown")).json()) == 1
    response = client.get(goals_url(org, goal.pk, "breakdown"), {"grain": "year"})
    assert response.status_code == 400
    assert "grain" in response.json()


def test_the_tree_lists_the_cascade_with_depth_sums_and_gaps(
    org, admin, api_for, calls, team, other_team
):
    top = GoalFactory.create(organization=org, metric=calls, target=Decimal(100))
    tokyo = GoalFactory.create(
        organization=org, metric=calls, scope="team", team=team, parent=top, target=Decimal(60)
    )
    GoalFactory.create(
        organization=org,
        metric=calls,
        scope="team",
        team=other_team,
        parent=top,
        target=Decimal(30),
    )
    response = api_for(admin).get(goals_url(org, top.pk, "tree"))
    assert response.status_code == 200, response.content
    nodes = response.json()
    assert [(n["goal"]["id"], n["depth"]) for n in nodes][:2] == [(top.pk, 0), (tokyo.pk, 1)]
    assert len(nodes) == 3
    assert set(nodes[0]) == {"goal", "depth", "children_sum", "gap"}
    assert set(nodes[0]["goal"]) == GOAL_FIELDS
    assert (nodes[0]["children_sum"], nodes[0]["gap"]) == ("90.00", "-10.00")
    assert (nodes[1]["children_sum"], nodes[1]["gap"]) == (None, None)


def test_the_tree_shows_a_member_only_the_goals_they_may_read(
    org, member, teammate, team, api_for, calls
):
    top = GoalFactory.create(organization=org, metric=calls, scope="team", team=team)
    mine = GoalFactory.create(
        organization=org, metric=calls, scope="user", user=member.user, parent=top, target=50
    )
    GoalFactory.create(
        organization=org, metric=calls, scope="user", user=teammate.user, parent=top, target=50
    )
    nodes = api_for(member).get(goals_url(org, top.pk, "tree")).json()
    assert [n["goal"]["id"] for n in nodes] == [top.pk, mine.pk]
    assert nodes[0]["children_sum"] == "100.00"
