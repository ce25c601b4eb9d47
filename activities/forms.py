"""Forms of the activity pages: shape and field validation only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organization, Team, User
from accounts.selectors import eligible_managers
from activities import access, selectors
from activities.models import MAX_QUANTITY, Activity, ActivityType
from salesmgmt.filters import DateRangeForm, PersonChoiceField
from salesmgmt.filters import KeyChoiceField as TypeChoiceField
from salesmgmt.forms import CSVUploadForm, DateField, OrgDateTimeField

NOTE_MAX = 4000


def _companions(org: Organization, *, exclude: int | None, keep: int | None) -> QuerySet[User]:
    """Who may be recorded as accompanying: active managers and admins (plus the current one)."""
    qs = eligible_managers(org)
    if keep is not None:
        qs = User.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk=keep)).order_by(
            "name", "username"
        )
    return qs.exclude(pk=exclude) if exclude is not None else qs


def _location_fields() -> tuple[forms.DecimalField, forms.DecimalField]:
    def coordinate(limit: int) -> forms.DecimalField:
        return forms.DecimalField(
            required=False,
            max_digits=9,
            decimal_places=6,
            min_value=-limit,
            max_value=limit,
            widget=forms.HiddenInput,
        )

    return coordinate(90), coordinate(180)


class _ActivityFieldsForm(forms.Form):
    """The fields of an activity that its owner fills in."""

    type = TypeChoiceField(ActivityType.objects.none(), label=_("Type"))
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1
    )
    occurred_at = OrgDateTimeField(label=_("When"))
    note = forms.CharField(
        label=_("Note / outcome"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    accompanied_by = PersonChoiceField(
        User.objects.none(),
        label=_("Accompanied by"),
        required=False,
        empty_label=_("Nobody"),
        help_text=_("The manager who went along on this visit."),
    )
    deal = forms.ModelChoiceField(
        # The model from the foreign key: activities does not import the deals app.
        Activity._meta.get_field("deal").related_model.objects.none(),  # type: ignore[attr-defined]
        label=_("Deal"),
        required=False,
        empty_label=_("No deal"),
        help_text=_("Logging an activity against a deal keeps it from going stale."),
    )
    latitude, longitude = _location_fields()

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].tzinfo = org.tzinfo  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_lat = cleaned.get("latitude") is not None
        has_lon = cleaned.get("longitude") is not None
        if has_lat != has_lon:
            raise forms.ValidationError(_("A location needs a latitude and a longitude."))
        return cleaned


class LogActivityForm(_ActivityFieldsForm):
    """My day: a type button plus optional details; empty fields mean "1, now, alone"."""

    def __init__(
        self, *args: Any, org: Organization, owner: User, actor: Membership, deal: Any = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        if deal is not None:
            kwargs.setdefault("initial", {})["deal"] = deal.pk
        super().__init__(*args, org=org, **kwargs)
        self.fields["type"].queryset = selectors.activity_types(org, active_only=True)  # type: ignore[attr-defined]
        self.fields["deal"].queryset = access.deals_to_link(actor, keep=deal)  # type: ignore[attr-defined]
        self.fields["quantity"].required = False
        self.fields["occurred_at"].required = False
        self.fields["occurred_at"].help_text = _("Leave empty for now.")
        self.fields["accompanied_by"].queryset = _companions(org, exclude=owner.pk, keep=None)  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `services.log_activity` this form collected."""
        data = self.cleaned_data
        return {
            "type": data["type"],
            "quantity": data.get("quantity") or 1,
            "occurred_at": data.get("occurred_at"),
            "note": data.get("note", ""),
            "accompanied_by": data.get("accompanied_by"),
            "deal": data.get("deal"),
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
        }


class ActivityForm(_ActivityFieldsForm):
    """Edit by the owner or an admin; admins may also re-assign it and annotate it."""

    user = PersonChoiceField(
        User.objects.none(),
        label=_("Salesperson"),
        required=False,
        empty_label=None,
        help_text=_("Admins may move an activity to the person who really did it."),
    )
    observation = forms.CharField(
        label=_("Manager's observation"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up = forms.CharField(
        label=_("Follow-up actions"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["user", "type", "quantity", "occurred_at", "note", "deal", "accompanied_by"]

    def __init__(
        self, *args: Any, org: Organization, activity: Activity, actor: Membership, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", activity_initial(activity))
        super().__init__(*args, org=org, **kwargs)
        self.fields["type"].queryset = ActivityType.objects.for_org(org).filter(  # type: ignore[attr-defined]
            Q(active=True) | Q(pk=activity.type_id)
        )
        self.fields["accompanied_by"].queryset = _companions(  # type: ignore[attr-defined]
            org, exclude=activity.user_id, keep=activity.accompanied_by_id
        )
        offered = access.deals_to_link(actor)
        self.fields["deal"].queryset = offered.model.objects.filter(  # type: ignore[attr-defined]
            Q(pk__in=offered.values("pk")) | Q(pk=activity.deal_id or 0)
        ).order_by(*offered.query.order_by)
        if access.can_log_for_others(actor):
            self.fields["user"].queryset = (  # type: ignore[attr-defined]
                User.objects.filter(
                    Q(memberships__organization=org, memberships__active=True)
                    | Q(pk=activity.user_id)
                )
                .distinct()
                .order_by("name", "username")
            )
        else:
            del self.fields["user"]
        if not access.can_annotate_activity(actor, activity):
            del self.fields["observation"]
            del self.fields["follow_up"]

    def changes(self) -> dict[str, Any]:
        """What the person changed, as keyword arguments of `services.update_activity`."""
        changed = {name: self.cleaned_data[name] for name in self.changed_data}
        if changed.get("user", "") is None:
            del changed["user"]  # an empty owner choice means "keep the owner"
        return changed


class AnnotationForm(forms.Form):
    """The accompanying manager's part of an activity."""

    observation = ActivityForm.base_fields["observation"]
    follow_up = ActivityForm.base_fields["follow_up"]

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        kwargs.setdefault("initial", activity_initial(activity))
        super().__init__(*args, **kwargs)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}


def activity_initial(activity: Activity) -> dict[str, Any]:
    return {
        "user": activity.user_id,
        "type": activity.type,
        "quantity": activity.quantity,
        "occurred_at": activity.occurred_at.replace(second=0, microsecond=0),
        "note": activity.note,
        "accompanied_by": activity.accompanied_by_id,
        "deal": activity.deal_id,
        "latitude": activity.latitude,
        "longitude": activity.longitude,
        "observation": activity.observation,
        "follow_up": activity.follow_up,
    }


# --- filters and periods -----------------------------------------------------------------


class PeriodForm(DateRangeForm):
    """A range of local dates, `from` and `to` inclusive (names as in the API)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = DateField(label=_("From"), required=False)
        self.fields["to"] = DateField(label=_("To"), required=False)


def bind_with_defaults(data: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    """GET parameters with a default for every filter the request did not set."""
    bound = dict(defaults)
    for key in data:
        if data.get(key) not in (None, ""):
            bound[key] = data.get(key)
    return bound


class FunnelFilterForm(PeriodForm):
    team = forms.ModelChoiceField(Team.objects.none(), label=_("Team"), empty_label=None)

    field_order = ["team", "from", "to"]

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["from"].required = True
        self.fields["to"].required = True
        self.order_fields(self.field_order)


# --- import --------------------------------------------------------------------------------


class ActivityImportForm(CSVUploadForm):
    help_text = _("UTF-8, with a header line: user_email, type, occurred_at, quantity, note.")


# --- activity types ------------------------------------------------------------------------


class ActivityTypeEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    funnel_order = forms.IntegerField(
        label=_("Funnel position"),
        required=False,
        min_value=1,
        max_value=99,
        help_text=_("1 for the first stage of the sales funnel, 2 for the next…; empty if none."),
    )
    active = forms.BooleanField(label=_("Active"), required=False)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class ActivityTypeCreateForm(ActivityTypeEditForm):
    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        validators=ActivityType._meta.get_field("key").validators,
        help_text=_("Lower-case letters, digits and _; used in CSV files and the API."),
    )

    field_order = ["key", "name", "funnel_order", "active"]
