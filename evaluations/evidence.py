"""The numbers beside the ratings: read-only evidence for one person over a cycle's dates,
from the rollups and stored progress of the apps below (goals, activities, deals, motivation).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from activities import selectors as activity_selectors
from deals import selectors as deal_selectors
from evaluations.models import Evaluation, EvaluationCriterion
from goals import selectors as goal_selectors
from motivation import selectors as motivation_selectors
from salesmgmt import periods


def evidence_for(evaluation: Evaluation) -> dict[str, Any]:
    """Goals (target, actual, attainment), activity counts by type (against the targets of
    single-type activity goals), deals won, the open pipeline at the cycle's end (or now,
    while it runs), accompanied visits, kudos and 1:1s, for the evaluation's subject over
    its cycle's dates. Amounts are in the organisation's currency (named beside them)."""
    org = Organization.objects.get(pk=evaluation.organization_id)
    cycle = evaluation.cycle
    start, end, user_id = cycle.start, cycle.end, evaluation.subject_id
    today = periods.today(org)
    period = periods.Period(start, end + timedelta(days=1))
    goals = list(
        goal_selectors.goals_of_period(org, period, user_ids=[user_id]).prefetch_related(
            "metric__activity_types"
        )
    )
    activity_targets: dict[str, Decimal] = defaultdict(Decimal)
    goal_rows = []
    days_off = goal_selectors.days_off_for(org, goals)
    for goal in goals:
        goal.organization = org
        progress = goal_selectors.progress_of(goal, today=today, days_off=days_off)
        goal_rows.append(
            {
                "goal": goal.pk,
                "metric": goal.metric.key,
                "start": goal.start.isoformat(),
                "end": goal.end.isoformat(),
                "target": str(goal.target),
                "actual": str(progress.actual),
                "attainment": progress.attainment,
            }
        )
        types = list(goal.metric.activity_types.all())
        if len(types) == 1:
            activity_targets[types[0].key] += goal.target
    counts: dict[str, int] = defaultdict(int)
    for row in activity_selectors.activity_counts(org, start=start, end=end, user_id=user_id):
        counts[row.type] += row.count
    activities = {
        key: {
            "count": counts.get(key, 0),
            "target": str(activity_targets[key]) if key in activity_targets else None,
        }
        for key in sorted(set(counts) | set(activity_targets))
    }
    won, amount = deal_selectors.won_by(org, user_id, start=start, end=end)
    # The pipeline as it stood when the cycle ended (or now, while it runs).
    pipeline_at = min(periods.local_midnight(org, end + timedelta(days=1)), timezone.now())
    open_count, open_amount = deal_selectors.open_pipeline_of(org, user_id, at=pipeline_at)
    return {
        "funnel": _funnel(org, evaluation, counts),
        "goals": goal_rows,
        "activities": activities,
        "deals_won": {"count": won, "amount": str(amount), "currency": org.currency},
        "open_pipeline": {
            "count": open_count,
            "amount": str(open_amount),
            "currency": org.currency,
        },
        "accompaniments": activity_selectors.accompanied_visits(org, user_id, start=start, end=end),
        "kudos_received": motivation_selectors.kudos_received(org, user_id, start=start, end=end),
        "one_on_ones": motivation_selectors.one_on_ones_held(
            org, user_id, start=start, end=end, today=today
        ),
    }


def _funnel(org: Organization, evaluation: Evaluation, counts: dict[str, int]) -> dict[str, Any]:
    """The person's funnel stages over the cycle (conversion from the stage before) and
    their bottleneck against the team they were in when the cycle opened."""
    types = activity_selectors.funnel_types(org)
    stages = activity_selectors.stages_of(types, counts)
    found = None
    if evaluation.subject_team is not None and types:
        report = activity_selectors.funnel_for_team(
            org, evaluation.subject_team, start=evaluation.cycle.start, end=evaluation.cycle.end
        )
        found = next(
            (m.bottleneck for m in report.members if m.user.pk == evaluation.subject_id), None
        )
    return {
        "stages": [
            {
                "type": s.type,
                "count": s.count,
                "conversion": round(s.conversion, 4) if s.conversion is not None else None,
            }
            for s in stages
        ],
        "bottleneck": found,
    }


def in_words(source: str | None, evidence: dict[str, Any]) -> str:
    """One line of the evidence a criterion is tied to, shown beside its rating."""
    if source == EvaluationCriterion.Evidence.GOAL_ATTAINMENT and evidence["goals"]:
        parts = [f"{g['metric']} {g['attainment'] * 100:.0f}%" for g in evidence["goals"]]
        return _("Goal attainment: %(goals)s") % {"goals": ", ".join(parts)}
    if source == EvaluationCriterion.Evidence.ACTIVITY_VS_TARGET and evidence["activities"]:
        parts = [
            f"{key} {row['count']}" + (f"/{row['target']}" if row["target"] is not None else "")
            for key, row in evidence["activities"].items()
        ]
        return _("Activities: %(counts)s") % {"counts": ", ".join(parts)}
    if source == EvaluationCriterion.Evidence.FUNNEL_CONVERSION and evidence["funnel"]["stages"]:
        parts = [
            f"{s['type']} {s['count']}"
            + (f" ({s['conversion'] * 100:.0f}%)" if s["conversion"] is not None else "")
            for s in evidence["funnel"]["stages"]
        ]
        return _("Funnel: %(stages)s") % {"stages": " → ".join(parts)}
    if source == EvaluationCriterion.Evidence.DEALS_WON:
        won, pipeline = evidence["deals_won"], evidence["open_pipeline"]
        return _(
            "%(count)d deals won, %(amount)s %(currency)s; open pipeline: %(open)d deals, "
            "%(open_amount)s %(currency)s"
        ) % {
            "count": won["count"],
            "amount": won["amount"],
            "currency": won["currency"],
            "open": pipeline["count"],
            "open_amount": pipeline["amount"],
        }
    if source == EvaluationCriterion.Evidence.ACCOMPANIMENTS:
        return _("%(n)d accompanied visits") % {"n": evidence["accompaniments"]}
    if source == EvaluationCriterion.Evidence.KUDOS_RECEIVED:
        return _("%(n)d kudos received") % {"n": evidence["kudos_received"]}
    if source == EvaluationCriterion.Evidence.ONE_ON_ONES:
        return _("%(n)d 1:1s held") % {"n": evidence["one_on_ones"]}
    return ""
