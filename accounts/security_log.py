"""Every login attempt, success or failure, lands in the `salesmgmt.security` log."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

log = logging.getLogger("salesmgmt.security")


def _client_ip(request: Any) -> str:
    return getattr(request, "META", {}).get("REMOTE_ADDR", "?") if request is not None else "?"


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    log.info("login succeeded user=%s ip=%s", user.pk, _client_ip(request))


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # `credentials` is already cleansed of the password by Django.
    log.warning(
        "login failed username=%r ip=%s", credentials.get("username", ""), _client_ip(request)
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    log.info("logout user=%s ip=%s", getattr(user, "pk", None), _client_ip(request))
