"""Every sign-in attempt lands in the `salesmgmt.security` log; failures, lockouts and
refused requests also land in the audit trail.

Failed sign-ins arrive here from one place whatever the door (the sign-in page, the token
login, the Django admin): Django's `user_login_failed` signal, which django-axes also counts.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from accounts.audit import record_account_event, record_event
from accounts.backends import canonical_username
from accounts.models import User
from salesmgmt import ratelimit
from salesmgmt.errors import access_denied

log = logging.getLogger("salesmgmt.security")

# Refused requests recorded per person and minute; past it only the log line remains, so
# that hammering a forbidden URL cannot flood the audit trail.
DENIED_AUDIT_RATE = "30/min"
# Reasons (from salesmgmt.errors.log_denied) worth an audit row: a 403 inside an
# organisation, or a signed-in person probing an organisation they do not belong to.
AUDITED_DENIALS = {"forbidden", "not a member of this organisation"}


def _client_ip(request: Any) -> str:
    return getattr(request, "META", {}).get("REMOTE_ADDR", "?") if request is not None else "?"


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    log.info("login succeeded user=%s ip=%s", user.pk, _client_ip(request))


def _account_or_typed_name(typed: str) -> tuple[User | None, str]:
    username = canonical_username(typed)
    return User.objects.filter(username=username).first(), username


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # `credentials` is already cleansed of the password by Django.
    typed = str(credentials.get("username", ""))
    log.warning("login failed username=%r ip=%s", typed, _client_ip(request))
    user, username = _account_or_typed_name(typed)
    path = getattr(request, "path", "")
    if user is not None:
        record_account_event(action="login_failed", subject=user, request=request, path=path)
    else:
        # No such account: kept without an organisation (staff see it in the Django admin).
        record_event(action="login_failed", target=username, request=request, path=path)


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any, username: str, ip_address: str, **kwargs: Any) -> None:
    user, typed = _account_or_typed_name(username or "")
    if user is not None:
        record_account_event(action="login_locked_out", subject=user, request=request)
    else:
        record_event(action="login_locked_out", target=typed, request=request)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    log.info("logout user=%s ip=%s", getattr(user, "pk", None), _client_ip(request))


@receiver(access_denied)
def _access_denied(
    sender: Any, request: Any, reason: str, organization: Any = None, **kwargs: Any
) -> None:
    user: Any = getattr(request, "user", None)
    if reason not in AUDITED_DENIALS or not getattr(user, "is_authenticated", False):
        return
    # Not a member: no organisation, so its admins never learn who probed their slug.
    org = organization if reason == "forbidden" else None
    try:
        with transaction.atomic():  # a failure here must not spoil the caller's transaction
            if ratelimit.hit(f"audit-denied:{user.pk}", DENIED_AUDIT_RATE):
                record_event(
                    action="access_denied",
                    actor=user.pk,
                    organization=org,
                    target=getattr(request, "path", "")[:200],
                    request=request,
                    method=getattr(request, "method", ""),
                    reason=reason,
                )
    except Exception:  # the refusal itself must go out whatever happens to its record
        log.exception("could not record a denied request in the audit trail")
