"""The audit trail: one function writes it, nothing in the app changes it afterwards.

`record_event` appends one row. Events about an account rather than an organisation
(failed sign-ins, two-factor changes) go through `record_account_event`, which writes one
row for each organisation the person is an active member of, so each of those admins sees
them in their own trail, and one row without an organisation when there is none.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent, Membership, Organization, User

log = logging.getLogger("salesmgmt.security")

# Every action the app records, with the label the audit page shows.
ACTIONS: dict[str, Any] = {
    "member_added": _("Member added"),
    "member_invited": _("Member invited"),
    "role_changed": _("Role changed"),
    "team_changed": _("Team changed"),
    "member_deactivated": _("Member deactivated"),
    "member_reactivated": _("Member reactivated"),
    "org_settings_changed": _("Organisation settings changed"),
    "goal_created": _("Goal set"),
    "goal_changed": _("Goal changed"),
    "goal_deleted": _("Goal deleted"),
    "goal_cascaded": _("Goal split"),
    "export": _("Export"),
    "evaluation_final_rating": _("Final rating set"),
    "login_failed": _("Failed sign-in"),
    "login_locked_out": _("Sign-in locked out"),
    "mfa_enrolled": _("Two-factor set up"),
    "mfa_failed": _("Wrong two-factor code"),
    "mfa_recovery_code_used": _("Recovery code used"),
    "mfa_recovery_codes_regenerated": _("Recovery codes renewed"),
    "mfa_disabled": _("Two-factor turned off"),
    "mfa_reset": _("Two-factor reset by an admin"),
    "access_denied": _("Access denied"),
    "throttled": _("Rate limit hit"),
}


def record_event(
    *,
    action: str,
    actor: User | int | None = None,
    organization: Organization | int | None = None,
    target: str = "",
    request: Any = None,
    **detail: Any,
) -> AuditEvent:
    """Append an audit row (and a security log line)."""
    actor_id = actor if isinstance(actor, int) or actor is None else actor.pk
    org_id = (
        organization if isinstance(organization, int) or organization is None else organization.pk
    )
    ip = getattr(request, "META", {}).get("REMOTE_ADDR") if request is not None else None
    log.info("audit %s actor=%s org=%s target=%r", action, actor_id, org_id, target)
    return AuditEvent.objects.create(
        action=action,
        actor_id=actor_id,
        organization_id=org_id,
        target=target[:200],
        detail=detail,
        ip_address=ip,
    )


def record_account_event(
    *,
    action: str,
    subject: User,
    actor: User | int | None = None,
    request: Any = None,
    **detail: Any,
) -> None:
    """Record an event about `subject`'s account in each organisation they are active in."""
    org_ids: list[int | None] = list(
        Membership.objects.filter(user_id=subject.pk, active=True).values_list(
            "organization_id", flat=True
        )
    )
    for org_id in org_ids or [None]:
        record_event(
            action=action,
            actor=actor,
            organization=org_id,
            target=subject.email,
            request=request,
            **detail,
        )


# --- CSV export -----------------------------------------------------------------------------

CSV_COLUMNS = ("at_utc", "action", "actor_email", "actor_name", "target", "ip_address", "detail")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    # A spreadsheet runs a cell starting with one of these as a formula (QUALITY S12).
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


class _Line:
    def write(self, value: str) -> str:
        return value


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The events as CSV lines (header first), formula-like cells neutralised."""
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    for event in events:
        actor = event.actor
        row = [
            event.at.isoformat(),
            event.action,
            actor.email if actor else "",
            actor.display_name if actor else "",
            event.target,
            event.ip_address or "",
            json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else "",
        ]
        yield writer.writerow([_cell(value) for value in row])
