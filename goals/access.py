"""Who may see and do what in goals: each resource's "which ones" query beside its rule.

Everyone reads the company's goals, their own and their team's; managers also the goals of
the teams they lead (sub-teams included) and of those teams' people; admins every goal.
Admins set any goal; managers those of their teams and their teams' people. Metrics and
cascade templates are configured by admins. Roles are read only through `accounts.rules`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts import rules
from accounts.models import Membership, Team, User
from goals.models import Goal

# --- goals ------------------------------------------------------------------------------


def _own_team_ids(actor: Membership) -> set[int]:
    """Teams whose goals the actor reads: those they manage and the one they sit in."""
    teams = set(rules.managed_team_ids(actor))
    if actor.team_id is not None:
        teams.add(actor.team_id)
    return teams


def goals_visible_to(actor: Membership) -> QuerySet[Goal]:
    """Goals the actor may read (org-scoped; `can_view_goal` says the same of one goal)."""
    qs = Goal.objects.for_org(actor.organization_id).select_related(
        "metric", "team", "user", "progress_row", "parent"
    )
    if not actor.active:
        return qs.none()
    if sees_every_goal(actor):
        return qs
    managed_people = rules.people_managed_by(actor).values("user_id")
    return qs.filter(
        Q(scope=Goal.Scope.ORG)
        | Q(scope=Goal.Scope.TEAM, team_id__in=_own_team_ids(actor))
        | Q(scope=Goal.Scope.USER, user_id=actor.user_id)
        | Q(scope=Goal.Scope.USER, user_id__in=managed_people)
    )


def can_view_goal(actor: Membership, goal: Goal) -> bool:
    if goal.organization_id != actor.organization_id or not actor.active:
        return False
    if sees_every_goal(actor) or goal.scope == Goal.Scope.ORG:
        return True
    if goal.scope == Goal.Scope.TEAM:
        return goal.team_id in _own_team_ids(actor)
    if goal.user_id is None:
        return False
    if goal.user_id == actor.user_id:
        return True
    return rules.people_managed_by(actor).filter(user_id=goal.user_id).exists()


def sees_every_goal(actor: Membership) -> bool:
    """Admins read every goal of the organisation (lists then need no visibility filter)."""
    return bool(rules.is_org_admin(actor))


def can_set_goals(actor: Membership) -> bool:
    """Managers and admins set goals (for whom: `can_set_goal`); they open the team goals
    page and the cascade editor."""
    return bool(rules.is_manager_or_admin(actor))


def can_set_company_goals(actor: Membership) -> bool:
    """Only admins set the organisation's own goals."""
    return bool(rules.is_org_admin(actor))


def can_set_goal(actor: Membership, *, scope: str, team: Team | None, user: User | None) -> bool:
    """Admins set any goal; managers set goals of teams they lead and of those teams' people."""
    if rules.is_org_admin(actor):
        return True
    if not rules.is_manager_or_admin(actor):
        return False
    if scope == Goal.Scope.TEAM and team is not None:
        return rules.can_manage_team(actor, team)
    if scope == Goal.Scope.USER and user is not None:
        subject = Membership.objects.for_org(actor.organization_id).filter(user=user).first()
        return subject is not None and rules.can_manage_member(actor, subject)
    return False


def can_edit_goal(actor: Membership, goal: Goal) -> bool:
    """Whoever may set a goal like this one changes, splits and deletes it."""
    if goal.organization_id != actor.organization_id:
        return False
    return can_set_goal(actor, scope=goal.scope, team=goal.team, user=goal.user)


def teams_goals_settable_by(actor: Membership) -> QuerySet[Team]:
    """Teams the actor sets goals for (the query beside `can_set_goal` for team goals)."""
    return rules.teams_managed_by(actor).order_by("name")


def people_goals_settable_by(actor: Membership) -> QuerySet[User]:
    """People the actor sets goals for: admins everyone active; managers their teams' people
    (never themselves)."""
    people = User.objects.filter(
        memberships__organization_id=actor.organization_id, memberships__active=True
    ).order_by("name", "username")
    if rules.is_org_admin(actor):
        return people
    managed = rules.managed_team_ids(actor)
    return people.filter(memberships__team_id__in=managed).exclude(pk=actor.user_id)


# --- metrics and cascade templates (organisation configuration) --------------------------


def can_define_metrics(actor: Membership) -> bool:
    """Everyone reads the metrics; only admins define new ones."""
    return bool(rules.is_org_admin(actor))


def can_manage_cascade_templates(actor: Membership) -> bool:
    """Only admins save, list and apply cascade templates."""
    return bool(rules.is_org_admin(actor))
