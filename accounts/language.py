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
from django.utils import translation
from knox.auth import TokenAuthentication
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
    """Knox token authentication that also answers in the token owner's language."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            activate_for(result[0], request._request)
        return result
