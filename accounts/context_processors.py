"""What every page's navigation needs: the current organisation, role and the switcher."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts import rules, selectors

# How many of the teams a person leads the navigation lists (admins lead them all); past
# that, the menu ends with a link to the team list.
NAV_TEAMS = 10


def _teams_led(membership: Any) -> dict[str, Any]:
    """The teams in the "Your teams" menu, in one query: by name, at most NAV_TEAMS."""
    teams = list(
        rules.teams_managed_by(membership).order_by("name").only("id", "name")[: NAV_TEAMS + 1]
    )
    return {"teams": teams[:NAV_TEAMS], "more": len(teams) > NAV_TEAMS}


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
        # Read only inside the managers' menu, so members' pages never pay for it.
        "teams_led": SimpleLazyObject(lambda: _teams_led(membership)) if membership else None,
    }
