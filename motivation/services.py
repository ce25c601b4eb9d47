"""Writes of the motivation app: its settings, weekly check-ins (and their reminders), 1:1s
with action items and agenda points, kudos, and the managers' weekly nudge.

Motivation owns these tables only. Notifications go through `messaging.services.notify`,
which sends each person one notification per event: the reminder and nudge jobs are
idempotent because their events name the week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import rules
from accounts.models import Membership, Organization
from messaging.services import notify
from motivation import access
from motivation.models import (
    NOTE_MAX,
    CheckIn,
    MotivationSettings,
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


@dataclass(frozen=True)
class ReminderRun:
    organizations: int
    reminded: int


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
            .values_list("user_id", flat=True)
        )
        with transaction.atomic():
            sent = notify(
                org=org,
                kind="nudge",
                recipients=list(people),
                actor=None,
                event=f"checkin-reminder:{week_start.isoformat()}",
                url=reverse("motivation:checkins", args=[org.slug]),
                text=_("How was your week? Your weekly check-in takes a minute."),
            )
        reminded += len(sent)
    return ReminderRun(organizations=orgs, reminded=reminded)
