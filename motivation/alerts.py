"""Who a manager should talk to this week, and why: the one module of the alert rules.

Six kinds (shared/API.md, "alerts/"): `low_motivation` (two check-ins in a row at 2 or below,
or a drop of 2 or more), `no_one_on_one` (none in the organisation's `one_on_one_days`),
`no_activity` (none in the last 3 working days), `behind_pace` (a goal of theirs behind or at
risk), `stale_deals` (open deals nobody touched for the organisation's stale days) and
`no_recognition` (no kudos received in 30 days). `alerts_for` reads a fixed number of
queries for any number of people: one per kind, plus the calendar.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import rules
from accounts.models import Membership, Organization, Team, User
from activities.models import Activity
from deals.models import Deal, Stage
from deals.selectors import with_staleness
from goals.models import Goal
from goals.selectors import days_off_for, progress_of
from motivation.models import CheckIn, Kudos, OneOnOne
from salesmgmt import periods

KINDS = (
    "low_motivation",
    "no_one_on_one",
    "no_activity",
    "behind_pace",
    "stale_deals",
    "no_recognition",
)
LOW_SCORE = 2
DROP = 2
CHECKIN_LOOKBACK_WEEKS = 8
NO_ACTIVITY_WORKING_DAYS = 3
ACTIVITY_WINDOW_DAYS = 14
NO_RECOGNITION_DAYS = 30


@dataclass(frozen=True)
class Alert:
    user: User
    kind: str
    detail: str
    since: date | None


@dataclass(frozen=True)
class Attention:
    """One person in "who to talk to": their alerts, in the order of KINDS."""

    user: User
    alerts: list[Alert]


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
) -> list[Alert]:
    """Every alert of `people` as of `today` (org-local), person by person in KINDS order."""
    members = list(people)
    if not members:
        return []
    today = today or periods.today(org)
    users = {m.user_id: m.user for m in members}
    ids = list(users)
    found: dict[int, list[Alert]] = defaultdict(list)

    def add(user_id: int, kind: str, detail: str, since: date | None) -> None:
        found[user_id].append(Alert(users[user_id], kind, detail, since))

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
        if newest.score <= LOW_SCORE and previous.score <= LOW_SCORE:
            detail = _("two check-ins in a row at %(a)d and %(b)d") % {
                "a": previous.score,
                "b": newest.score,
            }
            add(user_id, "low_motivation", detail, previous.date)
        elif previous.score - newest.score >= DROP:
            detail = _("check-in dropped from %(a)d to %(b)d") % {
                "a": previous.score,
                "b": newest.score,
            }
            add(user_id, "low_motivation", detail, newest.date)

    # no_one_on_one: the latest 1:1 (held, not planned) of each person.
    last_talk = dict(
        OneOnOne.objects.for_org(org)
        .filter(member_id__in=ids, date__lte=today)
        .values("member_id")
        .annotate(last=Max("date"))
        .values_list("member_id", "last")
    )
    cutoff = today - timedelta(days=one_on_one_days)
    for user_id in ids:
        last = last_talk.get(user_id)
        if last is None or last < cutoff:
            detail = ngettext(
                "no 1:1 in the last %(n)d day", "no 1:1 in the last %(n)d days", one_on_one_days
            ) % {"n": one_on_one_days}
            add(user_id, "no_one_on_one", detail, last)

    # no_activity: nothing logged on any of the last 3 working days (today included).
    window = periods.Period(today - timedelta(days=ACTIVITY_WINDOW_DAYS), today + timedelta(days=1))
    recent_days = periods.working_days(org, window)
    if len(recent_days) >= NO_ACTIVITY_WORKING_DAYS:
        quiet_since = recent_days[-NO_ACTIVITY_WORKING_DAYS]
        last_logged = dict(
            Activity.objects.for_org(org)
            .filter(user_id__in=ids, local_date__lte=today)
            .values("user_id")
            .annotate(last=Max("local_date"))
            .values_list("user_id", "last")
        )
        for user_id in ids:
            logged = last_logged.get(user_id)
            if logged is None or logged < quiet_since:
                detail = _("no activity logged for %(n)d working days") % {
                    "n": NO_ACTIVITY_WORKING_DAYS
                }
                add(user_id, "no_activity", detail, logged)

    # behind_pace: a current goal of theirs behind or at risk.
    goals = list(
        Goal.objects.for_org(org)
        .filter(scope=Goal.Scope.USER, user_id__in=ids, start__lte=today, end__gte=today)
        .select_related("metric", "progress_row")
        .order_by("user_id", "start", "id")
    )
    for goal in goals:
        goal.organization = org  # progress_of reads the calendar from it: no extra query
    off = days_off_for(org, goals)
    behind: dict[int, list[str]] = defaultdict(list)
    for goal in goals:
        progress = progress_of(goal, today=today, days_off=off)
        if progress.status in ("behind", "at_risk") and goal.user_id is not None:
            pct = (
                round(float(progress.actual / progress.expected_to_date) * 100)
                if (progress.expected_to_date)
                else 0
            )
            behind[goal.user_id].append(
                _("%(metric)s at %(pct)d%% of pace") % {"metric": goal.metric.name, "pct": pct}
            )
    for user_id, words in behind.items():
        add(user_id, "behind_pace", "; ".join(words), None)

    # stale_deals: open deals nobody touched for the organisation's stale days.
    stale = (
        with_staleness(
            Deal.objects.for_org(org).filter(owner_id__in=ids, stage__outcome=Stage.Outcome.OPEN),
            org,
        )
        .values("owner_id")
        .annotate(stale=Count("id", filter=Q(is_stale=True)))
        .order_by()
    )
    for row in stale:
        if row["stale"]:
            detail = ngettext("%(n)d stale deal", "%(n)d stale deals", row["stale"]) % {
                "n": row["stale"]
            }
            add(row["owner_id"], "stale_deals", detail, None)

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
            detail = _("no kudos received in %(n)d days") % {"n": NO_RECOGNITION_DAYS}
            add(user_id, "no_recognition", detail, last_day)

    order = {kind: index for index, kind in enumerate(KINDS)}
    result: list[Alert] = []
    for member in sorted(members, key=lambda m: (m.user.display_name, m.user_id)):
        result.extend(sorted(found.get(member.user_id, []), key=lambda a: order[a.kind]))
    return result


def attention_by_person(alerts: list[Alert]) -> list[Attention]:
    """The alerts grouped per person, the people with the most reasons first."""
    people: dict[int, Attention] = {}
    for alert in alerts:
        people.setdefault(alert.user.pk, Attention(alert.user, [])).alerts.append(alert)
    return sorted(people.values(), key=lambda a: (-len(a.alerts), a.user.display_name))


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
