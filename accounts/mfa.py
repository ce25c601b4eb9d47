"""Two-factor authentication: an authenticator app (TOTP) plus single-use recovery codes.

Built on django-otp. A confirmed `TOTPDevice` is the person's authenticator; a
`StaticDevice` holds their recovery codes (django-otp deletes each code as it is used). A
session has passed the second factor once django-otp's session key names one of the
person's devices (`django_otp.login`); `OTPMiddleware` then makes `user.is_verified()`
true. Who must use it is `accounts.rules.must_use_mfa`; the pages and the session API
enforce it in `accounts.mfa_enforcement`, the token login in `accounts.api`.

Wrong codes count per account in a shared window (`settings.MFA_CODE_RATE`), whatever the
channel (sign-in page, token login, turning it off), on top of django-otp's own per-device
back-off. Devices belong to the account: deactivation and password resets leave them.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

import django_otp
import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import rules
from accounts.audit import record_account_event, record_event
from accounts.models import Membership, User
from salesmgmt import ratelimit
from salesmgmt.errors import DomainError

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
_TOTP_CODE = re.compile(r"^\d{6}$")


class TooManyCodes(DomainError):
    """Too many wrong codes for this account in the current window (answered 429)."""


@dataclass(frozen=True)
class SecondFactorStatus:
    has_device: bool  # a confirmed authenticator
    required: bool  # accounts.rules.must_use_mfa


def with_second_factor_status(users: QuerySet[User]) -> QuerySet[User]:
    """`users` annotated with what second_factor_status needs, read in the same query."""
    return users.annotate(
        mfa_has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        mfa_in_required_role=Exists(
            Membership.objects.filter(user=OuterRef("pk")).filter(rules.MFA_REQUIRED_MEMBERSHIPS)
        ),
    )


def second_factor_status(user: User) -> SecondFactorStatus:
    """Has the person an authenticator, and must they use one?

    Free for the signed-in user of a request (the session's user is loaded annotated, see
    accounts.backends); one query otherwise.
    """
    source: Any = user
    if not hasattr(source, "mfa_has_device"):
        source = with_second_factor_status(User.objects.filter(pk=user.pk)).first()
        if source is None:
            return SecondFactorStatus(has_device=False, required=False)
    return SecondFactorStatus(
        has_device=bool(source.mfa_has_device),
        required=rules.must_use_mfa(
            user, holds_required_membership=bool(source.mfa_in_required_role)
        ),
    )


def authenticator_of(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


# --- enrolment --------------------------------------------------------------------------------


def pending_authenticator(user: User) -> TOTPDevice:
    """The authenticator being set up (a new secret the first time, the same one on reload)."""
    if authenticator_of(user) is not None:
        raise DomainError(_("Two-factor authentication is already set up."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def manual_key(device: TOTPDevice) -> str:
    """The secret as authenticator apps accept it typed in: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// set-up link as a QR code, an SVG data URI drawn here (no outside service)."""
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


def confirm_authenticator(*, user: User, code: str, request: Any = None) -> list[str]:
    """Confirm the pending authenticator with its first code; returns fresh recovery codes."""
    device = pending_authenticator(user)
    # Checked before the transaction: a wrong code must stay counted when this raises.
    _check_code(user=user, device=device, code=code, request=request)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _new_recovery_codes(user)
        record_account_event(action="mfa_enrolled", subject=user, actor=user, request=request)
    if request is not None:
        mark_session_verified(request, device)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def regenerate_recovery_codes(*, user: User, request: Any = None) -> list[str]:
    """Replace every recovery code with new ones (the old ones stop working at once)."""
    if authenticator_of(user) is None:
        raise DomainError(_("Set up two-factor authentication first."))
    codes = _new_recovery_codes(user)
    record_account_event(
        action="mfa_recovery_codes_regenerated", subject=user, actor=user, request=request
    )
    return codes


# --- verification -----------------------------------------------------------------------------


def _code_limit_key(user: User) -> str:
    return f"mfa-code:{user.pk}"


def _check_code(*, user: User, device: Device | None, code: str, request: Any) -> Device:
    """Verify `code` on `device` and return it; a wrong code is counted and raises.

    Never inside a transaction that the caller rolls back on failure: the count, the
    device's back-off and the audit row of a wrong code must survive the error.
    """
    key, rate = _code_limit_key(user), settings.MFA_CODE_RATE
    if ratelimit.is_limited(key, rate):
        raise TooManyCodes(
            _("Too many wrong codes. Try again in a few minutes."), field="otp", code="throttled"
        )
    if device is None or django_otp.verify_token(user, device.persistent_id, code) is None:
        ratelimit.hit(key, rate)
        record_account_event(action="mfa_failed", subject=user, actor=user, request=request)
        raise DomainError(_("That code is not valid."), field="otp")
    return device


def verify_code(*, user: User, code: str, request: Any = None) -> Device:
    """Check a code from the authenticator (6 digits) or a recovery code; returns the device.

    The code's shape picks the device, so a typo costs one attempt on one device. Recovery
    codes stand in for an authenticator, never alone.
    """
    code = re.sub(r"[\s-]", "", code or "").lower()
    authenticator = authenticator_of(user)
    device: Device | None = authenticator
    if authenticator is not None and not _TOTP_CODE.match(code):
        device = StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).first()
    device = _check_code(user=user, device=device, code=code, request=request)
    if isinstance(device, StaticDevice):
        record_account_event(
            action="mfa_recovery_code_used",
            subject=user,
            actor=user,
            request=request,
            left=device.token_set.count(),
        )
    return device


def mark_session_verified(request: Any, device: Device) -> None:
    """Record in the session that it passed the second factor, under a new session key."""
    request.session.cycle_key()  # a step up in privilege: no session fixation across it
    django_otp.login(request, device)


# --- turning it off -----------------------------------------------------------------------------


def _remove_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def disable_mfa(*, user: User, code: str, request: Any = None) -> None:
    """Turn two-factor authentication off (only for people who need not use it), with a code."""
    if rules.must_use_mfa(user):
        raise DomainError(
            _("Your role requires two-factor authentication, so it cannot be turned off.")
        )
    verify_code(user=user, code=code, request=request)
    with transaction.atomic():
        _remove_devices(user)
        record_account_event(action="mfa_disabled", subject=user, actor=user, request=request)


@transaction.atomic
def reset_mfa(*, actor: Membership, subject: Membership, request: Any = None) -> None:
    """An admin removes a member's authenticator and recovery codes (a lost phone).

    The person sets up a new one at their next sign-in if they must use one. Refused for
    anyone who also belongs to another organisation (see rules.can_reset_mfa).
    """
    rules.require(rules.can_administer_members(actor))
    if not rules.can_reset_mfa(actor, subject):
        raise DomainError(
            _(
                "You can reset two-factor authentication only for people who belong to this "
                "organisation alone, and not your own. %(name)s can sign in with a recovery "
                "code instead, or ask the site's operators."
            )
            % {"name": subject.user.display_name}
        )
    _remove_devices(subject.user)
    record_event(
        action="mfa_reset",
        actor=actor.user,
        organization=actor.organization_id,
        target=subject.user.email,
        request=request,
    )
