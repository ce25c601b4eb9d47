"""Who may see and do what in motivation: each resource's "which ones" query beside its rule.

A person's check-ins and 1:1s are seen by the person, their managers (the managers of their
team and of the teams above it) and admins; never by peers. A 1:1's private notes are seen
by the manager who wrote them and nobody else, admins included. Kudos are the whole
organisation's. Roles are read only through `accounts.rules`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from accounts import rules
from accounts.models import Membership
from motivation.models import ActionItem, CheckIn, Kudos, OneOnOne


def _managed_people(actor: Membership) -> QuerySet[Membership]:
    """Memberships of the people in the teams the actor manages (with their sub-teams)."""
    return Membership.objects.for_org(actor.organization_id).filter(
        team_id__in=rules.managed_team_ids(actor)
    )


def _membership_of(actor: Membership, user_id: int) -> Membership | None:
    if user_id == actor.user_id:
        return actor
    return Membership.objects.for_org(actor.organization_id).filter(user_id=user_id).first()


def can_see_person(actor: Membership, user_id: int) -> bool:
    """The person themselves, their managers and admins (the audience of private signals)."""
    if not actor.active:
        return False
    if user_id == actor.user_id or rules.is_org_admin(actor):
        return True
    subject = _membership_of(actor, user_id)
    return subject is not None and rules.can_manage_member(actor, subject)


def people_visible_to(actor: Membership) -> QuerySet[Membership]:
    """Memberships whose check-ins and 1:1s the actor reads (the query beside `can_see_person`)."""
    qs = Membership.objects.for_org(actor.organization_id)
    if not actor.active:
        return qs.none()
    if rules.is_org_admin(actor):
        return qs
    return qs.filter(Q(user_id=actor.user_id) | Q(team_id__in=rules.managed_team_ids(actor)))


def coaches_others(actor: Membership) -> bool:
    """Managers and admins see alerts and the "who to talk to" page; members do not."""
    return bool(rules.is_manager_or_admin(actor))


def can_view_leaderboards(actor: Membership, enabled: bool) -> bool:
    """Everyone in the organisation, while it keeps leaderboards switched on."""
    return actor.active and enabled


def can_edit_motivation_settings(actor: Membership) -> bool:
    """Only admins change the organisation's motivation settings."""
    return bool(rules.is_org_admin(actor))


# --- check-ins ---------------------------------------------------------------------------


def checkins_visible_to(actor: Membership) -> QuerySet[CheckIn]:
    """Check-ins the actor may read: their own, their people's, everyone's for admins."""
    qs = CheckIn.objects.for_org(actor.organization_id)
    if not actor.active:
        return qs.none()
    if rules.is_org_admin(actor):
        return qs
    return qs.filter(
        Q(user_id=actor.user_id) | Q(user_id__in=_managed_people(actor).values("user_id"))
    )


def can_view_checkin(actor: Membership, checkin: CheckIn) -> bool:
    if checkin.organization_id != actor.organization_id:
        return False
    return can_see_person(actor, checkin.user_id)


def can_check_in_for(actor: Membership, user_id: int) -> bool:
    """Everyone checks in for themselves, and nobody for anyone else."""
    return actor.active and user_id == actor.user_id


def can_edit_checkin(actor: Membership, checkin: CheckIn) -> bool:
    """Only its author changes or deletes a check-in (and only within its week: services)."""
    return can_view_checkin(actor, checkin) and checkin.user_id == actor.user_id


# --- 1:1s ---------------------------------------------------------------------------------


def one_on_ones_visible_to(actor: Membership) -> QuerySet[OneOnOne]:
    """1:1s the actor may read: those they held or had, their people's, all for admins."""
    qs = OneOnOne.objects.for_org(actor.organization_id)
    if not actor.active:
        return qs.none()
    if rules.is_org_admin(actor):
        return qs
    return qs.filter(
        Q(manager_id=actor.user_id)
        | Q(member_id=actor.user_id)
        | Q(member_id__in=_managed_people(actor).values("user_id"))
    )


def can_view_one_on_one(actor: Membership, one_on_one: OneOnOne) -> bool:
    if one_on_one.organization_id != actor.organization_id or not actor.active:
        return False
    if actor.user_id in (one_on_one.manager_id, one_on_one.member_id):
        return True
    return can_see_person(actor, one_on_one.member_id)


def can_hold_one_on_one_with(actor: Membership, subject: Membership) -> bool:
    """A manager of the person (or an admin) holds 1:1s with them; never with oneself."""
    if not actor.active or not subject.active or subject.user_id == actor.user_id:
        return False
    return rules.can_manage_member(actor, subject)


def people_for_one_on_ones(actor: Membership) -> QuerySet[Membership]:
    """Whom the actor may hold a 1:1 with (the query beside `can_hold_one_on_one_with`)."""
    qs = Membership.objects.for_org(actor.organization_id).filter(active=True)
    if not actor.active:
        return qs.none()
    if not rules.is_org_admin(actor):
        qs = qs.filter(team_id__in=rules.managed_team_ids(actor))
    return qs.exclude(user_id=actor.user_id)


def can_edit_one_on_one(actor: Membership, one_on_one: OneOnOne) -> bool:
    """The manager who holds the 1:1 writes it (and deletes it); nobody else."""
    return can_view_one_on_one(actor, one_on_one) and one_on_one.manager_id == actor.user_id


def can_read_private_notes(actor: Membership, one_on_one: OneOnOne) -> bool:
    """Private notes: the writing manager only (not the member, other managers or admins)."""
    return can_edit_one_on_one(actor, one_on_one)


def can_propose_agenda(actor: Membership, one_on_one: OneOnOne) -> bool:
    """Either of the pair proposes agenda points (before the meeting: services)."""
    return can_view_one_on_one(actor, one_on_one) and actor.user_id in (
        one_on_one.manager_id,
        one_on_one.member_id,
    )


def can_tick_action_item(actor: Membership, item: ActionItem) -> bool:
    """The item's owner marks it done or open, and so does the manager who holds the 1:1."""
    one_on_one = item.one_on_one
    if not can_view_one_on_one(actor, one_on_one):
        return False
    return item.owner_id == actor.user_id or one_on_one.manager_id == actor.user_id


# --- kudos --------------------------------------------------------------------------------


def kudos_visible_to(actor: Membership) -> QuerySet[Kudos]:
    """Kudos are the whole organisation's to read."""
    qs = Kudos.objects.for_org(actor.organization_id)
    return qs if actor.active else qs.none()


def can_view_kudos(actor: Membership, kudos: Kudos) -> bool:
    return actor.active and kudos.organization_id == actor.organization_id


def can_thank(actor: Membership, subject: Membership) -> bool:
    """Anyone thanks any active colleague of the organisation, never themselves."""
    return (
        actor.active
        and subject.active
        and subject.organization_id == actor.organization_id
        and subject.user_id != actor.user_id
    )


def colleagues_of(actor: Membership) -> QuerySet[Membership]:
    """Whom the actor may thank (the query beside `can_thank`)."""
    qs = Membership.objects.for_org(actor.organization_id).filter(active=True)
    return qs.exclude(user_id=actor.user_id) if actor.active else qs.none()


def can_delete_kudos(actor: Membership, kudos: Kudos) -> bool:
    """The author takes their kudos back; admins remove any (moderation)."""
    return can_view_kudos(actor, kudos) and (
        kudos.from_user_id == actor.user_id or bool(rules.is_org_admin(actor))
    )


def can_congratulate(actor: Membership, deal: Any) -> bool:
    """A won deal offers its team a one-tap congratulation: the team's people (and its
    managers) thank the owner. Duck-typed on the deal (its stage's outcome, team and owner)."""
    if not actor.active or deal.organization_id != actor.organization_id:
        return False
    if deal.owner_id == actor.user_id or deal.team_id is None:
        return False
    if getattr(deal.stage, "outcome", None) != "won":
        return False
    return actor.team_id == deal.team_id or rules.can_manage_team(actor, deal.team_id)
