"""Who opens which dashboard: each rule agrees with its query for every kind of actor.

A team's dashboard: the managers of the team and of the teams above it, admins. A member's
dashboard: the member, their managers, admins. The overview: managers (their teams) and
admins (every team). Another organisation's people get 404.
"""

from __future__ import annotations

import pytest

from accounts.models import Team
from dashboards import access
from tests.access_cast import ACTORS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ACTORS)
def test_the_team_dashboard_rule_matches_its_query(name, request, everyone):
    actor = request.getfixturevalue(name)
    teams = list(Team.objects.all())
    visible = set(access.team_dashboards_visible_to(actor))
    assert visible == {t for t in teams if access.can_view_team_dashboard(actor, t)}
    same_org = [t.pk for t in teams if t.organization_id == actor.organization_id]
    assert access.overview_team_ids(actor, same_org) == {t.pk for t in visible}


@pytest.mark.parametrize("name", ACTORS)
def test_the_member_dashboard_rule_matches_its_query(name, request, everyone):
    actor = request.getfixturevalue(name)
    visible = set(access.member_dashboards_visible_to(actor))
    assert visible == {m for m in everyone if access.can_view_member_dashboard(actor, m)}


def test_who_opens_which_dashboard(
    everyone,
    team,
    sub_team,
    other_team,
    admin,
    manager,
    other_manager,
    member,
    teammate,
    sub_team_member,
    other_team_member,
    deactivated,
):
    assert set(access.team_dashboards_visible_to(manager)) == {team, sub_team}
    assert set(access.team_dashboards_visible_to(other_manager)) == {other_team}
    assert not access.team_dashboards_visible_to(member).exists()
    assert set(access.member_dashboards_visible_to(manager)) == {
        manager,
        member,
        teammate,
        sub_team_member,
        deactivated,
    }
    assert set(access.member_dashboards_visible_to(member)) == {member}
    assert not access.member_dashboards_visible_to(deactivated).exists()
    assert len(access.member_dashboards_visible_to(admin)) == 8  # all of acme
    assert access.can_view_org_overview(manager)
    assert access.can_view_org_overview(admin)
    assert not access.can_view_org_overview(member)
    assert access.can_open_team_dashboards(other_manager)
    assert not access.can_open_team_dashboards(other_team_member)


def test_another_organisations_dashboards_answer_404(api_for, client_for, everyone, team, member):
    outsider = next(m for m in everyone if m.user.username == "oscar")
    api = api_for(outsider)
    assert api.get(f"/api/v1/orgs/acme/dashboards/team/{team.pk}/").status_code == 404
    assert api.get(f"/api/v1/orgs/globex/dashboards/team/{team.pk}/").status_code == 404
    browser = client_for(outsider)
    assert browser.get(f"/o/globex/dashboards/team/{team.pk}/").status_code == 404
    assert browser.get(f"/o/globex/dashboards/member/{member.user_id}/").status_code == 404
