"""Writes of the motivation app: its settings, weekly check-ins (and their reminders), 1:1s
with action items and agenda points, kudos, and the managers' weekly nudge.

Motivation owns these tables only. Notifications go through `messaging.services.notify`,
which sends each person one notification per event: the reminder and nudge jobs are
idempotent because their events name the week.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import rules
from accounts.models import Membership, Organization, User
from activities.access import activities_visible_to
from activities.models import Activity
from deals.access import deals_visible_to
from deals.models import Deal
from goals.access import goals_visible_to
from goals.models import Goal
from messaging.services import notify
from motivation import access
from motivation.models import (
    ITEM_MAX,
    KUDOS_MAX,
    NOTE_MAX,
    TEXT_MAX,
    ActionItem,
    AgendaPoint,
    CheckIn,
    Kudos,
    MotivationSettings,
    OneOnOne,
)
from salesmgmt import periods
from salesmgmt.errors import DomainError

REMINDER_HOUR = 9  # local time from which the day's reminders and nudges go out


# --- settings -----------------------------------------------------------------------------


def settings_for(org: Organization | int) -> MotivationSettings:
    """The organisation's settings (the defaults, unsaved, until an admin changes them)."""
    org_id = org if isinstance(org, int) else org.pk
    found = MotivationSettings.objects.for_org(org_id).first()
    return found or MotivationSettings(organization_id=org_id)


def update_motivation_settings(*, actor: Membership, **changes: Any) -> MotivationSettings:
    """Change the organisation's reminder day, 1:1 rhythm, leaderboards switch or values."""
    rules.require(access.can_edit_motivation_settings(actor))
    allowed = {"checkin_weekday", "one_on_one_days", "leaderboards_enabled", "values"}
    with transaction.atomic():
        current, _created = MotivationSettings.objects.get_or_create(
            organization_id=actor.organization_id
        )
        for field, value in changes.items():
            if field not in allowed:
                raise DomainError(_("Unknown setting."), field=field)
            setattr(current, field, value)
        if "values" in changes:
            current.values = clean_values(changes["values"])
        current.full_clean(exclude=["organization"])
        current.save()
    return current


def clean_values(values: Any) -> list[dict[str, str]]:
    """A list of {"key", "name"} with unique, non-empty keys (400 on `values` otherwise)."""
    if not isinstance(values, list) or len(values) > 20:
        raise DomainError(_("Give at most 20 values."), field="values")
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for value in values:
        key = str(value.get("key", "")).strip() if isinstance(value, dict) else ""
        name = str(value.get("name", "")).strip() if isinstance(value, dict) else ""
        if not key or len(key) > 40 or not name or len(name) > 80 or key in seen:
            raise DomainError(
                _("Each value needs a unique key (up to 40 characters) and a name."),
                field="values",
            )
        seen.add(key)
        cleaned.append({"key": key, "name": name})
    return cleaned


# --- check-ins ----------------------------------------------------------------------------


def _check_score(score: Any) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise DomainError(_("The score is a whole number from 1 to 5."), field="score")
    return score


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_("Keep the note to %(n)d characters.") % {"n": NOTE_MAX}, field="note")
    return note


def _check_checkin_date(org: Organization, day: date | None) -> date:
    today = periods.today(org)
    day = day or today
    if periods.week_of(org, day).start > periods.week_of(org, today).start:
        raise DomainError(_("A check-in cannot be for a future week."), field="date")
    if not periods.is_supported_date(day):
        raise DomainError(_("Enter a valid date."), field="date")
    return day


def record_checkin(
    *, actor: Membership, score: int, note: str = "", day: date | None = None
) -> CheckIn:
    """The actor's check-in for the week of `day` (today by default); one per week."""
    rules.require(access.can_check_in_for(actor, actor.user_id))
    org = actor.organization
    day = _check_checkin_date(org, day)
    week = periods.week_of(org, day)
    checkin = CheckIn(
        organization=org,
        user_id=actor.user_id,
        date=day,
        week_start=week.start,
        score=_check_score(score),
        note=_check_note(note),
    )
    taken = _("You already checked in for that week: edit that check-in instead.")
    if CheckIn.objects.for_org(org).filter(user_id=actor.user_id, week_start=week.start).exists():
        raise DomainError(taken, field="date")
    try:
        with transaction.atomic():
            checkin.save()
    except IntegrityError as exc:  # a second request of the same week won the race
        raise DomainError(taken, field="date") from exc
    return checkin


def _require_open_week(actor: Membership, checkin: CheckIn) -> None:
    rules.require(access.can_edit_checkin(actor, checkin))
    current = periods.week_of(actor.organization, periods.today(actor.organization)).start
    if checkin.week_start != current:
        raise DomainError(_("A check-in can only be changed during its own week."))


def update_checkin(
    *, actor: Membership, checkin: CheckIn, score: int | None = None, note: str | None = None
) -> CheckIn:
    """Change the score or note of the actor's own check-in, during its week."""
    _require_open_week(actor, checkin)
    fields = ["updated_at"]
    if score is not None:
        checkin.score = _check_score(score)
        fields.append("score")
    if note is not None:
        checkin.note = _check_note(note)
        fields.append("note")
    with transaction.atomic():
        checkin.save(update_fields=fields)
    return checkin


def delete_checkin(*, actor: Membership, checkin: CheckIn) -> None:
    """Take back the actor's own check-in, during its week."""
    _require_open_week(actor, checkin)
    with transaction.atomic():
        checkin.delete()


def reminder_day(org: Organization, chosen_weekday: int, today: date) -> date:
    """The day of `today`'s organisation week on which the check-in reminder goes out."""
    week = periods.week_of(org, today)
    return week.start + timedelta(days=(chosen_weekday - week.start.weekday()) % 7)


def _by_language(people: Iterable[tuple[int, str]]) -> dict[str, list[int]]:
    """Recipients grouped by their language, so that a notification's excerpt (written once,
    when it is sent) is in the reader's language; one `notify` call per language."""
    groups: dict[str, list[int]] = {}
    for user_id, locale in people:
        groups.setdefault(locale or settings.LANGUAGE_CODE, []).append(user_id)
    return groups


@dataclass(frozen=True)
class ReminderRun:
    organizations: int
    reminded: int


def _nudge_in_each_language(
    org: Organization, people: Iterable[tuple[int, str]], *, event: str, url: str, text: Any
) -> int:
    """One nudge notification per person (idempotent on `event`), written in each reader's
    language; returns how many were sent."""
    sent = 0
    for locale, recipients in _by_language(people).items():
        with transaction.atomic(), translation.override(locale):
            sent += len(
                notify(
                    org=org,
                    kind="nudge",
                    recipients=recipients,
                    actor=None,
                    event=event,
                    url=url,
                    text=str(text),
                )
            )
    return sent


def _due(org: Organization, now: datetime, chosen_weekday: int) -> date | None:
    """The organisation week (its start) whose reminders are due at `now`, if any."""
    local = now.astimezone(org.tzinfo)
    today = local.date()
    day = reminder_day(org, chosen_weekday, today)
    if today < day or (today == day and local.time() < time(REMINDER_HOUR)):
        return None
    return periods.week_of(org, today).start


def send_checkin_reminders(*, now: datetime | None = None) -> ReminderRun:
    """Remind everyone who has not checked in this week, from the organisation's chosen day.

    Safe to run as often as the schedule likes (and after missed runs): the notification's
    event names the week, so each person gets at most one reminder per week. Queries: a few
    per organisation, none per person.
    """
    now = now or timezone.now()
    chosen = dict(MotivationSettings.objects.values_list("organization_id", "checkin_weekday"))
    orgs = 0
    reminded = 0
    for org in Organization.objects.order_by("pk"):
        week_start = _due(org, now, chosen.get(org.pk, MotivationSettings().checkin_weekday))
        if week_start is None:
            continue
        orgs += 1
        done = CheckIn.objects.for_org(org).filter(week_start=week_start).values("user_id")
        people = (
            Membership.objects.for_org(org)
            .filter(active=True, user__is_active=True)
            .exclude(user_id__in=done)
            .values_list("user_id", "user__locale")
        )
        reminded += _nudge_in_each_language(
            org,
            people,
            event=f"checkin-reminder:{week_start.isoformat()}",
            url=reverse("motivation:checkins", args=[org.slug]),
            text=gettext_lazy("How was your week? Your weekly check-in takes a minute."),
        )
    return ReminderRun(organizations=orgs, reminded=reminded)


# --- 1:1s ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewActionItem:
    text: str
    owner_id: int
    due: date | None = None


def _check_text(value: str | None, *, field: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("This field is required."), field=field)
    if len(value) > limit:
        raise DomainError(
            _("Keep it to %(n)d characters.") % {"n": limit}, field=field, code="max_length"
        )
    return value


def _check_items(one_on_one: OneOnOne, items: Sequence[NewActionItem]) -> list[ActionItem]:
    """Action items belong to one of the pair; anyone else as owner is refused."""
    pair = {one_on_one.manager_id, one_on_one.member_id}
    rows = []
    for item in items:
        if item.owner_id not in pair:
            raise DomainError(
                _("An action item is owned by the manager or the member of the 1:1."),
                field="action_items",
            )
        if item.due is not None and not periods.is_supported_date(item.due):
            raise DomainError(_("Enter a valid date."), field="action_items")
        text = _check_text(item.text, field="action_items", limit=ITEM_MAX, required=True)
        rows.append(
            ActionItem(one_on_one=one_on_one, text=text, owner_id=item.owner_id, due=item.due)
        )
    return rows


def hold_one_on_one(
    *,
    actor: Membership,
    member: Membership,
    day: date | None = None,
    agenda: str = "",
    shared_notes: str = "",
    private_notes: str = "",
    action_items: Sequence[NewActionItem] = (),
) -> OneOnOne:
    """Record (or plan) a 1:1 of the actor with one of their people; tells the member."""
    rules.require(access.can_hold_one_on_one_with(actor, member))
    org = actor.organization
    day = day or periods.today(org)
    if not periods.is_supported_date(day):
        raise DomainError(_("Enter a valid date."), field="date")
    one_on_one = OneOnOne(
        organization=org,
        manager_id=actor.user_id,
        member_id=member.user_id,
        date=day,
        agenda=_check_text(agenda, field="agenda", limit=TEXT_MAX),
        shared_notes=_check_text(shared_notes, field="shared_notes", limit=TEXT_MAX),
        private_notes=_check_text(private_notes, field="private_notes", limit=TEXT_MAX),
    )
    items = _check_items(one_on_one, action_items)
    with transaction.atomic():
        one_on_one.save()
        for item in items:
            item.one_on_one = one_on_one
        ActionItem.objects.bulk_create(items)
        _notify_member(one_on_one, actor)
    return one_on_one


def _notify_member(one_on_one: OneOnOne, actor: Membership) -> None:
    org = actor.organization
    notify(
        org=org,
        kind="one_on_one",
        recipients=[one_on_one.member_id],
        actor=actor.user_id,
        event=f"one-on-one:{one_on_one.pk}",
        url=reverse("motivation:one_on_one_detail", args=[org.slug, one_on_one.pk]),
        # Only the date: notes never travel in notifications or e-mails.
        text=one_on_one.date.isoformat(),
        may_see=lambda m: access.can_view_one_on_one(m, one_on_one),
    )


def update_one_on_one(
    *,
    actor: Membership,
    one_on_one: OneOnOne,
    add_items: Sequence[NewActionItem] = (),
    **changes: Any,
) -> OneOnOne:
    """The holding manager changes the date, agenda or notes and adds action items."""
    rules.require(access.can_edit_one_on_one(actor, one_on_one))
    limits = {"agenda": TEXT_MAX, "shared_notes": TEXT_MAX, "private_notes": TEXT_MAX}
    fields = ["updated_at"]
    for field, value in changes.items():
        if field == "date":
            if value is None or not periods.is_supported_date(value):
                raise DomainError(_("Enter a valid date."), field="date")
            one_on_one.date = value
        elif field in limits:
            setattr(one_on_one, field, _check_text(value, field=field, limit=limits[field]))
        else:
            raise DomainError(_("This field cannot be changed."), field=field)
        fields.append(field)
    items = _check_items(one_on_one, add_items)
    with transaction.atomic():
        one_on_one.save(update_fields=fields)
        ActionItem.objects.bulk_create(items)
    return one_on_one


def delete_one_on_one(*, actor: Membership, one_on_one: OneOnOne) -> None:
    """The holding manager deletes a 1:1 (its own action items and points go with it)."""
    rules.require(access.can_edit_one_on_one(actor, one_on_one))
    with transaction.atomic():
        one_on_one.delete()


def set_action_item_done(*, actor: Membership, item: ActionItem, done: bool) -> ActionItem:
    """Mark an action item done (or open again): its owner or the holding manager."""
    rules.require(access.can_tick_action_item(actor, item))
    if item.done != done:
        item.done = done
        item.done_at = timezone.now() if done else None
        with transaction.atomic():
            item.save(update_fields=["done", "done_at"])
    return item


def update_action_item(
    *,
    actor: Membership,
    item: ActionItem,
    text: str | None = None,
    owner: User | int | None = None,
    due: date | None = None,
    clear_due: bool = False,
) -> ActionItem:
    """The holding manager rewrites, re-assigns (within the pair) or re-dates an action item."""
    rules.require(access.can_edit_one_on_one(actor, item.one_on_one))
    fields: list[str] = []
    if text is not None:
        item.text = _check_text(text, field="action_items", limit=ITEM_MAX, required=True)
        fields.append("text")
    if owner is not None:
        owner_id = owner if isinstance(owner, int) else owner.pk
        _check_items(item.one_on_one, [NewActionItem(text="-", owner_id=owner_id)])
        item.owner_id = owner_id
        fields.append("owner")
    if due is not None or clear_due:
        item.due = due
        fields.append("due")
    if fields:
        with transaction.atomic():
            item.save(update_fields=fields)
    return item


def propose_agenda_point(*, actor: Membership, one_on_one: OneOnOne, text: str) -> AgendaPoint:
    """Either of the pair adds a point to a coming 1:1's agenda (not once it is past)."""
    rules.require(access.can_propose_agenda(actor, one_on_one))
    if one_on_one.date < periods.today(actor.organization):
        raise DomainError(_("This 1:1 has already taken place."))
    point = AgendaPoint(
        one_on_one=one_on_one,
        author_id=actor.user_id,
        text=_check_text(text, field="text", limit=ITEM_MAX, required=True),
    )
    with transaction.atomic():
        point.save()
        if actor.user_id == one_on_one.member_id:
            org = actor.organization
            notify(
                org=org,
                kind="one_on_one",
                recipients=[one_on_one.manager_id],
                actor=actor.user_id,
                event=f"agenda-point:{point.pk}",
                url=reverse("motivation:one_on_one_detail", args=[org.slug, one_on_one.pk]),
                text=point.text,
                may_see=lambda m: access.can_view_one_on_one(m, one_on_one),
            )
    return point


# --- kudos --------------------------------------------------------------------------------


def _check_kudos_links(
    actor: Membership, activity: Activity | None, deal: Deal | None, goal: Goal | None
) -> None:
    """Kudos may point only at an activity, deal or goal of the organisation its giver sees."""
    org_id = actor.organization_id
    if activity is not None and (
        activity.organization_id != org_id
        or not activities_visible_to(actor).filter(pk=activity.pk).exists()
    ):
        raise DomainError(_("Unknown activity."), field="activity")
    if deal is not None and (
        deal.organization_id != org_id or not deals_visible_to(actor).filter(pk=deal.pk).exists()
    ):
        raise DomainError(_("Unknown deal."), field="deal")
    if goal is not None and (
        goal.organization_id != org_id or not goals_visible_to(actor).filter(pk=goal.pk).exists()
    ):
        raise DomainError(_("Unknown goal."), field="goal")


def give_kudos(
    *,
    actor: Membership,
    to: Membership,
    message: str,
    value: str | None = None,
    activity: Activity | None = None,
    deal: Deal | None = None,
    goal: Goal | None = None,
) -> Kudos:
    """Thank a colleague (never oneself), optionally for an activity, deal or goal and in the
    name of one of the organisation's values; the colleague is notified."""
    if to.user_id == actor.user_id:
        raise DomainError(_("Kudos go to a colleague, not to yourself."), field="to_user")
    if not access.can_thank(actor, to):
        raise DomainError(_("Choose an active colleague."), field="to_user")
    text = _check_text(message, field="message", limit=KUDOS_MAX, required=True)
    value = value or None
    if value is not None and value not in settings_for(actor.organization_id).value_keys:
        raise DomainError(_("Choose one of the organisation's values."), field="value")
    _check_kudos_links(actor, activity, deal, goal)
    kudos = Kudos(
        organization_id=actor.organization_id,
        from_user_id=actor.user_id,
        to_user_id=to.user_id,
        message=text,
        value=value,
        activity=activity,
        deal=deal,
        goal=goal,
    )
    org = actor.organization
    with transaction.atomic():
        kudos.save()
        notify(
            org=org,
            kind="kudos",
            recipients=[to.user_id],
            actor=actor.user_id,
            event=f"kudos:{kudos.pk}",
            url=reverse("motivation:kudos", args=[org.slug]) + f"?to_user={to.user_id}",
            text=text,
        )
    return kudos


def delete_kudos(*, actor: Membership, kudos: Kudos) -> None:
    """The author takes their kudos back; admins remove any."""
    rules.require(access.can_delete_kudos(actor, kudos))
    with transaction.atomic():
        kudos.delete()


# --- the managers' weekly nudge -----------------------------------------------------------


@dataclass(frozen=True)
class NudgeRun:
    organizations: int
    nudged: int


def _nudge_week(org: Organization, now: datetime, tz_name: str = "") -> date | None:
    """The organisation week whose nudge is due at `now` for someone in time zone `tz_name`
    (the organisation's when blank): from 09:00 on the week's first day, their time."""
    try:
        tz = zoneinfo.ZoneInfo(tz_name) if tz_name else org.tzinfo
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = org.tzinfo
    local = now.astimezone(tz)
    week = periods.week_of(org, local.date())
    if local.date() == week.start and local.time() < time(REMINDER_HOUR):
        return None
    return week.start


def send_manager_nudges(*, now: datetime | None = None) -> NudgeRun:
    """Once a week, from 09:00 on the week's first day in each manager's own time zone, tell
    each manager with someone to talk to that this week's list is ready.

    The notification names nobody (the page does, for whoever may see it), so one call tells
    every manager due that week: a fixed number of queries per organisation whatever its
    number of teams, managers and people. Its event names the week: running twice, or late,
    nudges each manager once per week.
    """
    from accounts.rules import descendants
    from motivation import alerts

    now = now or timezone.now()
    configured = {s.organization_id: s for s in MotivationSettings.objects.all()}
    orgs = 0
    nudged = 0
    for org in Organization.objects.order_by("pk"):
        parent_of, led = alerts.team_tree(org)
        people = list(
            Membership.objects.for_org(org)
            .filter(active=True, user__is_active=True)
            .select_related("user", "organization")
        )
        due: dict[Membership, date] = {}
        for manager in people:
            if rules.is_manager_or_admin(manager) and manager.user_id in led:
                week_start = _nudge_week(org, now, manager.user.timezone)
                if week_start is not None:
                    due[manager] = week_start
        if not due:
            continue
        orgs += 1
        current = configured.get(org.pk) or MotivationSettings(organization=org)
        flagged = {
            a.user.pk
            for a in alerts.alerts_for(
                org,
                people,
                today=now.astimezone(org.tzinfo).date(),
                one_on_one_days=current.one_on_one_days,
            )
        }
        by_week: dict[date, list[tuple[int, str]]] = {}
        for manager, week_start in due.items():
            teams = descendants(led[manager.user_id], parent_of)
            if any(
                p.team_id in teams and p.user_id in flagged and p.user_id != manager.user_id
                for p in people
            ):
                by_week.setdefault(week_start, []).append((manager.user_id, manager.user.locale))
        for week_start, managers in sorted(by_week.items()):
            nudged += _nudge_in_each_language(
                org,
                managers,
                event=f"talk-nudge:{week_start.isoformat()}",
                url=reverse("motivation:talk", args=[org.slug]),
                text=gettext_lazy("This week's list of who to talk to, and why, is ready."),
            )
    return NudgeRun(organizations=orgs, nudged=nudged)


def congratulate_on_won_deal(*, actor: Membership, deal: Deal) -> Kudos:
    """The one-tap congratulation of a won deal's owner by their team (once per person)."""
    rules.require(access.can_congratulate(actor, deal))
    already = (
        Kudos.objects.for_org(actor.organization_id)
        .filter(from_user_id=actor.user_id, deal=deal)
        .first()
    )
    if already is not None:
        return already
    owner = Membership.objects.for_org(actor.organization_id).get(user_id=deal.owner_id)
    return give_kudos(
        actor=actor,
        to=owner,
        message=_("Congratulations on winning “%(deal)s”!") % {"deal": deal.title},
        deal=deal,
    )
