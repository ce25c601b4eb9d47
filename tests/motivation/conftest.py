"""Shared objects of the motivation tests: a fixed clock (a Wednesday in Tokyo) and the
people the access tests go through."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.factories import MembershipFactory

# Wednesday 4 March 2026, 10:00 in Tokyo; the organisation week runs Monday 2 to Sunday 8.
WEDNESDAY = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
THIS_MONDAY = date(2026, 3, 2)

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
def wednesday(time_machine):
    time_machine.move_to(WEDNESDAY, tick=False)
    return WEDNESDAY


@pytest.fixture
def sub_team_member(org, sub_team):
    return MembershipFactory(organization=org, team=sub_team, user__username="suki")


@pytest.fixture
def deactivated(org, team):
    return MembershipFactory(organization=org, team=team, active=False, user__username="dee")
