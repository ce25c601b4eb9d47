"""The FilterSets of evaluations' lists, used by the API (DjangoFilterBackend) and by the
pages' filter forms alike. Parameter names follow shared/API.md."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from evaluations.models import EvaluationCriterion


class CriterionFilter(django_filters.FilterSet):
    """Criteria by whom they apply to."""

    applies_to = django_filters.ChoiceFilter(
        label=_("Applies to"), choices=EvaluationCriterion.AppliesTo.choices
    )

    class Meta:
        model = EvaluationCriterion
        fields = ["applies_to"]
