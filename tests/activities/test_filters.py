"""One FilterSet for the activity log (list API, export, statistics, the list page) and one
date-range limit (`periods.MAX_FILTER_RANGE_DAYS`) wherever `from`/`to` are taken."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesmgmt import periods
from tests.activities.factories import ActivityFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/acme/"
START = date(2024, 1, 1)
LONGEST = {"from": START.isoformat(), "to": (START + timedelta(days=1095)).isoformat()}
TOO_LONG = {"from": START.isoformat(), "to": (START + timedelta(days=1096)).isoformat()}
REVERSED = {"from": "2026-03-31", "to": "2026-03-01"}
LISTS = ("activity_list", "activity_export")


def test_the_one_limit_is_three_years_both_ends_included():
    assert periods.MAX_FILTER_RANGE_DAYS == 1096
    periods.validate_filter_range(START, START + timedelta(days=1095))
    periods.validate_filter_range(None, date(2099, 1, 1))
    periods.validate_filter_range(START, None)
    with pytest.raises(ValidationError) as too_long:
        periods.validate_filter_range(START, START + timedelta(days=1096))
    assert too_long.value.code == "range_too_long"
    with pytest.raises(ValidationError) as reversed_range:
        periods.validate_filter_range(date(2026, 3, 2), date(2026, 3, 1))
    assert reversed_range.value.code == "range_reversed"


@pytest.mark.parametrize(
    ("path", "own"),
    [
        ("activities/", {}),
        ("activities/export/", {}),
        ("stats/activity/", {"scope": "org", "grain": "month"}),
        ("stats/funnel/", {"team": "team"}),
    ],
)
def test_every_activity_api_with_a_range_applies_the_one_limit(api_for, admin, team, path, own):
    client = api_for(admin)
    own = {k: team.pk if v == "team" else v for k, v in own.items()}
    answer = client.get(API + path, {**own, **LONGEST}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 200, answer.content
    for params in (TOO_LONG, REVERSED):
        response = client.get(API + path, {**own, **params}, HTTP_ACCEPT="application/json")
        assert response.status_code == 400, (path, params)
        assert response.json()["to"], (path, params)


@pytest.mark.parametrize("name", ["activity_list", "activity_export", "funnel", "accompaniments"])
def test_every_activity_page_with_a_range_applies_the_one_limit(
    client_for, manager, org, team, name
):
    client = client_for(manager)
    url = reverse(f"activities:{name}", kwargs={"org_slug": org.slug})
    too_long = client.get(url, {**TOO_LONG, "team": team.pk}, follow=True)
    assert too_long.status_code == 200
    form = too_long.context["filters"] if name in LISTS else too_long.context["form"]
    assert "to" in form.errors
    if name == "activity_export":  # back to the list, which shows why
        assert too_long.redirect_chain[0][0].startswith(
            reverse("activities:activity_list", kwargs={"org_slug": org.slug})
        )
        assert client.get(url, {**LONGEST, "team": team.pk}).status_code == 200
        return
    fine = client.get(url, {**LONGEST, "team": team.pk})
    form = fine.context["filters"] if name in LISTS else fine.context["form"]
    assert not form.errors  # three years now on the pages too (two before)


def test_the_list_api_filters_by_user_team_type_and_dates(
    api_for, manager, member, teammate, other_team_member, sub_team, org
):
    from tests.factories import MembershipFactory

    sub_rep = MembershipFactory.create(organization=org, team=sub_team)
    mine = ActivityFactory.create(membership=member)
    ActivityFactory.create(membership=teammate, occurred_at=mine.occurred_at - timedelta(days=40))
    below = ActivityFactory.create(membership=sub_rep)
    ActivityFactory.create(membership=other_team_member)
    client = api_for(manager)

    def ids(**params) -> set[int]:
        response = client.get(f"{API}activities/", params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(user=member.user_id) == {mine.pk}
    assert ids(team=sub_team.pk) == {below.pk}
    assert len(ids(team=member.team_id)) == 3  # the team and its sub-team
    assert ids(type="new_visit", **{"from": mine.local_date.isoformat()}) == {mine.pk, below.pk}
    for bad in ({"type": "teleport"}, {"user": "x"}, {"team": 987654}, {"from": "2026-02-30"}):
        response = client.get(f"{API}activities/", bad)
        assert response.status_code == 400, bad
        assert set(response.json()) == set(bad), bad


def test_a_filtered_list_costs_the_same_queries_for_5_or_50_activities(
    api_for, admin, member, team, django_assert_max_num_queries
):
    client = api_for(admin)
    params = {"page_size": 100, "team": team.pk, "type": "new_visit", "from": "2026-01-01"}
    for _ in range(5):
        ActivityFactory.create(membership=member)
    with CaptureQueriesContext(connection) as five:
        assert client.get(f"{API}activities/", params).json()["count"] == 5
    for _ in range(45):
        ActivityFactory.create(membership=member)
    with django_assert_max_num_queries(len(five)):
        assert len(client.get(f"{API}activities/", params).json()["results"]) == 50


def test_the_schema_describes_the_list_filters_from_the_filterset(client):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    for path in ("activities/", "activities/export/"):
        parameters = {
            p["name"]: p["schema"]["type"]
            for p in paths["/api/v1/orgs/{org_slug}/" + path]["get"]["parameters"]
        }
        assert {k: parameters.get(k) for k in ("user", "team", "type", "from", "to")} == {
            "user": "integer",
            "team": "integer",
            "type": "string",
            "from": "string",
            "to": "string",
        }, path
