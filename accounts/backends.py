"""Sign in with either the username or the e-mail address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from accounts.models import User


def _matching_users(identifier: str) -> Any:
    return User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))


def canonical_username(identifier: str) -> str:
    """The account's username for a typed username or e-mail in any case; else the input, lowered.

    Brute-force lockout (django-axes) counts failures per typed username. Sign-in accepts
    the e-mail and ignores case, so without this "sam", "SAM" and "sam@example.com" would
    each get their own allowance of attempts against the same account.
    """
    identifier = (identifier or "").strip()
    username = _matching_users(identifier).values_list("username", flat=True).first()
    return username if username is not None else identifier.lower()


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """For AXES_USERNAME_CALLABLE: lock the account, however its name was typed."""
    return canonical_username(str((credentials or {}).get("username") or ""))


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or not password:
            return None
        user = _matching_users(username).first()
        if user is None:
            # Same work as a real check, so timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        """The session's user, loaded with its two-factor status in the same query, so that
        enforcing the second factor on every request costs no query of its own."""
        from accounts.mfa import with_second_factor_status

        user = with_second_factor_status(User._default_manager.filter(pk=user_id)).first()
        return user if user is not None and self.user_can_authenticate(user) else None
