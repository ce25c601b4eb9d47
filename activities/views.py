"""Pages of the activities app: my day, the activity log, import/export, funnel,
accompanied visits and activity types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import rules
from accounts.views import export_page, import_page
from activities import access, csv_export, selectors, services
from activities.forms import (
    ActivityForm,
    ActivityImportForm,
    ActivityTypeCreateForm,
    ActivityTypeEditForm,
    AnnotationForm,
    FunnelFilterForm,
    LogActivityForm,
    PeriodForm,
    bind_with_defaults,
)
from activities.models import Activity, ActivityType
from activities.my_day import build_my_day_panels
from salesmgmt import periods
from salesmgmt.celery import app as celery_app
from salesmgmt.errors import DomainError, add_domain_error_to_form
from salesmgmt.htmx import wants_fragment
from salesmgmt.tenancy import org_view

ACTIVITIES_PER_PAGE = 50
LATEST_ON_MY_DAY = 10
UNDO_SECONDS = 10


def _rollups_run_in_background() -> bool:
    """With a broker, counts catch up a moment after a write; without one, at once."""
    return not celery_app.conf.task_always_eager


def _this_month_to_date(org: Any) -> dict[str, Any]:
    today = periods.today(org)
    return {"from": periods.month_of(today).start, "to": today}


# --- my day -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeCount:
    type: ActivityType
    count: int


def _my_day_context(request: Any) -> dict[str, Any]:
    """Today's counts per active type (from the rollup) and the latest own activities."""
    org, me = request.org, request.membership
    today = periods.today(org)
    rows = selectors.activity_counts(org, start=today, end=today, user_id=me.user_id)
    counts = {row.type: row.count for row in rows}
    types = list(selectors.activity_types(org, active_only=True))
    live = _rollups_run_in_background()
    return {
        "today": today,
        "counts": [TypeCount(t, counts.get(t.key, 0)) for t in types],
        "live": live,
        "freshness": selectors.freshness(org) if live else None,
        "latest": access.activities_visible_to(me).filter(user_id=me.user_id)[:LATEST_ON_MY_DAY],
        **build_my_day_panels(org, me, today),
    }


@org_view
@require_http_methods(["GET", "POST"])
def my_day(request: Any) -> HttpResponse:
    """Log an activity in one tap; today's counts and the latest entries."""
    org, me = request.org, request.membership
    if request.method == "GET":
        if request.GET.get("part") == "counts":  # the polling refresh
            return render(request, "activities/_my_day_counts.html", _my_day_context(request))
        deal = access.linkable_deal(me, request.GET["deal"]) if "deal" in request.GET else None
        form = LogActivityForm(org=org, owner=me.user, actor=me, deal=deal)
        context = {**_my_day_context(request), "form": form}
        return render(request, "activities/my_day.html", context)

    deal = access.linkable_deal(me, request.POST.get("deal")) if request.POST.get("deal") else None
    form = LogActivityForm(request.POST, org=org, owner=me.user, actor=me, deal=deal)
    activity = None
    if form.is_valid():
        try:
            activity = services.log_activity(actor=me, **form.service_kwargs())
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
    if activity is None:
        if wants_fragment(request):
            response = render(request, "activities/_log_form.html", {"form": form}, status=422)
            response["HX-Retarget"] = "#log-form"
            response["HX-Reswap"] = "outerHTML"
            return response
        context = {**_my_day_context(request), "form": form}
        return render(request, "activities/my_day.html", context, status=422)
    if not wants_fragment(request):
        messages.success(request, _logged_message(activity))
        return redirect("activities:my_day", org_slug=org.slug)
    context = {
        **_my_day_context(request),
        "logged": activity,
        "logged_message": _logged_message(activity),
        "undo_seconds": UNDO_SECONDS,
    }
    return render(request, "activities/_my_day_update.html", context)


def _logged_message(activity: Activity) -> str:
    # English plurals of the organisation's own type names, as in the funnel's words.
    return ngettext(
        "Logged %(quantity)d %(name)s", "Logged %(quantity)d %(name)ss", activity.quantity
    ) % {"quantity": activity.quantity, "name": activity.type.name.lower()}


# --- the activity log -----------------------------------------------------------------------


@org_view
@require_GET
def activity_list(request: Any) -> HttpResponse:
    """The activities the person may see, filtered, 50 a page."""
    me = request.membership
    filters = selectors.filter_activities(me, request.GET or None, for_page=True)
    activities = selectors.matching_activities(filters)
    page = Paginator(activities, ACTIVITIES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters.form,
        "page": page,
        "query": query.urlencode(),
        "is_manager_or_admin": rules.is_manager_or_admin(me),
    }
    template = (
        "activities/_activity_table.html" if wants_fragment(request) else "activities/list.html"
    )
    return render(request, template, context)


@org_view
@require_GET
def activity_export(request: Any) -> HttpResponseBase:
    """The filtered list as CSV (formula-like cells escaped for spreadsheets)."""
    org, me = request.org, request.membership
    filters = selectors.filter_activities(me, request.GET or None, for_page=True)
    list_url = f"{reverse('activities:activity_list', args=[org.slug])}?{request.GET.urlencode()}"
    if filters.is_bound and not filters.is_valid():  # the list shows what is wrong
        return redirect(list_url)
    activities = selectors.matching_activities(filters)
    return export_page(
        request,
        what="activities",
        make_response=lambda filename: csv_export.activities_csv_response(
            activities, tzinfo=org.tzinfo, filename=filename
        ),
        back_to=list_url,
    )


@org_view
@require_http_methods(["GET", "POST"])
def activity_import(request: Any) -> HttpResponse:
    """Upload a CSV of activities: all rows are created, or none (errors by line)."""
    org, me = request.org, request.membership
    return import_page(
        request,
        kind=services.ActivityImporter.kind,
        form_class=ActivityImportForm,
        template="activities/import.html",
        columns=services.IMPORT_COLUMNS,
        type_keys=[t.key for t in selectors.activity_types(org, active_only=True)],
        can_import_for_others=access.can_log_for_others(me),
    )


@org_view
@require_http_methods(["GET", "POST"])
def activity_edit(request: Any, activity_id: int) -> HttpResponse:
    """One activity: the owner (or an admin) edits it, the accompanying manager annotates
    it, everyone else who may see it reads it."""
    org, me = request.org, request.membership
    activity = get_object_or_404(access.activities_visible_to(me), pk=activity_id)
    form: ActivityForm | AnnotationForm | None = None
    data = request.POST if request.method == "POST" else None
    if access.can_edit_activity(me, activity):
        form = ActivityForm(data, org=org, activity=activity, actor=me)
    elif access.can_annotate_activity(me, activity):
        form = AnnotationForm(data, activity=activity)
    if request.method == "POST":
        rules.require(form is not None)
        if form is not None and form.is_valid():
            try:
                if form.changes():
                    services.update_activity(actor=me, activity=activity, **form.changes())
            except DomainError as exc:
                add_domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Activity saved."))
                return redirect(
                    "activities:activity_edit", org_slug=org.slug, activity_id=activity.pk
                )
    context = {
        "activity": activity,
        "form": form,
        "full_form": isinstance(form, ActivityForm),
        "can_delete": access.can_edit_activity(me, activity),
    }
    status = 422 if form is not None and form.errors else 200
    return render(request, "activities/edit.html", context, status=status)


@org_view
@require_POST
def activity_delete(request: Any, activity_id: int) -> HttpResponse:
    """Delete an activity (owner or admin); from my day's Undo, answer with fresh counts."""
    org, me = request.org, request.membership
    activity = get_object_or_404(access.activities_visible_to(me), pk=activity_id)
    services.delete_activity(actor=me, activity=activity)
    if wants_fragment(request):
        context = {**_my_day_context(request), "undone": True}
        return render(request, "activities/_my_day_update.html", context)
    messages.success(request, _("Activity deleted."))
    return redirect("activities:activity_list", org_slug=org.slug)


# --- manager pages ----------------------------------------------------------------------


@org_view
@require_GET
def funnel(request: Any) -> HttpResponse:
    """A team's funnel over a period: stages, conversions and each member's bottleneck."""
    org, me = request.org, request.membership
    rules.require(access.can_view_funnel_page(me))
    teams = access.funnel_teams_visible_to(me)
    first_team = teams.filter(pk=me.team_id).first() or teams.first()
    defaults = {**_this_month_to_date(org), "team": first_team.pk if first_team else None}
    form = FunnelFilterForm(bind_with_defaults(request.GET, defaults), teams=teams)
    report = None
    if first_team is not None and form.is_valid():
        report = selectors.funnel_for_team(
            org,
            form.cleaned_data["team"],
            start=form.cleaned_data["from"],
            end=form.cleaned_data["to"],
        )
    chart = None
    if report is not None:
        chart = {
            "labels": [stage.name for stage in report.stages],
            "counts": [stage.count for stage in report.stages],
            "conversions": [
                None if stage.conversion is None else round(stage.conversion * 100, 1)
                for stage in report.stages
            ],
            "countLabel": _("Count"),
            "conversionLabel": _("Conversion from the stage before (%)"),
        }
    context = {
        "form": form,
        "has_teams": first_team is not None,
        "report": report,
        "has_activity": bool(report and any(stage.count for stage in report.stages)),
        "chart": chart,
        "live": _rollups_run_in_background(),
    }
    return render(request, "activities/funnel.html", context)


@dataclass(frozen=True)
class AccompanimentLine:
    row: selectors.AccompanimentRow
    latest_observation: Activity | None


@org_view
@require_GET
def accompaniments(request: Any) -> HttpResponse:
    """How often I went along with each member, with my latest observation of them."""
    org, me = request.org, request.membership
    rules.require(access.can_view_accompaniments(me))
    form = PeriodForm(bind_with_defaults(request.GET, _this_month_to_date(org)))
    lines: list[AccompanimentLine] = []
    if form.is_valid():
        start, end = form.cleaned_data["from"], form.cleaned_data["to"]
        rows = selectors.accompaniments_by(org, me.user, start=start, end=end)
        observed = (
            Activity.objects.for_org(org)
            .filter(accompanied_by=me.user, local_date__gte=start, local_date__lte=end)
            .exclude(observation="")
            .select_related("type")
            .order_by("user_id", "-occurred_at", "-id")
        )
        latest: dict[int, Activity] = {}
        for activity in observed:
            latest.setdefault(activity.user_id, activity)
        lines = [AccompanimentLine(row, latest.get(row.member.pk)) for row in rows]
    return render(request, "activities/accompaniments.html", {"form": form, "lines": lines})


# --- activity types -----------------------------------------------------------------------


def _type_row_form(activity_type: ActivityType, data: Any = None) -> ActivityTypeEditForm:
    return ActivityTypeEditForm(
        data,
        initial={
            "name": activity_type.name,
            "funnel_order": activity_type.funnel_order,
            "active": activity_type.active,
        },
        auto_id=f"id_type{activity_type.pk}_%s",
    )


def _type_list_page(
    request: Any, form: ActivityTypeCreateForm, bound_row: Any = None, status: int = 200
) -> HttpResponse:
    me = request.membership
    rows = []
    for activity_type in selectors.activity_types(request.org):
        if bound_row is not None and bound_row[0].pk == activity_type.pk:
            rows.append(bound_row)
        else:
            rows.append((activity_type, _type_row_form(activity_type)))
    context = {"form": form, "rows": rows, "can_edit": access.can_manage_activity_types(me)}
    return render(request, "activities/type_list.html", context, status=status)


@org_view
@require_http_methods(["GET", "POST"])
def type_list(request: Any) -> HttpResponse:
    """Activity types in funnel order; admins add and edit them, managers read."""
    org, me = request.org, request.membership
    rules.require(access.can_view_activity_types(me))
    form = ActivityTypeCreateForm(request.POST or None, initial={"active": True})
    if request.method == "POST":
        rules.require(access.can_manage_activity_types(me))
        if form.is_valid():
            try:
                created = services.create_activity_type(actor=me, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Activity type “%s” added.") % created.name)
                return redirect("activities:type_list", org_slug=org.slug)
        return _type_list_page(request, form, status=422)
    return _type_list_page(request, form)


@org_view
@require_POST
def type_edit(request: Any, type_id: int) -> HttpResponse:
    """Rename, re-order or (de)activate one type (admins); inline with htmx."""
    org, me = request.org, request.membership
    activity_type = get_object_or_404(selectors.activity_types(org), pk=type_id)
    rules.require(access.can_manage_activity_types(me))
    form = _type_row_form(activity_type, request.POST)
    if form.is_valid():
        try:
            if form.changes():
                activity_type = services.update_activity_type(
                    actor=me, activity_type=activity_type, **form.changes()
                )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            if not wants_fragment(request):
                messages.success(request, _("Activity type saved."))
                return redirect("activities:type_list", org_slug=org.slug)
            row = (activity_type, _type_row_form(activity_type))
            context = {"row": row, "can_edit": True, "saved": True}
            return render(request, "activities/_type_row.html", context)
    if wants_fragment(request):
        context = {"row": (activity_type, form), "can_edit": True}
        return render(request, "activities/_type_row.html", context, status=422)
    blank = ActivityTypeCreateForm(initial={"active": True})
    return _type_list_page(request, blank, bound_row=(activity_type, form), status=422)
