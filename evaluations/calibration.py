"""Calibration of a cycle: how each evaluator rates against the organisation, and ratings
that contradict their evidence (goal attainment), over the manager evaluations the reader
may see (admins: all; managers: their subtree's); and the people nobody evaluates yet."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from accounts.models import Membership, Organization
from evaluations import access, services
from evaluations.models import Evaluation, EvaluationCriterion, EvaluationCycle
from goals import selectors as goal_selectors
from salesmgmt import periods

OUTLIER_GAP = 0.5
HIGH_RATING, LOW_ATTAINMENT = 4, 0.8
LOW_RATING, HIGH_ATTAINMENT = 2, 1.1


def attainment_by_person(
    org: Organization, cycle: EvaluationCycle, user_ids: list[int]
) -> dict[int, float]:
    """Each person's mean goal attainment over the cycle's dates (people with goals only)."""
    period = periods.Period(cycle.start, cycle.end + timedelta(days=1))
    goals = list(goal_selectors.goals_of_period(org, period, user_ids=user_ids))
    days_off = goal_selectors.days_off_for(org, goals)
    today = periods.today(org)
    found: dict[int, list[float]] = defaultdict(list)
    for goal in goals:
        goal.organization = org  # one organisation read for all
        if goal.user_id is not None:
            found[goal.user_id].append(
                goal_selectors.progress_of(goal, today=today, days_off=days_off).attainment
            )
    return {user: sum(values) / len(values) for user, values in found.items()}


def calibration(actor: Membership, cycle: EvaluationCycle) -> dict[str, Any]:
    evaluations = list(
        access.evaluations_visible_to(actor)
        .filter(cycle=cycle, kind=Evaluation.Kind.MANAGER)
        .exclude(status=Evaluation.Status.DRAFT)
        .order_by("evaluator_id", "id")
    )
    by_evaluator: dict[int, list[int]] = defaultdict(list)
    every: list[int] = []
    for evaluation in evaluations:
        if evaluation.evaluator_id is None:
            continue
        for value in evaluation.ratings.values():
            by_evaluator[evaluation.evaluator_id].append(value)
            every.append(value)
    org_mean = sum(every) / len(every) if every else None
    evaluators = []
    means: dict[int, float] = {}
    for evaluator_id, values in sorted(by_evaluator.items()):
        mean = means[evaluator_id] = sum(values) / len(values)
        evaluators.append(
            {
                "evaluator": evaluator_id,
                "count": len(values),
                "mean": round(mean, 2),
                "distribution": {str(n): values.count(n) for n in range(1, 6)},
            }
        )
    outliers = [
        evaluator_id
        for evaluator_id, mean in means.items()
        if org_mean is not None and abs(mean - org_mean) >= OUTLIER_GAP
    ]
    tied = set(
        EvaluationCriterion.objects.for_org(cycle.organization_id)
        .filter(evidence=EvaluationCriterion.Evidence.GOAL_ATTAINMENT)
        .values_list("key", flat=True)
    )
    org = Organization.objects.get(pk=cycle.organization_id)
    attainment = attainment_by_person(org, cycle, [e.subject_id for e in evaluations])
    mismatches = []
    for evaluation in evaluations:
        reached = attainment.get(evaluation.subject_id)
        if reached is None:
            continue
        for key, rating in sorted(evaluation.ratings.items()):
            if key not in tied:
                continue
            if (rating >= HIGH_RATING and reached < LOW_ATTAINMENT) or (
                rating <= LOW_RATING and reached > HIGH_ATTAINMENT
            ):
                mismatches.append(
                    {
                        "evaluation": evaluation.pk,
                        "subject": evaluation.subject_id,
                        "criterion": key,
                        "rating": rating,
                        "evidence": {"goal_attainment": round(reached, 4)},
                    }
                )
    without = access.people_without_evaluator_for(actor, services.unassigned(cycle))
    return {
        "evaluators": evaluators,
        "org_mean": round(org_mean, 2) if org_mean is not None else None,
        "outliers": outliers,
        "mismatches": mismatches,
        "without_evaluator": [e.subject_id for e in without],
    }
