"""The audit trail: one function writes it, nothing in the app changes it afterwards."""

from __future__ import annotations

import logging
from typing import Any

from accounts.models import AuditEvent, Organization, User

log = logging.getLogger("salesmgmt.security")


def record_event(
    *,
    action: str,
    actor: User | int | None = None,
    organization: Organization | int | None = None,
    target: str = "",
    request: Any = None,
    **detail: Any,
) -> AuditEvent:
    """Append an audit row (and a security log line); never raises into the caller's flow."""
    actor_id = actor if isinstance(actor, int) or actor is None else actor.pk
    org_id = (
        organization if isinstance(organization, int) or organization is None else organization.pk
    )
    ip = getattr(request, "META", {}).get("REMOTE_ADDR") if request is not None else None
    log.info("audit %s actor=%s org=%s target=%s", action, actor_id, org_id, target)
    return AuditEvent.objects.create(
        action=action,
        actor_id=actor_id,
        organization_id=org_id,
        target=target[:200],
        detail=detail,
        ip_address=ip,
    )
