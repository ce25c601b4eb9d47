"""Who sees which goal: the rule agrees with the query for every kind of actor.

Everyone reads the company's goals, their own and their team's; managers also the goals of
the teams they lead (sub-teams included) and of those teams' people; admins every goal.
Another organisation's people see nothing of it (404).
"""

from __future__ import annotations

import pytest

from accounts.models import Membership
from goals import access
from goals.models import Goal
from tests.access_cast import ACTORS
from tests.goals.factories import GoalFactory, MetricFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_goal(
    org,
    other_org,
    team,
    sub_team,
    other_team,
    outsider_team,
    admin,
    manager,
    other_manager,
    member,
    teammate,
    other_team_member,
    sub_team_member,
    deactivated,
    outsider,
) -> list[Goal]:
    metric = MetricFactory(organization=org, key="calls")
    theirs = MetricFactory(organization=other_org, key="calls")

    def goal(**fields: object) -> Goal:
        return GoalFactory.create(organization=org, metric=metric, **fields)

    def person(m: Membership) -> Goal:
        return goal(scope=Goal.Scope.USER, user=m.user)

    return [
        goal(scope=Goal.Scope.ORG),
        goal(scope=Goal.Scope.TEAM, team=team),
        goal(scope=Goal.Scope.TEAM, team=sub_team),
        goal(scope=Goal.Scope.TEAM, team=other_team),
        *(
            person(m)
            for m in (
                member,
                teammate,
                sub_team_member,
                other_team_member,
                manager,
                other_manager,
                deactivated,
            )
        ),
        GoalFactory.create(organization=other_org, metric=theirs, scope=Goal.Scope.ORG),
        GoalFactory.create(
            organization=other_org, metric=theirs, scope=Goal.Scope.TEAM, team=outsider_team
        ),
        GoalFactory.create(
            organization=other_org, metric=theirs, scope=Goal.Scope.USER, user=outsider.user
        ),
    ]


@pytest.mark.parametrize("name", ACTORS)
def test_the_goal_rule_matches_the_goal_query(name, request, every_goal):
    actor = request.getfixturevalue(name)
    visible = set(access.goals_visible_to(actor).values_list("pk", flat=True))
    assert visible == {g.pk for g in every_goal if access.can_view_goal(actor, g)}


def _titles(actor: Membership, goals: list[Goal]) -> set[str]:
    return {g.title for g in goals if access.can_view_goal(actor, g)}


def test_who_reads_which_goal(
    every_goal, admin, manager, other_manager, member, sub_team_member, deactivated, outsider
):
    (
        company,
        tokyo,
        tokyo_sub,
        osaka,
        members,
        teammates,
        sub_members,
        osakas,
        managers,
        other_managers,
        deactivateds,
        *globex,
    ) = every_goal
    acme = set(every_goal[:11])
    assert {g for g in acme if access.can_view_goal(admin, g)} == acme
    assert {g for g in acme if access.can_view_goal(manager, g)} == {
        company,
        tokyo,
        tokyo_sub,
        members,
        teammates,
        sub_members,
        managers,
        deactivateds,
    }
    assert {g for g in acme if access.can_view_goal(other_manager, g)} == {
        company,
        osaka,
        osakas,
        other_managers,
    }
    # A member: the company's, their team's and their own; not a teammate's nor a sub-team's.
    assert {g for g in acme if access.can_view_goal(member, g)} == {company, tokyo, members}
    assert {g for g in acme if access.can_view_goal(sub_team_member, g)} == {
        company,
        tokyo_sub,
        sub_members,
    }
    assert not _titles(deactivated, every_goal)
    assert _titles(outsider, every_goal) == {g.title for g in globex}


def test_another_organisations_goal_answers_404(api_for, client_for, every_goal, outsider):
    tokyo = every_goal[1]
    api = api_for(outsider)
    assert api.get(f"/api/v1/orgs/acme/goals/{tokyo.pk}/").status_code == 404
    assert api.get(f"/api/v1/orgs/globex/goals/{tokyo.pk}/").status_code == 404
    page = client_for(outsider).get(f"/o/globex/goals/{tokyo.pk}/")
    assert page.status_code == 404


def test_who_may_set_which_goal(every_goal, admin, manager, other_manager, member):
    company, tokyo, tokyo_sub, _osaka, members, *_rest = every_goal
    assert access.can_edit_goal(admin, company)
    assert not access.can_edit_goal(manager, company)
    assert access.can_edit_goal(manager, tokyo_sub)
    assert access.can_edit_goal(manager, members)
    assert not access.can_edit_goal(other_manager, tokyo)
    assert not access.can_edit_goal(member, members)  # one's own goal is set by a manager
    assert set(access.teams_goals_settable_by(manager)) == {tokyo.team, tokyo_sub.team}
    assert manager.user not in set(access.people_goals_settable_by(manager))
    assert member.user in set(access.people_goals_settable_by(manager))
    assert access.can_define_metrics(admin)
    assert not access.can_define_metrics(manager)
