"""Pages of the evaluations app: the organisation's criteria, its cycles and the
evaluations written in them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from evaluations import access, services
from evaluations.filters import CriterionFilter
from evaluations.forms import CriterionForm
from salesmgmt.errors import DomainError, add_domain_error_to_form
from salesmgmt.tenancy import org_view

PER_PAGE = 25


def _page(request: HttpRequest, items: Any, per_page: int = PER_PAGE) -> Any:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


# --- criteria -----------------------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def criteria(request: Any) -> HttpResponse:
    """The organisation's criteria (everyone); admins add one with the form beside them."""
    me = request.membership
    editable = access.can_edit_criteria(me)
    if request.method == "POST" and not editable:
        raise PermissionDenied
    form = CriterionForm(request.POST or None) if editable else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.create_criterion(actor=me, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Criterion added."))
            return redirect("evaluations:criteria", request.org.slug)
    filtered = CriterionFilter(request.GET, queryset=access.criteria_visible_to(me))
    listed = filtered.qs if filtered.is_valid() else filtered.queryset.none()
    context = {
        "form": form,
        "filter": filtered,
        "page": _page(request, listed),
        "editable": editable,
    }
    status = 422 if form is not None and form.errors else 200
    return render(request, "evaluations/criteria.html", context, status=status)


@org_view
@require_http_methods(["GET", "POST"])
def criterion_edit(request: Any, criterion_id: int) -> HttpResponse:
    """Change one criterion (admins)."""
    me = request.membership
    criterion = get_object_or_404(access.criteria_visible_to(me), pk=criterion_id)
    if not access.can_edit_criteria(me):
        raise PermissionDenied
    form = CriterionForm(request.POST or None, instance=criterion)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_criterion(actor=me, criterion=criterion, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Criterion saved."))
            return redirect("evaluations:criteria", request.org.slug)
    status = 422 if form.errors else 200
    context = {"form": form, "criterion": criterion}
    return render(request, "evaluations/criterion_edit.html", context, status=status)
