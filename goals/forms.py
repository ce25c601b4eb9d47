"""Forms of the goal pages: shape and field validation only; rules live in services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Team, User
from activities.models import ActivityType
from goals import access
from goals.models import CascadeTemplate, Goal, Metric
from goals.services import CASCADE_STRATEGIES
from salesmgmt import periods
from salesmgmt.forms import DateField


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


PERIOD_CHOICES = [
    ("", _("Custom dates (below)")),
    ("this_month", _("This month")),
    ("next_month", _("Next month")),
    ("this_quarter", _("This quarter")),
    ("this_year", _("This fiscal year")),
]


def period_for_choice(org: Any, choice: str, today: date) -> periods.Period:
    """The organisation period a picker choice names, as of `today`."""
    if choice == "next_month":
        return periods.shift(org, periods.month_of(today), "month", 1)
    kind = {"this_month": "month", "this_quarter": "quarter", "this_year": "year"}[choice]
    return periods.period_of(org, kind, today)


class GoalCreateForm(forms.Form):
    metric = forms.ModelChoiceField(label=_("Metric"), queryset=Metric.objects.none())
    scope = forms.ChoiceField(label=_("For"), choices=Goal.Scope.choices)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        help_text=_("For a team goal."),
    )
    user = PersonChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("For a person's goal."),
    )
    period = forms.ChoiceField(
        label=_("Period"),
        choices=PERIOD_CHOICES,
        required=False,
        help_text=_("Pick a period, or keep “Custom dates” and fill in start and end."),
    )
    start = DateField(label=_("Start"), required=False)
    end = DateField(label=_("End"), required=False, help_text=_("Inclusive."))
    target = forms.DecimalField(label=_("Target"), max_digits=16, decimal_places=2)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)

    def __init__(self, *args: Any, actor: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = actor.organization
        self.org = org
        self.fields["metric"].queryset = Metric.objects.for_org(org)  # type: ignore[attr-defined]
        # Managers set goals for the teams they lead and those teams' people only.
        teams = access.teams_goals_settable_by(actor)
        people = access.people_goals_settable_by(actor)
        if not access.can_set_company_goals(actor):
            self.fields["scope"].choices = [  # type: ignore[attr-defined]
                c for c in Goal.Scope.choices if c[0] != Goal.Scope.ORG
            ]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["user"].queryset = people  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("period")
        if choice:
            period = period_for_choice(self.org, choice, periods.today(self.org))
            data["start"], data["end"] = period.start, period.last
        else:
            for name in ("start", "end"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Enter a date, or pick a period above."))
        scope = data.get("scope")
        if scope == Goal.Scope.TEAM and not data.get("team") and "team" not in self.errors:
            self.add_error("team", _("Choose the team."))
        if scope == Goal.Scope.USER and not data.get("user") and "user" not in self.errors:
            self.add_error("user", _("Choose the person."))
        return data


def shown_target(goal: Goal) -> Decimal:
    """A target as the metric counts it (no ".00" on counts)."""
    return goal.target.quantize(goal.metric.quantum)


class GoalEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    target = forms.DecimalField(label=_("Target"), max_digits=16, decimal_places=2)
    start = DateField(label=_("Start"))
    end = DateField(label=_("End"), help_text=_("Inclusive."))
    version = forms.IntegerField(widget=forms.HiddenInput())

    @classmethod
    def initial_for(cls, goal: Goal) -> dict[str, Any]:
        return {
            "title": goal.title,
            "target": shown_target(goal),
            "start": goal.start,
            "end": goal.end,
            "version": goal.version,
        }


class TargetEditForm(forms.Form):
    """One node's target in the cascade editor; `root` names the tree to show afterwards."""

    target = forms.DecimalField(label=_("Target"), max_digits=16, decimal_places=2)
    version = forms.IntegerField(widget=forms.HiddenInput())
    root = forms.IntegerField(required=False, widget=forms.HiddenInput())


STRATEGY_LABELS = {
    "even": _("Evenly"),
    "weights": _("By weights"),
    "last_period": _("By last period's share"),
}
TO_LABELS = {"teams": _("Sub-teams"), "members": _("Team members")}


class CascadeForm(forms.Form):
    """Split a goal over its candidates; one weight field per candidate of each kind."""

    to = forms.ChoiceField(label=_("Split over"), widget=forms.RadioSelect)
    strategy = forms.ChoiceField(
        label=_("How"),
        choices=[(s, STRATEGY_LABELS[s]) for s in CASCADE_STRATEGIES],
        initial="even",
        widget=forms.RadioSelect,
    )

    def __init__(
        self, *args: Any, candidates: dict[str, list[tuple[int, str]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        self.fields["to"].choices = [(to, TO_LABELS[to]) for to in candidates]  # type: ignore[attr-defined]
        if candidates:
            self.fields["to"].initial = next(iter(candidates))
        for to, rows in candidates.items():
            for key, name in rows:
                self.fields[self.weight_name(to, key)] = forms.DecimalField(
                    label=name, required=False, min_value=Decimal(0), max_digits=16
                )

    @staticmethod
    def weight_name(to: str, key: int) -> str:
        return f"w_{to}_{key}"

    def weight_groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(to, label, bound weight fields) for the template."""
        return [
            (to, str(TO_LABELS[to]), [self[self.weight_name(to, key)] for key, _n in rows])
            for to, rows in self.candidates.items()
        ]

    def weights(self) -> dict[str, Decimal]:
        """The weights given for the chosen kind, keyed by team or user id."""
        to = self.cleaned_data["to"]
        given = {}
        for key, _name in self.candidates.get(to, []):
            value = self.cleaned_data.get(self.weight_name(to, key))
            if value is not None:
                given[str(key)] = value
        return given


class TemplateSaveForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=120)


class TemplateApplyForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=CascadeTemplate.objects.none(), widget=forms.HiddenInput()
    )
    on = DateField(label=_("Period containing"))

    def __init__(self, *args: Any, templates: QuerySet[CascadeTemplate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]


class DayOffForm(forms.Form):
    date = DateField(label=_("Date"))
    name = forms.CharField(label=_("Name"), max_length=120, required=False)


class ManualEntryForm(forms.Form):
    metric = forms.ModelChoiceField(label=_("Metric"), queryset=Metric.objects.none())
    date = DateField(label=_("Date"))
    value = forms.DecimalField(label=_("Value"), max_digits=16, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, metrics: QuerySet[Metric], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = metrics  # type: ignore[attr-defined]
        if len(metrics) == 1:
            self.fields["metric"].initial = metrics[0]


class TeamPickForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].empty_label = None  # type: ignore[attr-defined]


class MetricForm(forms.Form):
    """A metric's definition (admins): what it counts, in which unit, under which key."""

    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        help_text=_("Lower-case letters, digits and _; the name the API and imports use."),
    )
    name = forms.CharField(label=_("Name"), max_length=80)
    unit = forms.CharField(
        label=_("Unit"),
        max_length=20,
        initial="count",
        help_text=_("“count” or a currency code."),
    )
    source = forms.ChoiceField(label=_("Counts"), choices=Metric.Source.choices)
    activity_types = forms.ModelMultipleChoiceField(
        label=_("Activity types"),
        queryset=ActivityType.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("For a metric that counts activities: which ones."),
    )

    def __init__(self, *args: Any, activity_types: QuerySet[ActivityType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity_types"].queryset = activity_types  # type: ignore[attr-defined]

    @classmethod
    def initial_of(cls, metric: Metric) -> dict[str, Any]:
        return {
            "key": metric.key,
            "name": metric.name,
            "unit": metric.unit,
            "source": metric.source,
            "activity_types": list(metric.activity_types.all()),
        }


class GoalMonthForm(forms.Form):
    """The month whose goals a goals page shows (`?on=` any day of it; empty: open goals)."""

    on = DateField(label=_("Month of"), required=False)
