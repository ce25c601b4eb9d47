"""Every "may they?" of the product, as predicates over the actor's membership.

Pages, the API and services all ask these; no view or serializer keeps a copy of a rule.
The actor is always a `Membership` (a user *in an organisation*), so a rule can never
be satisfied by rights held in some other organisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from accounts.models import Membership, Team


def require(allowed: bool, message: str = "") -> None:
    """Raise PermissionDenied (403 inside the organisation) unless `allowed`."""
    if not allowed:
        raise PermissionDenied(message or None)


def descendants(team_ids: Iterable[int], parent_of: Mapping[int, int | None]) -> frozenset[int]:
    """The given teams plus every team below them, from an id → parent id map."""
    children: dict[int, list[int]] = {}
    for team_id, parent_id in parent_of.items():
        if parent_id is not None:
            children.setdefault(parent_id, []).append(team_id)
    found: set[int] = set()
    stack = [t for t in team_ids if t in parent_of]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, ()))
    return frozenset(found)


def managed_team_ids(actor: Membership) -> frozenset[int]:
    """Teams the actor manages directly, plus all their sub-teams (cached on the actor)."""
    cached: frozenset[int] | None = getattr(actor, "_managed_team_ids", None)
    if cached is not None:
        return cached
    result: frozenset[int] = frozenset()
    if actor.active and actor.role in (Membership.Role.MANAGER, Membership.Role.ADMIN):
        parent_of = dict(Team.objects.for_org(actor.organization_id).values_list("id", "parent_id"))
        direct = Team.objects.for_org(actor.organization_id).filter(managers=actor.user_id)
        result = descendants(direct.values_list("id", flat=True), parent_of)
    actor._managed_team_ids = result  # type: ignore[attr-defined]
    return result


def is_org_admin(actor: Membership) -> bool:
    """Admins configure the organisation: teams, members, roles, settings."""
    return actor.active and actor.role == Membership.Role.ADMIN


def is_manager_or_admin(actor: Membership) -> bool:
    """Managers and admins see management screens (team views, alerts)."""
    return actor.active and actor.role in (Membership.Role.MANAGER, Membership.Role.ADMIN)


def can_manage_team(actor: Membership, team: Team | int | None) -> bool:
    """Admins manage every team; a manager manages the teams they lead and their sub-teams."""
    if is_org_admin(actor):
        return True
    if team is None:
        return False
    team_id = team if isinstance(team, int) else team.pk
    return team_id in managed_team_ids(actor)


def can_manage_member(actor: Membership, subject: Membership) -> bool:
    """May the actor act as `subject`'s manager (see private numbers, coach, evaluate)?"""
    if subject.organization_id != actor.organization_id:
        return False
    if is_org_admin(actor):
        return True
    if subject.user_id == actor.user_id:
        return False
    return subject.team_id is not None and can_manage_team(actor, subject.team_id)


def members_visible_to(actor: Membership) -> QuerySet[Membership]:
    """The member directory the actor reads: everyone of their organisation (`can_view_member`)."""
    qs = Membership.objects.for_org(actor.organization_id)
    return qs if actor.active else qs.none()


def can_view_member(actor: Membership, subject: Membership) -> bool:
    """Everyone in an organisation may see its member directory (names, teams, roles)."""
    return actor.active and subject.organization_id == actor.organization_id


def teams_visible_to(actor: Membership) -> QuerySet[Team]:
    """The team tree the actor reads: every team of their organisation (`can_view_team`)."""
    qs = Team.objects.for_org(actor.organization_id)
    return qs if actor.active else qs.none()


def can_view_team(actor: Membership, team: Team) -> bool:
    """Everyone in an organisation sees its teams, their managers and members."""
    return actor.active and team.organization_id == actor.organization_id


def teams_managed_by(actor: Membership) -> QuerySet[Team]:
    """The teams the actor manages (`can_manage_team`): admins every team, managers theirs."""
    qs = Team.objects.for_org(actor.organization_id)
    if is_org_admin(actor):
        return qs
    return qs.filter(pk__in=managed_team_ids(actor))


def people_managed_by(actor: Membership) -> QuerySet[Membership]:
    """Memberships in the teams the actor manages (admins: everyone), themselves included
    when they sit in one; `can_manage_member` further excludes the actor."""
    qs = Membership.objects.for_org(actor.organization_id)
    if is_org_admin(actor):
        return qs
    return qs.filter(team_id__in=managed_team_ids(actor))


# --- who holds which role (membership queries; roles are read nowhere else) ---------------

# Salespeople: the members who sell (not managers or admins). Goals are split over them,
# dashboards list them and count their head.
SALESPEOPLE = Q(role=Membership.Role.MEMBER)
# Who may lead a team: managers and admins.
TEAM_LEADERS = Q(role__in=[Membership.Role.MANAGER, Membership.Role.ADMIN])
# Admin seats (active or not).
ADMIN_SEATS = Q(role=Membership.Role.ADMIN)


def holds_admin_seat(membership: Membership) -> bool:
    """Does the membership carry the admin role (active or not)? The last one is kept."""
    return membership.role == Membership.Role.ADMIN


def is_salesperson_role(role: str) -> bool:
    """Does this role sell (lead no team)?"""
    return role == Membership.Role.MEMBER


def can_edit_days_off(actor: Membership) -> bool:
    """Only admins add and remove the organisation's own days off."""
    return bool(is_org_admin(actor))


def can_edit_organization(actor: Membership) -> bool:
    """Only admins change organisation settings."""
    return bool(is_org_admin(actor))


def can_edit_teams(actor: Membership) -> bool:
    """Only admins create, rename, re-parent or delete teams and assign their managers."""
    return bool(is_org_admin(actor))


def can_administer_members(actor: Membership) -> bool:
    """Only admins add, invite, re-role, move or deactivate members."""
    return bool(is_org_admin(actor))


def can_manage_domains(actor: Membership) -> bool:
    """Only admins list, verify and remove the organisation's e-mail domains."""
    return bool(is_org_admin(actor))


# --- members' and teams' numbers ----------------------------------------------------------
# (Activities, deals and goals keep their own rules in `<app>/access.py`, built on these.)


def can_view_member_numbers(actor: Membership, subject: Membership) -> bool:
    """A person's own numbers: themselves, their managers, admins."""
    return subject.user_id == actor.user_id or can_manage_member(actor, subject)


def can_view_team_numbers(actor: Membership, team_id: int) -> bool:
    """Team totals: its members (shared goals), its managers, admins."""
    if is_org_admin(actor) or can_manage_team(actor, team_id):
        return True
    return actor.team_id == team_id


# The memberships of the people who sell (not managers, not admins): the rows of a funnel.
SELLER_MEMBERSHIPS = Q(role=Membership.Role.MEMBER)


# --- import jobs (duck-typed) -------------------------------------------------------------


def can_view_import_job(actor: Membership, job: Any) -> bool:
    """An import job is its creator's; admins see every job of the organisation."""
    if job.organization_id != actor.organization_id or not actor.active:
        return False
    return job.created_by_id == actor.user_id or bool(is_org_admin(actor))


# --- two-factor authentication and the audit trail ----------------------------------------

# Memberships whose holder must pass a second factor: an admin role anywhere, or a manager
# role in an organisation that asks its managers for it. A query, so that the middleware
# can ask it in the same statement as "has a device?" (see accounts.mfa.second_factor_status).
MFA_REQUIRED_MEMBERSHIPS = Q(active=True) & (
    Q(role=Membership.Role.ADMIN)
    | Q(role=Membership.Role.MANAGER, organization__require_mfa_for_managers=True)
)


def must_use_mfa(user: Any, *, holds_required_membership: bool | None = None) -> bool:
    """Must this person pass a second factor? Staff, admins, managers where the org asks.

    Staff reach the Django admin, which sees every organisation. A caller that already
    evaluated MFA_REQUIRED_MEMBERSHIPS for this user passes the answer to save a query.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    if holds_required_membership is None:
        holds_required_membership = (
            Membership.objects.filter(user_id=user.pk).filter(MFA_REQUIRED_MEMBERSHIPS).exists()
        )
    return holds_required_membership


def membership_requires_mfa(membership: Membership) -> bool:
    """Does this one membership oblige its holder to use a second factor? (Shown to the
    organisation's admins, who must not learn about the person's other organisations.)"""
    return Membership.objects.filter(pk=membership.pk).filter(MFA_REQUIRED_MEMBERSHIPS).exists()


def can_reset_mfa(actor: Membership, subject: Membership) -> bool:
    """Admins reset the second factor (a lost phone) of people who belong to their org alone.

    Never their own, nor a staff account's, nor that of someone who also belongs to another
    organisation: otherwise an admin here could take over an account that matters elsewhere.
    """
    if not is_org_admin(actor) or subject.organization_id != actor.organization_id:
        return False
    if subject.user_id == actor.user_id or subject.user.is_staff or subject.user.is_superuser:
        return False
    elsewhere = Membership.objects.filter(user_id=subject.user_id).exclude(
        organization_id=actor.organization_id
    )
    return not elsewhere.exists()


def can_view_audit_log(actor: Membership) -> bool:
    """Only admins read (and export) the organisation's audit trail."""
    return bool(is_org_admin(actor))
