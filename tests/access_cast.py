"""The role matrix's actors for the access tests (`<app>/access.py`): who asks.

`ACTORS` names fixtures: an admin, the team's manager (who also leads its sub-team),
another team's manager, the owner (`member`), a teammate, a sub-team member, another
team's member, a deactivated member of the team, and another organisation's admin.
Registered as a plugin by tests/conftest.py; a test module's own fixtures of the same
name take precedence.
"""

from __future__ import annotations

import pytest

from accounts.models import Membership
from tests.factories import MembershipFactory

ACTORS = (
    "admin",
    "manager",
    "other_manager",
    "member",
    "teammate",
    "other_team_member",
    "sub_team_member",
    "deactivated",
    "outsider",
)


@pytest.fixture
def sub_team_member(org, sub_team) -> Membership:
    return MembershipFactory(organization=org, team=sub_team, user__username="suki")


@pytest.fixture
def deactivated(org, team) -> Membership:
    return MembershipFactory(organization=org, team=team, active=False, user__username="dee")


@pytest.fixture
def everyone(
    admin,
    manager,
    other_manager,
    member,
    teammate,
    other_team_member,
    sub_team_member,
    deactivated,
    outsider,
    other_team,
) -> list[Membership]:
    """Every actor of both organisations (and their teams), by id."""
    return list(Membership.objects.order_by("pk"))
