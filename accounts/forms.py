"""Forms for the people pages: shape and field validation only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.audit import ACTIONS
from accounts.backends import canonical_username
from accounts.models import Membership, Organization, Team, User


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean_username(self) -> str:
        # One lockout counter per account, whether typed as username or e-mail, in any case.
        return canonical_username(self.cleaned_data["username"])


class OrganizationSettingsForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "timezone",
            "week_start",
            "fiscal_year_start_month",
            "country",
            "currency",
            "stale_deal_days",
            "require_mfa_for_managers",
            "language",
        ]
        help_texts = {
            "timezone": _("An IANA time zone such as Asia/Tokyo; activities count on local dates."),
            "country": _("ISO 3166 code (JP, US, …); sets the public holidays."),
        }


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    parent = forms.ModelChoiceField(
        label=_("Parent team"), queryset=Team.objects.none(), required=False
    )
    managers = forms.ModelMultipleChoiceField(
        label=_("Managers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Only active managers and admins can lead a team."),
    )

    def __init__(self, *args: Any, org: Organization, team: Team | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        parents = Team.objects.for_org(org).order_by("name")
        if team is not None:
            below = selectors.team_and_descendant_ids(org, team)
            parents = parents.exclude(pk__in=below)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["managers"].queryset = selectors.eligible_managers(org)  # type: ignore[attr-defined]


class MemberAddForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Only for a new address on one of the organisation's verified domains. "
            "Leave empty to send an invitation by e-mail: the person chooses their own password."
        ),
    )

    def __init__(self, *args: Any, org: Organization, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_org(org).order_by("name")  # type: ignore[attr-defined]
        self.fields["role"].initial = Membership.Role.MEMBER


class MemberEditForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Deactivating signs the person out everywhere at once."),
    )

    def __init__(self, *args: Any, org: Organization, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_org(org).order_by("name")  # type: ignore[attr-defined]


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All teams")
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Membership.Role.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            ("active", _("Active")),
            ("invited", _("Invited")),
            ("inactive", _("Deactivated")),
        ],
    )

    def __init__(self, *args: Any, org: Organization, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_org(org).order_by("name")  # type: ignore[attr-defined]


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class DomainForm(forms.Form):
    domain = forms.CharField(
        label=_("Domain"),
        max_length=253,
        help_text=_("The part of your people's e-mail addresses after the @, e.g. example.com."),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "locale"]
        labels = {"name": _("Your name"), "locale": _("Language")}


class SecondFactorCodeForm(forms.Form):
    """A code from the authenticator app, or one of the recovery codes."""

    otp = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
        help_text=_("The 6-digit code from your authenticator app, or a recovery code."),
    )


class AuthenticatorConfirmForm(forms.Form):
    """The first code the new authenticator shows, proving it was set up right."""

    otp = forms.CharField(
        label=_("6-digit code from the app"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *ACTIONS.items()]
    )
    actor = forms.ModelChoiceField(
        label=_("Who"), queryset=User.objects.none(), required=False, empty_label=_("Anyone")
    )
    target = forms.CharField(label=_("Target contains"), max_length=200, required=False)
    start = forms.DateField(
        label=_("From (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, org: Organization, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = selectors.audit_actors_of(org)  # type: ignore[attr-defined]
        self.fields["actor"].label_from_instance = lambda u: f"{u.display_name} <{u.email}>"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date must not be before the start date."))
        return cleaned
