"""Forms of the evaluations pages: shape and field validation only; rules live in services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations.models import EvaluationCriterion, EvaluationCycle
from salesmgmt.forms import DateField, DateInput


class CriterionForm(forms.ModelForm):
    """A criterion of the organisation (admins)."""

    class Meta:
        model = EvaluationCriterion
        fields = ["key", "name", "description", "applies_to", "weight", "evidence"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def validate_unique(self) -> None:
        """The key's uniqueness is the service's (its error lands on `key`)."""


class CycleForm(forms.ModelForm):
    """A new cycle (admins): a name and its dates."""

    class Meta:
        model = EvaluationCycle
        fields = ["name", "start", "end"]
        widgets = {"start": DateInput(), "end": DateInput()}
        field_classes = {"start": DateField, "end": DateField}


RATING_CHOICES = [("", "—"), *[(str(n), str(n)) for n in range(1, 6)]]


class EvaluationForm(forms.Form):
    """Ratings and a comment for each criterion, then the summary."""

    strengths = forms.CharField(
        label=_("Strengths"),
        required=False,
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    improve = forms.CharField(
        label=_("What to improve"),
        required=False,
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        required=False,
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, criteria: list[EvaluationCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"rating_{criterion.key}"] = forms.TypedChoiceField(
                label=_("Rating"),
                choices=RATING_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )
            self.fields[f"comment_{criterion.key}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=2_000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[tuple[EvaluationCriterion, Any, Any]]:
        return [(c, self[f"rating_{c.key}"], self[f"comment_{c.key}"]) for c in self.criteria]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "ratings": {c.key: data.get(f"rating_{c.key}") for c in self.criteria},
            "comments": {c.key: data.get(f"comment_{c.key}") or "" for c in self.criteria},
            "summary": {k: data.get(k) or "" for k in ("strengths", "improve", "next_steps")},
        }


class AcknowledgeForm(forms.Form):
    response = forms.CharField(
        label=_("Your response (optional)"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FinalRatingForm(forms.Form):
    final_rating = forms.TypedChoiceField(
        label=_("Final rating"), choices=RATING_CHOICES[1:], coerce=int
    )
    final_note = forms.CharField(
        label=_("Why"), max_length=1_000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NextStepsForm(forms.Form):
    """Where the next steps go: one of the evaluator's 1:1s with the person, or a new one."""

    one_on_one = forms.TypedChoiceField(
        label=_("1:1"), coerce=int, empty_value=None, required=False
    )
    date = DateField(
        label=_("Date of the new 1:1"),
        required=False,
        help_text=_("Default: today. Only when no existing 1:1 is chosen."),
    )
    due = DateField(label=_("Due"), required=False)

    def __init__(self, *args: Any, one_on_ones: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["one_on_one"])
        field.choices = [
            ("", _("A new 1:1")),
            *[(str(o.pk), o.date.isoformat()) for o in one_on_ones],
        ]


class AssignEvaluatorForm(forms.Form):
    """Who evaluates a person in a cycle (admins); the rules are the service's."""

    subject = forms.IntegerField(widget=forms.HiddenInput)
    evaluator = forms.IntegerField(label=_("Evaluator"))
