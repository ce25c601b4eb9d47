"""The team median a member's funnel is compared with: stage 1 by volume, then conversion."""

from __future__ import annotations

from activities.funnel import StageCount, team_medians


def _stages(calls: int, visits: int) -> list[StageCount]:
    return [
        StageCount("call", "Call", calls, None),
        StageCount("visit", "Visit", visits, visits / calls if calls else None),
    ]


def test_medians_per_stage_over_the_members_with_a_value():
    members = [_stages(20, 10), _stages(2, 1), _stages(0, 0)]
    # Volumes 20, 2, 0 → 2; conversions 0.5, 0.5 (nobody called: no conversion) → 0.5.
    assert team_medians(members, 2) == [2.0, 0.5]
    assert team_medians(members[:2], 2) == [11.0, 0.5]  # the mean of the middle two


def test_no_members_no_medians():
    assert team_medians([], 2) == [None, None]


def test_the_bottleneck_is_the_stage_furthest_below_the_median_past_the_threshold():
    from activities.funnel import bottleneck

    medians = [10.0, 0.5]
    assert bottleneck(_stages(10, 5), medians) is None  # on the median
    assert bottleneck(_stages(9, 4), medians) is None  # 10% and 11% below: not enough
    index, shortfall = bottleneck(_stages(10, 2), medians)  # 20% conversion vs 50%
    assert index == 1
    assert abs(shortfall - 0.6) < 1e-9
    assert bottleneck(_stages(4, 2), medians)[0] == 0  # few calls (60% below) beats conversion
