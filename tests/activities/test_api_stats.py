"""stats/activity and stats/funnel: numbers from the rollups, who may see them, bad params."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from accounts.models import Membership, Team
from activities import rollup, services
from activities.models import DailyActivityCount
from tests.activities.factories import default_types
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db

STATS = "/api/v1/orgs/acme/stats/activity/"
FUNNEL = "/api/v1/orgs/acme/stats/funnel/"
TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # Tuesday 12:00 in Tokyo
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture(autouse=True)
def types(org):
    return default_types(org)


@pytest.fixture(autouse=True)
def _frozen_clock_and_fresh_throttles(time_machine):
    time_machine.move_to(NOW, tick=False)
    cache.clear()


def log(who: Membership, day: date, type_key: str = "new_visit", quantity: int = 1) -> None:
    services.log_activity(
        actor=who,
        type=type_key,
        occurred_at=datetime(day.year, day.month, day.day, 10, tzinfo=TOKYO),
        quantity=quantity,
    )


def settle(org) -> None:
    rollup.drain_all(org_id=org.pk)


def stats(client, **params: Any):
    return client.get(STATS, params)


def counts(response) -> list[tuple[str, str, int]]:
    assert response.status_code == 200, response.content
    return [(r["period_start"], r["type"], r["count"]) for r in response.json()["results"]]


# --- stats/activity -----------------------------------------------------------------------


def test_numbers_come_from_the_rollup_and_say_how_fresh_they_are(api_for, org, member):
    client = api_for(member)
    log(member, date(2026, 3, 2), quantity=2)
    waiting = stats(client, scope="user", id=member.user_id, grain="day", **MARCH)
    assert waiting.json()["results"] == []  # not rolled up yet
    assert waiting.json()["pending"] == 1
    assert waiting.json()["as_of"] is None

    settle(org)
    settled = stats(client, scope="user", id=member.user_id, grain="day", **MARCH)
    assert set(settled.json()) == {"as_of", "pending", "results"}
    assert settled.json()["pending"] == 0
    assert settled.json()["as_of"] is not None
    assert counts(settled) == [("2026-03-02", "new_visit", 2)]


def test_an_activity_posted_through_the_api_shows_in_stats_once_committed(
    api_for, member, django_capture_on_commit_callbacks
):
    client = api_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(
            "/api/v1/orgs/acme/activities/",
            {"type": "call", "occurred_at": "2026-03-01T23:30:00+09:00", "quantity": 3},
        )
    assert posted.status_code == 201
    response = stats(client, scope="user", id=member.user_id, grain="day", **MARCH)
    assert counts(response) == [("2026-03-01", "call", 3)]
    assert response.json()["pending"] == 0

    activity_url = f"/api/v1/orgs/acme/activities/{posted.json()['id']}/"
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(activity_url, {"occurred_at": "2026-03-04T09:00:00+09:00"})
    response = stats(client, scope="user", id=member.user_id, grain="day", **MARCH)
    assert counts(response) == [("2026-03-04", "call", 3)]

    with django_capture_on_commit_callbacks(execute=True):
        client.delete(activity_url)
    assert counts(stats(client, scope="user", id=member.user_id, grain="day", **MARCH)) == []


def test_grains_and_the_type_filter(api_for, org, member):
    log(member, date(2026, 3, 2))
    log(member, date(2026, 3, 3), quantity=2)
    log(member, date(2026, 3, 3), "call")
    log(member, date(2026, 2, 27), quantity=4)
    settle(org)
    client = api_for(member)
    base = {"scope": "user", "id": member.user_id, "from": "2026-02-01", "to": "2026-03-31"}
    assert counts(stats(client, grain="month", **base)) == [
        ("2026-02-01", "new_visit", 4),
        ("2026-03-01", "call", 1),
        ("2026-03-01", "new_visit", 3),
    ]
    assert counts(stats(client, grain="day", type="call", **base)) == [("2026-03-03", "call", 1)]


def test_week_grain_honours_the_org_week_start(api_for, org, member):
    for day in (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 7), date(2026, 3, 8)):
        log(member, day)  # Sun, Mon, Sat, Sun
    settle(org)
    client = api_for(member)
    params = {"scope": "user", "id": member.user_id, "grain": "week", **MARCH}
    assert counts(stats(client, **params)) == [  # weeks start on Monday
        ("2026-02-23", "new_visit", 1),
        ("2026-03-02", "new_visit", 3),
    ]
    org.week_start = 6  # Sunday
    org.save()
    assert counts(stats(client, **params)) == [
        ("2026-03-01", "new_visit", 3),
        ("2026-03-08", "new_visit", 1),
    ]


def test_team_scope_includes_sub_teams_and_org_scope_everyone(
    api_for, org, member, teammate, sub_team, other_team_member, manager
):
    sub_member = MembershipFactory.create(organization=org, team=sub_team)
    log(member, date(2026, 3, 2))
    log(teammate, date(2026, 3, 2), quantity=2)
    log(sub_member, date(2026, 3, 2), quantity=4)
    log(other_team_member, date(2026, 3, 2), quantity=8)
    settle(org)
    client = api_for(manager)
    day = {"grain": "day", **MARCH}
    assert counts(stats(client, scope="team", id=member.team_id, **day)) == [
        ("2026-03-02", "new_visit", 7)
    ]
    assert counts(stats(client, scope="team", id=sub_team.pk, **day)) == [
        ("2026-03-02", "new_visit", 4)
    ]
    assert counts(stats(client, scope="org", **day)) == [("2026-03-02", "new_visit", 15)]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),  # themselves
        ("manager", 200),  # their manager
        ("admin", 200),
        ("teammate", 403),
        ("other_manager", 403),
        ("other_team_member", 403),
    ],
)
def test_who_may_see_a_members_numbers(api_for, request, member, who, status):
    client = api_for(request.getfixturevalue(who))
    response = stats(client, scope="user", id=member.user_id, grain="day", **MARCH)
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),  # team totals are shared with the team
        ("manager", 200),
        ("admin", 200),
        ("other_manager", 403),
        ("other_team_member", 403),
    ],
)
def test_who_may_see_a_teams_numbers(api_for, request, team, who, status):
    client = api_for(request.getfixturevalue(who))
    assert stats(client, scope="team", id=team.pk, grain="day", **MARCH).status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [("member", 403), ("manager", 200), ("other_manager", 200), ("admin", 200)]
)
def test_org_numbers_are_for_managers_and_admins(api_for, request, who, status):
    client = api_for(request.getfixturevalue(who))
    assert stats(client, scope="org", grain="day", **MARCH).status_code == status


def test_unknown_and_other_org_ids_are_404(api_for, admin, outsider):
    client = api_for(admin)
    for scope, ident in (
        ("user", outsider.user_id),
        ("user", 999999),
        ("team", outsider.team_id),
        ("team", 999999),
    ):
        response = stats(client, scope=scope, id=ident, grain="day", **MARCH)
        assert response.status_code == 404, (scope, ident)
    assert stats(api_for(outsider), scope="org", grain="day", **MARCH).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"grain": "day", **MARCH}, "scope"),
        ({"scope": "galaxy", "grain": "day", **MARCH}, "scope"),
        ({"scope": "user", "grain": "day", **MARCH}, "id"),
        ({"scope": "user", "id": "me", "grain": "day", **MARCH}, "id"),
        ({"scope": "org", **MARCH}, "grain"),
        ({"scope": "org", "grain": "year", **MARCH}, "grain"),
        ({"scope": "org", "grain": "day", "to": "2026-03-31"}, "from"),
        ({"scope": "org", "grain": "day", "from": "2026-03-01"}, "to"),
        ({"scope": "org", "grain": "day", "from": "2026-02-30", "to": "2026-03-31"}, "from"),
        ({"scope": "org", "grain": "day", "from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({"scope": "org", "grain": "day", "from": "2020-01-01", "to": "2023-01-01"}, "to"),
        ({"scope": "org", "grain": "day", "type": "teleport", **MARCH}, "type"),
        ({"scope": "user", "id": "9" * 20, "grain": "day", **MARCH}, "id"),
    ],
)
def test_bad_parameters_answer_400_with_a_message(api_for, admin, params, field):
    response = stats(api_for(admin), **params)
    assert response.status_code == 400
    messages = response.json()[field]
    assert messages
    assert all(isinstance(m, str) and m for m in messages)


def test_three_years_exactly_is_allowed(api_for, admin):
    response = stats(
        api_for(admin), scope="org", grain="month", **{"from": "2023-03-11"}, to="2026-03-10"
    )
    assert response.status_code == 200


def test_dates_at_the_edge_of_the_calendar_are_answered(api_for, admin):
    client = api_for(admin)
    last = {"from": "2099-12-31", "to": "2099-12-31"}
    assert stats(client, scope="org", grain="week", **last).status_code == 200
    beyond = {"from": "9999-12-31", "to": "9999-12-31"}
    assert stats(client, scope="org", grain="week", **beyond).status_code == 400
    leap = stats(client, scope="org", grain="day", **{"from": "2024-02-29"}, to="2027-02-28")
    assert leap.status_code == 200
    assert (
        stats(
            client, scope="org", grain="day", **{"from": "2024-02-29"}, to="2027-03-01"
        ).status_code
        == 400
    )


# --- stats/funnel -------------------------------------------------------------------------


@pytest.fixture
def funnel_team(org, team) -> Team:
    """A sub-team of `team` (so `manager` leads it through the parent) with no one in it yet."""
    return TeamFactory.create(organization=org, name="Funnel", parent=team)


def staff(org, team: Team, funnels: dict[str, tuple[int, int, int]]) -> dict[str, Membership]:
    """Members of `team`, each logging (new visits, negotiations, proposals) in March."""
    people = {}
    for name, numbers in funnels.items():
        who = MembershipFactory.create(
            organization=org, team=team, user__username=name, user__name=name
        )
        for key, quantity in zip(
            ("new_visit", "effective_negotiation", "proposal"), numbers, strict=True
        ):
            if quantity:
                log(who, date(2026, 3, 3), key, quantity)
        people[name] = who
    settle(org)
    return people


def funnel(client, team: Team, **params: Any):
    return client.get(FUNNEL, {"team": team.pk, **MARCH, **params})


def bottlenecks(response) -> dict[str, str | None]:
    assert response.status_code == 200, response.content
    return {m["name"]: m["bottleneck"] for m in response.json()["members"]}


def test_the_funnel_names_each_members_bottleneck(api_for, org, manager, funnel_team):
    people = staff(
        org,
        funnel_team,
        {
            "ann": (10, 5, 2),
            "ben": (10, 5, 2),
            "cal": (10, 5, 2),
            "dot": (4, 2, 1),  # few new visits; converts like everyone else
            "eve": (10, 1, 1),  # visits a lot, rarely gets to a real negotiation
        },
    )
    response = funnel(api_for(manager), funnel_team)
    body = response.json()
    assert set(body) == {"as_of", "pending", "stages", "members"}
    assert [(s["type"], s["count"]) for s in body["stages"]] == [
        ("new_visit", 44),
        ("effective_negotiation", 18),
        ("proposal", 8),
    ]
    assert body["stages"][0]["conversion"] is None
    assert body["stages"][1]["conversion"] == pytest.approx(18 / 44)
    assert bottlenecks(response) == {
        "ann": None,
        "ben": None,
        "cal": None,
        "dot": "new_visit",
        "eve": "effective_negotiation",
    }
    eve = next(m for m in body["members"] if m["name"] == "eve")
    assert eve["user"] == people["eve"].user_id
    assert eve["bottleneck_text"]
    assert [s["count"] for s in eve["stages"]] == [10, 1, 1]
    assert set(eve["stages"][0]) >= {"type", "count", "conversion"}


def test_no_bottleneck_when_everyone_is_at_the_median(api_for, org, admin, funnel_team):
    staff(org, funnel_team, {"ann": (10, 5, 2), "ben": (10, 5, 2), "cal": (10, 5, 2)})
    assert set(bottlenecks(funnel(api_for(admin), funnel_team)).values()) == {None}


def test_no_bottleneck_within_the_20_percent_threshold(api_for, org, admin, funnel_team):
    staff(
        org,
        funnel_team,
        {"ann": (20, 10, 5), "ben": (20, 10, 5), "cal": (20, 10, 5), "dot": (17, 10, 5)},
    )
    # dot is 15% below the median on volume; their conversion is better, not worse
    assert bottlenecks(funnel(api_for(admin), funnel_team))["dot"] is None


def test_just_past_the_threshold_is_a_bottleneck(api_for, org, admin, funnel_team):
    staff(org, funnel_team, {"ann": (20, 0, 0), "ben": (20, 0, 0), "dot": (15, 0, 0)})
    assert bottlenecks(funnel(api_for(admin), funnel_team))["dot"] == "new_visit"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager", 200),  # leads the parent team
        ("admin", 200),
        ("other_manager", 403),
        ("member", 403),
    ],
)
def test_who_may_see_a_teams_funnel(api_for, request, funnel_team, who, status):
    client = api_for(request.getfixturevalue(who))
    assert funnel(client, funnel_team).status_code == status


def test_the_direct_manager_sees_the_funnel(api_for, org, funnel_team):
    lead = MembershipFactory.create(
        organization=org, role=Membership.Role.MANAGER, team=funnel_team
    )
    funnel_team.managers.add(lead.user)
    assert funnel(api_for(lead), funnel_team).status_code == 200


def test_funnel_of_an_unknown_or_foreign_team_is_404(api_for, admin, outsider, outsider_team):
    client = api_for(admin)
    assert client.get(FUNNEL, {"team": outsider_team.pk, **MARCH}).status_code == 404
    assert client.get(FUNNEL, {"team": 999999, **MARCH}).status_code == 404
    assert funnel(api_for(outsider), outsider_team).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        (MARCH, "team"),
        ({"team": "tokyo", **MARCH}, "team"),
        ({"team": "9" * 20, **MARCH}, "team"),
        ({"team": 1}, "from"),
        ({"team": 1, "from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({"team": 1, "from": "2019-01-01", "to": "2026-01-01"}, "to"),
    ],
)
def test_funnel_bad_parameters_are_400(api_for, admin, params, field):
    response = api_for(admin).get(FUNNEL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_stats_never_read_the_raw_log(api_for, org, member):
    """A rollup row without a matching activity still counts: the API reads the rollup."""
    DailyActivityCount.objects.create(
        organization=org,
        user=member.user,
        team=member.team,
        type=default_types(org)["call"],
        date=date(2026, 3, 5),
        count=7,
        entries=1,
    )
    response = stats(api_for(member), scope="user", id=member.user_id, grain="day", **MARCH)
    assert counts(response) == [("2026-03-05", "call", 7)]
