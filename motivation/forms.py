"""Forms of the motivation pages: shape and field validation only; rules live in services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Team, User
from goals.models import Metric
from motivation.models import (
    ITEM_MAX,
    KUDOS_MAX,
    NOTE_MAX,
    TEXT_MAX,
    MotivationSettings,
    OneOnOne,
)

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


class _PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class _DateInput(forms.DateInput):
    input_type = "date"


class OneOnOneEditForm(forms.ModelForm):
    class Meta:
        model = OneOnOne
        fields = ["date", "agenda", "shared_notes", "private_notes"]
        widgets = {
            "date": _DateInput(),
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "shared_notes": forms.Textarea(attrs={"rows": 4}),
            "private_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"shared_notes": _("You and the member both read these.")}


class OneOnOneForm(forms.Form):
    """A new 1:1 with one of the manager's people."""

    member = _PersonField(label=_("With"), queryset=User.objects.none())
    date = forms.DateField(label=_("Date"), widget=_DateInput())
    agenda = forms.CharField(
        label=_("Agenda"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    shared_notes = forms.CharField(
        label=_("Shared notes"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("You and the member both read these."),
    )
    private_notes = forms.CharField(
        label=_("Private notes"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only you will ever see these."),
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member_field = cast(forms.ModelChoiceField, self.fields["member"])
        member_field.queryset = User.objects.filter(pk__in=people.values("user_id")).order_by(
            "name", "username"
        )


class ActionItemForm(forms.Form):
    text = forms.CharField(label=_("Action item"), max_length=ITEM_MAX)
    owner = _PersonField(label=_("Owner"), queryset=User.objects.none())
    due = forms.DateField(label=_("Due"), required=False, widget=_DateInput())

    def __init__(self, *args: Any, one_on_one: OneOnOne, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_field = cast(forms.ModelChoiceField, self.fields["owner"])
        owner_field.queryset = User.objects.filter(
            pk__in=[one_on_one.manager_id, one_on_one.member_id]
        )


class AgendaPointForm(forms.Form):
    text = forms.CharField(label=_("Propose a point"), max_length=ITEM_MAX)


def member_of(org_id: int, user: User) -> Membership:
    return Membership.objects.for_org(org_id).get(user=user)


class KudosForm(forms.Form):
    to_user = _PersonField(label=_("Thank"), queryset=User.objects.none())
    message = forms.CharField(
        label=_("Message"), max_length=KUDOS_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    value = forms.ChoiceField(label=_("Value"), required=False)

    def __init__(
        self, *args: Any, colleagues: Any, values: list[dict[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        to_field = cast(forms.ModelChoiceField, self.fields["to_user"])
        to_field.queryset = User.objects.filter(pk__in=colleagues.values("user_id")).order_by(
            "name", "username"
        )
        value_field = cast(forms.ChoiceField, self.fields["value"])
        value_field.choices = [("", _("No particular value"))] + [
            (v["key"], v["name"]) for v in values
        ]


class LeaderboardForm(forms.Form):
    metric = forms.ModelChoiceField(
        label=_("Metric"), queryset=Metric.objects.none(), to_field_name="key"
    )
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("week", _("Week")), ("month", _("Month")), ("quarter", _("Quarter"))],
        initial="month",
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Rank by"),
        choices=[
            ("attainment", _("Attainment of one's own goal")),
            ("improvement", _("Improvement on the previous period")),
        ],
        required=False,
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Everyone")
    )

    def __init__(self, *args: Any, org_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        metric_field = cast(forms.ModelChoiceField, self.fields["metric"])
        metric_field.queryset = Metric.objects.for_org(org_id).order_by("name")
        team_field = cast(forms.ModelChoiceField, self.fields["team"])
        team_field.queryset = Team.objects.for_org(org_id).order_by("name")
