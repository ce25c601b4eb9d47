"""Pages of the dashboards: a team's, one member's over time, and the organisation overview.

Each page reads one selector (dashboards/selectors.py) for a period given as
`?period=week|month|quarter&date=YYYY-MM-DD`. Switching periods goes through htmx, which
gets just the dashboard's partial back; a plain request (or a history restore) gets the
whole page at the same address.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from rest_framework.exceptions import ValidationError

from accounts import rules
from accounts.models import Membership, Team
from dashboards import access, charts, selectors
from dashboards import cache as dashboard_cache
from dashboards.periods import parse_period
from salesmgmt.htmx import wants_fragment
from salesmgmt.tenancy import org_view


def _period(request: HttpRequest) -> tuple[str, date | None]:
    try:
        return parse_period(request.GET)
    except ValidationError as exc:
        raise BadRequest(str(exc.detail)) from exc


def _render(request: HttpRequest, page: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    response = render(request, partial if wants_fragment(request) else page, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@org_view
@require_GET
def org_overview(request: Any) -> HttpResponse:
    """Teams side by side against their cascaded goals (admins: all; managers: theirs)."""
    org, me = request.org, request.membership
    rules.require(access.can_view_org_overview(me))
    kind, on = _period(request)

    def render_partial() -> str:
        overview = selectors.org_overview(org, me, kind=kind, on=on)
        context = {
            "overview": overview,
            "nav": overview.nav,
            "charts": charts.overview_charts(overview),
        }
        return render_to_string("dashboards/_org_overview.html", context, request)

    # Per viewer (admins see every team, managers theirs) and period link, in the cache
    # until a write moves a number of it (dashboards/cache.py).
    html = selectors.overview_html(org, me, kind=kind, on=on, render=render_partial)
    return _fragment_or_page(request, html, "dashboards/org_overview.html", {})


@org_view
@require_GET
def team_home(request: Any) -> HttpResponse:
    """Open the dashboard of the person's own team if they manage it, else their first."""
    me = request.membership
    rules.require(access.can_open_team_dashboards(me))
    teams = selectors.manageable_teams(me)
    if not teams:
        return render(request, "dashboards/no_team.html")
    team = next((t for t in teams if t.pk == me.team_id), teams[0])
    response = redirect("dashboards:team_dashboard", org_slug=request.org.slug, team_id=team.pk)
    if request.GET:
        response["Location"] += "?" + request.GET.urlencode()
    return response


@org_view
@require_GET
def team_dashboard(request: Any, team_id: int) -> HttpResponse:
    """A team for a period: each member's goals, pace, activities, bottleneck and deals,
    team totals, who needs attention, and the weekly, funnel and pipeline charts."""
    org, me = request.org, request.membership
    team = get_object_or_404(Team.objects.for_org(org), pk=team_id)
    rules.require(access.can_view_team_dashboard(me, team))
    kind, on = _period(request)

    def render_partial() -> tuple[str, datetime | None]:
        page = selectors.team_dashboard_page(org, me, team, kind=kind, on=on)
        context = {"page": page, "nav": page.nav, "charts": charts.team_charts(page.board)}
        html = render_to_string("dashboards/_team_dashboard.html", context, request)
        return html, page.board.stale_from

    # The partial is the board plus what the viewer sees around it (their team switcher,
    # the period links): kept per viewer and period link, dropped with the board.
    key = selectors.team_board_key(org, team, kind, on, "html", me.pk, on or "-")
    html, _stale_from = dashboard_cache.remembered(key, render_partial, valid_until=lambda v: v[1])
    return _fragment_or_page(request, html, "dashboards/team_dashboard.html", {"team": team})


def _fragment_or_page(
    request: HttpRequest, html: str, page: str, context: dict[str, Any]
) -> HttpResponse:
    """The dashboard's partial as rendered (and cached), alone for htmx, else in its page."""
    if wants_fragment(request):
        response = HttpResponse(html)
    else:
        context = {**context, "dashboard_html": mark_safe(html)}  # noqa: S308 (rendered by us)
        response = render(request, page, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@org_view
@require_GET
def member_dashboard(request: Any, user_id: int) -> HttpResponse:
    """One person's numbers over time: for their managers, admins and themselves."""
    org, me = request.org, request.membership
    subject = get_object_or_404(
        Membership.objects.for_org(org).select_related("user", "team"), user_id=user_id
    )
    rules.require(access.can_view_member_dashboard(me, subject))
    kind, on = _period(request)
    dashboard = selectors.member_dashboard(org, me, subject, kind=kind, on=on)
    context = {
        "dashboard": dashboard,
        "nav": dashboard.nav,
        "charts": charts.member_charts(dashboard),
        "is_self": subject.user_id == me.user_id,
        "can_open_team": subject.team is not None
        and access.can_view_team_dashboard(me, subject.team),
    }
    return _render(
        request, "dashboards/member_dashboard.html", "dashboards/_member_dashboard.html", context
    )
