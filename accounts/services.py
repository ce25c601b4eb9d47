"""Writes for the people-and-permissions core: organisations, teams, members, invitations.

Every function checks its rule (accounts.rules), runs in one transaction and leaves
nothing half-written; e-mail goes out only after the commit.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from accounts import dns, rules, selectors
from accounts.audit import record_event
from accounts.models import (
    DayOff,
    Invitation,
    Membership,
    Organization,
    OrganizationDomain,
    Team,
    User,
    normalize_domain,
)
from accounts.signals import organization_defaults_requested
from salesmgmt.errors import DomainError

log = logging.getLogger(__name__)
security_log = logging.getLogger("salesmgmt.security")

ORG_SETTING_FIELDS = (
    "name",
    "timezone",
    "week_start",
    "fiscal_year_start_month",
    "country",
    "currency",
    "stale_deal_days",
    "require_mfa_for_managers",
    "language",
)


# --- organisations ----------------------------------------------------------------------


def provision_organization_defaults(*, org: Organization) -> None:
    """Ask every app to create its defaults for `org` (activity types, stages, …); idempotent."""
    organization_defaults_requested.send(sender=Organization, organization=org)


@transaction.atomic
def create_organization(
    *,
    slug: str,
    name: str,
    admin_email: str,
    admin_password: str | None = None,
    admin_name: str = "",
    domains: Iterable[str] = (),
    **org_settings: Any,
) -> tuple[Organization, bool]:
    """Create an organisation with its defaults and first admin; a known slug is left as is.

    Run by the site operator (`createorg`, the demo), who vouches for `domains`: they are
    recorded as verified. An existing account made admin here keeps its password, and is
    signed out of its tokens and other sessions (it just gained an organisation).
    Returns (organisation, created). Re-running with the same slug creates nothing new
    except defaults that later versions of the product added.
    """
    org = Organization.objects.filter(slug=slug).first()
    created = org is None
    if org is None:
        # English stays the default outside Japan; a Japanese organisation starts in Japanese.
        country = org_settings.get("country", Organization._meta.get_field("country").default)
        org_settings.setdefault("language", "ja" if country == "JP" else "en")
        org = Organization(slug=slug, name=name, **org_settings)
        org.full_clean()
        org.save()
    for domain in domains:
        verify_domain_as_operator(org=org, domain=domain)
    admin_user = User.objects.filter(email__iexact=admin_email).first()
    if admin_user is None:
        admin_user = _new_user(
            email=admin_email, name=admin_name, password=admin_password, locale=org.language
        )
    _membership, joined = Membership.objects.get_or_create(
        organization=org,
        user=admin_user,
        defaults={"role": Membership.Role.ADMIN, "active": True},
    )
    if joined and not admin_user._state.adding:
        revoke_user_access(user=admin_user)
    provision_organization_defaults(org=org)
    return org, created


@transaction.atomic
def update_organization(*, actor: Membership, org: Organization, **changes: Any) -> Organization:
    """Change an organisation's settings (admins only)."""
    rules.require(rules.can_edit_organization(actor))
    unknown = set(changes) - set(ORG_SETTING_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    org = Organization.objects.select_for_update().get(pk=org.pk)
    before = {field: getattr(org, field) for field in changes}
    for field, value in changes.items():
        setattr(org, field, value)
    org.full_clean()
    org.save(update_fields=list(changes) or None)
    changed = {f: [before[f], getattr(org, f)] for f in changes if before[f] != getattr(org, f)}
    if changed:
        record_event(
            action="org_settings_changed",
            actor=actor.user_id,
            organization=org,
            target=org.slug,
            changes=changed,
        )
    return org


# --- users ------------------------------------------------------------------------------


def _username_for(email: str) -> str:
    base = email.lower()[:150]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        suffix = f"-{n}"
        candidate = base[: 150 - len(suffix)] + suffix
    return candidate


def _new_user(
    *, email: str, name: str = "", password: str | None = None, locale: str | None = None
) -> User:
    """A new account; `locale` is the inviting organisation's language for new members."""
    email = User.objects.normalize_email(email).strip()
    user = User(username=_username_for(email), email=email, name=name.strip())
    if locale:
        user.locale = locale
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="email") from exc
    user.save()
    return user


def revoke_user_access(*, user: User) -> None:
    """Sign the user out everywhere: every browser session and every API token.

    A page that wants to keep the caller's own session calls
    `django.contrib.auth.update_session_auth_hash` afterwards.
    """
    user.rotate_session_stamp()
    user.save(update_fields=["session_stamp"])
    AuthToken.objects.filter(user=user).delete()
    security_log.info("access revoked for user=%s", user.pk)


def delete_expired_api_tokens() -> int:
    """Delete every expired API token (they are refused anyway); how many went."""
    deleted, _by_model = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


@transaction.atomic
def issue_api_token(*, user: User) -> tuple[AuthToken, str]:
    """A new API token for `user`; the oldest live ones go so at most the limit stay live.

    knox enforces TOKEN_LIMIT_PER_USER only in its own login view; ours calls this instead.
    Evicting the oldest (rather than refusing) keeps a person who signs in from a new device
    working, like sessions do; expired tokens are cleared on the way.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()  # one issuer at a time
    now = timezone.now()
    AuthToken.objects.filter(user=user, expiry__lt=now).delete()
    limit = cast(int, settings.REST_KNOX.get("TOKEN_LIMIT_PER_USER") or 0)
    if limit:
        live = AuthToken.objects.filter(user=user).order_by("-created")
        stale = list(live.values_list("pk", flat=True)[limit - 1 :])
        if stale:
            AuthToken.objects.filter(pk__in=stale).delete()
    return AuthToken.objects.create(user=user)


@transaction.atomic
def update_profile(*, user: User, **changes: Any) -> User:
    """The person's own name and language (nobody else sets these)."""
    unknown = set(changes) - {"name", "locale"}
    if unknown:
        raise DomainError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    for field, value in changes.items():
        setattr(user, field, value)
    try:
        user.full_clean(exclude=["password", "id"])
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field=next(iter(exc.message_dict), None)) from exc
    if changes:
        user.save(update_fields=list(changes))
    return user


# --- verified domains -----------------------------------------------------------------------


def _clean_domain(domain: str) -> str:
    try:
        value = normalize_domain(domain)
        probe = OrganizationDomain(domain=value)
        probe.clean_fields(exclude=["organization", "token", "method"])
    except ValidationError as exc:
        message = _("Enter a valid domain name such as example.com.")
        raise DomainError(message, field="domain") from exc
    return value


@transaction.atomic
def add_domain(*, actor: Membership, domain: str) -> OrganizationDomain:
    """Start verifying an e-mail domain for the organisation (admins only)."""
    rules.require(rules.can_manage_domains(actor))
    value = _clean_domain(domain)
    org = actor.organization
    if OrganizationDomain.objects.for_org(org).filter(domain=value).exists():
        raise DomainError(_("This domain is already listed."), field="domain")
    added = OrganizationDomain.objects.create(
        organization=org, domain=value, token=secrets.token_urlsafe(24)
    )
    record_event(action="domain_added", actor=actor.user, organization=org, target=value)
    return added


def verify_domain(*, actor: Membership, domain: OrganizationDomain) -> OrganizationDomain:
    """Look the domain's TXT record up now; verified when it holds the token (admins only).

    The lookup runs outside any transaction (it may take seconds); the time of the check is
    kept either way. Raises DomainError when the record is missing or DNS did not answer.
    """
    rules.require(rules.can_manage_domains(actor))
    if domain.organization_id != actor.organization_id:
        raise DomainError(_("Unknown domain."))
    if domain.is_verified:
        return domain
    try:
        found: bool | None = domain.record_value in dns.txt_records(domain.record_name)
    except dns.LookupFailed:
        found = None
    with transaction.atomic():
        domain = (
            OrganizationDomain.objects.for_org(actor.organization)
            .select_for_update()
            .get(pk=domain.pk)
        )
        domain.last_checked_at = timezone.now()
        fields = ["last_checked_at"]
        if found and not domain.is_verified:
            domain.verified_at = domain.last_checked_at
            domain.method = OrganizationDomain.Method.DNS
            fields += ["verified_at", "method"]
            record_event(
                action="domain_verified",
                actor=actor.user,
                organization=actor.organization,
                target=domain.domain,
                method="dns",
            )
        domain.save(update_fields=fields)
    if found is None:
        raise DomainError(
            _("DNS did not answer for %(name)s; try again in a few minutes.")
            % {"name": domain.record_name}
        )
    if not found:
        raise DomainError(
            _("No TXT record %(name)s with the value shown was found yet.")
            % {"name": domain.record_name}
        )
    return domain


@transaction.atomic
def verify_domain_as_operator(*, org: Organization, domain: str) -> OrganizationDomain:
    """Record `domain` as verified on the site operator's word (commands only, never a page)."""
    value = _clean_domain(domain)
    record, _created = OrganizationDomain.objects.get_or_create(
        organization=org, domain=value, defaults={"token": secrets.token_urlsafe(24)}
    )
    if not record.is_verified:
        record.verified_at = timezone.now()
        record.method = OrganizationDomain.Method.OPERATOR
        record.save(update_fields=["verified_at", "method"])
        record_event(action="domain_verified", organization=org, target=value, method="operator")
    return record


@transaction.atomic
def remove_domain(*, actor: Membership, domain: OrganizationDomain) -> None:
    """Stop treating a domain as the organisation's (admins only); accounts stay as they are."""
    rules.require(rules.can_manage_domains(actor))
    if domain.organization_id != actor.organization_id:
        raise DomainError(_("Unknown domain."))
    record_event(
        action="domain_removed",
        actor=actor.user,
        organization=actor.organization,
        target=domain.domain,
    )
    domain.delete()


# --- teams ------------------------------------------------------------------------------


def _clean_team_name(org: Organization, name: str, *, exclude_pk: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("A team needs a name."), field="name")
    clash = Team.objects.for_org(org).filter(name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError(_("There is already a team called “%s”.") % name, field="name")
    return name


def _check_parent(org: Organization, team: Team | None, parent: Team | None) -> None:
    if parent is None:
        return
    if parent.organization_id != org.pk:
        raise DomainError(_("Unknown parent team."), field="parent")
    if team is not None and team.pk is not None:
        parent_of = dict(Team.objects.for_org(org).values_list("id", "parent_id"))
        if parent.pk in rules.descendants([team.pk], parent_of):
            raise DomainError(
                _("A team cannot sit under itself or one of its sub-teams."), field="parent"
            )


def _check_managers(org: Organization, managers: Iterable[User]) -> list[User]:
    managers = list(managers)
    ids = {m.pk for m in managers}
    eligible = set(
        Membership.objects.for_org(org)
        .filter(rules.TEAM_LEADERS, user_id__in=ids, active=True)
        .values_list("user_id", flat=True)
    )
    if ids - eligible:
        raise DomainError(
            _("Team managers must be active managers or admins of this organisation."),
            field="managers",
        )
    return managers


@transaction.atomic
def create_team(
    *,
    actor: Membership,
    name: str,
    parent: Team | None = None,
    managers: Iterable[User] = (),
) -> Team:
    """Create a team, optionally under a parent team and with its managers (admins only)."""
    rules.require(rules.can_edit_teams(actor))
    org = actor.organization
    name = _clean_team_name(org, name)
    _check_parent(org, None, parent)
    manager_list = _check_managers(org, managers)
    try:
        with transaction.atomic():
            team = Team.objects.create(organization=org, name=name, parent=parent)
    except IntegrityError as exc:
        raise DomainError(_("There is already a team called “%s”.") % name, field="name") from exc
    team.managers.set(manager_list)
    return team


_UNSET: Any = object()


@transaction.atomic
def update_team(
    *,
    actor: Membership,
    team: Team,
    name: str = _UNSET,
    parent: Team | None = _UNSET,
    managers: Iterable[User] = _UNSET,
) -> Team:
    """Rename, re-parent or re-staff a team (admins only); never creates a cycle."""
    rules.require(rules.can_edit_teams(actor))
    org = actor.organization
    team = Team.objects.for_org(org).select_for_update().get(pk=team.pk)
    fields: list[str] = []
    if name is not _UNSET:
        team.name = _clean_team_name(org, name, exclude_pk=team.pk)
        fields.append("name")
    if parent is not _UNSET:
        _check_parent(org, team, parent)
        team.parent = parent
        fields.append("parent")
    if fields:
        try:
            with transaction.atomic():
                team.save(update_fields=fields)
        except IntegrityError as exc:
            raise DomainError(_("There is already a team with that name."), field="name") from exc
    if managers is not _UNSET:
        team.managers.set(_check_managers(org, managers))
    return team


@transaction.atomic
def delete_team(*, actor: Membership, team: Team) -> None:
    """Delete a team that has neither members nor sub-teams (admins only)."""
    rules.require(rules.can_edit_teams(actor))
    team = Team.objects.for_org(actor.organization).select_for_update().get(pk=team.pk)
    if team.children.exists():
        raise DomainError(_("Move or delete its sub-teams first."))
    if Membership.objects.filter(team=team).exists():
        raise DomainError(_("Move its members to another team first."))
    team.delete()


# --- members ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewMember:
    membership: Membership
    invitation: Invitation | None
    invitation_token: str | None


def _check_team(org: Organization, team: Team | None) -> None:
    if team is not None and team.organization_id != org.pk:
        raise DomainError(_("Unknown team."), field="team")


def _check_role(role: str) -> None:
    if role not in Membership.Role.values:
        raise DomainError(_("Unknown role."), field="role")


@transaction.atomic
def add_member(
    *,
    actor: Membership,
    email: str,
    name: str = "",
    role: str = Membership.Role.MEMBER,
    team: Team | None = None,
    password: str | None = None,
) -> NewMember:
    """Add someone to the organisation (admins only).

    An account belongs to whoever controls its e-mail address. So a password may be set
    only for an address on one of the organisation's verified domains, and only when the
    address has no account yet: that account is created active at once. Everyone else is
    invited by e-mail and joins when they accept. The answer never depends on whether the
    address has an account elsewhere (outside the organisation's own domains), and the name
    typed here stays with this organisation's invitation; it is never written to an
    existing account.
    """
    rules.require(rules.can_administer_members(actor))
    org = actor.organization
    _check_role(role)
    _check_team(org, team)
    email = User.objects.normalize_email((email or "").strip())
    if not email:
        raise DomainError(_("An e-mail address is required."), field="email")
    name = (name or "").strip()
    if password and not selectors.organization_owns_address(org, email):
        raise DomainError(
            _(
                "An initial password can only be set for addresses on the organisation's "
                "verified domains. Leave it empty to send an invitation instead."
            ),
            field="password",
        )
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and Membership.objects.filter(organization=org, user=user).exists():
        raise DomainError(_("This person is already a member."), field="email")
    if password and user is None:
        user = _new_user(email=email, name=name, password=password, locale=org.language)
        membership = Membership.objects.create(
            organization=org, user=user, role=role, team=team, active=True
        )
        _record_member_event("member_added", actor=actor, membership=membership)
        return NewMember(membership=membership, invitation=None, invitation_token=None)
    if user is None:
        user = _new_user(email=email, locale=org.language)
    membership = Membership.objects.create(
        organization=org, user=user, role=role, team=team, active=False
    )
    invitation, token = _issue_invitation(actor=actor, membership=membership, name=name)
    _record_member_event("member_invited", actor=actor, membership=membership)
    return NewMember(membership=membership, invitation=invitation, invitation_token=token)


def _record_member_event(action: str, *, actor: Membership, membership: Membership) -> None:
    record_event(
        action=action,
        actor=actor.user_id,
        organization=membership.organization_id,
        target=membership.user.email,
        role=membership.role,
        team=membership.team.name if membership.team else None,
    )


def _issue_invitation(
    *, actor: Membership, membership: Membership, name: str
) -> tuple[Invitation, str]:
    token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        organization=membership.organization,
        email=membership.user.email,
        name=name,
        role=membership.role,
        team=membership.team,
        membership=membership,
        token_hash=token_hash,
        invited_by=actor.user,
        expires_at=timezone.now() + settings.INVITATION_TTL,
    )
    org_name, email, inviter = membership.organization.name, invitation.email, actor.user
    transaction.on_commit(
        lambda: _send_invitation_email(
            email=email, org_name=org_name, inviter=inviter.display_name, token=token
        )
    )
    security_log.info(
        "invitation issued org=%s user=%s by=%s",
        membership.organization_id,
        membership.user_id,
        actor.user_id,
    )
    return invitation, token


def _send_invitation_email(*, email: str, org_name: str, inviter: str, token: str) -> None:
    link = settings.SITE_URL.rstrip("/") + reverse("accounts:invitation_accept", args=[token])
    context = {"org_name": org_name, "inviter": inviter, "link": link}
    try:
        send_mail(
            subject=_("You are invited to %(org)s") % {"org": org_name},
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    except Exception:  # the invitation stays valid; an admin can resend it
        log.exception("could not send the invitation e-mail")


@transaction.atomic
def resend_invitation(*, actor: Membership, membership: Membership) -> tuple[Invitation, str]:
    """Revoke a pending invitation and send a fresh one (admins only)."""
    rules.require(rules.can_administer_members(actor))
    if membership.organization_id != actor.organization_id:
        raise DomainError(_("Unknown member."))
    if membership.active:
        raise DomainError(_("This member has already joined."))
    previous = Invitation.objects.filter(membership=membership).order_by("-created_at").first()
    Invitation.objects.filter(membership=membership).pending().update(revoked_at=timezone.now())
    return _issue_invitation(
        actor=actor, membership=membership, name=previous.name if previous else ""
    )


def invitation_for_token(token: str) -> Invitation | None:
    """The usable invitation behind `token`, or None (unknown, used, revoked or expired)."""
    invitation = (
        Invitation.objects.by_token(token)
        .select_related("organization", "membership__user", "team")
        .first()
    )
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


@transaction.atomic
def accept_invitation(
    *, token: str, user: User | None = None, name: str = "", password: str | None = None
) -> Membership:
    """Accept an invitation once: set the password of a new account, then join.

    An existing account (one that already has a password) must be signed in as the
    invited user; the invitation never changes the password of such an account. Joining
    signs the account out of every API token and every other session: whatever was opened
    before must not reach the organisation it joins now (the caller's page keeps its own
    session with `update_session_auth_hash`). A new account's `name` is the person's own
    choice (the form offers the invitation's name); an existing account keeps its name.
    """
    invitation = (
        Invitation.objects.by_token(token).select_for_update().select_related("membership").first()
    )
    if invitation is None or not invitation.is_usable():
        raise DomainError(_("This invitation is invalid, expired or already used."))
    membership = invitation.membership
    invited = User.objects.select_for_update().get(pk=membership.user_id)
    if invited.has_usable_password():
        if user is None or user.pk != invited.pk:
            raise DomainError(_("Sign in as %(email)s to accept.") % {"email": invited.email})
        revoke_user_access(user=invited)
    else:
        if not password:
            raise DomainError(_("Choose a password."), field="password")
        try:
            validate_password(password, invited)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), field="password") from exc
        invited.set_password(password)  # saving a new password revokes tokens and sessions
        invited.name = name.strip()
        invited.save(update_fields=["password", "name"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    membership.active = True
    membership.role = invitation.role
    membership.team = invitation.team
    membership.save(update_fields=["active", "role", "team", "updated_at"])
    record_event(
        action="invitation_accepted",
        actor=invited,
        organization=membership.organization_id,
        target=invited.email,
    )
    return membership


def _remaining_admins(org: Organization, excluding: Membership) -> int:
    return (
        Membership.objects.for_org(org)
        .select_for_update()
        .filter(rules.ADMIN_SEATS, active=True)
        .exclude(pk=excluding.pk)
        .count()
    )


@transaction.atomic
def update_membership(
    *,
    actor: Membership,
    membership: Membership,
    role: str = _UNSET,
    team: Team | None = _UNSET,
    active: bool = _UNSET,
) -> Membership:
    """Change a member's role, team or active flag (admins only).

    Moving team changes nothing in the past: activities keep the team they were logged in.
    Deactivating signs the person out of every session and API token at once. The last
    active admin can be neither demoted nor deactivated.
    """
    rules.require(rules.can_administer_members(actor))
    org = actor.organization
    membership = (
        Membership.objects.for_org(org)
        .select_for_update()
        .select_related("user")
        .get(pk=membership.pk)
    )
    fields: list[str] = []
    events: list[tuple[str, dict[str, Any]]] = []
    if role is not _UNSET and role != membership.role:
        _check_role(role)
        events.append(("role_changed", {"from": membership.role, "to": role}))
        if rules.holds_admin_seat(membership) and _remaining_admins(org, membership) == 0:
            raise DomainError(_("The organisation needs at least one active admin."), field="role")
        membership.role = role
        fields.append("role")
        if rules.is_salesperson_role(role):
            # A member leads no team: drop their manager seats in this organisation.
            for managed in Team.objects.for_org(org).filter(managers=membership.user):
                managed.managers.remove(membership.user)
    if team is not _UNSET and (team.pk if team else None) != membership.team_id:
        _check_team(org, team)
        events.append(
            (
                "team_changed",
                {
                    "from": membership.team.name if membership.team else None,
                    "to": team.name if team else None,
                },
            )
        )
        membership.team = team
        fields.append("team")
    deactivated = False
    if active is not _UNSET and bool(active) != membership.active:
        if not active:
            if rules.holds_admin_seat(membership) and _remaining_admins(org, membership) == 0:
                raise DomainError(
                    _("The organisation needs at least one active admin."), field="active"
                )
            deactivated = True
        elif Invitation.objects.filter(membership=membership).pending().exists():
            raise DomainError(_("This person has not accepted the invitation yet."), field="active")
        membership.active = bool(active)
        fields.append("active")
        events.append(("member_reactivated" if active else "member_deactivated", {}))
    if fields:
        membership.save(update_fields=[*fields, "updated_at"])
        security_log.info(
            "membership changed org=%s user=%s by=%s fields=%s",
            org.pk,
            membership.user_id,
            actor.user_id,
            ",".join(fields),
        )
    for action, detail in events:
        record_event(
            action=action,
            actor=actor.user_id,
            organization=org,
            target=membership.user.email,
            **detail,
        )
    if deactivated:
        Invitation.objects.filter(membership=membership).pending().update(revoked_at=timezone.now())
    if "active" in fields:
        # Leaving ends every session; coming back too: a token or session opened while the
        # person was out of this organisation must not reach into it now.
        revoke_user_access(user=membership.user)
    return membership


# --- days off -----------------------------------------------------------------------------


@transaction.atomic
def add_day_off(*, actor: Membership, day: date, name: str = "") -> DayOff:
    """Make `day` a non-working day of the actor's organisation (admins only)."""
    rules.require(rules.can_edit_days_off(actor))
    org_id = actor.organization_id
    if DayOff.objects.filter(organization_id=org_id, date=day).exists():
        raise DomainError(_("That day is already a day off."), field="date")
    return DayOff.objects.create(organization_id=org_id, date=day, name=(name or "").strip()[:120])


@transaction.atomic
def remove_day_off(*, actor: Membership, day_off: DayOff) -> None:
    """Make an organisation day off a working day again (admins only)."""
    rules.require(rules.can_edit_days_off(actor))
    if day_off.organization_id != actor.organization_id:
        raise DomainError(_("Unknown day off."))
    day_off.delete()
