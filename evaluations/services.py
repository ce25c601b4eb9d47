"""Writes of the evaluations app, each in one transaction; a refusal stores nothing.

Services raise `DomainError` (400: the input breaks a rule) or `PermissionDenied` (403).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import rules
from accounts.models import Membership, Organization
from evaluations import access
from evaluations.models import EvaluationCriterion
from salesmgmt.errors import DomainError

C = EvaluationCriterion

# (key, name, applies_to, evidence): names are stored in the organisation's catalogue as
# written here and shown through gettext while unchanged.
DEFAULT_CRITERIA: tuple[tuple[str, str, str, str | None], ...] = (
    ("results", gettext_noop("Results"), C.AppliesTo.MEMBER, C.Evidence.GOAL_ATTAINMENT),
    ("actions", gettext_noop("Actions"), C.AppliesTo.MEMBER, C.Evidence.ACTIVITY_VS_TARGET),
    ("deals", gettext_noop("Deal management"), C.AppliesTo.MEMBER, C.Evidence.DEALS_WON),
    ("teamwork", gettext_noop("Teamwork"), C.AppliesTo.MEMBER, C.Evidence.KUDOS_RECEIVED),
    (
        "numbers",
        gettext_noop("Thinking in numbers"),
        C.AppliesTo.MANAGER,
        C.Evidence.GOAL_ATTAINMENT,
    ),
    ("decision_making", gettext_noop("Decision-making"), C.AppliesTo.MANAGER, None),
    ("communication", gettext_noop("Communication"), C.AppliesTo.MANAGER, C.Evidence.ONE_ON_ONES),
    ("evaluation", gettext_noop("Evaluation"), C.AppliesTo.MANAGER, None),
)

CRITERION_FIELDS = ("key", "name", "description", "applies_to", "weight", "evidence")


@transaction.atomic
def ensure_default_criteria(*, org: Organization) -> None:
    """Give the organisation the default criteria it lacks (idempotent)."""
    have = set(EvaluationCriterion.objects.for_org(org).values_list("key", flat=True))
    EvaluationCriterion.objects.bulk_create(
        [
            EvaluationCriterion(
                organization=org, key=key, name=name, applies_to=applies_to, evidence=evidence
            )
            for key, name, applies_to, evidence in DEFAULT_CRITERIA
            if key not in have
        ]
    )


def _check_criterion(org_id: int, values: dict[str, Any], exclude: int | None = None) -> None:
    key = values.get("key")
    if key is not None:
        taken = EvaluationCriterion.objects.for_org(org_id).filter(key=key)
        if exclude is not None:
            taken = taken.exclude(pk=exclude)
        if taken.exists():
            raise DomainError(_("Another criterion already has this key."), field="key")
    weight = values.get("weight")
    if weight is not None and not 1 <= weight <= 100:
        raise DomainError(_("The weight must be between 1 and 100."), field="weight")


@transaction.atomic
def create_criterion(*, actor: Membership, **values: Any) -> EvaluationCriterion:
    rules.require(access.can_edit_criteria(actor))
    unknown = set(values) - set(CRITERION_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    _check_criterion(actor.organization_id, values)
    return EvaluationCriterion.objects.create(organization_id=actor.organization_id, **values)


@transaction.atomic
def update_criterion(
    *, actor: Membership, criterion: EvaluationCriterion, **values: Any
) -> EvaluationCriterion:
    rules.require(access.can_edit_criteria(actor))
    _check_criterion(actor.organization_id, values, exclude=criterion.pk)
    for name, value in values.items():
        if name not in CRITERION_FIELDS:
            raise DomainError(_("Unknown fields: %(names)s") % {"names": name})
        setattr(criterion, name, value)
    criterion.save()
    return criterion
