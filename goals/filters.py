"""The one FilterSet of the goals list (the goals API's filters)."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from goals.models import Goal
from salesmgmt.forms import DateField


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class DateFilter(django_filters.DateFilter):
    field_class = DateField


class GoalFilter(django_filters.FilterSet):
    scope = django_filters.ChoiceFilter(choices=Goal.Scope.choices)
    team = IdFilter(field_name="team_id", help_text="Goals of this team.")
    user = IdFilter(field_name="user_id", help_text="Goals of this person.")
    metric = django_filters.CharFilter(field_name="metric__key", help_text="A metric key.")
    start = DateFilter(
        field_name="end", lookup_expr="gte", help_text="Goals overlapping [start, end]."
    )
    end = DateFilter(
        field_name="start", lookup_expr="lte", help_text="Goals overlapping [start, end]."
    )
    parent = django_filters.CharFilter(
        method="filter_parent",
        validators=[RegexValidator(r"^([0-9]+|null)$", _("A goal id or “null”."))],
        help_text="A goal id (its children), or `null` for goals that were not split from one.",
    )

    class Meta:
        model = Goal
        fields: list[str] = []

    def filter_parent(self, queryset: QuerySet[Goal], name: str, value: str) -> QuerySet[Goal]:
        if value == "null":
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent_id=int(value))
