"""Who may open which dashboard, for the pages and the API alike.

- A team's dashboard: the managers of the team and of the teams above it, and admins.
- A member's dashboard (their numbers over time): the member, their managers, admins.
- The organisation overview: managers (the teams they lead) and admins (every team).

Roles are read only through `accounts.rules`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from accounts import rules
from accounts.models import Membership, Team

# --- team dashboards --------------------------------------------------------------------


def team_dashboards_visible_to(actor: Membership) -> QuerySet[Team]:
    """The teams whose dashboard the actor may open (org-scoped): admins all, managers theirs."""
    if not actor.active:
        return Team.objects.for_org(actor.organization_id).none()
    return rules.teams_managed_by(actor)


def can_view_team_dashboard(actor: Membership, team: Team) -> bool:
    if team.organization_id != actor.organization_id or not actor.active:
        return False
    return rules.can_manage_team(actor, team)


def can_open_team_dashboards(actor: Membership) -> bool:
    """Managers and admins have a team dashboard entry point (even with no team yet)."""
    return bool(rules.is_manager_or_admin(actor))


# --- member dashboards ------------------------------------------------------------------


def member_dashboards_visible_to(actor: Membership) -> QuerySet[Membership]:
    """Memberships whose dashboard the actor may open: their own, the people they manage."""
    qs = Membership.objects.for_org(actor.organization_id)
    if not actor.active:
        return qs.none()
    if rules.is_org_admin(actor):
        return qs
    return qs.filter(Q(user_id=actor.user_id) | Q(team_id__in=rules.managed_team_ids(actor)))


def can_view_member_dashboard(actor: Membership, subject: Membership) -> bool:
    if subject.organization_id != actor.organization_id or not actor.active:
        return False
    return rules.can_view_member_numbers(actor, subject)


# --- the organisation overview ----------------------------------------------------------


def can_view_org_overview(actor: Membership) -> bool:
    """Managers and admins see the overview (each the teams of `overview_team_ids`)."""
    return bool(rules.is_manager_or_admin(actor))


def overview_team_ids(actor: Membership, every_team_id: Iterable[int]) -> frozenset[int]:
    """The teams shown on the actor's overview, out of the organisation's (already read):
    every team for admins, managers the teams of `team_dashboards_visible_to`."""
    if not actor.active:
        return frozenset()
    if rules.is_org_admin(actor):
        return frozenset(every_team_id)
    return rules.managed_team_ids(actor)
