"""Forms of the evaluations pages: shape and field validation only; rules live in services."""

from __future__ import annotations

from django import forms

from evaluations.models import EvaluationCriterion


class CriterionForm(forms.ModelForm):
    """A criterion of the organisation (admins)."""

    class Meta:
        model = EvaluationCriterion
        fields = ["key", "name", "description", "applies_to", "weight", "evidence"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def validate_unique(self) -> None:
        """The key's uniqueness is the service's (its error lands on `key`)."""
