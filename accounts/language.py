"""Each person's language, applied to everything they are served.

A signed-in person reads the product in the language saved on their profile
(`User.locale`), whatever their browser says; a visitor who is not signed in gets the
browser's choice (Django's LocaleMiddleware, from Accept-Language). API calls made with a
token answer in the token owner's language too, error messages included.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from hmac import compare_digest
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions
from rest_framework.request import Request

from salesmgmt.prepared import PreparedRead

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


def _tokens_by_key(token_key: str) -> QuerySet[Any]:
    return AuthToken.objects.filter(token_key=token_key).select_related("user")


# Read on every token-authenticated request: compiled once (salesmgmt/prepared.py).
_TOKENS = PreparedRead(_tokens_by_key, token_key="(example key)")  # noqa: S106


class PersonLanguageTokenAuthentication(TokenAuthentication):
    """Knox token authentication that also answers in the token owner's language.

    An expired token is refused (401) and deleted, as knox does. Knox also reads every other
    token of the user on each request to delete their expired ones; that clean-up is done
    instead when a token is issued (`accounts.services.issue_api_token`) and by the periodic
    `delete_expired_api_tokens_task`, so a request costs one statement less.

    The tokens with the presented key are read with a prepared statement (the same read as
    knox's, compiled once); the checks that follow are knox's.
    """

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        msg = _("Invalid token.")
        text = token.decode("utf-8")
        for auth_token in _TOKENS.all(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(text)
            except (TypeError, binascii.Error) as exc:
                raise exceptions.AuthenticationFailed(msg) from exc
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)

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
