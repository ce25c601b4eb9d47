"""Writes of the evaluations app, each in one transaction; a refusal stores nothing.

Services raise `DomainError` (400: the input breaks a rule) or `PermissionDenied` (403).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import rules
from accounts.audit import record_event
from accounts.models import Membership, Organization, Team
from evaluations import access
from evaluations.models import (
    DESCRIPTION_MAX,
    Evaluation,
    EvaluationCriterion,
    EvaluationCycle,
)
from messaging.models import Notification
from messaging.services import notify
from motivation import services as motivation_services
from motivation.models import ITEM_MAX, ActionItem, OneOnOne
from motivation.services import NewActionItem
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


# --- cycles -------------------------------------------------------------------------------

Cycle = EvaluationCycle


@transaction.atomic
def create_cycle(*, actor: Membership, name: str, start: date, end: date) -> EvaluationCycle:
    rules.require(access.can_manage_cycles(actor))
    if start > end:
        raise DomainError(_("The cycle must end on or after its start."), field="end")
    return EvaluationCycle.objects.create(
        organization_id=actor.organization_id, name=name, start=start, end=end
    )


def evaluators_for(org_id: int, people: list[Membership]) -> dict[int, int | None]:
    """Who evaluates each person (user id → user id, or None when nobody can).

    The first active manager, other than the person, of their team or of the nearest team
    above it; a manager is so evaluated by the manager of the team above the one they lead.
    Without one (no team, or nobody above), an active admin other than the person.
    """
    teams = Team.objects.for_org(org_id)
    parent_of: dict[int, int | None] = dict(teams.values_list("id", "parent_id"))
    active = set(
        Membership.objects.for_org(org_id).filter(active=True).values_list("user_id", flat=True)
    )
    managers: dict[int, list[int]] = {}
    for led, user_id in Team.managers.through.objects.filter(
        team__organization_id=org_id
    ).values_list("team_id", "user_id"):
        if user_id in active:
            managers.setdefault(led, []).append(user_id)
    admins = sorted(
        Membership.objects.for_org(org_id)
        .filter(rules.ADMIN_SEATS, active=True)
        .values_list("user_id", flat=True)
    )
    found: dict[int, int | None] = {}
    for person in people:
        evaluator: int | None = None
        team_id = person.team_id
        seen: set[int] = set()
        while team_id is not None and team_id not in seen and evaluator is None:
            seen.add(team_id)
            leads = managers.get(team_id, [])
            if person.user_id not in leads and leads:
                evaluator = min(leads)
            team_id = parent_of.get(team_id)
        if evaluator is None:
            evaluator = next((a for a in admins if a != person.user_id), None)
        found[person.user_id] = evaluator
    return found


def _open_self_review(cycle: EvaluationCycle) -> None:
    """A self and a manager evaluation for every active member; whoever nobody can evaluate
    gets them without an evaluator (flagged until an admin assigns one)."""
    people = list(Membership.objects.for_org(cycle.organization_id).filter(active=True))
    evaluators = evaluators_for(cycle.organization_id, people)
    have = set(cycle.evaluations.values_list("subject_id", "kind"))
    made = []
    for person in people:
        for kind in Evaluation.Kind.values:
            if (person.user_id, kind) in have:
                continue
            made.append(
                Evaluation(
                    organization_id=cycle.organization_id,
                    cycle=cycle,
                    subject_id=person.user_id,
                    evaluator_id=evaluators[person.user_id],
                    kind=kind,
                    subject_team_id=person.team_id,
                    leads_team=access.leads_a_team(person),
                )
            )
    Evaluation.objects.bulk_create(made)


def _catch_up(cycle: EvaluationCycle) -> None:
    """At manager review: who joined since self review gets a manager evaluation, and an
    evaluation without an evaluator, or whose evaluator has left, goes to whoever evaluates
    the person now (if anyone can)."""
    people = {
        m.user_id: m for m in Membership.objects.for_org(cycle.organization_id).filter(active=True)
    }
    evaluators = evaluators_for(cycle.organization_id, list(people.values()))
    have = set(cycle.evaluations.values_list("subject_id", flat=True))
    joined = [
        Evaluation(
            organization_id=cycle.organization_id,
            cycle=cycle,
            subject_id=user_id,
            evaluator_id=evaluators[user_id],
            kind=Evaluation.Kind.MANAGER,
            subject_team_id=person.team_id,
            leads_team=access.leads_a_team(person),
        )
        for user_id, person in people.items()
        if user_id not in have
    ]
    Evaluation.objects.bulk_create(joined)
    for evaluation in unassigned(cycle):
        now = evaluators.get(evaluation.subject_id)
        if now is not None:
            cycle.evaluations.filter(subject_id=evaluation.subject_id).update(evaluator_id=now)


def unassigned_in(org_id: int, cycle_ids: list[int]) -> QuerySet[Evaluation]:
    """The organisation's manager evaluations in those cycles, not yet submitted, whose
    subject is still active and which nobody can write: no evaluator, or one who has left."""
    if not cycle_ids:
        return Evaluation.objects.none()
    active = Membership.objects.for_org(org_id).filter(active=True).values("user_id")
    return (
        Evaluation.objects.for_org(org_id)
        .filter(
            cycle_id__in=cycle_ids, kind=Evaluation.Kind.MANAGER, status=Evaluation.Status.DRAFT
        )
        .filter(subject_id__in=active)
        .filter(Q(evaluator_id__isnull=True) | ~Q(evaluator_id__in=active))
        .select_related("subject")
        .order_by("cycle_id", "subject__name", "subject_id")
    )


def unassigned(cycle: EvaluationCycle) -> list[Evaluation]:
    return list(unassigned_in(cycle.organization_id, [cycle.pk]))


ASSIGNABLE = (Cycle.Status.SELF_REVIEW, Cycle.Status.MANAGER_REVIEW)


def not_in_cycles(
    people: QuerySet[Membership], cycles: list[EvaluationCycle]
) -> dict[int, list[Membership]]:
    """Of `people` (`access.latecomers_visible_to`), those with no evaluation in each of the
    cycles open for assignment (self or manager review): who joined after it opened, until
    an admin adds them (`assign_evaluator`) or manager review catches them up. Cycle id →
    memberships (with their user), by name; cycles at other stages list nobody. One query
    for all the cycles and people."""
    open_ids = sorted({c.pk for c in cycles if c.status in ASSIGNABLE})
    if not open_ids:
        return {}
    present = {
        f"in_cycle_{cycle_id}": Exists(
            Evaluation.objects.filter(cycle_id=cycle_id, subject_id=OuterRef("user_id"))
        )
        for cycle_id in open_ids
    }
    missing = Q()
    for name in present:
        missing |= Q(**{name: False})
    found: dict[int, list[Membership]] = {}
    for person in (
        people.annotate(**present)
        .filter(missing)
        .select_related("user")
        .order_by("user__name", "user_id")
    ):
        for cycle_id in open_ids:
            if not getattr(person, f"in_cycle_{cycle_id}"):
                found.setdefault(cycle_id, []).append(person)
    return found


def _add_to_cycle(cycle: EvaluationCycle, subject_id: int) -> Evaluation:
    """A latecomer's evaluations (no evaluator yet): the manager's, and their own while
    self review is open; 400 for anyone not an active member of the organisation."""
    person = (
        Membership.objects.for_org(cycle.organization_id)
        .filter(user_id=subject_id, active=True)
        .first()
    )
    if person is None:
        raise DomainError(_("This person is not evaluated in this cycle."), field="subject")
    kinds = [Evaluation.Kind.MANAGER]
    if (
        cycle.status == Cycle.Status.SELF_REVIEW
        and not cycle.evaluations.filter(subject_id=subject_id, kind=Evaluation.Kind.SELF).exists()
    ):
        kinds.append(Evaluation.Kind.SELF)
    made = [
        Evaluation.objects.create(
            organization_id=cycle.organization_id,
            cycle=cycle,
            subject_id=subject_id,
            evaluator_id=None,
            kind=kind,
            subject_team_id=person.team_id,
            leads_team=access.leads_a_team(person),
        )
        for kind in kinds
    ]
    return made[0]


@transaction.atomic
def assign_evaluator(
    *, actor: Membership, cycle: EvaluationCycle, subject_id: int, evaluator_id: int
) -> Evaluation:
    """An admin names who evaluates a person in the cycle (someone nobody could evaluate, a
    departed evaluator's people, a move): a manager or admin of the organisation other than
    the person, before the manager evaluation is submitted; audited. Returns it. Someone
    active who joined too late to be in the cycle is added to it (with a self evaluation
    while self review is open)."""
    rules.require(access.can_manage_cycles(actor))
    cycle = EvaluationCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status not in ASSIGNABLE:
        raise DomainError(_("Evaluators are assigned during self review and manager review."))
    evaluation = (
        cycle.evaluations.select_for_update()
        .filter(kind=Evaluation.Kind.MANAGER, subject_id=subject_id)
        .first()
    )
    if evaluation is None:
        evaluation = _add_to_cycle(cycle, subject_id)
    if evaluation.status != Evaluation.Status.DRAFT:
        raise DomainError(_("This evaluation has been submitted and can no longer be changed."))
    chosen = (
        Membership.objects.for_org(actor.organization_id)
        .filter(user_id=evaluator_id, active=True)
        .first()
    )
    if (
        chosen is None
        or chosen.user_id == evaluation.subject_id
        or not rules.is_manager_or_admin(chosen)
    ):
        raise DomainError(
            _("Choose an active manager or admin other than the person."), field="evaluator"
        )
    previous = evaluation.evaluator_id
    cycle.evaluations.filter(subject_id=evaluation.subject_id).update(
        evaluator_id=chosen.user_id, updated_at=timezone.now()
    )
    record_event(
        action="evaluation_evaluator_assigned",
        actor=actor.user_id,
        organization=actor.organization_id,
        target=f"evaluation:{evaluation.pk}",
        evaluator=chosen.user_id,
        previous=previous,
    )
    evaluation.refresh_from_db()
    return evaluation


@transaction.atomic
def advance_cycle(*, actor: Membership, cycle: EvaluationCycle, to: str) -> EvaluationCycle:
    """Move the cycle one stage forward (any other move: 400, nothing changes)."""
    rules.require(access.can_manage_cycles(actor))
    cycle = EvaluationCycle.objects.select_for_update().get(pk=cycle.pk)
    if to not in Cycle.Status.values:
        raise DomainError(_("Unknown stage: %(to)s") % {"to": to}, field="to")
    if to != cycle.next_status:
        raise DomainError(
            _("A cycle moves one stage at a time: from %(now)s only to %(next)s.")
            % {"now": cycle.get_status_display(), "next": cycle.next_status or "-"},
            field="to",
        )
    cycle.status = to
    cycle.save(update_fields=["status"])
    if to == Cycle.Status.SELF_REVIEW:
        _open_self_review(cycle)
    elif to == Cycle.Status.MANAGER_REVIEW:
        _catch_up(cycle)
    elif to == Cycle.Status.RELEASED:
        released = cycle.evaluations.filter(
            kind=Evaluation.Kind.MANAGER, status=Evaluation.Status.SUBMITTED
        )
        ids = list(released.values_list("pk", flat=True))
        released.update(status=Evaluation.Status.RELEASED, updated_at=timezone.now())
        _tell_subjects(cycle, Evaluation.objects.filter(pk__in=ids))
    return cycle


def _tell_subjects(cycle: EvaluationCycle, released: Any) -> None:
    """Each subject hears that their manager's evaluation is there to read."""
    org = Organization.objects.get(pk=cycle.organization_id)
    for evaluation in released:

        def may_see(member: Membership, evaluation: Evaluation = evaluation) -> bool:
            return access.can_view_evaluation(member, evaluation)

        notify(
            org=org,
            kind=Notification.Kind.EVALUATION_RELEASED,
            recipients=[evaluation.subject_id],
            actor=evaluation.evaluator_id,
            event=f"evaluation:{evaluation.pk}",
            url=reverse("evaluations:evaluation_detail", args=[org.slug, evaluation.pk]),
            text=cycle.name,
            may_see=may_see,
        )


# --- evaluations --------------------------------------------------------------------------

SUMMARY_KEYS = ("strengths", "improve", "next_steps")
COMMENT_MAX = 2_000
WRITING_STAGE = {
    Evaluation.Kind.SELF: Cycle.Status.SELF_REVIEW,
    Evaluation.Kind.MANAGER: Cycle.Status.MANAGER_REVIEW,
}


def criteria_for(evaluation: Evaluation) -> list[EvaluationCriterion]:
    """The organisation's criteria that rate this evaluation's subject."""
    found = EvaluationCriterion.objects.for_org(evaluation.organization_id)
    return [c for c in found if c.applies_to_role(evaluation.leads_team)]


def self_evaluation_of(evaluation: Evaluation) -> Evaluation | None:
    """The subject's own evaluation beside a manager evaluation (None for a self one)."""
    if evaluation.kind == Evaluation.Kind.SELF:
        return None
    return Evaluation.objects.filter(
        cycle_id=evaluation.cycle_id, subject_id=evaluation.subject_id, kind=Evaluation.Kind.SELF
    ).first()


def _check_writable(actor: Membership, evaluation: Evaluation) -> None:
    rules.require(access.can_write_evaluation(actor, evaluation))
    if evaluation.status != Evaluation.Status.DRAFT:
        raise DomainError(_("This evaluation has been submitted and can no longer be changed."))
    if evaluation.cycle.status != WRITING_STAGE[Evaluation.Kind(evaluation.kind)]:
        raise DomainError(_("The cycle's current stage does not allow changing this evaluation."))


def _clean_ratings(keys: set[str], ratings: Any) -> dict[str, int]:
    if not isinstance(ratings, dict):
        raise DomainError(_("Ratings are an object of criterion keys and 1 to 5."), field="ratings")
    unknown = sorted(str(k) for k in ratings if k not in keys)
    if unknown:
        raise DomainError(
            _("Unknown criteria: %(keys)s") % {"keys": ", ".join(unknown)}, field="ratings"
        )
    cleaned = {}
    for key, value in ratings.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise DomainError(_("Rate %(key)s from 1 to 5.") % {"key": key}, field="ratings")
        cleaned[key] = value
    return cleaned


def _clean_texts(allowed: set[str] | tuple[str, ...], texts: Any, field: str) -> dict[str, str]:
    if not isinstance(texts, dict):
        raise DomainError(_("Expected an object of texts."), field=field)
    unknown = sorted(str(k) for k in texts if k not in allowed)
    if unknown:
        raise DomainError(_("Unknown keys: %(keys)s") % {"keys": ", ".join(unknown)}, field=field)
    cleaned = {}
    for key, value in texts.items():
        if not isinstance(value, str) or len(value) > COMMENT_MAX:
            raise DomainError(
                _("%(key)s: a text of at most %(max)d characters.")
                % {"key": key, "max": COMMENT_MAX},
                field=field,
            )
        if value.strip():
            cleaned[key] = value.strip()
    return cleaned


def _merge(
    old: dict[str, str], new: Any, allowed: set[str] | tuple[str, ...], field: str
) -> dict[str, str]:
    """The texts given replace those of the same key; a blank one removes it."""
    cleaned = _clean_texts(allowed, new, field)
    merged = {**old, **cleaned}
    for key in set(new) - set(cleaned):
        merged.pop(key, None)
    return {k: v for k, v in merged.items() if k in allowed}


@transaction.atomic
def update_evaluation(
    *,
    actor: Membership,
    evaluation: Evaluation,
    ratings: Any = None,
    comments: Any = None,
    summary: Any = None,
) -> Evaluation:
    """The writer fills in ratings, comments and the summary while the stage allows it."""
    evaluation = (
        Evaluation.objects.select_for_update().select_related("cycle").get(pk=evaluation.pk)
    )
    _check_writable(actor, evaluation)
    keys = {c.key for c in criteria_for(evaluation)}
    if ratings is not None:
        evaluation.ratings = {**evaluation.ratings, **_clean_ratings(keys, ratings)}
        evaluation.ratings = {k: v for k, v in evaluation.ratings.items() if k in keys}
        for key, value in ratings.items():
            if value is None:
                evaluation.ratings.pop(key, None)
    if comments is not None:
        evaluation.comments = _merge(evaluation.comments, comments, keys, "comments")
    if summary is not None:
        evaluation.summary = _merge(evaluation.summary, summary, SUMMARY_KEYS, "summary")
    evaluation.save(update_fields=["ratings", "comments", "summary", "updated_at"])
    return evaluation


def needs_basis(rating: int, self_rating: int | None) -> bool:
    """A manager rating at either end, or two or more steps from the self rating."""
    return rating in (1, 5) or (self_rating is not None and abs(rating - self_rating) >= 2)


@transaction.atomic
def submit_evaluation(*, actor: Membership, evaluation: Evaluation) -> Evaluation:
    """Every criterion rated; a manager evaluation also shows its basis (400 otherwise)."""
    evaluation = (
        Evaluation.objects.select_for_update().select_related("cycle").get(pk=evaluation.pk)
    )
    _check_writable(actor, evaluation)
    keys = [c.key for c in criteria_for(evaluation)]
    missing = [k for k in keys if k not in evaluation.ratings]
    if missing:
        raise DomainError(
            _("Rate every criterion first: %(keys)s") % {"keys": ", ".join(missing)},
            field="ratings",
        )
    if evaluation.kind == Evaluation.Kind.MANAGER:
        own = self_evaluation_of(evaluation)
        own_ratings = own.ratings if own is not None else {}
        unexplained = [
            k
            for k in keys
            if needs_basis(evaluation.ratings[k], own_ratings.get(k))
            and not evaluation.comments.get(k, "").strip()
        ]
        if unexplained:
            raise DomainError(
                _(
                    "Show the basis: a rating of 1 or 5, or two or more steps from the self "
                    "rating, needs a comment on %(keys)s."
                )
                % {"keys": ", ".join(unexplained)},
                field="comments",
            )
        blank = [k for k in SUMMARY_KEYS if not evaluation.summary.get(k, "").strip()]
        if blank:
            raise DomainError(
                _("Write the strengths, what to improve and the next steps."), field="summary"
            )
    evaluation.status = Evaluation.Status.SUBMITTED
    evaluation.submitted_at = timezone.now()
    evaluation.save(update_fields=["status", "submitted_at", "updated_at"])
    return evaluation


@transaction.atomic
def acknowledge_evaluation(
    *, actor: Membership, evaluation: Evaluation, response: str = ""
) -> Evaluation:
    """The subject acknowledges their released evaluation, with an optional response."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    rules.require(access.can_acknowledge_evaluation(actor, evaluation))
    if evaluation.status != Evaluation.Status.RELEASED:
        raise DomainError(_("Only a released evaluation can be acknowledged."))
    if len(response) > DESCRIPTION_MAX * 5:
        raise DomainError(_("The response is too long."), field="response")
    evaluation.status = Evaluation.Status.ACKNOWLEDGED
    evaluation.acknowledged_at = timezone.now()
    evaluation.response = response.strip()
    evaluation.save(update_fields=["status", "acknowledged_at", "response", "updated_at"])
    return evaluation


# --- next steps as 1:1 action items --------------------------------------------------------

_BULLET = re.compile(r"^(?:[-*•・●]|\d+[.)])\s*")


def next_steps_of(evaluation: Evaluation) -> list[str]:
    """The summary's next steps, one per line (bullets and numbering dropped), each cut to
    the length of an action item."""
    steps = []
    for line in evaluation.summary.get("next_steps", "").splitlines():
        text = _BULLET.sub("", line.strip()).strip()
        if text:
            steps.append(text if len(text) <= ITEM_MAX else text[: ITEM_MAX - 1] + "…")
    return steps


@transaction.atomic
def next_steps_to_one_on_one(
    *,
    actor: Membership,
    evaluation: Evaluation,
    one_on_one: OneOnOne | None = None,
    day: date | None = None,
    due: date | None = None,
) -> tuple[OneOnOne, list[ActionItem]]:
    """The evaluator (or an admin) turns a released evaluation's next steps into action
    items of the subject, on one of the actor's 1:1s with them or on a new one (`day`,
    default today). Once per evaluation: a second time is refused (400), nothing added."""
    evaluation = (
        Evaluation.objects.select_for_update().select_related("cycle").get(pk=evaluation.pk)
    )
    rules.require(access.can_turn_next_steps_into_action_items(actor, evaluation))
    if evaluation.status not in access.SHOWN_TO_SUBJECT:
        raise DomainError(_("Next steps become 1:1 action items once the evaluation is released."))
    earlier = evaluation.next_steps_one_on_one
    if earlier is not None:
        raise DomainError(
            _("These next steps are already action items of the 1:1 of %(date)s.")
            % {"date": earlier.date.isoformat()}
        )
    steps = next_steps_of(evaluation)
    if not steps:
        raise DomainError(_("This evaluation has no next steps."))
    subject = (
        Membership.objects.for_org(actor.organization_id)
        .filter(user_id=evaluation.subject_id, active=True)
        .first()
    )
    if subject is None:
        raise DomainError(_("This person is no longer an active member of the organisation."))
    items = [NewActionItem(text=t, owner_id=evaluation.subject_id, due=due) for t in steps]
    if one_on_one is None:
        held = motivation_services.hold_one_on_one(
            actor=actor,
            member=subject,
            day=day,
            agenda=_("Next steps from the evaluation: %(cycle)s")
            % {"cycle": evaluation.cycle.name},
            action_items=items,
        )
    else:
        if (
            one_on_one.organization_id != actor.organization_id
            or one_on_one.manager_id != actor.user_id
            or one_on_one.member_id != evaluation.subject_id
        ):
            raise DomainError(
                _("Choose one of your own 1:1s with this person."), field="one_on_one"
            )
        held = motivation_services.update_one_on_one(
            actor=actor, one_on_one=one_on_one, add_items=items
        )
    evaluation.next_steps_one_on_one = held
    evaluation.save(update_fields=["next_steps_one_on_one", "updated_at"])
    added = held.action_items.filter(owner_id=evaluation.subject_id).order_by("-id")[: len(items)]
    return held, sorted(added, key=lambda item: item.pk)


FINAL_STAGES = (Cycle.Status.CALIBRATION, Cycle.Status.RELEASED)


@transaction.atomic
def set_final_rating(
    *, actor: Membership, evaluation: Evaluation, rating: Any, note: str
) -> Evaluation:
    """An admin settles the final rating of a manager evaluation, with the reason; during
    calibration or after release, and always in the audit trail."""
    evaluation = (
        Evaluation.objects.select_for_update().select_related("cycle").get(pk=evaluation.pk)
    )
    rules.require(access.can_set_final_rating(actor, evaluation))
    if evaluation.kind != Evaluation.Kind.MANAGER:
        raise DomainError(_("Only a manager evaluation gets a final rating."))
    if evaluation.cycle.status not in FINAL_STAGES:
        raise DomainError(_("Final ratings are set during calibration or after release."))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError(_("The final rating is from 1 to 5."), field="final_rating")
    note = (note or "").strip()
    if not note or len(note) > DESCRIPTION_MAX:
        raise DomainError(
            _("Say why, in at most %(max)d characters.") % {"max": DESCRIPTION_MAX},
            field="final_note",
        )
    previous = evaluation.final_rating
    evaluation.final_rating = rating
    evaluation.final_note = note
    evaluation.save(update_fields=["final_rating", "final_note", "updated_at"])
    record_event(
        action="evaluation_final_rating",
        actor=actor.user_id,
        organization=actor.organization_id,
        target=f"evaluation:{evaluation.pk}",
        rating=rating,
        previous=previous,
        released=evaluation.status != Evaluation.Status.SUBMITTED,
    )
    return evaluation
