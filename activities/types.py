"""An organisation's activity types by key, kept per process under the organisation's stamp.

Logging an activity names its type by key. Reading the type from the database on every write
cost a statement and about a tenth of the request's CPU, for rows that change a few times a
year. So each process keeps the types it read, under `Organization.activity_types_stamp`,
which every change of a type replaces with a new random value in the same transaction:

- A request reads its organisation row fresh (with the caller's membership), so it sees the
  stamp of the last committed change and never uses types read under an older one.
- The types are stored under the stamp read *in the same statement* as them, not under the
  stamp of the caller's (possibly older) organisation row: types read inside a transaction
  that changed them are stored under that transaction's new stamp, which nobody sees unless
  it commits (a rolled-back stamp never comes back: it is random).
- A change in this process also drops the organisation's entry at once, so code holding an
  organisation row loaded before the change (in the same request, or a test) reads again.

What is left is the ordinary race of any read-then-write: a type deactivated by another
request between this request's organisation read and its insert is still accepted, as it was
when the type was read by its own statement.

The instances handed out are shared: read them, never change them.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import Organization
from activities.models import ActivityType

MAX_ORGANISATIONS = 1_000  # entries kept per process; all are dropped when it is exceeded

_lock = threading.Lock()
_by_org: dict[int, tuple[uuid.UUID, dict[str, ActivityType]]] = {}


def type_by_key(org: Organization, key: str) -> ActivityType | None:
    """The organisation's activity type `key` (active or not), or None if it has none."""
    entry = _by_org.get(org.pk)
    if entry is None or entry[0] != org.activity_types_stamp:
        entry = _load(org.pk)
        if entry is None:
            return None
    return entry[1].get(key)


def _load(org_id: int) -> tuple[uuid.UUID, dict[str, ActivityType]] | None:
    rows = list(
        ActivityType.objects.for_org(org_id)
        .order_by()
        .annotate(stamp=F("organization__activity_types_stamp"))
    )
    if not rows:
        return None
    entry: tuple[uuid.UUID, dict[str, ActivityType]] = (
        rows[0].stamp,
        {row.key: row for row in rows},
    )
    with _lock:
        if len(_by_org) >= MAX_ORGANISATIONS:
            _by_org.clear()
        _by_org[org_id] = entry
    return entry


def forget(org_id: int) -> None:
    """Drop the organisation's types from this process (they are read again when needed)."""
    with _lock:
        _by_org.pop(org_id, None)


def types_changed(org_id: int) -> None:
    """Give the organisation a new stamp (call inside the transaction that changed types)."""
    Organization.objects.filter(pk=org_id).update(activity_types_stamp=uuid.uuid4())
    forget(org_id)


@receiver(post_save, sender=ActivityType, dispatch_uid="activity-types-stamp-save")
@receiver(post_delete, sender=ActivityType, dispatch_uid="activity-types-stamp-delete")
def _type_saved_or_deleted(sender: Any, instance: ActivityType, **kwargs: Any) -> None:
    types_changed(instance.organization_id)
