"""The activity types API: everyone reads, admins add and change; the key never changes."""

from __future__ import annotations

import pytest

from activities.models import ActivityType
from tests.activities.factories import ActivityTypeFactory, default_types

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/activity-types/"


@pytest.fixture(autouse=True)
def types(org):
    return default_types(org)


def detail(activity_type: ActivityType, slug: str = "acme") -> str:
    return f"/api/v1/orgs/{slug}/activity-types/{activity_type.pk}/"


def test_everyone_in_the_org_lists_the_types_in_funnel_order(api_for, member, manager):
    for who in (member, manager):
        body = api_for(who).get(URL).json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert set(body["results"][0]) == {"id", "key", "name", "funnel_order", "active"}
        keys = [t["key"] for t in body["results"]]
        assert keys[:3] == ["new_visit", "effective_negotiation", "proposal"]
        assert set(keys) == {
            "new_visit",
            "revisit",
            "call",
            "email",
            "effective_negotiation",
            "proposal",
        }


def test_a_type_reads_by_id(api_for, member, types):
    body = api_for(member).get(detail(types["new_visit"])).json()
    assert body == {
        "id": types["new_visit"].pk,
        "key": "new_visit",
        "name": "New visit",
        "funnel_order": 1,
        "active": True,
    }


def test_an_admin_adds_a_type(api_for, admin):
    response = api_for(admin).post(
        URL, {"key": "demo", "name": "Product demo", "funnel_order": 4, "active": True}
    )
    assert response.status_code == 201, response.content
    created = ActivityType.objects.get(key="demo")
    assert created.organization_id == admin.organization_id
    assert response.json()["id"] == created.pk


@pytest.mark.parametrize("who", ["member", "manager"])
def test_members_and_managers_cannot_add_types(api_for, request, who):
    response = api_for(request.getfixturevalue(who)).post(URL, {"key": "demo", "name": "Demo"})
    assert response.status_code == 403
    assert not ActivityType.objects.filter(key="demo").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"key": "call", "name": "Call again"}, "key"),
        ({"key": "Not A Key", "name": "x"}, "key"),
        ({"key": "demo"}, "name"),
        ({"key": "demo", "name": "Demo", "funnel_order": 1}, "key"),
        ({"key": "demo", "name": "Demo", "funnel_order": 0}, "funnel_order"),
        ({"key": "demo", "name": "Demo", "funnel_order": "first"}, "funnel_order"),
    ],
)
def test_bad_types_are_refused(api_for, admin, payload, field):
    count = ActivityType.objects.count()
    response = api_for(admin).post(URL, payload)
    assert response.status_code == 400
    assert field in response.json()
    assert ActivityType.objects.count() == count


def test_an_admin_renames_reorders_and_deactivates_a_type(api_for, admin, types):
    response = api_for(admin).patch(
        detail(types["email"]), {"name": "Mail", "funnel_order": 5, "active": False}
    )
    assert response.status_code == 200, response.content
    types["email"].refresh_from_db()
    assert (types["email"].name, types["email"].funnel_order, types["email"].active) == (
        "Mail",
        5,
        False,
    )


def test_the_key_cannot_change(api_for, admin, types):
    client = api_for(admin)
    response = client.patch(detail(types["call"]), {"key": "phone"})
    assert response.status_code == 400
    assert "key" in response.json()
    assert ActivityType.objects.filter(pk=types["call"].pk, key="call").exists()
    # sending the key it already has is fine
    same = client.patch(detail(types["call"]), {"key": "call", "name": "Phone call"})
    assert same.status_code == 200
    assert same.json()["name"] == "Phone call"


def test_members_cannot_change_types(api_for, member, manager, types):
    for who in (member, manager):
        assert api_for(who).patch(detail(types["call"]), {"name": "X"}).status_code == 403
    assert ActivityType.objects.get(pk=types["call"].pk).name == "Call"


def test_put_and_delete_are_not_offered(api_for, admin, types):
    client = api_for(admin)
    assert client.put(detail(types["call"]), {"key": "call", "name": "C"}).status_code == 405
    assert client.delete(detail(types["call"])).status_code == 405


def test_another_orgs_types_are_404_like_missing_ones(api_for, outsider, other_org, types):
    theirs = ActivityTypeFactory.create(organization=other_org, key="visit")
    client = api_for(outsider)
    for method in ("get", "patch"):
        foreign = getattr(client, method)(detail(types["call"], "globex"), {"name": "X"})
        missing = getattr(client, method)("/api/v1/orgs/globex/activity-types/999999/", {})
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json() == missing.json()
        assert getattr(client, method)(detail(types["call"]), {"name": "X"}).status_code == 404
    assert [
        t["key"] for t in client.get("/api/v1/orgs/globex/activity-types/").json()["results"]
    ] == [theirs.key]
    assert ActivityType.objects.get(pk=types["call"].pk).name == "Call"
