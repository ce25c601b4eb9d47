"""Pages of two-factor authentication: set up, enter a code, recovery codes, turn off, reset."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import mfa, rules, selectors
from accounts.forms import AuthenticatorConfirmForm, SecondFactorCodeForm
from salesmgmt.errors import DomainError, add_domain_error_to_form
from salesmgmt.tenancy import org_view

# The recovery codes wait here between the POST that made them and the page showing them once.
NEW_CODES_SESSION_KEY = "mfa_new_recovery_codes"


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return str(settings.LOGIN_REDIRECT_URL)


def _code_error_status(exc: DomainError) -> int:
    return 429 if isinstance(exc, mfa.TooManyCodes) else 422


@login_required
@require_GET
def mfa_manage(request: Any) -> HttpResponse:
    """The person's two-factor settings: on or off, recovery codes left, what they may change."""
    user = request.user
    context = {
        "authenticator": mfa.authenticator_of(user),
        "required": rules.must_use_mfa(user),
        "codes_left": mfa.recovery_codes_left(user),
        "disable_form": SecondFactorCodeForm(),
    }
    return render(request, "accounts/mfa/manage.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: Any) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm a first code."""
    user = request.user
    if mfa.authenticator_of(user) is not None:
        return redirect("accounts:mfa_manage")
    device = mfa.pending_authenticator(user)
    form = AuthenticatorConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.confirm_authenticator(
                user=user, code=form.cleaned_data["otp"], request=request
            )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
            status = _code_error_status(exc)
        else:
            request.session[NEW_CODES_SESSION_KEY] = codes
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(_recovery_codes_url(request))
    elif request.method == "POST":
        status = 422
    context = {
        "form": form,
        "qr_code": mfa.qr_code_data_uri(device),
        "manual_key": mfa.manual_key(device),
        "required": rules.must_use_mfa(user),
        "next": _next_url(request),
    }
    return render(request, "accounts/mfa/setup.html", context, status=status)


def _recovery_codes_url(request: HttpRequest) -> str:
    return reverse("accounts:mfa_recovery_codes") + "?" + urlencode({"next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: Any) -> HttpResponse:
    """The second step of signing in: a code from the authenticator, or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    status = mfa.second_factor_status(user)
    if not status.has_device:
        if status.required:
            return redirect("accounts:mfa_setup")
        return redirect(_next_url(request))
    form = SecondFactorCodeForm(request.POST or None)
    http_status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa.verify_code(user=user, code=form.cleaned_data["otp"], request=request)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
            http_status = _code_error_status(exc)
        else:
            mfa.mark_session_verified(request, device)
            if device.name == mfa.RECOVERY_NAME:
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(n)d are left.")
                    % {"n": mfa.recovery_codes_left(user)},
                )
            return redirect(_next_url(request))
    elif request.method == "POST":
        http_status = 422
    return render(
        request,
        "accounts/mfa/verify.html",
        {"form": form, "next": _next_url(request)},
        status=http_status,
    )


@login_required
@require_GET
def mfa_recovery_codes(request: Any) -> HttpResponse:
    """New recovery codes, shown once (they are not kept in readable form anywhere)."""
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    context = {"codes": codes or [], "next": _next_url(request)}
    return render(request, "accounts/mfa/recovery_codes.html", context)


@login_required
@require_POST
def mfa_recovery_codes_regenerate(request: Any) -> HttpResponse:
    """Replace the recovery codes with new ones (the old ones stop working)."""
    try:
        codes = mfa.regenerate_recovery_codes(user=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:mfa_manage")
    request.session[NEW_CODES_SESSION_KEY] = codes
    then = urlencode({"next": reverse("accounts:mfa_manage")})
    return redirect(reverse("accounts:mfa_recovery_codes") + "?" + then)


@login_required
@require_POST
def mfa_disable(request: Any) -> HttpResponse:
    """Turn two-factor authentication off, confirmed with a current code."""
    user = request.user
    form = SecondFactorCodeForm(request.POST)
    if form.is_valid():
        try:
            mfa.disable_mfa(user=user, code=form.cleaned_data["otp"], request=request)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:mfa_manage")
    context = {
        "authenticator": mfa.authenticator_of(user),
        "required": rules.must_use_mfa(user),
        "codes_left": mfa.recovery_codes_left(user),
        "disable_form": form,
    }
    return render(request, "accounts/mfa/manage.html", context, status=422)


@org_view
@require_POST
def member_mfa_reset(request: Any, user_id: int) -> HttpResponse:
    """An admin removes a member's authenticator (lost phone); they set up a new one."""
    subject = get_object_or_404(selectors.members_of(request.membership), user_id=user_id)
    try:
        mfa.reset_mfa(actor=request.membership, subject=subject, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Two-factor authentication of %(name)s was reset.")
            % {"name": subject.user.display_name},
        )
    return redirect("accounts:member_detail", org_slug=request.org.slug, user_id=user_id)
