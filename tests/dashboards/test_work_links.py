"""Member and team pages link to that person's or team's dashboard, goals and deals, only
where the viewer may open them; managers' navigation lists the teams they lead."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import provision_organization_defaults
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="([^"]+)" data-testid="work-link-(\w+)"')


@pytest.fixture(autouse=True)
def _defaults(org, admin):
    provision_organization_defaults(org=org)


def links(client, path: str) -> dict[str, str]:
    response = client.get(path)
    assert response.status_code == 200
    return {key: url.replace("&amp;", "&") for url, key in LINK.findall(response.content.decode())}


def test_a_manager_reads_their_persons_dashboard_goals_and_deals(client_for, manager, member, team):
    client = client_for(manager)
    found = links(client, f"/o/acme/members/{member.user_id}/")

    assert found == {
        "dashboard": f"/o/acme/dashboards/member/{member.user_id}/",
        "goals": f"/o/acme/goals/team/?team={team.pk}",
        "deals": f"/o/acme/deals/list/?owner={member.user_id}",
        "recognition": f"/o/acme/people/{member.user_id}/motivation/",
    }
    for url in found.values():
        assert client.get(url).status_code == 200, url


def test_a_member_reads_their_own_work_and_none_of_a_teammates(client_for, member, teammate):
    client = client_for(member)
    own = links(client, f"/o/acme/members/{member.user_id}/")

    assert own == {
        "dashboard": f"/o/acme/dashboards/member/{member.user_id}/",
        "goals": "/o/acme/goals/",
        "deals": "/o/acme/deals/list/",
        "recognition": f"/o/acme/people/{member.user_id}/motivation/",
    }
    for url in own.values():
        assert client.get(url).status_code == 200, url
    # A teammate's work stays theirs; what they were thanked for is everyone's to read.
    assert links(client, f"/o/acme/members/{teammate.user_id}/") == {
        "recognition": f"/o/acme/people/{teammate.user_id}/motivation/"
    }


def test_a_manager_of_another_team_gets_only_the_recognition_of_someone_elses_person(
    client_for, other_manager, member
):
    assert links(client_for(other_manager), f"/o/acme/members/{member.user_id}/") == {
        "recognition": f"/o/acme/people/{member.user_id}/motivation/"
    }


def test_team_pages_link_to_the_team_dashboard_goals_and_deals_for_its_managers(
    client_for, manager, admin, team, other_team
):
    for viewer in (manager, admin):
        client = client_for(viewer)
        found = links(client, f"/o/acme/teams/{team.pk}/")
        assert found == {
            "dashboard": f"/o/acme/dashboards/team/{team.pk}/",
            "goals": f"/o/acme/goals/team/?team={team.pk}",
            "deals": f"/o/acme/deals/list/?team={team.pk}",
            "kudos": f"/o/acme/kudos/?team={team.pk}",
        }
        for url in found.values():
            assert client.get(url).status_code == 200, url
    assert links(client_for(manager), f"/o/acme/teams/{other_team.pk}/") == {
        "kudos": f"/o/acme/kudos/?team={other_team.pk}"
    }


def test_a_member_of_the_team_gets_only_the_goals_they_read(client_for, member, team, other_team):
    client = client_for(member)

    assert links(client, f"/o/acme/teams/{team.pk}/") == {
        "goals": "/o/acme/goals/",
        "kudos": f"/o/acme/kudos/?team={team.pk}",
    }
    assert links(client, f"/o/acme/teams/{other_team.pk}/") == {
        "kudos": f"/o/acme/kudos/?team={other_team.pk}"
    }


def test_your_teams_lists_the_teams_a_manager_leads(
    client_for, manager, team, sub_team, other_team
):
    html = client_for(manager).get("/o/acme/").content.decode()
    menu = html.split('data-testid="your-teams"', 1)[1].split("</ul>", 1)[0]

    assert "Your teams" in html
    assert f'href="/o/acme/dashboards/team/{team.pk}/"' in menu
    assert f'href="/o/acme/dashboards/team/{sub_team.pk}/"' in menu
    assert f'href="/o/acme/dashboards/team/{other_team.pk}/"' not in menu
    assert 'href="/o/acme/dashboards/team/"' in menu


def test_members_have_no_your_teams_menu(client_for, member):
    assert "your-teams" not in client_for(member).get("/o/acme/").content.decode()


def test_the_your_teams_menu_costs_the_same_queries_for_many_teams(client_for, org, manager, team):
    def count() -> int:
        client = client_for(manager)
        client.get("/o/acme/")  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            client.get("/o/acme/")
        return len(queries)

    before = count()
    for n in range(15):
        led = TeamFactory(organization=org, name=f"Team {n:02d}")
        led.managers.add(manager.user)
    html = client_for(manager).get("/o/acme/").content.decode()

    assert count() == before
    assert html.count("/o/acme/dashboards/team/") >= 10
    assert 'href="/o/acme/teams/">All teams' in html
