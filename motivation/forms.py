"""Forms of the motivation pages: shape and field validation only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motivation.models import NOTE_MAX, MotivationSettings

SCORE_CHOICES = [
    (5, _("5 - great")),
    (4, _("4 - good")),
    (3, _("3 - okay")),
    (2, _("2 - tough")),
    (1, _("1 - very hard")),
]


class CheckInForm(forms.Form):
    """This week's check-in (a second one of the week edits the first)."""

    score = forms.TypedChoiceField(
        label=_("How is your week going?"), choices=SCORE_CHOICES, coerce=int
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: what makes it so? Your manager reads it."),
    )


class MotivationSettingsForm(forms.ModelForm):
    values_text = forms.CharField(
        label=_("Values"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: key, then a colon, then the name (teamwork: Teamwork)."),
    )

    class Meta:
        model = MotivationSettings
        fields = ["checkin_weekday", "one_on_one_days", "leaderboards_enabled"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["values_text"] = "\n".join(
                f"{v['key']}: {v['name']}" for v in self.instance.values or []
            )

    def clean_values_text(self) -> list[dict[str, str]]:
        values = []
        for line in self.cleaned_data["values_text"].splitlines():
            if not line.strip():
                continue
            key, sep, name = line.partition(":")
            if not sep or not key.strip() or not name.strip():
                raise forms.ValidationError(_("Write each value as “key: Name”."))
            values.append({"key": key.strip(), "name": name.strip()})
        return values
