"""Errors shared by every app, and their one mapping to API responses.

Services raise `DomainError` (a rule of the domain was broken by the input) or
Django's `PermissionDenied`; pages turn them into form errors or 403 pages, the API
into 400 / 403 here. A missing or foreign object is always a 404, never a 403.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.dispatch import Signal
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

security_log = logging.getLogger("salesmgmt.security")


class DomainError(Exception):
    """The request breaks a business rule; the message is safe to show to the user."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict[str, Any]:
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message}


class Conflict(DomainError):
    """The object changed under the caller (a concurrent edit); answered with 409."""


class TooManyRequests(DomainError):
    """A limit on heavy work (imports) was reached; answered with 429 and Retry-After."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message, code="throttled")
        self.retry_after = retry_after


# Sent by log_denied with `request`, `reason` and `organization` (or None); the audit trail
# (accounts.security_log) listens, so that salesmgmt imports no app.
access_denied = Signal()


def log_denied(request: Any, reason: str, *, organization: Any = None) -> None:
    """Log a refused request and tell the audit trail (`organization`: where, if known)."""
    user = getattr(request, "user", None)
    security_log.warning(
        "access denied: %s %s user=%s reason=%s",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        getattr(user, "pk", None),
        reason,
    )
    access_denied.send(
        sender=None,
        request=request,
        reason=reason,
        organization=organization or getattr(request, "org", None),
    )


def _raised_by_a_parser(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__") == "rest_framework.parsers":
            return True
        tb = tb.tb_next
    return False


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler plus our domain errors, Django validation errors and access logging."""
    request = context.get("request")
    if isinstance(exc, RecursionError) and _raised_by_a_parser(exc):
        # json raises RecursionError, not ValueError, on deeply nested input, and DRF's
        # parser lets it through: it is still a malformed body, so a 400 and not a 500.
        exc = exceptions.ParseError("JSON parse error - the document is nested too deeply.")
    if isinstance(exc, RequestDataTooBig):
        # Django answers an HTML 400 page; an API client gets JSON like every other error.
        return Response(
            {"detail": _("The request body is too large.")},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):  # too many fields or files, a malformed upload
        return Response({"detail": _("Bad request.")}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):
        return Response(exc.as_dict(), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return Response(exc.as_dict(), status=status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data: Any = {
                ("detail" if field == "__all__" else field): [str(m) for m in messages]
                for field, messages in exc.message_dict.items()
            }
        else:
            data = {"detail": " ".join(str(m) for m in exc.messages)}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        log_denied(request, "forbidden", organization=getattr(context.get("view"), "org", None))
    elif isinstance(exc, Http404 | exceptions.NotFound):
        log_denied(request, "not found")
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        log_denied(request, "not authenticated")
    return exception_handler(exc, context)


def add_domain_error_to_form(form: Any, exc: DomainError) -> None:
    """Show a service's DomainError on the form field it names (or on the whole form)."""
    field = exc.field if exc.field in getattr(form, "fields", {}) else None
    form.add_error(field, exc.message)
