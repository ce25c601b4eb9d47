"""Shared objects of the messaging tests."""

from __future__ import annotations

import pytest

from messaging import services


@pytest.fixture
def team_post(member, team, manager, teammate):
    """`member`'s reflection addressed to `team` (its manager leads it)."""
    return services.create_post(
        actor=member, kind="reflection", body="Pitched the price too early.", team=team
    )


@pytest.fixture
def other_team_post(other_team_member, other_team, other_manager):
    return services.create_post(
        actor=other_team_member, kind="roleplay", body="Practised the opening.", team=other_team
    )


@pytest.fixture
def org_post(teammate):
    """A post to the whole organisation."""
    return services.create_post(actor=teammate, kind="appointment", body="Aoba on Tuesday.")
