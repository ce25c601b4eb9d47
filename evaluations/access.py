"""Who may see and do what in evaluations: each resource's "which ones" query beside its rule.

Criteria are the whole organisation's to read and its admins' to change. Cycles are seen by
everyone once opened (drafts: admins) and moved by admins. An evaluation is seen by whoever
writes it (the subject their self evaluation, the evaluator the manager evaluation); once
submitted also by the evaluator, the subject's managers (`rules.can_manage_member`) and
admins; the subject sees the manager evaluation only once released. Drafts never leak.
Roles are read only through `accounts.rules`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts import rules
from accounts.models import Membership
from evaluations.models import Evaluation, EvaluationCriterion, EvaluationCycle

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


# --- cycles -------------------------------------------------------------------------------


def cycles_visible_to(actor: Membership) -> QuerySet[EvaluationCycle]:
    """The organisation's cycles: admins all, everyone else those opened (not drafts)."""
    qs = EvaluationCycle.objects.for_org(actor.organization_id)
    if not actor.active:
        return qs.none()
    if rules.is_org_admin(actor):
        return qs
    return qs.exclude(status=EvaluationCycle.Status.DRAFT)


def can_view_cycle(actor: Membership, cycle: EvaluationCycle) -> bool:
    if not actor.active or cycle.organization_id != actor.organization_id:
        return False
    return rules.is_org_admin(actor) or cycle.status != EvaluationCycle.Status.DRAFT


def can_manage_cycles(actor: Membership) -> bool:
    """Only admins create cycles and move them from one stage to the next."""
    return bool(rules.is_org_admin(actor))


# --- evaluations --------------------------------------------------------------------------

SHOWN_TO_SUBJECT = (Evaluation.Status.RELEASED, Evaluation.Status.ACKNOWLEDGED)


def _subject_membership(actor: Membership, user_id: int) -> Membership | None:
    if user_id == actor.user_id:
        return actor
    return Membership.objects.for_org(actor.organization_id).filter(user_id=user_id).first()


def evaluations_visible_to(actor: Membership) -> QuerySet[Evaluation]:
    """The evaluations the actor reads (the query beside `can_view_evaluation`)."""
    qs = Evaluation.objects.for_org(actor.organization_id)
    if not actor.active:
        return qs.none()
    me = actor.user_id
    writes = Q(kind=Evaluation.Kind.SELF, subject_id=me) | Q(
        kind=Evaluation.Kind.MANAGER, evaluator_id=me
    )
    released_to_me = Q(kind=Evaluation.Kind.MANAGER, subject_id=me, status__in=SHOWN_TO_SUBJECT)
    others = ~Q(status=Evaluation.Status.DRAFT) & ~Q(subject_id=me)
    if not rules.is_org_admin(actor):
        managed = (
            Membership.objects.for_org(actor.organization_id)
            .filter(team_id__in=rules.managed_team_ids(actor))
            .exclude(user_id=me)
            .values("user_id")
        )
        others &= Q(evaluator_id=me) | Q(subject_id__in=managed)
    return qs.filter(writes | released_to_me | others)


def can_view_evaluation(actor: Membership, evaluation: Evaluation) -> bool:
    if not actor.active or evaluation.organization_id != actor.organization_id:
        return False
    if evaluation.writer_id == actor.user_id:
        return True
    if evaluation.subject_id == actor.user_id:
        return evaluation.kind == Evaluation.Kind.MANAGER and (
            evaluation.status in SHOWN_TO_SUBJECT
        )
    if evaluation.status == Evaluation.Status.DRAFT:
        return False
    if evaluation.evaluator_id == actor.user_id or rules.is_org_admin(actor):
        return True
    subject = _subject_membership(actor, evaluation.subject_id)
    return subject is not None and rules.can_manage_member(actor, subject)


def can_write_evaluation(actor: Membership, evaluation: Evaluation) -> bool:
    """Only its writer fills an evaluation in (when the stage allows it: services)."""
    return can_view_evaluation(actor, evaluation) and evaluation.writer_id == actor.user_id


def can_acknowledge_evaluation(actor: Membership, evaluation: Evaluation) -> bool:
    """The subject acknowledges their manager's evaluation (once released: services)."""
    return (
        can_view_evaluation(actor, evaluation)
        and evaluation.kind == Evaluation.Kind.MANAGER
        and evaluation.subject_id == actor.user_id
    )


def can_turn_next_steps_into_action_items(actor: Membership, evaluation: Evaluation) -> bool:
    """The evaluator (or an admin) makes a manager evaluation's next steps 1:1 action items
    (once it is released: services)."""
    return (
        can_view_evaluation(actor, evaluation)
        and evaluation.kind == Evaluation.Kind.MANAGER
        and (evaluation.evaluator_id == actor.user_id or bool(rules.is_org_admin(actor)))
    )


def leads_a_team(membership: Membership) -> bool:
    """Is the person evaluated as a manager (on the managers' criteria)?"""
    return bool(rules.is_manager_or_admin(membership))


def can_view_calibration(actor: Membership) -> bool:
    """Admins calibrate the organisation; managers see it over their teams."""
    return bool(rules.is_manager_or_admin(actor))


def can_assign_evaluators(actor: Membership) -> bool:
    """Admins name who evaluates a person in a cycle."""
    return bool(rules.is_org_admin(actor))


def evaluators_assignable_by(actor: Membership) -> QuerySet[Membership]:
    """Whom an admin may name as evaluator: the organisation's active managers and admins
    (besides the person evaluated: services)."""
    qs = Membership.objects.for_org(actor.organization_id)
    if not can_assign_evaluators(actor):
        return qs.none()
    return qs.filter(rules.TEAM_LEADERS, active=True)


def people_without_evaluator_for(actor: Membership, found: list[Evaluation]) -> list[Evaluation]:
    """Of the evaluations nobody can write (`services.unassigned_in`), those the actor is
    told about: admins all; managers their teams' people; nobody else any."""
    if not actor.active:
        return []
    if rules.is_org_admin(actor):
        return found
    if not rules.is_manager_or_admin(actor):
        return []
    managed = set(
        Membership.objects.for_org(actor.organization_id)
        .filter(team_id__in=rules.managed_team_ids(actor))
        .exclude(user_id=actor.user_id)
        .values_list("user_id", flat=True)
    )
    return [e for e in found if e.subject_id in managed]


def latecomers_visible_to(actor: Membership) -> QuerySet[Membership]:
    """The active people whose absence from an open cycle the actor is told about
    (`services.not_in_cycles`): admins everyone, managers their teams' people, nobody else
    any (as `people_without_evaluator_for`)."""
    qs = Membership.objects.for_org(actor.organization_id).filter(active=True)
    if not actor.active:
        return qs.none()
    if rules.is_org_admin(actor):
        return qs
    if not rules.is_manager_or_admin(actor):
        return qs.none()
    return qs.filter(team_id__in=rules.managed_team_ids(actor)).exclude(user_id=actor.user_id)


def can_set_final_rating(actor: Membership, evaluation: Evaluation) -> bool:
    """Admins settle a manager evaluation's final rating (calibration; afterwards, audited)."""
    return can_view_evaluation(actor, evaluation) and bool(rules.is_org_admin(actor))
