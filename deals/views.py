"""Pages of the deals app: the board, the list, a deal, customers, load, forecast, stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import rules
from accounts.models import Membership, Team
from accounts.views import export_page, import_page
from deals import access, csv_io, selectors, services
from deals.forms import (
    ConcernForm,
    ContactForm,
    CustomerForm,
    DealForm,
    DealImportForm,
    ForecastFilterForm,
    ForecastForm,
    MoveDealForm,
    NoteForm,
    SavedViewForm,
    StageCreateForm,
    StageForm,
    TeamScopeForm,
    list_query,
    page_filter_data,
)
from deals.models import Concern, Customer, Deal, SavedDealView, Stage
from deals.panels import deal_panels
from salesmgmt import periods
from salesmgmt.errors import DomainError, add_domain_error_to_form
from salesmgmt.htmx import wants_fragment
from salesmgmt.tenancy import org_view

DEALS_PER_PAGE = 50
CUSTOMERS_PER_PAGE = 50
STATS_DAYS = 365


def _next_or(request: HttpRequest, fallback: str) -> str:
    """The form's `next` URL when it is one of ours, else `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _board_deals(me: Membership) -> QuerySet[Deal]:
    """Visible deals with what a card or row shows, in a constant number of queries."""
    open_concerns = (
        Concern.objects.filter(deal=OuterRef("pk"), resolved=False)
        .order_by()
        .values("deal")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        access.deals_visible_to(me)
        .annotate(open_concerns=Coalesce(Subquery(open_concerns), 0))
        .prefetch_related("collaborators")
    )


def _deal_url(org: Any, deal: Deal | int) -> str:
    pk = deal if isinstance(deal, int) else deal.pk
    return reverse("deals:deal_detail", kwargs={"org_slug": org.slug, "deal_id": pk})


# --- the board ----------------------------------------------------------------------------


@dataclass
class BoardColumn:
    stage: Stage
    deals: list[Deal] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((d.amount for d in self.deals), Decimal(0))


@org_view
@require_GET
def deal_board(request: Any) -> HttpResponse:
    """Open deals in a column per stage (drag, or pick a stage), won/lost drop zones."""
    org, me = request.org, request.membership
    filters = selectors.filter_deals(
        me,
        page_filter_data(request.GET, board=True),
        queryset=_board_deals(me),
        for_page=True,
        board=True,
    )
    deals = filters.qs.order_by(F("next_step_date").asc(nulls_last=True), "-amount", "id")
    stages = list(Stage.objects.for_org(org))
    columns = {s.pk: BoardColumn(s) for s in stages}
    for deal in deals:
        columns[deal.stage_id].deals.append(deal)
    context = {
        "filters": filters.form,
        "columns": [c for c in columns.values() if c.stage.outcome == Stage.Outcome.OPEN],
        "drop_zones": [c for c in columns.values() if c.stage.outcome != Stage.Outcome.OPEN],
        "stages": stages,
        "today": periods.today(org),
        "board_url": request.get_full_path(),
    }
    return render(request, "deals/board.html", context)


@org_view
@require_POST
def deal_move(request: Any, deal_id: int) -> HttpResponse:
    """Move a deal to a stage (board drag, a card's stage picker, or the deal page)."""
    org, me = request.org, request.membership
    deal = get_object_or_404(access.deals_visible_to(me), pk=deal_id)
    form = MoveDealForm(request.POST, org_id=org.pk)
    if form.is_valid():
        try:
            services.move_deal_to_stage(
                actor=me,
                deal=deal,
                stage=form.cleaned_data["stage"],
                lost_reason=form.cleaned_data["lost_reason"],
            )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
    status = 422 if form.errors else 200
    if wants_fragment(request):
        # The card, fresh from the database: its stage says which column it belongs in.
        card = selectors.with_staleness(_board_deals(me), org).get(pk=deal.pk)
        context = {
            "deal": card,
            "stages": list(Stage.objects.for_org(org)),
            "today": periods.today(org),
            "board_url": _next_or(request, ""),
            "move_form": form if form.errors else None,
        }
        return render(request, "deals/_board_card.html", context, status=status)
    if form.errors:
        context = {"deal": deal, "form": form, "next": _next_or(request, "")}
        return render(request, "deals/deal_move.html", context, status=422)
    messages.success(request, _("“%(deal)s” moved to %(stage)s.") % {
        "deal": deal.title, "stage": form.cleaned_data["stage"].name,
    })  # fmt: skip
    return redirect(_next_or(request, _deal_url(org, deal)))


# --- the list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SortColumn:
    key: str
    label: str
    css: str
    href: str
    state: str  # "asc", "desc" or ""


LIST_COLUMNS = (
    ("title", gettext_lazy("Deal"), ""),
    ("customer", gettext_lazy("Customer"), ""),
    ("owner", gettext_lazy("Owner"), ""),
    ("stage", gettext_lazy("Stage"), ""),
    ("amount", gettext_lazy("Amount"), "text-end"),
    ("close", gettext_lazy("Close"), ""),
    ("next", gettext_lazy("Next step"), ""),
    ("touched", gettext_lazy("Last touched"), ""),
)


def _sort_columns(query: QueryDict, current: str) -> list[SortColumn]:
    """The list's column headers: each links to sorting by it (again: the other way)."""
    columns = []
    for key, label, css in LIST_COLUMNS:
        state = "asc" if current == key else "desc" if current == f"-{key}" else ""
        params = query.copy()
        params["sort"] = f"-{key}" if state == "asc" else key
        columns.append(SortColumn(key, str(label), css, "?" + params.urlencode(), state))
    return columns


def _list_context(request: Any) -> dict[str, Any]:
    org, me = request.org, request.membership
    filters = selectors.filter_deals(
        me, page_filter_data(request.GET), queryset=_board_deals(me), for_page=True
    )
    sort = selectors.chosen_sort(request.GET.get("sort"))
    deals = selectors.sorted_deals(filters.qs, sort)
    page = Paginator(deals, DEALS_PER_PAGE).get_page(request.GET.get("page"))
    query = list_query(request.GET)
    return {
        "filters": filters.form,
        "chosen_sort": sort,
        "page": page,
        "query": query,
        "sort_columns": _sort_columns(QueryDict(query), sort),
        "today": periods.today(org),
        "saved_views": SavedDealView.objects.for_org(org).filter(user_id=me.user_id),
        "save_form": SavedViewForm(initial={"query": query}),
        "can_import": access.can_import_deals(me),
    }


@org_view
@require_GET
def deal_list(request: Any) -> HttpResponse:
    """Visible deals, filtered and sorted, 50 a page, with the person's saved views."""
    context = _list_context(request)
    template = "deals/_deal_table.html" if wants_fragment(request) else "deals/list.html"
    return render(request, template, context)


@org_view
@require_GET
def deal_export(request: Any) -> HttpResponseBase:
    """The filtered, sorted list as CSV (formula-like cells escaped for spreadsheets)."""
    org, me = request.org, request.membership
    filters = selectors.filter_deals(me, page_filter_data(request.GET), for_page=True)
    list_url = f"{reverse('deals:deal_list', args=[org.slug])}?{request.GET.urlencode()}"
    if not filters.is_valid():  # the list shows what is wrong
        return redirect(list_url)
    deals = selectors.sorted_deals(filters.qs, request.GET.get("sort", ""))
    return export_page(
        request,
        what="deals",
        make_response=lambda filename: csv_io.deals_csv_response(
            deals, tzinfo=org.tzinfo, currency=org.currency, filename=filename
        ),
        back_to=list_url,
    )


@org_view
@require_http_methods(["GET", "POST"])
def deal_import(request: Any) -> HttpResponse:
    """Upload a CSV of deals (managers, admins): all rows are opened, or none (errors by line)."""
    return import_page(
        request,
        kind=csv_io.DealImporter.kind,
        form_class=DealImportForm,
        template="deals/import.html",
        columns=csv_io.IMPORT_COLUMNS,
        required=csv_io.REQUIRED_COLUMNS,
        stage_keys=list(Stage.objects.for_org(request.org).values_list("key", flat=True)),
    )


@org_view
@require_POST
def view_save(request: Any) -> HttpResponse:
    """Save the list's current filters and sort under a name (the same name is replaced)."""
    org, me = request.org, request.membership
    form = SavedViewForm(request.POST)
    if form.is_valid():
        query = list_query(QueryDict(form.cleaned_data["query"]))
        try:
            view = services.save_deal_view(actor=me, name=form.cleaned_data["name"], query=query)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("View “%s” saved.") % view.name)
            target = reverse("deals:deal_list", kwargs={"org_slug": org.slug})
            return redirect(f"{target}?{view.query}" if view.query else target)
    context = _list_context(request)
    return render(request, "deals/list.html", {**context, "save_form": form}, status=422)


@org_view
@require_POST
def view_delete(request: Any, view_id: int) -> HttpResponse:
    """Delete one of the person's saved views."""
    org, me = request.org, request.membership
    view = get_object_or_404(
        SavedDealView.objects.for_org(org).filter(user_id=me.user_id), pk=view_id
    )
    services.delete_deal_view(actor=me, view=view)
    messages.success(request, _("View “%s” deleted.") % view.name)
    return redirect("deals:deal_list", org_slug=org.slug)


# --- one deal -----------------------------------------------------------------------------


def _detail_deal(me: Membership, deal_id: int) -> Deal:
    deals = selectors.with_staleness(_board_deals(me), me.organization).prefetch_related("concerns")
    return get_object_or_404(deals, pk=deal_id)


def _detail_context(request: Any, deal: Deal, **forms: Any) -> dict[str, Any]:
    org, me = request.org, request.membership
    context: dict[str, Any] = {
        "deal": deal,
        "today": periods.today(org),
        "stages": list(Stage.objects.for_org(org)),
        "timeline": selectors.timeline(deal),
        "can_adjust_forecast": access.can_adjust_forecast(me, deal),
        # As in services.delete_deal: the owner or an admin.
        "can_delete": access.can_delete_deal(me, deal),
        "move_form": MoveDealForm(initial={"stage": deal.stage.key}, org_id=org.pk),
        "forecast_form": ForecastForm(actor=me, deal=deal),
        "concern_form": ConcernForm(),
        "note_form": NoteForm(),
        **deal_panels.build(me, deal),
    }
    context.update(forms)
    return context


@org_view
@require_GET
def deal_detail(request: Any, deal_id: int) -> HttpResponse:
    """A deal: details, concerns, collaborators, next step, stage, forecast and timeline."""
    deal = _detail_deal(request.membership, deal_id)
    return render(request, "deals/deal_detail.html", _detail_context(request, deal))


@org_view
@require_http_methods(["GET", "POST"])
def deal_create(request: Any) -> HttpResponse:
    """Open a deal for oneself (managers also for their people)."""
    org, me = request.org, request.membership
    initial = {"customer": request.GET.get("customer")} if request.GET.get("customer") else None
    form = DealForm(request.POST or None, actor=me, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            deal = services.create_deal(actor=me, **form.create_kwargs())
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Deal “%s” created.") % deal.title)
            return redirect(_deal_url(org, deal))
    status = 422 if request.method == "POST" else 200
    has_customers = Customer.objects.for_org(org).exists()
    context = {"form": form, "has_customers": has_customers}
    return render(request, "deals/deal_form.html", context, status=status)


@org_view
@require_http_methods(["GET", "POST"])
def deal_edit(request: Any, deal_id: int) -> HttpResponse:
    """Change a deal's details."""
    org, me = request.org, request.membership
    deal = get_object_or_404(_board_deals(me), pk=deal_id)
    form = DealForm(request.POST or None, actor=me, deal=deal)
    if request.method == "POST":
        rules.require(access.can_edit_deal(me, deal))
        if form.is_valid():
            try:
                if form.changes():
                    services.update_deal(actor=me, deal=deal, **form.changes())
            except DomainError as exc:
                add_domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Deal saved."))
                return redirect(_deal_url(org, deal))
    status = 422 if form.errors else 200
    return render(request, "deals/deal_form.html", {"form": form, "deal": deal}, status=status)


@org_view
@require_POST
def deal_delete(request: Any, deal_id: int) -> HttpResponse:
    """Delete a deal (its owner or an admin)."""
    org, me = request.org, request.membership
    deal = get_object_or_404(access.deals_visible_to(me), pk=deal_id)
    services.delete_deal(actor=me, deal=deal)
    messages.success(request, _("Deal “%s” deleted.") % deal.title)
    return redirect("deals:deal_board", org_slug=org.slug)


@org_view
@require_POST
def deal_forecast(request: Any, deal_id: int) -> HttpResponse:
    """The owner sets the forecast category; a manager adjusts it with a note."""
    org, me = request.org, request.membership
    deal = get_object_or_404(access.deals_visible_to(me), pk=deal_id)
    form = ForecastForm(request.POST, actor=me, deal=deal)
    if form.is_valid():
        try:
            deal = services.set_forecast_category(
                actor=me,
                deal=deal,
                category=form.cleaned_data["forecast_category"],
                note=form.cleaned_data["forecast_note"],
            )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            if not wants_fragment(request):
                messages.success(request, _("Forecast category saved."))
                return redirect(_deal_url(org, deal))
            form = ForecastForm(actor=me, deal=deal)
    status = 422 if form.errors else 200
    if wants_fragment(request):
        context = {"deal": deal, "forecast_form": form, "can_adjust_forecast": True, "saved": True}
        return render(request, "deals/_forecast.html", context, status=status)
    deal = _detail_deal(me, deal.pk)
    context = _detail_context(request, deal, forecast_form=form)
    return render(request, "deals/deal_detail.html", context, status=status)


@org_view
@require_POST
def concern_add(request: Any, deal_id: int) -> HttpResponse:
    """Add a customer concern to a deal."""
    org, me = request.org, request.membership
    deal = get_object_or_404(access.deals_visible_to(me), pk=deal_id)
    form = ConcernForm(request.POST)
    if form.is_valid():
        try:
            services.add_concern(actor=me, deal=deal, text=form.cleaned_data["text"])
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            form = ConcernForm()
            if not wants_fragment(request):
                return redirect(_deal_url(org, deal))
    return _concerns_response(request, deal, form)


@org_view
@require_POST
def concern_resolve(request: Any, deal_id: int, concern_id: int) -> HttpResponse:
    """Mark a concern resolved, or open again (`resolved=0`)."""
    org, me = request.org, request.membership
    deal = get_object_or_404(access.deals_visible_to(me), pk=deal_id)
    concern = get_object_or_404(Concern.objects.filter(deal=deal), pk=concern_id)
    resolved = request.POST.get("resolved", "1" if not concern.resolved else "0") != "0"
    concern.deal = deal
    services.set_concern_resolved(actor=me, concern=concern, resolved=resolved)
    if not wants_fragment(request):
        return redirect(_deal_url(org, deal))
    return _concerns_response(request, deal, ConcernForm())


def _concerns_response(request: Any, deal: Deal, form: ConcernForm) -> HttpResponse:
    if not wants_fragment(request):  # an invalid concern without htmx: the page with the error
        fresh = _detail_deal(request.membership, deal.pk)
        context = _detail_context(request, fresh, concern_form=form)
        return render(request, "deals/deal_detail.html", context, status=422)
    context = {"deal": deal, "concerns": deal.concerns.all(), "concern_form": form}
    return render(request, "deals/_concerns.html", context, status=422 if form.errors else 200)


@org_view
@require_POST
def note_add(request: Any, deal_id: int) -> HttpResponse:
    """Add a note to a deal's timeline."""
    org, me = request.org, request.membership
    deal = get_object_or_404(access.deals_visible_to(me), pk=deal_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(actor=me, deal=deal, body=form.cleaned_data["body"])
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            if not wants_fragment(request):
                return redirect(_deal_url(org, deal))
            form = NoteForm()
    status = 422 if form.errors else 200
    if not wants_fragment(request):
        context = _detail_context(request, _detail_deal(me, deal.pk), note_form=form)
        return render(request, "deals/deal_detail.html", context, status=status)
    context = {"deal": deal, "timeline": selectors.timeline(deal), "note_form": form}
    return render(request, "deals/_timeline.html", context, status=status)


# --- customers ----------------------------------------------------------------------------


@org_view
@require_GET
def customer_list(request: Any) -> HttpResponse:
    """The organisation's customers, searchable, 50 a page."""
    search = selectors.filter_customers(
        request.membership,
        request.GET or None,
        queryset=access.customers_visible_to(request.membership).annotate(
            contact_count=Count("contacts")
        ),
    )
    customers = search.qs
    page = Paginator(customers.order_by("name", "id"), CUSTOMERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"search": search.form, "page": page, "query": query.urlencode()}
    return render(request, "deals/customer_list.html", context)


@org_view
@require_http_methods(["GET", "POST"])
def customer_create(request: Any) -> HttpResponse:
    """Add a customer (anyone in the organisation)."""
    org = request.org
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.save_customer(actor=request.membership, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Customer “%s” added.") % customer.name)
            return redirect("deals:customer_detail", org_slug=org.slug, customer_id=customer.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "deals/customer_form.html", {"form": form}, status=status)


def _customer_context(request: Any, customer: Customer, **forms: Any) -> dict[str, Any]:
    deals = _board_deals(request.membership).filter(customer=customer).order_by("-updated_at")
    context: dict[str, Any] = {
        "customer": customer,
        "contacts": customer.contacts.all(),
        "deals": deals,
        "form": CustomerForm(
            initial={"name": customer.name, "industry": customer.industry, "notes": customer.notes}
        ),
        "contact_form": ContactForm(),
    }
    context.update(forms)
    return context


@org_view
@require_http_methods(["GET", "POST"])
def customer_detail(request: Any, customer_id: int) -> HttpResponse:
    """A customer: contact persons, the deals one may see, and its details to edit."""
    org = request.org
    customer = get_object_or_404(access.customers_visible_to(request.membership), pk=customer_id)
    if request.method == "POST":
        form = CustomerForm(request.POST)
        if form.is_valid():
            try:
                services.save_customer(
                    actor=request.membership, customer=customer, **form.cleaned_data
                )
            except DomainError as exc:
                add_domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Customer saved."))
                return redirect("deals:customer_detail", org_slug=org.slug, customer_id=customer.pk)
        customer.refresh_from_db()
        context = _customer_context(request, customer, form=form)
        return render(request, "deals/customer_detail.html", context, status=422)
    return render(request, "deals/customer_detail.html", _customer_context(request, customer))


@org_view
@require_POST
def contact_add(request: Any, customer_id: int) -> HttpResponse:
    """Add a contact person to a customer."""
    org = request.org
    customer = get_object_or_404(access.customers_visible_to(request.membership), pk=customer_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            contact = services.add_contact(
                actor=request.membership, customer=customer, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            if wants_fragment(request):
                context = {"customer": customer, "contacts": customer.contacts.all(),
                           "contact_form": ContactForm(), "added": contact}  # fmt: skip
                return render(request, "deals/_contacts.html", context)
            messages.success(request, _("Contact “%s” added.") % contact.name)
            return redirect("deals:customer_detail", org_slug=org.slug, customer_id=customer.pk)
    if wants_fragment(request):
        context = {"customer": customer, "contacts": customer.contacts.all(), "contact_form": form}
        return render(request, "deals/_contacts.html", context, status=422)
    context = _customer_context(request, customer, contact_form=form)
    return render(request, "deals/customer_detail.html", context, status=422)


# --- load and health, forecast ------------------------------------------------------------


def _bind_team(
    data: QueryDict, teams: QuerySet[Team], me: Membership, *, whole_org: bool
) -> dict[str, Any]:
    """The GET data with a default team: the whole organisation when the person may read it,
    else their own team (or the first they may pick)."""
    bound: dict[str, Any] = {k: data.get(k) for k in data}
    if "team" not in bound and not whole_org:
        own = teams.filter(pk=me.team_id).first() if me.team_id is not None else None
        first = own or teams.first()
        bound["team"] = first.pk if first else ""
    return bound


@org_view
@require_GET
def deal_load(request: Any) -> HttpResponse:
    """Who carries what: each owner's open deals, amount, stale deals and overdue next steps."""
    org, me = request.org, request.membership
    rules.require(access.can_view_load_page(me))
    teams = access.pipeline_teams_visible_to(me)
    whole_org = access.can_view_pipeline(me, None)
    bound = _bind_team(request.GET, teams, me, whole_org=whole_org)
    form = TeamScopeForm(bound, teams=teams, whole_org=whole_org)
    report = None
    if (whole_org or teams.exists()) and form.is_valid():
        report = selectors.pipeline(org, team=form.cleaned_data["team"])
    list_url = reverse("deals:deal_list", kwargs={"org_slug": org.slug})
    context = {
        "form": form,
        "report": report,
        "has_teams": whole_org or teams.exists(),
        "list_url": list_url,
        "stale_days": org.stale_deal_days,
    }
    return render(request, "deals/load.html", context)


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@org_view
@require_GET
def forecast_report(request: Any) -> HttpResponse:
    """A team's quarter: closed + commit + best case against quota, weekly snapshots, stats."""
    org, me = request.org, request.membership
    teams = access.forecast_teams_visible_to(me)
    whole_org = access.can_view_forecast(me, None)
    form = ForecastFilterForm(
        _bind_team(request.GET, teams, me, whole_org=whole_org),
        teams=teams,
        whole_org=whole_org,
        org=org,
    )
    context: dict[str, Any] = {"form": form, "has_teams": whole_org or teams.exists()}
    if context["has_teams"] and form.is_valid():
        team = form.cleaned_data["team"]
        today = periods.today(org)
        report = selectors.forecast(org, team=team, on=form.quarter_start())
        is_past = report.quarter.end <= today
        snapshots = [
            {
                "snapshot": s,
                "forecast": s.closed + s.commit,
                "accuracy": (report.closed / (s.closed + s.commit))
                if is_past and s.closed + s.commit
                else None,
            }
            for s in report.snapshots
        ]
        stats = selectors.win_stats(org, team=team, since=today - timedelta(days=STATS_DAYS))
        stage_names = dict(Stage.objects.for_org(org).values_list("key", "name"))
        weighted = selectors.weighted_by_close_month(org, team=team)
        context.update(
            team=team,
            report=report,
            quarter_label=periods.fiscal_quarter_label(org, report.quarter.start),
            is_past=is_past,
            is_current=report.quarter.start <= today < report.quarter.end,
            expected=report.expected,
            attainment_pct=None if report.attainment is None else round(report.attainment * 100),
            snapshots=snapshots,
            stats=stats,
            days_in_stage=[
                (stage_names.get(key, key), days) for key, days in stats.days_in_stage.items()
            ],
            weighted=weighted,
            stats_days=STATS_DAYS,
            chart={
                "labels": [s.date.isoformat() for s in report.snapshots],
                "closed": [_money(s.closed) for s in report.snapshots],
                "commit": [_money(s.closed + s.commit) for s in report.snapshots],
                "bestCase": [_money(s.closed + s.commit + s.best_case) for s in report.snapshots],
                "quota": _money(report.quota),
                "actual": _money(report.closed) if is_past else None,
                "labelClosed": _("Closed"),
                "labelCommit": _("Closed + commit"),
                "labelBestCase": _("Closed + commit + best case"),
                "labelQuota": _("Quota"),
                "labelActual": _("Actual"),
            },
            weighted_chart={
                "labels": [month.strftime("%Y-%m") for month, _amount in weighted],
                "values": [_money(amount) for _month, amount in weighted],
                "label": _("Weighted amount"),
            },
        )
    return render(request, "deals/forecast.html", context)


# --- pipeline stages (admins) -------------------------------------------------------------


def _stage_forms(org: Any, *, bound: tuple[int, StageForm] | None = None) -> list[Any]:
    rows = []
    for stage in Stage.objects.for_org(org).annotate(deal_count=Count("deals")):
        if bound is not None and bound[0] == stage.pk:
            form = bound[1]
        else:
            initial = {
                "name": stage.name,
                "order": stage.order,
                "probability": stage.probability,
                "outcome": stage.outcome,
            }
            form = StageForm(initial=initial, prefix=f"stage-{stage.pk}")
        rows.append((stage, form))
    return rows


@org_view
@require_http_methods(["GET", "POST"])
def stage_list(request: Any) -> HttpResponse:
    """The pipeline's stages in order (admins change order, probability, outcome; add one)."""
    org, me = request.org, request.membership
    rules.require(access.can_configure_pipeline(me))
    form = StageCreateForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        try:
            stage = services.save_stage(actor=me, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Stage “%s” added.") % stage.name)
            return redirect("deals:stage_list", org_slug=org.slug)
    status = 422 if request.method == "POST" else 200
    context = {"rows": _stage_forms(org), "form": form}
    return render(request, "deals/stages.html", context, status=status)


@org_view
@require_POST
def stage_edit(request: Any, stage_id: int) -> HttpResponse:
    """Change one stage's name, order, probability or outcome (admins)."""
    org, me = request.org, request.membership
    stage = get_object_or_404(Stage.objects.for_org(org), pk=stage_id)
    rules.require(access.can_configure_pipeline(me))
    form = StageForm(request.POST, prefix=f"stage-{stage.pk}")
    if form.is_valid():
        try:
            services.save_stage(actor=me, key=stage.key, stage=stage, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Stage “%s” saved.") % stage.name)
            return redirect("deals:stage_list", org_slug=org.slug)
    context = {
        "rows": _stage_forms(org, bound=(stage.pk, form)),
        "form": StageCreateForm(prefix="new"),
    }
    return render(request, "deals/stages.html", context, status=422)
