"""Who sees which member and team: the rule agrees with the query for every kind of actor.

Everyone active in an organisation reads its member directory and its team tree; a
deactivated member reads nothing; another organisation's people get 404.
"""

from __future__ import annotations

import pytest

from accounts import rules, selectors
from accounts.models import Team
from tests.access_cast import ACTORS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ACTORS)
def test_the_member_rule_matches_the_member_query(name, request, everyone):
    actor = request.getfixturevalue(name)
    visible = set(rules.members_visible_to(actor))
    assert visible == {m for m in everyone if rules.can_view_member(actor, m)}
    assert set(selectors.members_of(actor)) == visible  # the directory reads the same


@pytest.mark.parametrize("name", ACTORS)
def test_the_team_rule_matches_the_team_query(name, request, everyone):
    actor = request.getfixturevalue(name)
    teams = list(Team.objects.all())
    visible = set(rules.teams_visible_to(actor))
    assert visible == {t for t in teams if rules.can_view_team(actor, t)}
    assert set(selectors.teams_of(actor)) == visible


def test_the_directory_is_the_organisations_for_its_active_people(
    everyone, member, deactivated, outsider
):
    acme = {m for m in everyone if m.organization_id == member.organization_id}
    assert set(rules.members_visible_to(member)) == acme
    assert not rules.members_visible_to(deactivated).exists()
    assert set(rules.members_visible_to(outsider)) == {outsider}


def test_another_organisations_members_and_teams_answer_404(
    api_for, client_for, everyone, outsider, member, team
):
    api = api_for(outsider)
    assert api.get(f"/api/v1/orgs/globex/members/{member.user_id}/").status_code == 404
    assert api.get(f"/api/v1/orgs/globex/teams/{team.pk}/").status_code == 404
    assert api.get("/api/v1/orgs/acme/members/").status_code == 404
    browser = client_for(outsider)
    assert browser.get(f"/o/globex/members/{member.user_id}/").status_code == 404
    assert browser.get(f"/o/globex/teams/{team.pk}/").status_code == 404
