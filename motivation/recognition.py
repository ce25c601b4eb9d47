"""Streaks and badges, earned from real numbers only (goals, deals, check-ins, kudos).

A streak is the number of completed weeks in a row, back from last week, in which a person
was on pace on every goal of theirs covering that week (the week's actual at least the week's
share of the target). Badges are shown on the person's page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from deals.models import Deal, Stage
from goals.models import Goal
from goals.selectors import weekly_series
from motivation.models import CheckIn, Kudos
from salesmgmt import periods

STREAK_GOALS = 3  # the person's latest goals looked at
STREAK_WEEKS = 26
THANKED = 10
THANKING = 5
STREAK_BADGE = 4
CHECKIN_WEEKS = 4


@dataclass(frozen=True)
class Badge:
    key: str
    name: str | Promise
    description: str | Promise


def streak_of(person: Membership, today: date | None = None) -> int:
    """Completed weeks in a row, back from last week, on pace on every goal covering them."""
    org = person.organization
    today = today or periods.today(org)
    this_week = periods.week_of(org, today).start
    goals = list(
        Goal.objects.for_org(org)
        .filter(
            scope=Goal.Scope.USER,
            user_id=person.user_id,
            start__lt=this_week,
            end__gte=this_week - timedelta(weeks=STREAK_WEEKS),
        )
        .select_related("metric", "organization")
        .order_by("-end", "-id")[:STREAK_GOALS]
    )
    on_pace: dict[date, bool] = {}
    for goal in goals:
        for start, target, actual in weekly_series(goal):
            week = periods.week_of(org, start).start
            if week >= this_week:
                continue
            met = target <= Decimal(0) or actual >= target
            on_pace[week] = on_pace.get(week, True) and met
    streak = 0
    week = this_week - timedelta(weeks=1)
    while on_pace.get(week):
        streak += 1
        week -= timedelta(weeks=1)
    return streak


def badges_of(person: Membership, today: date | None = None) -> tuple[int, list[Badge]]:
    """The person's streak and the badges they earned."""
    org = person.organization
    today = today or periods.today(org)
    uid = person.user_id
    badges: list[Badge] = []
    if Deal.objects.for_org(org).filter(owner_id=uid, stage__outcome=Stage.Outcome.WON).exists():
        badges.append(Badge("first_win", _("Deal winner"), _("Won a deal.")))
    if (
        Goal.objects.for_org(org)
        .filter(scope=Goal.Scope.USER, user_id=uid, result=Goal.Result.REACHED)
        .exists()
    ):
        badges.append(Badge("goal_reached", _("Goal reached"), _("Reached one of their goals.")))
    streak = streak_of(person, today)
    if streak >= STREAK_BADGE:
        badges.append(
            Badge("on_pace", _("On pace"), _("Four weeks in a row on pace on every goal."))
        )
    this_week = periods.week_of(org, today).start
    recent = set(
        CheckIn.objects.for_org(org)
        .filter(user_id=uid, week_start__gte=this_week - timedelta(weeks=CHECKIN_WEEKS))
        .values_list("week_start", flat=True)
    )
    if all(this_week - timedelta(weeks=n) in recent for n in range(1, CHECKIN_WEEKS + 1)):
        badges.append(Badge("regular", _("Regular"), _("Checked in four weeks running.")))
    kudos = Kudos.objects.for_org(org)
    if kudos.filter(to_user_id=uid).count() >= THANKED:
        badges.append(Badge("appreciated", _("Appreciated"), _("Thanked ten times.")))
    if kudos.filter(from_user_id=uid).count() >= THANKING:
        badges.append(Badge("team_player", _("Team player"), _("Thanked colleagues five times.")))
    return streak, badges
