"""Who a manager should talk to, and why: the one module of the alert rules.

The "alerts/" API, the "who to talk to" page, the weekly manager nudge and the team
dashboard's "who needs attention" all read `alerts_for`; nothing else decides.

Six kinds (shared/API.md, "alerts/"), ranked by what a manager should act on first (each
kind's severity lies in its own band, so a kind ranks above the next whatever the numbers):

1. `behind_pace`: behind pace on a current goal (open, its dates containing today): the
   goal can still be saved, so it comes first, the furthest behind first. Each reason names
   the goal: its metric and its period ("New visit (month goal) at 77% of pace"). Goals
   already over are history, not a call to act.
2. `low_motivation`: two check-ins in a row at 2 or below, or a drop of 2 or more (the
   lower the latest score, the sooner).
3. `no_activity`: nothing logged on the last 3 working days: the longest quiet first.
4. `no_one_on_one`: no 1:1 held in the organisation's `one_on_one_days`: the longest first.
5. `stale_deals`: only when there are several (`STALE_DEALS_SEVERAL`) or one has sat
   untouched for `STALE_DEALS_OLD_FACTOR` times the organisation's staleness threshold: a
   single, recently stale deal is the deal list's business, not the manager's. The most
   (then the oldest) first.
6. `no_recognition`: no kudos received in 30 days.

`alerts_for` reads a fixed number of queries for any number of people (one per kind, plus
the calendar); a caller that already read some inputs (the team dashboard: goals with
progress, deal staleness, last 1:1s and activity, days off) hands them over as `Known` instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import rules
from accounts.models import Membership, Organization, Team, User
from activities.selectors import last_activity_dates
from deals.models import Deal, Stage
from deals.selectors import with_staleness
from goals.models import Goal
from goals.selectors import Progress, goal_kind_label, progress_of
from goals.status import LAGGING, is_behind_pace
from motivation.models import CheckIn, Kudos
from motivation.selectors import last_one_on_ones
from salesmgmt import periods

KINDS = (
    "low_motivation",
    "no_one_on_one",
    "no_activity",
    "behind_pace",
    "stale_deals",
    "no_recognition",
)
# Each kind in words and its badge (the dashboard's and the talk page's one look).
KIND_LABELS = {
    "behind_pace": gettext_lazy("Behind pace"),
    "low_motivation": gettext_lazy("Low motivation"),
    "no_activity": gettext_lazy("No activity"),
    "no_one_on_one": gettext_lazy("No 1:1"),
    "stale_deals": gettext_lazy("Stale deals"),
    "no_recognition": gettext_lazy("No recognition"),
}
KIND_BADGES = {
    "behind_pace": "text-bg-danger",
    "low_motivation": "text-bg-danger",
    "no_activity": "text-bg-warning",
    "no_one_on_one": "text-bg-info",
    "stale_deals": "text-bg-secondary",
    "no_recognition": "text-bg-light",
}
# The band of each kind's severity: a higher band always ranks first.
BANDS = {
    "behind_pace": 6,
    "low_motivation": 5,
    "no_activity": 4,
    "no_one_on_one": 3,
    "stale_deals": 2,
    "no_recognition": 1,
}
LOW_SCORE = 2
DROP = 2
CHECKIN_LOOKBACK_WEEKS = 8
NO_ACTIVITY_WORKING_DAYS = 3
ACTIVITY_WINDOW_DAYS = 14  # the calendar days searched for the last working days
NO_RECOGNITION_DAYS = 30
# Stale deals call for attention when there are several, or when one has sat untouched for
# this many times the organisation's staleness threshold.
STALE_DEALS_SEVERAL = 3
STALE_DEALS_OLD_FACTOR = 2
NEVER = 999  # days, for "never": the longest wait ranks first


@dataclass(frozen=True)
class Alert:
    user: User
    kind: str
    detail: str
    since: date | None
    severity: float = 0.0  # for ranking: higher needs attention first


@dataclass(frozen=True)
class Attention:
    """One person in "who to talk to": their alerts, the most urgent first."""

    user: User
    alerts: list[Alert]


@dataclass(frozen=True)
class Known:
    """Inputs a caller has already read for the same people and day (None: not read).

    `goals`: per person, their own goals with progress as of the day, including every goal
    current on it (others are ignored); `stale`: per deal owner, the number of open stale
    deals and the oldest one's last touch; `last_one_on_one`: per person, the latest 1:1
    held by the day (`motivation.selectors.last_one_on_ones`); `last_activity`: per person,
    the latest day with an activity logged by the day (`activities.selectors.
    last_activity_dates`); `days_off`: the organisation's days off, covering at least the last
    `ACTIVITY_WINDOW_DAYS` and every goal handed over.
    """

    goals: dict[int, list[tuple[Goal, Progress]]] | None = None
    stale: dict[int, tuple[int, datetime | None]] | None = None
    last_one_on_one: dict[int, date] | None = None
    last_activity: dict[int, date] | None = None
    days_off: set[date] | None = None


def watched_people(actor: Membership) -> QuerySet[Membership]:
    """Whose alerts the actor sees: admins everyone active, managers their teams' people
    (with sub-teams); never themselves. Members see none."""
    qs = (
        Membership.objects.for_org(actor.organization_id)
        .filter(active=True, user__is_active=True)
        .exclude(user_id=actor.user_id)
        .select_related("user")
    )
    if not rules.is_manager_or_admin(actor):
        return qs.none()
    if rules.is_org_admin(actor):
        return qs
    return qs.filter(team_id__in=rules.managed_team_ids(actor))


def alerts_for(
    org: Organization,
    people: Iterable[Membership],
    *,
    today: date | None = None,
    one_on_one_days: int,
    known: Known | None = None,
) -> list[Alert]:
    """Every alert of `people` as of `today` (org-local), the most urgent first (by severity,
    then by name)."""
    members = list(people)
    if not members:
        return []
    today = today or periods.today(org)
    known = known or Known()
    users = {m.user_id: m.user for m in members}
    ids = list(users)
    found: list[Alert] = []

    def add(user_id: int, kind: str, detail: str, since: date | None, weight: float) -> None:
        found.append(Alert(users[user_id], kind, detail, since, BANDS[kind] + weight))

    # The people's own goals current today, with progress (read unless handed over).
    window = periods.Period(today - timedelta(days=ACTIVITY_WINDOW_DAYS), today + timedelta(days=1))
    days_off = known.days_off
    goals = known.goals
    if goals is None:
        current = list(
            Goal.objects.for_org(org)
            .filter(scope=Goal.Scope.USER, user_id__in=ids, start__lte=today, end__gte=today)
            .select_related("metric", "progress_row")
            .order_by("user_id", "start", "id")
        )
        if days_off is None:
            first = min([window.start, *(g.start for g in current)])
            last = max([window.end, *(g.end + timedelta(days=1) for g in current)])
            days_off = periods.org_days_off(org, periods.Period(first, last))
        goals = defaultdict(list)
        for goal in current:
            goal.organization = org  # progress_of reads the calendar from it: no extra query
            if goal.user_id is not None:
                goals[goal.user_id].append(
                    (goal, progress_of(goal, today=today, days_off=days_off))
                )
    if days_off is None:
        days_off = periods.org_days_off(org, window)

    # behind_pace: the current goals behind pace, the furthest behind first.
    for user_id, lines in goals.items():
        if user_id not in users:
            continue
        behind = sorted(
            (
                (goal, progress.pace or 0.0)
                for goal, progress in lines
                if goal.start <= today <= goal.end
                and not goal.closed_at
                and progress.status in LAGGING
                and progress.pace is not None
                and is_behind_pace(progress.pace)
            ),
            key=lambda item: item[1],
        )
        if behind:
            words = "; ".join(
                _("%(metric)s (%(goal)s) at %(pct)d%% of pace")
                % {
                    "metric": goal.metric.name,
                    "goal": goal_kind_label(org, goal),
                    "pct": round(pace * 100),
                }
                for goal, pace in behind
            )
            add(user_id, "behind_pace", words, None, (1 - behind[0][1]) / 2)

    # low_motivation: the two latest check-ins of each person.
    latest: dict[int, list[CheckIn]] = defaultdict(list)
    recent_checkins = CheckIn.objects.for_org(org).filter(
        user_id__in=ids,
        week_start__gte=today - timedelta(weeks=CHECKIN_LOOKBACK_WEEKS),
        date__lte=today,
    )
    for checkin in recent_checkins.order_by("user_id", "-week_start"):
        if len(latest[checkin.user_id]) < 2:
            latest[checkin.user_id].append(checkin)
    for user_id, pair in latest.items():
        if len(pair) < 2:
            continue
        newest, previous = pair
        weight = (5 - newest.score) / 10
        if newest.score <= LOW_SCORE and previous.score <= LOW_SCORE:
            detail = _("two check-ins in a row at %(a)d and %(b)d") % {
                "a": previous.score,
                "b": newest.score,
            }
            add(user_id, "low_motivation", detail, previous.date, weight)
        elif previous.score - newest.score >= DROP:
            detail = _("check-in dropped from %(a)d to %(b)d") % {
                "a": previous.score,
                "b": newest.score,
            }
            add(user_id, "low_motivation", detail, newest.date, weight)

    # no_activity: nothing logged on any of the last 3 working days (today included).
    recent_days = periods.working_days(org, window, days_off)
    if len(recent_days) >= NO_ACTIVITY_WORKING_DAYS:
        quiet_since = recent_days[-NO_ACTIVITY_WORKING_DAYS]
        last_logged = known.last_activity
        if last_logged is None:
            last_logged = last_activity_dates(org, ids, today=today)
        for user_id in ids:
            logged = last_logged.get(user_id)
            if logged is None or logged < quiet_since:
                quiet = min((today - logged).days, NEVER) if logged else NEVER
                detail = _("no activity logged for %(n)d working days") % {
                    "n": NO_ACTIVITY_WORKING_DAYS
                }
                add(user_id, "no_activity", detail, logged, quiet / 1000)

    # no_one_on_one: the latest 1:1 (held, not planned) of each person.
    last_talk = known.last_one_on_one
    if last_talk is None:
        last_talk = last_one_on_ones(org.pk, ids, today=today)
    cutoff = today - timedelta(days=one_on_one_days)
    for user_id in ids:
        held = last_talk.get(user_id)
        if held is None or held < cutoff:
            waited = min((today - held).days, NEVER) if held else NEVER
            detail = ngettext(
                "no 1:1 in the last %(n)d day", "no 1:1 in the last %(n)d days", one_on_one_days
            ) % {"n": one_on_one_days}
            add(user_id, "no_one_on_one", detail, held, waited / 1000)

    # stale_deals: several open deals nobody touched for the stale days, or an old one.
    stale = known.stale
    if stale is None:
        stale = {
            row["owner_id"]: (row["stale"], row["oldest"])
            for row in with_staleness(
                Deal.objects.for_org(org).filter(
                    owner_id__in=ids, stage__outcome=Stage.Outcome.OPEN
                ),
                org,
            )
            .values("owner_id")
            .annotate(
                stale=Count("id", filter=Q(is_stale=True)),
                oldest=Min("last_touched", filter=Q(is_stale=True)),
            )
            .order_by()
        }
    now = timezone.now()
    old_after = timedelta(days=org.stale_deal_days * STALE_DEALS_OLD_FACTOR)
    for user_id, (count, oldest) in stale.items():
        if user_id not in users or not count:
            continue
        is_old = oldest is not None and now - oldest >= old_after
        if count >= STALE_DEALS_SEVERAL or is_old:
            untouched = (now - oldest).days if oldest else 0
            detail = ngettext(
                "%(n)d stale deal, untouched for %(days)d days",
                "%(n)d stale deals, the oldest untouched for %(days)d days",
                count,
            ) % {"n": count, "days": untouched}
            since = periods.local_date(org, oldest) if oldest else None
            weight = min(count, 99) / 100 + min(untouched, NEVER) / 100000
            add(user_id, "stale_deals", detail, since, weight)

    # no_recognition: no kudos received in 30 days.
    thanked = dict(
        Kudos.objects.for_org(org)
        .filter(to_user_id__in=ids)
        .values("to_user_id")
        .annotate(last=Max("created_at"))
        .values_list("to_user_id", "last")
    )
    for user_id in ids:
        last_thanked = thanked.get(user_id)
        last_day = periods.local_date(org, last_thanked) if last_thanked else None
        if last_day is None or last_day < today - timedelta(days=NO_RECOGNITION_DAYS):
            waited = min((today - last_day).days, NEVER) if last_day else NEVER
            detail = _("no kudos received in %(n)d days") % {"n": NO_RECOGNITION_DAYS}
            add(user_id, "no_recognition", detail, last_day, waited / 1000)

    return sorted(found, key=lambda a: (-a.severity, a.user.display_name, a.user.pk))


def attention_by_person(alerts: list[Alert]) -> list[Attention]:
    """The ranked alerts grouped per person, each person ranked by their most urgent alert."""
    people: dict[int, Attention] = {}
    for alert in sorted(alerts, key=lambda a: (-a.severity, a.user.display_name, a.user.pk)):
        people.setdefault(alert.user.pk, Attention(alert.user, [])).alerts.append(alert)
    return list(people.values())


def team_tree(org: Organization) -> tuple[dict[int, int | None], dict[int, set[int]]]:
    """The organisation's team parents and each manager's directly led teams (two queries)."""
    parent_of: dict[int, int | None] = dict(
        Team.objects.for_org(org).values_list("id", "parent_id")
    )
    led: dict[int, set[int]] = defaultdict(set)
    for team_id, user_id in Team.managers.through.objects.filter(
        team__organization=org
    ).values_list("team_id", "user_id"):
        led[user_id].add(team_id)
    return parent_of, led
