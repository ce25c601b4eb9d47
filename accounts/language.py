"""Each person's language, applied to everything they are served.

A signed-in person reads the product in the language saved on their profile
(`User.locale`), whatever their browser says; a visitor who is not signed in gets the
browser's choice (Django's LocaleMiddleware, from Accept-Language). API calls made with a
token answer in the token owner's language too, error messages included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from knox.auth import TokenAuthentication
from knox.signals import token_expired
from rest_framework.request import Request

_SUPPORTED = {code for code, _name in settings.LANGUAGES}


def activate_for(user: Any, request: HttpRequest) -> None:
    """Switch this request to the person's language (if it is one the product speaks)."""
    language = getattr(user, "locale", "")
    if language in _SUPPORTED:
        translation.activate(language)
        request.LANGUAGE_CODE = language


class PersonLanguageMiddleware:
    """After authentication: a signed-in person's saved language wins over the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            activate_for(request.user, request)
        return self.get_response(request)


class PersonLanguageTokenAuthentication(TokenAuthentication):
    """Knox token authentication that also answers in the token owner's language.

    An expired token is refused (401) and deleted, as knox does. Knox also reads every other
    token of the user on each request to delete their expired ones; that clean-up is done
    instead when a token is issued (`accounts.services.issue_api_token`) and by the periodic
    `delete_expired_api_tokens_task`, so a request costs one statement less.
    """

    def _cleanup_token(self, auth_token: Any) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            activate_for(result[0], request._request)
        return result
