"""A goal's status from its actual, target and expected-to-date (the thresholds live once)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from goals.status import GoalStatus, badge_of, is_behind_pace, label_of, status_of

D = Decimal


@pytest.mark.parametrize(
    ("actual", "expected", "over", "status"),
    [
        (D(100), D(50), False, GoalStatus.DONE),  # reached, whatever the pace
        (D(100), D(100), True, GoalStatus.DONE),
        (D(90), D(100), True, GoalStatus.AT_RISK),  # the period is over, short of the target
        (D(0), D(0), False, GoalStatus.ON_TRACK),  # nothing due yet
        (D(55), D(50), False, GoalStatus.AHEAD),  # 110%
        (D("54.9"), D(50), False, GoalStatus.ON_TRACK),
        (D("47.5"), D(50), False, GoalStatus.ON_TRACK),  # 95%
        (D("47.4"), D(50), False, GoalStatus.BEHIND),
        (D("37.5"), D(50), False, GoalStatus.BEHIND),  # 75%
        (D("37.4"), D(50), False, GoalStatus.AT_RISK),
    ],
)
def test_status_by_pace(actual, expected, over, status):
    assert status_of(actual=actual, target=D(100), expected=expected, over=over) == status


def test_the_api_values_stay_the_same():
    assert GoalStatus.values == ["ahead", "on_track", "behind", "at_risk", "done"]


def test_behind_pace_is_below_on_track():
    assert is_behind_pace(0.94)
    assert not is_behind_pace(0.95)
    assert not is_behind_pace(None)


def test_labels_and_badges():
    assert label_of("on_track") == "On track"
    assert label_of("unknown") == "unknown"
    assert badge_of(GoalStatus.AT_RISK) == "text-bg-danger"
    assert badge_of("unknown") == "text-bg-secondary"
