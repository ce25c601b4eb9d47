"""The FilterSets of evaluations' lists, used by the API (DjangoFilterBackend) and by the
pages' filter forms alike. Parameter names follow shared/API.md."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, User
from evaluations import access
from evaluations.models import Evaluation, EvaluationCriterion, EvaluationCycle


class CriterionFilter(django_filters.FilterSet):
    """Criteria by whom they apply to."""

    applies_to = django_filters.ChoiceFilter(
        label=_("Applies to"), choices=EvaluationCriterion.AppliesTo.choices
    )

    class Meta:
        model = EvaluationCriterion
        fields = ["applies_to"]


class CycleFilter(django_filters.FilterSet):
    """Cycles by stage."""

    status = django_filters.ChoiceFilter(label=_("Stage"), choices=EvaluationCycle.Status.choices)

    class Meta:
        model = EvaluationCycle
        fields = ["status"]


class EvaluationFilter(django_filters.FilterSet):
    """Evaluations by cycle, subject, evaluator and kind (choices: the actor's organisation)."""

    cycle = django_filters.ModelChoiceFilter(
        label=_("Cycle"), queryset=EvaluationCycle.objects.none()
    )
    subject = django_filters.ModelChoiceFilter(label=_("Person"), queryset=User.objects.none())
    evaluator = django_filters.ModelChoiceFilter(label=_("Evaluator"), queryset=User.objects.none())
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Evaluation.Kind.choices)

    class Meta:
        model = Evaluation
        fields = ["cycle", "subject", "evaluator", "kind"]

    def __init__(self, data: Any = None, *args: Any, actor: Membership, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        people = User.objects.filter(memberships__organization_id=actor.organization_id).order_by(
            "name", "username"
        )
        self.filters["subject"].queryset = people
        self.filters["evaluator"].queryset = people
        self.filters["cycle"].queryset = access.cycles_visible_to(actor)
