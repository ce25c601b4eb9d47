"""A goal's status: where its actual stands against the share of its target due by today.

The pace thresholds live here once; pages, the API, dashboards and alerts all read them
(and the status values) from here.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class GoalStatus(models.TextChoices):
    AHEAD = "ahead", _("Ahead")
    ON_TRACK = "on_track", _("On track")
    BEHIND = "behind", _("Behind")
    AT_RISK = "at_risk", _("At risk")
    DONE = "done", _("Done")


# Pace: the actual over the expected-to-date (along working days).
AHEAD_PACE = Decimal("1.10")
ON_TRACK_PACE = Decimal("0.95")  # below this a goal is behind: "behind pace"
BEHIND_PACE = Decimal("0.75")  # below this it is at risk

# Bootstrap badge classes of each status (one look on the goal and dashboard pages).
BADGES: dict[str, str] = {
    GoalStatus.AHEAD: "text-bg-success",
    GoalStatus.ON_TRACK: "text-bg-primary",
    GoalStatus.BEHIND: "text-bg-warning",
    GoalStatus.AT_RISK: "text-bg-danger",
    GoalStatus.DONE: "text-bg-success",
}
LAGGING = frozenset({GoalStatus.BEHIND, GoalStatus.AT_RISK})


def status_of(*, actual: Decimal, target: Decimal, expected: Decimal, over: bool) -> GoalStatus:
    """The status of a goal: done once reached; at risk once its period is `over` short of
    the target; else by pace (an actual on or above the expected-to-date is on track)."""
    if actual >= target:
        return GoalStatus.DONE
    if over:
        return GoalStatus.AT_RISK
    if expected <= 0:
        return GoalStatus.ON_TRACK
    ratio = actual / expected
    if ratio >= AHEAD_PACE:
        return GoalStatus.AHEAD
    if ratio >= ON_TRACK_PACE:
        return GoalStatus.ON_TRACK
    if ratio >= BEHIND_PACE:
        return GoalStatus.BEHIND
    return GoalStatus.AT_RISK


def is_behind_pace(pace: float | Decimal | None) -> bool:
    """Is a pace ratio (actual over expected-to-date) below on track?"""
    return pace is not None and float(pace) < float(ON_TRACK_PACE)


def label_of(status: str) -> str:
    """The status in words (the value itself if unknown)."""
    return str(GoalStatus(status).label) if status in GoalStatus.values else status


def badge_of(status: str) -> str:
    return BADGES.get(status, "text-bg-secondary")
