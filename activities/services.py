"""Writes of the activities app: activity types, logging, edits, deletes, CSV import.

The app owns the activity log and its rollups. Every write marks the affected
(org, user, local date) buckets dirty in the same transaction and asks for a recompute
only after the commit; a dead broker never fails a write (the beat drain catches up).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import rules
from accounts.models import Membership, Organization, User
from activities import access, types
from activities.models import MAX_QUANTITY, Activity, ActivityType
from activities.rollup import Bucket, mark_dirty
from activities.signals import activity_saved
from salesmgmt import periods
from salesmgmt.errors import DomainError
from salesmgmt.imports import CheckedRow, Importer

log = logging.getLogger(__name__)

FUTURE_TOLERANCE = timedelta(days=1)
OLDEST_ALLOWED = timedelta(days=366 * 10)
IMPORT_COLUMNS = ("user_email", "type", "occurred_at", "quantity", "note")

DEFAULT_ACTIVITY_TYPES: tuple[tuple[str, str, int | None], ...] = (
    ("new_visit", "New visit", 1),
    ("effective_negotiation", "Effective negotiation", 2),
    ("proposal", "Proposal", 3),
    ("revisit", "Revisit", None),
    ("call", "Call", None),
    ("email", "E-mail", None),
)


# --- activity types -----------------------------------------------------------------------


def ensure_default_activity_types(*, org: Organization) -> None:
    """Create the default activity types an organisation lacks (idempotent)."""
    have = set(ActivityType.objects.for_org(org).values_list("key", flat=True))
    taken_orders = set(
        ActivityType.objects.for_org(org)
        .exclude(funnel_order=None)
        .values_list("funnel_order", flat=True)
    )
    ActivityType.objects.bulk_create(
        [
            ActivityType(
                organization=org,
                key=key,
                name=name,
                funnel_order=order if order not in taken_orders else None,
            )
            for key, name, order in DEFAULT_ACTIVITY_TYPES
            if key not in have
        ],
        ignore_conflicts=True,
    )
    types.types_changed(org.pk)  # bulk_create sends no post_save


def _save_type(activity_type: ActivityType) -> ActivityType:
    try:
        activity_type.full_clean(exclude=["organization"])
    except ValidationError as exc:
        raise _domain_error_from(exc) from exc
    try:
        with transaction.atomic():
            activity_type.save()
    except IntegrityError as exc:
        raise DomainError(
            _("Another activity type already uses this key or funnel position."), field="key"
        ) from exc
    return activity_type


@transaction.atomic
def create_activity_type(
    *, actor: Membership, key: str, name: str, funnel_order: int | None = None, active: bool = True
) -> ActivityType:
    """Add an activity type (admins only)."""
    rules.require(access.can_manage_activity_types(actor))
    if ActivityType.objects.for_org(actor.organization_id).filter(key=key).exists():
        raise DomainError(_("An activity type with this key exists."), field="key")
    return _save_type(
        ActivityType(
            organization_id=actor.organization_id,
            key=key,
            name=name,
            funnel_order=funnel_order,
            active=active,
        )
    )


@transaction.atomic
def update_activity_type(
    *, actor: Membership, activity_type: ActivityType, **changes: Any
) -> ActivityType:
    """Rename, re-order in the funnel or (de)activate a type (admins only); the key is fixed."""
    rules.require(access.can_manage_activity_types(actor))
    allowed = {"name", "funnel_order", "active"}
    if set(changes) - allowed:
        raise DomainError(_("The key of an activity type cannot change."), field="key")
    activity_type = (
        ActivityType.objects.for_org(actor.organization_id)
        .select_for_update()
        .get(pk=activity_type.pk)
    )
    for name, value in changes.items():
        setattr(activity_type, name, value)
    return _save_type(activity_type)


def _domain_error_from(exc: ValidationError) -> DomainError:
    if hasattr(exc, "error_dict"):
        field_name, messages = next(iter(exc.message_dict.items()))
        return DomainError(
            " ".join(messages), field=None if field_name == "__all__" else field_name
        )
    return DomainError(" ".join(exc.messages))


# --- the activity log ---------------------------------------------------------------------


def _active_membership(org: Organization | int, user: User | int) -> Membership | None:
    user_id = user if isinstance(user, int) else user.pk
    return (
        Membership.objects.for_org(org)
        .filter(user_id=user_id, active=True)
        .select_related("user", "organization")
        .first()
    )


def _resolve_type(
    org: Organization, value: ActivityType | str, *, allow_inactive: bool = False
) -> ActivityType:
    if isinstance(value, ActivityType):
        if value.organization_id != org.pk:
            raise DomainError(_("Unknown activity type."), field="type")
        activity_type = value
    else:
        found = types.type_by_key(org, value)
        if found is None:
            raise DomainError(_("Unknown activity type “%s”.") % value, field="type")
        activity_type = found
    if not activity_type.active and not allow_inactive:
        raise DomainError(_("This activity type is no longer in use."), field="type")
    return activity_type


def _check_moment(org: Organization, moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, org.tzinfo)
    now = timezone.now()
    if moment > now + FUTURE_TOLERANCE:
        raise DomainError(_("An activity cannot be logged in the future."), field="occurred_at")
    if moment < now - OLDEST_ALLOWED:
        raise DomainError(_("That date is too far in the past."), field="occurred_at")
    return moment


def _check_quantity(quantity: Any) -> int:
    try:
        value = int(quantity)
    except (TypeError, ValueError) as exc:
        raise DomainError(_("Quantity must be a whole number."), field="quantity") from exc
    if isinstance(quantity, float) and quantity != value:
        raise DomainError(_("Quantity must be a whole number."), field="quantity")
    if not 1 <= value <= MAX_QUANTITY:
        raise DomainError(
            _("Quantity must be between 1 and %(max)d.") % {"max": MAX_QUANTITY}, field="quantity"
        )
    return value


def _check_companion(org_id: int, owner_id: int, companion: User | int | None) -> int | None:
    if companion is None:
        return None
    companion_id = companion if isinstance(companion, int) else companion.pk
    if companion_id == owner_id:
        raise DomainError(_("Nobody accompanies themselves."), field="accompanied_by")
    companion_membership = Membership.objects.for_org(org_id).filter(user_id=companion_id).first()
    if companion_membership is None or not access.can_accompany(companion_membership):
        raise DomainError(
            _("The accompanying person must be an active manager of this organisation."),
            field="accompanied_by",
        )
    return companion_id


def _check_location(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    if latitude is None and longitude is None:
        return None, None
    try:
        lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
        lon = Decimal(str(longitude)).quantize(Decimal("0.000001"))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise DomainError(
            _("A location needs a latitude and a longitude."), field="location"
        ) from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DomainError(_("That location is not on Earth."), field="location")
    return lat, lon


def _check_deal(actor: Membership, deal: Any) -> None:
    """A linked deal belongs to the organisation and is one the actor works on."""
    if deal is None:
        return
    if not access.can_link_deal(actor, deal):
        raise DomainError(_("Unknown deal."), field="deal")


def request_rollup(org_id: int) -> None:
    """After commit: ask a worker to recompute. Never raises: the beat drain is the fallback.

    At most one drain per organisation waits in the queue (`tasks.publish_drain`): each
    drain takes every dirty bucket of the organisation, so a write finding one pending adds
    nothing to the queue.
    """

    def enqueue() -> None:
        from activities.tasks import publish_drain

        try:
            publish_drain(org_id)
        except Exception:
            log.warning(
                "rollup not enqueued for org %s; the periodic drain will pick it up",
                org_id,
                exc_info=True,
            )

    transaction.on_commit(enqueue)


@transaction.atomic
def log_activity(
    *,
    actor: Membership,
    type: ActivityType | str,
    occurred_at: datetime | None = None,
    quantity: int = 1,
    note: str = "",
    user: User | int | None = None,
    accompanied_by: User | int | None = None,
    observation: str = "",
    follow_up: str = "",
    latitude: Any = None,
    longitude: Any = None,
    deal: Any = None,
) -> Activity:
    """Log an activity for the actor (or, for admins, for another member)."""
    org = actor.organization
    owner = actor if user is None else _active_membership(org, user)
    if owner is None:
        raise DomainError(_("Unknown member."), field="user")
    rules.require(access.can_log_for(actor, owner))
    activity_type = _resolve_type(org, type)
    moment = _check_moment(org, occurred_at or timezone.now())
    companion_id = _check_companion(org.pk, owner.user_id, accompanied_by)
    if (observation or follow_up) and not access.can_annotate_as(actor, companion_id):
        raise DomainError(
            _("Only the accompanying manager records observations."), field="observation"
        )
    lat, lon = _check_location(latitude, longitude)
    _check_deal(actor, deal)
    activity = Activity.objects.create(
        organization=org,
        user_id=owner.user_id,
        team_id=owner.team_id,
        type=activity_type,
        occurred_at=moment,
        local_date=periods.local_date(org, moment),
        quantity=_check_quantity(quantity),
        note=(note or "").strip(),
        accompanied_by_id=companion_id,
        observation=(observation or "").strip(),
        follow_up=(follow_up or "").strip(),
        latitude=lat,
        longitude=lon,
        deal=deal,
        created_by_id=actor.user_id,
    )
    activity_saved.send(sender=Activity, activity=activity)
    mark_dirty(org_id=org.pk, buckets=[Bucket(activity.user_id, activity.local_date)])
    request_rollup(org.pk)
    return activity


_OWNER_FIELDS = {
    "type",
    "occurred_at",
    "quantity",
    "note",
    "deal",
    "accompanied_by",
    "latitude",
    "longitude",
}
_ANNOTATION_FIELDS = {"observation", "follow_up"}


@transaction.atomic
def update_activity(*, actor: Membership, activity: Activity, **changes: Any) -> Activity:
    """Edit an activity; both the old and the new bucket are re-rolled.

    The owner (and admins) change what happened; the accompanying manager (and admins)
    record observation and follow-up; only admins move an activity to another owner.
    """
    org = actor.organization
    activity = Activity.objects.for_org(org).select_for_update().get(pk=activity.pk)
    unknown = set(changes) - _OWNER_FIELDS - _ANNOTATION_FIELDS - {"user"}
    if unknown:
        raise DomainError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    if set(changes) & (_OWNER_FIELDS | {"user"}):
        rules.require(access.can_edit_activity(actor, activity))
    if set(changes) & _ANNOTATION_FIELDS:
        rules.require(access.can_annotate_activity(actor, activity))
    old_bucket = Bucket(activity.user_id, activity.local_date)

    if "user" in changes and changes["user"] is not None:
        new_owner = _active_membership(org, changes["user"])
        if new_owner is None:
            raise DomainError(_("Unknown member."), field="user")
        if new_owner.user_id != activity.user_id:
            rules.require(access.can_log_for(actor, new_owner))
            activity.user_id = new_owner.user_id
            activity.team_id = new_owner.team_id  # the new owner's team now
    if "type" in changes:
        new_type = _resolve_type(org, changes["type"], allow_inactive=True)
        if not new_type.active and new_type.pk != activity.type_id:
            raise DomainError(_("This activity type is no longer in use."), field="type")
        activity.type = new_type
    if "occurred_at" in changes:
        activity.occurred_at = _check_moment(org, changes["occurred_at"])
        activity.local_date = periods.local_date(org, activity.occurred_at)
    if "quantity" in changes:
        activity.quantity = _check_quantity(changes["quantity"])
    if "note" in changes:
        activity.note = (changes["note"] or "").strip()
    if "accompanied_by" in changes:
        activity.accompanied_by_id = _check_companion(
            org.pk, activity.user_id, changes["accompanied_by"]
        )
    if "latitude" in changes or "longitude" in changes:
        activity.latitude, activity.longitude = _check_location(
            changes.get("latitude", activity.latitude), changes.get("longitude", activity.longitude)
        )
    if "deal" in changes:
        _check_deal(actor, changes["deal"])
        activity.deal = changes["deal"]
    for name in _ANNOTATION_FIELDS & set(changes):
        setattr(activity, name, (changes[name] or "").strip())
    activity.save()
    activity_saved.send(sender=Activity, activity=activity)
    mark_dirty(org_id=org.pk, buckets=[old_bucket, Bucket(activity.user_id, activity.local_date)])
    request_rollup(org.pk)
    return activity


@transaction.atomic
def delete_activity(*, actor: Membership, activity: Activity) -> None:
    """Delete an activity (owner or admin) and re-roll its bucket."""
    org = actor.organization
    activity = Activity.objects.for_org(org).select_for_update().get(pk=activity.pk)
    rules.require(access.can_edit_activity(actor, activity))
    bucket = Bucket(activity.user_id, activity.local_date)
    activity.delete()
    mark_dirty(org_id=org.pk, buckets=[bucket])
    request_rollup(org.pk)


# --- CSV import ---------------------------------------------------------------------------


def _parse_moment(org: Organization, text: str) -> datetime:
    text = text.strip()
    try:
        moment = parse_datetime(text)
        day = None if moment is not None else parse_date(text)
    except ValueError:  # well-formed but impossible, such as 2026-02-30
        moment = day = None
    if moment is None:
        if day is None:
            raise DomainError(_("occurred_at must be a date or an ISO 8601 date-time."))
        moment = datetime(day.year, day.month, day.day, 12, 0, tzinfo=org.tzinfo)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, org.tzinfo)
    return moment


class ActivityImporter(Importer):
    """Activities from CSV: members import their own rows, admins anyone's (`can_log_for`)."""

    kind = "activities"
    columns = IMPORT_COLUMNS
    required = IMPORT_COLUMNS[:3]
    title = gettext_lazy("Activities import")
    list_url_name = "activities:activity_list"
    import_url_name = "activities:activity_import"

    @classmethod
    def created_message(cls, count: int) -> str:
        return ngettext("Imported %d activity.", "Imported %d activities.", count) % count

    def __init__(self, actor: Membership) -> None:
        super().__init__(actor)
        org = actor.organization
        self.members = {
            m.user.email.lower(): m
            for m in Membership.objects.for_org(org).filter(active=True).select_related("user")
        }
        self.types = {t.key: t for t in ActivityType.objects.for_org(org).filter(active=True)}

    def check_row(self, values: dict[str, str]) -> Activity:
        actor, org = self.actor, self.actor.organization
        email = values.get("user_email", "").strip().lower()
        owner = self.members.get(email)
        if owner is None:
            raise DomainError(_("Unknown member e-mail “%s”.") % email)
        if not access.can_log_for(actor, owner):
            raise DomainError(_("You may only import your own activities."))
        type_key = values.get("type", "").strip()
        if type_key not in self.types:
            raise DomainError(_("Unknown activity type “%s”.") % type_key)
        moment = _check_moment(org, _parse_moment(org, values.get("occurred_at", "")))
        raw_quantity = values.get("quantity", "").strip() or "1"
        quantity = _check_quantity(raw_quantity if raw_quantity.lstrip("-").isdigit() else "x")
        note = values.get("note", "").strip()
        if len(note) > 4000:
            raise DomainError(_("The note is too long."))
        return Activity(
            organization=org,
            user_id=owner.user_id,
            team_id=owner.team_id,
            type=self.types[type_key],
            occurred_at=moment,
            local_date=periods.local_date(org, moment),
            quantity=quantity,
            note=note,
            created_by_id=actor.user_id,
        )

    def write(self, rows: Sequence[CheckedRow]) -> None:
        """Every checked activity at once, its buckets marked dirty in the same transaction."""
        org_id = self.actor.organization_id
        activities = [row.value for row in rows]
        Activity.objects.bulk_create(activities, batch_size=1000)
        mark_dirty(org_id=org_id, buckets={Bucket(a.user_id, a.local_date) for a in activities})
        request_rollup(org_id)
