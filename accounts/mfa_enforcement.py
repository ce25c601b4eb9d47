"""Where the second factor is enforced: every page, and the API when called with a session.

A signed-in person whose session has not passed the second factor
(`request.user.is_verified()`, set by django-otp's OTPMiddleware) and who either has an
authenticator or must use one (accounts.rules.must_use_mfa) can reach only the two-factor
pages and sign-out: anything else sends them to enter a code, or to set one up first.
Token-authenticated API calls are not concerned: tokens are issued only after the second
factor (accounts.api.TokenLoginView).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

# URL names a person waiting for their second factor may still open.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "accounts:logout",
        "accounts:mfa_verify",
        "accounts:mfa_setup",
        "accounts:mfa_recovery_codes",
        "healthz",
    }
)


def _awaiting(user: Any) -> str | None:
    """'verify' or 'setup' when this session must pass the second factor first, else None."""
    # Imported here: DRF loads this module while salesmgmt.errors (used by accounts.mfa)
    # is itself still importing rest_framework.
    from accounts.mfa import second_factor_status

    if not user.is_authenticated or user.is_verified():
        return None
    status = second_factor_status(user)
    if status.has_device:
        return "verify"
    if status.required:
        return "setup"
    return None


class SecondFactorMiddleware:
    """Send a session that still owes its second factor to the code (or set-up) page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            # The API answers for itself (SecondFactorSessionAuthentication below).
            return self.get_response(request)
        step = _awaiting(request.user)
        if step is None or self._is_open(request):
            return self.get_response(request)
        url = reverse(f"accounts:mfa_{step}")
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            # htmx would swap the code page into a fragment: make it load the whole page.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)

    @staticmethod
    def _is_open(request: HttpRequest) -> bool:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in OPEN_BEFORE_SECOND_FACTOR


class SecondFactorSessionAuthentication(SessionAuthentication):
    """DRF session auth that refuses (403) a session which still owes its second factor."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None and _awaiting(request._request.user) is not None:
            raise exceptions.PermissionDenied(
                _("Complete two-factor authentication in the web app first.")
            )
        return result
