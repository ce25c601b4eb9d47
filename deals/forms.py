"""Forms of the deal pages: shape and field validation only; rules live in services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Team, User
from deals import access
from deals.models import Customer, Deal, Stage
from salesmgmt import money, periods
from salesmgmt.filters import KeyChoiceField as StageChoiceField
from salesmgmt.filters import PersonChoiceField
from salesmgmt.forms import CSVUploadForm, DateField

# The query keys a saved view keeps (anything else in a URL is dropped); `status` is the
# list's former name for `open` (open/closed/all), still read from older saved views and links.
LIST_KEYS = ("q", "owner", "team", "stage", "open", "status", "stale", "sort")
_STATUS_TO_OPEN = {"open": "true", "closed": "false", "all": ""}


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


def active_people(org_id: int) -> QuerySet[User]:
    """Active members of the organisation, by name."""
    ids = Membership.objects.for_org(org_id).filter(active=True).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("name", "username")


# --- board and list filters ---------------------------------------------------------------


def page_filter_data(data: QueryDict, *, board: bool = False) -> QueryDict:
    """The list's query string as the deal filters read it: open deals unless the person
    chose otherwise (`open`, or the former `status`); the board shows every stage."""
    bound = data.copy()
    status = bound.pop("status", [""])[-1]
    if not board and "open" not in bound:
        bound["open"] = _STATUS_TO_OPEN.get(status, "true")
    return bound


def list_query(data: QueryDict) -> str:
    """The deal list's own query keys of a request, URL-encoded (no page, no strays)."""
    kept = QueryDict(mutable=True)
    for key in LIST_KEYS:
        value = data.get(key)
        if value:
            kept[key] = value
    return kept.urlencode()


# --- deals --------------------------------------------------------------------------------


class DealForm(forms.Form):
    """A new deal, or a deal's details (stage and forecast change on the deal page)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=16,  # the decimals the currency allows are checked in clean_amount
        min_value=Decimal(0),
        widget=forms.NumberInput(attrs={"inputmode": "decimal"}),
    )
    stage = StageChoiceField(label=_("Stage"), queryset=Stage.objects.none(), empty_label=None)
    owner = PersonChoiceField(label=_("Owner"), queryset=User.objects.none(), empty_label=None)
    collaborators = PeopleChoiceField(
        label=_("Collaborators"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("A manager going along on the deal, or a colleague helping with it."),
    )
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        required=False,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Leave empty to use the stage's probability."),
    )
    expected_close_date = DateField(label=_("Expected close"), required=False)
    proposal_date = DateField(label=_("Planned proposal"), required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_step_date = DateField(label=_("Next step by"), required=False)
    term = forms.ChoiceField(
        label=_("Horizon"),
        choices=Deal.Term.choices,
        help_text=_("Short-term: close within the quarter; long-term: a relationship to build."),
    )
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"), choices=Deal.Forecast.choices
    )
    concerns = forms.CharField(
        label=_("Customer concerns"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: what the customer worries about."),
    )

    # Fields a new deal sets that its edit form leaves to their own controls.
    CREATE_ONLY = ("stage", "forecast_category", "concerns")

    def __init__(self, *args: Any, actor: Membership, deal: Deal | None = None, **kwargs: Any):
        if deal is not None:
            kwargs.setdefault("initial", self._initial(deal))
        super().__init__(*args, **kwargs)
        org_id = actor.organization_id
        self.actor, self.deal = actor, deal
        self.currency = actor.organization.currency
        amount = self.fields["amount"]
        amount.label = _("Amount (%(currency)s)") % {"currency": self.currency}
        # Whole yen, cents for dollars: the browser steps (and checks) by the minor unit.
        amount.widget.attrs["step"] = str(money.quantum(self.currency))
        if deal is not None:
            self.initial["amount"] = money.quantize(deal.amount, self.currency)
        self.fields["customer"].queryset = Customer.objects.for_org(org_id)  # type: ignore[attr-defined]
        owners = access.deal_owners_assignable_by(actor)
        if deal is not None:  # keep the current owner choosable, whoever it is
            owners = User.objects.filter(Q(pk__in=owners.values("pk")) | Q(pk=deal.owner_id))
        self.fields["owner"].queryset = owners.order_by("name", "username")  # type: ignore[attr-defined]
        self.fields["collaborators"].queryset = active_people(org_id)  # type: ignore[attr-defined]
        if deal is None:
            self.fields["owner"].initial = actor.user_id
            self.fields["stage"].queryset = Stage.objects.for_org(org_id).filter(  # type: ignore[attr-defined]
                outcome=Stage.Outcome.OPEN
            )
            self.fields["forecast_category"].initial = Deal.Forecast.PIPELINE
        else:
            for name in self.CREATE_ONLY:
                del self.fields[name]
        if not access.can_give_deals_to_others(actor):
            del self.fields["owner"]  # members own what they create, and cannot hand deals on

    def clean_amount(self) -> Decimal:
        value: Decimal = self.cleaned_data["amount"]
        if money.has_finer_digits(value, self.currency):
            raise forms.ValidationError(
                money.finer_digits_message(self.currency), code="max_decimal_places"
            )
        return money.quantize(value, self.currency)

    @staticmethod
    def _initial(deal: Deal) -> dict[str, Any]:
        return {
            "title": deal.title,
            "customer": deal.customer_id,
            "amount": deal.amount,
            "owner": deal.owner_id,
            "collaborators": [u.pk for u in deal.collaborators.all()],
            "probability": deal.probability if deal.probability_is_manual else None,
            "expected_close_date": deal.expected_close_date,
            "proposal_date": deal.proposal_date,
            "next_step": deal.next_step,
            "next_step_date": deal.next_step_date,
            "term": deal.term,
        }

    def create_kwargs(self) -> dict[str, Any]:
        """Arguments for services.create_deal."""
        data = dict(self.cleaned_data)
        data["collaborators"] = list(data["collaborators"])
        data["concerns"] = [line for line in data["concerns"].splitlines() if line.strip()]
        return data

    def changes(self) -> dict[str, Any]:
        """Arguments for services.update_deal: only what the person changed."""
        changes = {name: self.cleaned_data[name] for name in self.changed_data}
        if "collaborators" in changes:
            changes["collaborators"] = list(changes["collaborators"])
        return changes


class MoveDealForm(forms.Form):
    stage = StageChoiceField(label=_("Move to"), queryset=Stage.objects.none(), empty_label=None)
    lost_reason = forms.CharField(
        label=_("Why was it lost?"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, org_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.for_org(org_id)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        stage = data.get("stage")
        lost = stage is not None and stage.outcome == Stage.Outcome.LOST
        if lost and not (data.get("lost_reason") or "").strip():
            self.add_error("lost_reason", _("Say why the deal was lost."))
        return data


class ForecastForm(forms.Form):
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"), choices=Deal.Forecast.choices
    )
    forecast_note = forms.CharField(
        label=_("Note for the owner"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, actor: Membership, deal: Deal, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"forecast_category": deal.forecast_category, "forecast_note": deal.forecast_note},
        )
        super().__init__(*args, **kwargs)
        # A manager adjusting a rep's call explains why; the owner may leave a note.
        self.adjusting = deal.owner_id != actor.user_id
        if self.adjusting:
            self.fields["forecast_note"].required = True
            self.fields["forecast_note"].help_text = _("Required when you adjust someone's call.")
        else:
            self.fields["forecast_note"].label = _("Note")


class ConcernForm(forms.Form):
    text = forms.CharField(label=_("New concern"), max_length=500)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- customers ----------------------------------------------------------------------------


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("Notes"), max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    title = forms.CharField(label=_("Title"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)


# --- pipeline stages ----------------------------------------------------------------------


class StageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767)
    probability = forms.IntegerField(label=_("Probability (%)"), min_value=0, max_value=100)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Stage.Outcome.choices)


class StageCreateForm(StageForm):
    key = forms.RegexField(
        label=_("Key"),
        max_length=40,
        regex=r"^[a-z][a-z0-9_]*$",
        error_messages={"invalid": _("Lower-case letters, digits and _.")},
        help_text=_("A short fixed name for imports and the API, e.g. demo_done."),
    )

    field_order = ["key", "name", "order", "probability", "outcome"]


# --- CSV import ---------------------------------------------------------------------------


class DealImportForm(CSVUploadForm):
    help_text = _("UTF-8, with a header line; title, customer and amount are required.")


# --- saved views --------------------------------------------------------------------------


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Save this view as"), max_length=80)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)


# --- load and forecast --------------------------------------------------------------------


class TeamScopeForm(forms.Form):
    """Pick a team: admins may also pick the whole organisation (no team)."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)

    def __init__(self, data: Any, *, teams: QuerySet[Team], whole_org: bool, **kwargs: Any):
        super().__init__(data, **kwargs)
        field = self.fields["team"]
        field.queryset = teams  # type: ignore[attr-defined]
        field.required = not whole_org
        field.empty_label = _("Whole organisation") if whole_org else None  # type: ignore[attr-defined]


class ForecastFilterForm(TeamScopeForm):
    quarter = forms.ChoiceField(label=_("Quarter"), required=False)

    def __init__(self, data: Any, *, org: Any, **kwargs: Any) -> None:
        current = periods.fiscal_quarter_of(org, periods.today(org))
        if data is not None and not data.get("quarter"):
            data = {**data, "quarter": current.start.isoformat()}
        super().__init__(data, **kwargs)
        quarters = [periods.shift(org, current, "quarter", step) for step in range(-4, 2)]
        self.fields["quarter"].choices = [  # type: ignore[attr-defined]
            (q.start.isoformat(), periods.fiscal_quarter_label(org, q.start)) for q in quarters
        ]
        self.current_quarter = current

    def quarter_start(self) -> date:
        value = self.cleaned_data.get("quarter") if self.is_valid() else None
        return date.fromisoformat(value) if value else self.current_quarter.start
