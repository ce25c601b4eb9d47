"""What every page's navigation needs: the current organisation, role and the switcher."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts import rules, selectors


def navigation(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_org": getattr(request, "org", None),
        "current_membership": membership,
        "is_org_admin": bool(membership and rules.is_org_admin(membership)),
        "is_manager_or_admin": bool(membership and rules.is_manager_or_admin(membership)),
        "my_memberships": SimpleLazyObject(lambda: list(selectors.memberships_of(user))),
    }
