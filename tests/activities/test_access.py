"""The activity rules and their query agree for every actor of the role matrix; another
organisation sees nothing of Acme's log."""

from __future__ import annotations

import pytest

from accounts.models import Membership
from activities import access
from activities.models import Activity
from tests.activities.factories import ActivityFactory
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs/acme/"


@pytest.fixture
def inactive_member(org, team) -> Membership:
    return MembershipFactory.create(organization=org, team=team, active=False)


@pytest.fixture
def actors(
    admin, manager, other_manager, member, teammate, other_team_member, inactive_member, outsider
) -> dict[str, Membership]:
    return {
        "admin": admin,
        "manager of the team": manager,
        "manager of another team": other_manager,
        "member owner": member,
        "teammate": teammate,
        "member of another team": other_team_member,
        "inactive member": inactive_member,
        "another organisation's admin": outsider,
    }


@pytest.fixture
def all_activities(org, admin, manager, other_manager, member, teammate, other_team_member,
                   sub_team, inactive_member, outsider) -> list[Activity]:  # fmt: skip
    sub_rep = MembershipFactory.create(organization=org, team=sub_team)
    return [
        ActivityFactory.create(membership=member, note="own"),
        ActivityFactory.create(
            membership=member, note="own, with Otto", accompanied_by=other_manager.user
        ),
        ActivityFactory.create(membership=teammate, note="teammate's"),
        ActivityFactory.create(membership=sub_rep, note="sub-team"),
        ActivityFactory.create(membership=other_team_member, note="osaka"),
        ActivityFactory.create(
            membership=other_team_member, note="osaka, with Mia", accompanied_by=manager.user
        ),
        ActivityFactory.create(membership=manager, note="manager's"),
        ActivityFactory.create(membership=admin, note="admin's"),
        ActivityFactory.create(membership=inactive_member, note="inactive's"),
        ActivityFactory.create(membership=outsider, note="globex"),
    ]  # fmt: skip


def test_activities_visible_to_is_exactly_what_can_view_activity_allows(actors, all_activities):
    for name, actor in actors.items():
        visible = set(access.activities_visible_to(actor))
        assert visible == {a for a in all_activities if access.can_view_activity(actor, a)}, name


def test_the_matrix_sees_what_the_product_promises(actors, all_activities):
    def notes(name: str) -> set[str]:
        return {a.note for a in access.activities_visible_to(actors[name])}

    assert notes("member owner") == {"own", "own, with Otto"}
    assert notes("teammate") == {"teammate's"}
    assert notes("manager of the team") == {
        "own", "own, with Otto", "teammate's", "sub-team", "osaka, with Mia", "manager's",
        "inactive's",
    }  # fmt: skip
    assert notes("manager of another team") == {"own, with Otto", "osaka", "osaka, with Mia"}
    assert len(notes("admin")) == len(all_activities) - 1
    assert notes("inactive member") == set()
    assert notes("another organisation's admin") == {"globex"}


def test_only_what_one_may_see_may_be_edited_or_annotated(actors, all_activities):
    for name, actor in actors.items():
        for activity in all_activities:
            if access.can_edit_activity(actor, activity) or access.can_annotate_activity(
                actor, activity
            ):
                assert access.can_view_activity(actor, activity), (name, activity.note)


def test_another_organisation_gets_404_for_every_activity_of_acme(
    api_for, outsider, all_activities
):
    client = api_for(outsider)
    for activity in all_activities[:-1]:
        assert client.get(f"/api/v1/orgs/globex/activities/{activity.pk}/").status_code == 404
        assert client.get(f"{BASE}activities/{activity.pk}/").status_code == 404
    listed = client.get("/api/v1/orgs/globex/activities/").json()["results"]
    assert [row["note"] for row in listed] == ["globex"]
