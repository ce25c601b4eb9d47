"""The activity log API: contract shape, logging, validation, tenancy, visibility, edits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from activities.models import Activity, DirtyBucket
from tests.activities.factories import ActivityFactory, default_types
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/activities/"
CONTRACT_FIELDS = {
    "id",
    "user",
    "team",
    "type",
    "occurred_at",
    "local_date",
    "quantity",
    "note",
    "deal",
    "accompanied_by",
    "observation",
    "location",
    "follow_up",
    "created_at",
}
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo, a Tuesday


@pytest.fixture(autouse=True)
def types(org):
    return default_types(org)


@pytest.fixture(autouse=True)
def _frozen_clock_and_fresh_throttles(time_machine):
    time_machine.move_to(NOW, tick=False)
    cache.clear()


def detail(activity: Activity, slug: str = "acme") -> str:
    return f"/api/v1/orgs/{slug}/activities/{activity.pk}/"


def rows() -> list[Any]:
    return list(Activity.objects.order_by("pk").values())


# --- logging ------------------------------------------------------------------------------


def test_post_logs_for_the_caller_on_the_org_local_date(api_for, member):
    client = api_for(member)
    evening = client.post(URL, {"type": "new_visit", "occurred_at": "2026-03-01T23:30:00+09:00"})
    assert evening.status_code == 201, evening.content
    body = evening.json()
    assert set(body) == CONTRACT_FIELDS
    assert body["user"] == member.user_id
    assert body["team"] == member.team_id
    assert body["type"] == "new_visit"
    assert body["local_date"] == "2026-03-01"
    assert body["quantity"] == 1
    assert body["location"] is None
    assert body["accompanied_by"] is None
    assert datetime.fromisoformat(body["occurred_at"]) == datetime(2026, 3, 1, 14, 30, tzinfo=UTC)

    utc_afternoon = client.post(URL, {"type": "call", "occurred_at": "2026-03-01T15:30:00Z"})
    assert utc_afternoon.status_code == 201
    assert utc_afternoon.json()["local_date"] == "2026-03-02"

    stored = Activity.objects.get(pk=body["id"])
    assert stored.organization_id == member.organization_id
    assert stored.created_by_id == member.user_id
    assert DirtyBucket.objects.filter(user=member.user).exists()


def test_datetimes_are_shown_in_the_org_time_zone_and_offsetless_input_is_local(api_for, member):
    response = api_for(member).post(
        URL, {"type": "new_visit", "occurred_at": "2026-03-01T23:30:00"}
    )
    assert response.status_code == 201
    assert response.json()["occurred_at"] == "2026-03-01T23:30:00+09:00"
    assert response.json()["local_date"] == "2026-03-01"


def test_post_takes_every_writable_field(api_for, member, manager):
    payload = {
        "type": "proposal",
        "occurred_at": "2026-03-09T10:00:00+09:00",
        "quantity": 3,
        "note": "  Met the CFO  ",
        "accompanied_by": manager.user_id,
        "location": {"lat": 35.681236, "lon": 139.767125},
    }
    response = api_for(member).post(URL, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["quantity"] == 3
    assert body["note"] == "Met the CFO"
    assert body["accompanied_by"] == manager.user_id
    assert body["location"] == {"lat": 35.681236, "lon": 139.767125}


def test_occurred_at_defaults_to_now(api_for, member):
    response = api_for(member).post(URL, {"type": "call"})
    assert response.status_code == 201
    assert datetime.fromisoformat(response.json()["occurred_at"]) == NOW
    assert response.json()["local_date"] == "2026-03-10"


def _companion(kind: str, people: dict[str, Membership]) -> int:
    return {
        "outsider": people["outsider"].user_id,
        "plain member": people["teammate"].user_id,
        "self": people["member"].user_id,
        "unknown": 999999,
    }[kind]


BAD_PAYLOADS: dict[str, tuple[dict[str, Any], str]] = {
    "unknown type": ({"type": "cold_call"}, "type"),
    "missing type": ({}, "type"),
    "quantity 0": ({"type": "call", "quantity": 0}, "quantity"),
    "quantity 10**9": ({"type": "call", "quantity": 10**9}, "quantity"),
    "quantity abc": ({"type": "call", "quantity": "abc"}, "quantity"),
    "quantity 1.5": ({"type": "call", "quantity": 1.5}, "quantity"),
    "3 days ahead": (
        {"type": "call", "occurred_at": (NOW + timedelta(days=3)).isoformat()},
        "occurred_at",
    ),
    "malformed datetime": ({"type": "call", "occurred_at": "yesterday at 5"}, "occurred_at"),
    "impossible date": ({"type": "call", "occurred_at": "2026-02-30T10:00:00Z"}, "occurred_at"),
    "latitude out of range": ({"type": "call", "location": {"lat": 91, "lon": 0}}, "location"),
    "longitude out of range": (
        {"type": "call", "location": {"lat": 0, "lon": -180.5}},
        "location",
    ),
    "half a location": ({"type": "call", "location": {"lat": 35}}, "location"),
    "note too long": ({"type": "call", "note": "x" * 4001}, "note"),
}


@pytest.mark.parametrize(("payload", "field"), BAD_PAYLOADS.values(), ids=BAD_PAYLOADS.keys())
def test_bad_input_answers_400_on_its_field_and_stores_nothing(api_for, member, payload, field):
    response = api_for(member).post(URL, payload)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Activity.objects.exists()
    assert not DirtyBucket.objects.exists()


@pytest.mark.parametrize("kind", ["outsider", "plain member", "self", "unknown"])
def test_accompanied_by_must_be_a_manager_of_this_org_other_than_the_owner(
    api_for, member, teammate, outsider, kind
):
    people = {"member": member, "teammate": teammate, "outsider": outsider}
    response = api_for(member).post(
        URL, {"type": "new_visit", "accompanied_by": _companion(kind, people)}
    )
    assert response.status_code == 400
    assert "accompanied_by" in response.json()
    assert not Activity.objects.exists()


def test_only_the_companion_or_an_admin_writes_an_observation(api_for, member):
    response = api_for(member).post(URL, {"type": "new_visit", "observation": "I did great"})
    assert response.status_code == 400
    assert "observation" in response.json()
    assert not Activity.objects.exists()


def test_inactive_types_cannot_be_logged(api_for, member, types):
    types["email"].active = False
    types["email"].save()
    response = api_for(member).post(URL, {"type": "email"})
    assert response.status_code == 400
    assert "type" in response.json()


# --- S2 and S5: other organisations' ids, mass assignment ---------------------------------


def test_payloads_naming_another_orgs_people_are_refused_and_change_nothing(
    api_for, admin, member, outsider
):
    client = api_for(admin)
    for payload in (
        {"type": "call", "user": outsider.user_id},
        {"type": "call", "accompanied_by": outsider.user_id},
    ):
        response = client.post(URL, payload)
        assert response.status_code == 400, payload
        assert set(response.json()) <= {"user", "accompanied_by"}
    assert not Activity.objects.exists()

    activity = ActivityFactory.create(membership=member)
    before = rows()
    for payload in ({"accompanied_by": outsider.user_id}, {"user": outsider.user_id}):
        assert client.patch(detail(activity), payload).status_code == 400
    assert rows() == before


def test_a_filter_naming_another_orgs_team_or_user_is_a_400(api_for, admin, outsider):
    client = api_for(admin)
    assert "team" in client.get(URL, {"team": outsider.team_id}).json()
    assert "user" in client.get(URL, {"user": outsider.user_id}).json()


def test_mass_assigned_owner_team_date_org_and_bookkeeping_are_ignored(
    api_for, member, other_team, other_org, admin
):
    response = api_for(member).post(
        URL,
        {
            "type": "call",
            "occurred_at": "2026-03-09T10:00:00+09:00",
            "id": 4242,
            "team": other_team.pk,
            "local_date": "2020-01-01",
            "organization": other_org.pk,
            "created_by": admin.user_id,
            "created_at": "2020-01-01T00:00:00Z",
        },
    )
    assert response.status_code == 201, response.content
    stored = Activity.objects.get()
    assert stored.pk != 4242
    assert stored.team_id == member.team_id
    assert stored.local_date.isoformat() == "2026-03-09"
    assert stored.organization_id == member.organization_id
    assert stored.created_by_id == member.user_id
    assert stored.created_at == NOW


def test_a_member_cannot_log_for_someone_else(api_for, member, teammate):
    response = api_for(member).post(URL, {"type": "call", "user": teammate.user_id})
    assert response.status_code == 400
    assert "user" in response.json()
    assert not Activity.objects.exists()
    # naming oneself is the same as not naming anyone
    assert api_for(member).post(URL, {"type": "call", "user": member.user_id}).status_code == 201


def test_an_admin_logs_for_a_member_who_keeps_their_team(api_for, admin, member):
    response = api_for(admin).post(URL, {"type": "call", "user": member.user_id})
    assert response.status_code == 201, response.content
    stored = Activity.objects.get()
    assert (stored.user_id, stored.team_id, stored.created_by_id) == (
        member.user_id,
        member.team_id,
        admin.user_id,
    )


def test_a_member_cannot_move_their_activity_to_someone_else(api_for, member, teammate):
    activity = ActivityFactory.create(membership=member)
    response = api_for(member).patch(detail(activity), {"user": teammate.user_id})
    assert response.status_code == 400
    assert Activity.objects.get().user_id == member.user_id


# --- another organisation: 404 like a missing id -----------------------------------------


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_outsider_gets_404_for_an_activity_of_another_org(api_for, member, outsider, method):
    activity = ActivityFactory.create(membership=member)
    client = api_for(outsider)
    before = rows()
    through_acme = getattr(client, method)(detail(activity), {"quantity": 5})
    through_own = getattr(client, method)(detail(activity, "globex"), {"quantity": 5})
    missing = getattr(client, method)("/api/v1/orgs/globex/activities/999999/", {"quantity": 5})
    assert through_acme.status_code == through_own.status_code == missing.status_code == 404
    assert through_own.json() == missing.json()
    assert rows() == before


def test_outsider_lists_nothing_of_another_org(api_for, member, outsider):
    ActivityFactory.create(membership=member)
    assert api_for(outsider).get(URL).status_code == 404
    assert api_for(outsider).get("/api/v1/orgs/globex/activities/").json()["count"] == 0


def test_anonymous_is_refused(api_for, member):
    activity = ActivityFactory.create(membership=member)
    assert api_for(None).get(URL).status_code == 401
    assert api_for(None).get(detail(activity)).status_code == 401


# --- visibility ---------------------------------------------------------------------------


@pytest.fixture
def log(member, teammate, sub_team, other_team_member, org):
    """One activity each: member, teammate (team), a sub-team member, an other-team member."""
    sub_member = MembershipFactory.create(organization=org, team=sub_team, user__username="subby")
    return {
        "member": ActivityFactory.create(membership=member),
        "teammate": ActivityFactory.create(membership=teammate),
        "sub_team": ActivityFactory.create(membership=sub_member),
        "other_team": ActivityFactory.create(membership=other_team_member),
    }


def _listed(client, **params: Any) -> set[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_member_sees_only_their_own_activities(api_for, member, log):
    client = api_for(member)
    assert _listed(client) == {log["member"].pk}
    assert client.get(detail(log["member"])).status_code == 200
    for other in ("teammate", "sub_team", "other_team"):
        assert client.get(detail(log[other])).status_code == 404


def test_a_manager_sees_their_team_and_sub_teams_but_not_other_teams(api_for, manager, log):
    client = api_for(manager)
    expected = {log["member"].pk, log["teammate"].pk, log["sub_team"].pk}
    assert _listed(client) == expected
    assert client.get(detail(log["sub_team"])).status_code == 200
    assert client.get(detail(log["other_team"])).status_code == 404


def test_an_admin_sees_every_activity(api_for, admin, log):
    assert _listed(api_for(admin)) == {a.pk for a in log.values()}


def test_a_manager_sees_a_visit_they_went_along_to_outside_their_teams(
    api_for, other_manager, member
):
    accompanied = ActivityFactory.create(membership=member, accompanied_by=other_manager.user)
    ActivityFactory.create(membership=member)
    assert _listed(api_for(other_manager)) == {accompanied.pk}


def test_list_filters(api_for, admin, member, log, types, sub_team):
    client = api_for(admin)
    call = ActivityFactory.create(
        membership=member, type=types["call"], occurred_at=datetime(2026, 3, 5, 1, tzinfo=UTC)
    )
    assert _listed(client, user=member.user_id) == {log["member"].pk, call.pk}
    assert _listed(client, team=member.team_id) == {
        log["member"].pk,
        log["teammate"].pk,
        log["sub_team"].pk,
        call.pk,
    }
    assert _listed(client, team=sub_team.pk) == {log["sub_team"].pk}
    assert _listed(client, type="call") == {call.pk}
    assert _listed(client, **{"from": "2026-03-05"}) == {call.pk}
    assert _listed(client, to="2026-03-04") == {a.pk for a in log.values()}
    assert _listed(client, **{"from": "2026-03-05", "to": "2026-03-05"}) == {call.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"user": "abc"}, "user"),
        ({"user": 999999}, "user"),
        ({"team": "x"}, "team"),
        ({"team": 999999}, "team"),
        ({"type": "nope"}, "type"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "tomorrow"}, "to"),
        ({"from": "2026-03-05", "to": "2026-03-01"}, "to"),
    ],
)
def test_bad_filter_values_answer_400_naming_the_field(api_for, member, params, field):
    response = api_for(member).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_the_list_is_paginated(api_for, member):
    for _ in range(3):
        ActivityFactory.create(membership=member)
    body = api_for(member).get(URL, {"page_size": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


def test_the_list_costs_the_same_queries_for_5_or_50_activities(
    api_for, admin, member, teammate, manager, django_assert_max_num_queries
):
    def add(n: int) -> None:
        for i in range(n):
            ActivityFactory.create(
                membership=(member, teammate)[i % 2],
                accompanied_by=manager.user if i % 3 == 0 else None,
            )

    client = api_for(admin)
    add(5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(URL, {"page_size": 100}).json()["count"] == 5
    add(45)
    with django_assert_max_num_queries(len(five)):
        assert len(client.get(URL, {"page_size": 100}).json()["results"]) == 50


# --- edits and deletes --------------------------------------------------------------------


def test_the_owner_edits_their_activity_and_both_buckets_are_marked(api_for, member):
    activity = ActivityFactory.create(membership=member)  # local date 2026-03-02
    response = api_for(member).patch(
        detail(activity),
        {"quantity": 4, "occurred_at": "2026-03-05T09:00:00+09:00", "type": "call"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["quantity"] == 4
    assert response.json()["type"] == "call"
    assert response.json()["local_date"] == "2026-03-05"
    marked = {d.isoformat() for d in DirtyBucket.objects.values_list("date", flat=True)}
    assert marked == {"2026-03-02", "2026-03-05"}


def test_a_patch_with_bad_values_changes_nothing(api_for, member):
    activity = ActivityFactory.create(membership=member)
    before = rows()
    for payload in (
        {"quantity": 0},
        {"type": "nope"},
        {"location": {"lat": 100, "lon": 0}},
        {"occurred_at": "not a date"},
    ):
        assert api_for(member).patch(detail(activity), payload).status_code == 400, payload
    assert rows() == before


def test_location_can_be_set_and_cleared(api_for, member):
    activity = ActivityFactory.create(membership=member)
    client = api_for(member)
    set_ = client.patch(detail(activity), {"location": {"lat": -33.8, "lon": 151.2}}, format="json")
    assert set_.json()["location"] == {"lat": -33.8, "lon": 151.2}
    cleared = client.patch(detail(activity), {"location": None}, format="json")
    assert cleared.json()["location"] is None


def test_the_accompanying_manager_annotates_but_cannot_change_what_happened(
    api_for, member, other_manager
):
    activity = ActivityFactory.create(
        membership=member, accompanied_by=other_manager.user, quantity=2
    )
    client = api_for(other_manager)
    response = client.patch(
        detail(activity), {"observation": "Good opening", "follow_up": "Send the deck"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["observation"] == "Good opening"
    assert response.json()["follow_up"] == "Send the deck"

    before = rows()
    assert client.patch(detail(activity), {"quantity": 9}).status_code == 403
    assert client.patch(detail(activity), {"observation": "x", "quantity": 9}).status_code == 403
    assert client.delete(detail(activity)).status_code == 403
    assert rows() == before


def test_the_owner_cannot_write_the_managers_observation(api_for, member, manager):
    activity = ActivityFactory.create(membership=member, accompanied_by=manager.user)
    assert api_for(member).patch(detail(activity), {"observation": "10/10"}).status_code == 403


def test_a_manager_sees_but_cannot_edit_or_delete_a_team_members_activity(api_for, manager, member):
    activity = ActivityFactory.create(membership=member)
    client = api_for(manager)
    before = rows()
    assert client.get(detail(activity)).status_code == 200
    assert client.patch(detail(activity), {"quantity": 2}).status_code == 403
    assert client.patch(detail(activity), {"observation": "hm"}).status_code == 403
    assert client.delete(detail(activity)).status_code == 403
    assert rows() == before


def test_a_teammate_gets_404_for_every_method_on_an_activity_they_cannot_see(
    api_for, teammate, member
):
    activity = ActivityFactory.create(membership=member)
    client = api_for(teammate)
    before = rows()
    assert client.get(detail(activity)).status_code == 404
    assert client.patch(detail(activity), {"quantity": 2}).status_code == 404
    assert client.delete(detail(activity)).status_code == 404
    assert rows() == before


def test_owner_and_admin_delete_and_the_bucket_is_marked(api_for, member, admin):
    mine = ActivityFactory.create(membership=member)
    theirs = ActivityFactory.create(membership=member)
    assert api_for(member).delete(detail(mine)).status_code == 204
    assert api_for(admin).delete(detail(theirs)).status_code == 204
    assert not Activity.objects.exists()
    assert DirtyBucket.objects.filter(user=member.user).count() == 1


def test_an_admin_moves_an_activity_to_another_member(api_for, admin, member, other_team_member):
    activity = ActivityFactory.create(membership=member)
    response = api_for(admin).patch(detail(activity), {"user": other_team_member.user_id})
    assert response.status_code == 200, response.content
    assert response.json()["user"] == other_team_member.user_id
    assert response.json()["team"] == other_team_member.team_id


def test_put_is_not_offered(api_for, member):
    activity = ActivityFactory.create(membership=member)
    assert api_for(member).put(detail(activity), {"type": "call"}).status_code == 405


def test_a_deactivated_member_is_treated_as_an_outsider(api_for, member):
    activity = ActivityFactory.create(membership=member)
    member.active = False
    member.save()
    assert api_for(member).get(detail(activity)).status_code == 404
    assert api_for(member).post(URL, {"type": "call"}).status_code == 404
