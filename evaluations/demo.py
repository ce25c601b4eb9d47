"""Demo data for evaluations: a closed half-year with released (partly acknowledged)
evaluations, and the current half-year in self review. Idempotent: an organisation with a
cycle is left alone. Written through the services, so every rule holds for the demo too."""

from __future__ import annotations

import random
from datetime import timedelta

from accounts import rules
from accounts.models import Membership, Organization
from evaluations import services
from evaluations.models import Evaluation, EvaluationCycle
from salesmgmt import periods

STAGES = list(EvaluationCycle.Status.values)
SUMMARY = {
    "strengths": "Steady activity and honest forecasts.",
    "improve": "Qualify earlier: too many deals stall after the proposal.",
    "next_steps": "Role-play the needs interview with your manager every other week.",
}


def _advance(admin: Membership, cycle: EvaluationCycle, to: str) -> EvaluationCycle:
    while cycle.status != to:
        cycle = services.advance_cycle(actor=admin, cycle=cycle, to=str(cycle.next_status))
    return cycle


def seed_demo_evaluations(*, org: Organization, memberships: list[Membership]) -> int:
    """Add the demo organisation's cycles once; returns the evaluations created."""
    if EvaluationCycle.objects.for_org(org).exists():
        return 0
    admin = next((m for m in memberships if rules.is_org_admin(m)), None)
    if admin is None:
        return 0
    services.ensure_default_criteria(org=org)
    rng = random.Random(org.slug)  # noqa: S311  (demo data, repeatable)
    today = periods.today(org)
    people = {m.user_id: m for m in Membership.objects.for_org(org).filter(active=True)}

    closed = services.create_cycle(
        actor=admin,
        name="Last half-year",
        start=today - timedelta(days=365),
        end=today - timedelta(days=183),
    )
    closed = _advance(admin, closed, EvaluationCycle.Status.SELF_REVIEW)
    own: dict[int, dict[str, int]] = {}
    for evaluation in closed.evaluations.filter(kind=Evaluation.Kind.SELF):
        keys = [c.key for c in services.criteria_for(evaluation)]
        own[evaluation.subject_id] = {k: rng.choice([3, 3, 4]) for k in keys}
        services.update_evaluation(
            actor=people[evaluation.subject_id],
            evaluation=evaluation,
            ratings=own[evaluation.subject_id],
        )
        services.submit_evaluation(actor=people[evaluation.subject_id], evaluation=evaluation)
    closed = _advance(admin, closed, EvaluationCycle.Status.MANAGER_REVIEW)
    for evaluation in closed.evaluations.filter(kind=Evaluation.Kind.MANAGER):
        if evaluation.evaluator_id is None:
            continue  # nobody can evaluate them: left flagged on the cycle
        ratings = {
            k: max(2, min(4, v + rng.choice([-1, 0, 0, 1])))
            for k, v in own[evaluation.subject_id].items()
        }
        services.update_evaluation(
            actor=people[evaluation.evaluator_id],
            evaluation=evaluation,
            ratings=ratings,
            comments=dict.fromkeys(ratings, "Shown in the numbers beside this rating."),
            summary=SUMMARY,
        )
        services.submit_evaluation(actor=people[evaluation.evaluator_id], evaluation=evaluation)
    closed = _advance(admin, closed, EvaluationCycle.Status.RELEASED)
    released = closed.evaluations.filter(
        kind=Evaluation.Kind.MANAGER, status=Evaluation.Status.RELEASED
    )
    for index, evaluation in enumerate(released):
        if index % 2 == 0:
            services.acknowledge_evaluation(
                actor=people[evaluation.subject_id],
                evaluation=evaluation,
                response="Thank you; agreed on the next steps.",
            )
    _advance(admin, closed, EvaluationCycle.Status.CLOSED)

    current = services.create_cycle(
        actor=admin, name="This half-year", start=today - timedelta(days=182), end=today
    )
    current = _advance(admin, current, EvaluationCycle.Status.SELF_REVIEW)
    for index, evaluation in enumerate(current.evaluations.filter(kind=Evaluation.Kind.SELF)):
        if index % 2 == 0:
            keys = [c.key for c in services.criteria_for(evaluation)]
            subject = people[evaluation.subject_id]
            services.update_evaluation(
                actor=subject, evaluation=evaluation, ratings={k: rng.choice([3, 4]) for k in keys}
            )
            services.submit_evaluation(actor=subject, evaluation=evaluation)
    return Evaluation.objects.for_org(org).count()
