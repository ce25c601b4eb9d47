"""The member directory's one FilterSet: the page (`q`) and the API (`search`) filter alike."""

from __future__ import annotations

import pytest

from accounts import services
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(admin, manager, member, teammate, other_team_member, team):
    services.add_member(actor=admin, email="invitee@example.com", team=team)
    MembershipFactory(
        organization=admin.organization, team=team, active=False, user__username="gus"
    )


@pytest.mark.parametrize(
    "query",
    [
        "",
        "role=member",
        "status=active",
        "status=invited",
        "status=inactive",
        "{search}=TESS",
        "{search}=olga@example",
        "team={team}&status=active&role=member",
    ],
)
def test_the_page_and_the_api_list_the_same_people(
    client_for, api_for, admin, team, directory, query
):
    page = client_for(admin).get("/o/acme/members/?" + query.format(search="q", team=team.pk))
    api = api_for(admin).get(
        "/api/v1/orgs/acme/members/?" + query.format(search="search", team=team.pk)
    )

    assert page.status_code == api.status_code == 200
    on_page = {m.user_id for m in page.context["page"].object_list}
    assert on_page == {row["id"] for row in api.json()["results"]}


def test_another_organisations_team_is_a_bad_filter(
    client_for, api_for, admin, outsider_team, directory
):
    response = api_for(admin).get(f"/api/v1/orgs/acme/members/?team={outsider_team.pk}")
    assert response.status_code == 400
    assert "team" in response.json()

    page = client_for(admin).get(f"/o/acme/members/?team={outsider_team.pk}")
    assert page.status_code == 200
    assert page.context["filters"].errors["team"]


def test_the_page_form_keeps_its_q_field(client_for, admin, directory):
    form = client_for(admin).get("/o/acme/members/?q=sam").context["filters"]
    assert list(form.fields) == ["q", "team", "role", "status"]
    assert form["q"].value() == "sam"
