"""Pages of the motivation app: weekly check-ins, 1:1s, kudos, "who to talk to this week"
and the organisation's motivation settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from motivation import access, selectors, services
from motivation.forms import CheckInForm, MotivationSettingsForm
from salesmgmt.errors import DomainError, add_domain_error_to_form
from salesmgmt.tenancy import org_view

PER_PAGE = 25


def _page(request: HttpRequest, items: Any, per_page: int = PER_PAGE) -> Any:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


# --- check-ins ----------------------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def checkins(request: Any) -> HttpResponse:
    """This week's check-in form, and the check-ins the reader may see (filterable)."""
    me = request.membership
    mine = selectors.my_checkin_this_week(me)
    form = CheckInForm(
        request.POST or None, initial={"score": mine.score, "note": mine.note} if mine else None
    )
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            if mine is None:
                services.record_checkin(actor=me, score=values["score"], note=values["note"])
            else:
                services.update_checkin(
                    actor=me, checkin=mine, score=values["score"], note=values["note"]
                )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Thanks: your check-in is saved."))
            return redirect("motivation:checkins", request.org.slug)
    filtered = selectors.filter_checkins(me, request.GET)
    listed = filtered.qs if filtered.is_valid() else selectors.checkins_for(me).none()
    context = {
        "form": form,
        "mine": mine,
        "filter": filtered,
        "page": _page(request, listed),
        "coaches": access.coaches_others(me),
    }
    return render(request, "motivation/checkins.html", context, status=422 if form.errors else 200)


@org_view
@require_POST
def checkin_delete(request: Any, checkin_id: int) -> HttpResponse:
    """Take back one's own check-in of this week."""
    checkin = get_object_or_404(access.checkins_visible_to(request.membership), pk=checkin_id)
    try:
        services.delete_checkin(actor=request.membership, checkin=checkin)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Check-in removed."))
    return redirect("motivation:checkins", request.org.slug)


# --- settings -----------------------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def motivation_settings(request: Any) -> HttpResponse:
    """Admins choose the reminder day, the 1:1 rhythm, leaderboards and the values."""
    me = request.membership
    if not access.can_edit_motivation_settings(me):
        raise PermissionDenied
    current = services.settings_for(request.org)
    form = MotivationSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values["values"] = values.pop("values_text")
        try:
            services.update_motivation_settings(actor=me, **values)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Motivation settings saved."))
            return redirect("motivation:settings", request.org.slug)
    status = 422 if form.errors else 200
    return render(request, "motivation/settings.html", {"form": form}, status=status)
