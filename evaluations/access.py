"""Who may see and do what in evaluations: each resource's "which ones" query beside its rule.

Criteria are the whole organisation's to read and its admins' to change. Roles are read only
through `accounts.rules`.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import rules
from accounts.models import Membership
from evaluations.models import EvaluationCriterion

# --- criteria -----------------------------------------------------------------------------


def criteria_visible_to(actor: Membership) -> QuerySet[EvaluationCriterion]:
    """Every criterion of the actor's organisation (`can_view_criterion`)."""
    qs = EvaluationCriterion.objects.for_org(actor.organization_id)
    return qs if actor.active else qs.none()


def can_view_criterion(actor: Membership, criterion: EvaluationCriterion) -> bool:
    """Everyone in the organisation knows what they are evaluated on."""
    return actor.active and criterion.organization_id == actor.organization_id


def can_edit_criteria(actor: Membership) -> bool:
    """Only admins add and change the organisation's criteria."""
    return bool(rules.is_org_admin(actor))
