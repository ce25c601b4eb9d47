"""Pages of the goals app: my goals, team goals, goal detail, the cascade editor, cascade
templates, the organisation's days off and manual check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import holidays
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import rules
from accounts import services as accounts_services
from accounts.models import DayOff, Membership
from activities.models import ActivityType
from goals import access, selectors, services
from goals.forms import (
    CascadeForm,
    DayOffForm,
    GoalCreateForm,
    GoalEditForm,
    GoalMonthForm,
    ManualEntryForm,
    MetricForm,
    TargetEditForm,
    TeamPickForm,
    TemplateApplyForm,
    TemplateSaveForm,
    shown_target,
)
from goals.models import CascadeTemplate, Goal, ManualEntry, Metric
from goals.panels import goal_panels
from goals.status import badge_of, label_of
from salesmgmt import periods
from salesmgmt.errors import Conflict, DomainError, add_domain_error_to_form
from salesmgmt.htmx import wants_fragment
from salesmgmt.tenancy import org_view

RECENT_CHECKINS = 10


@dataclass(frozen=True)
class GoalCard:
    """A goal with its progress (and, for one's own goals, today's and this week's share)."""

    goal: Goal
    progress: selectors.Progress
    today_target: Decimal | None = None
    week_target: Decimal | None = None

    @property
    def who(self) -> str:
        """Whose goal: the person, the team or the company."""
        if self.goal.scope == Goal.Scope.USER and self.goal.user is not None:
            return str(self.goal.user.display_name)
        if self.goal.scope == Goal.Scope.TEAM and self.goal.team is not None:
            return str(self.goal.team.name)
        return _("Company")

    @property
    def percent(self) -> int:
        return round(self.progress.attainment * 100)

    @property
    def bar_value(self) -> float:
        return min(1.0, self.progress.attainment)

    @property
    def status_label(self) -> str:
        return label_of(self.progress.status)

    @property
    def status_badge(self) -> str:
        return badge_of(self.progress.status)


def _cards(
    org: Any, goals: list[Goal], today: date, *, targets_for: int | None = None
) -> list[GoalCard]:
    """Progress for a list of goals with one days-off read for all of them; the goals of
    the person `targets_for` (a user id) also get today's and this week's share."""
    days_off = selectors.days_off_for(org, goals)
    cards = []
    for goal in goals:
        progress = selectors.progress_of(goal, today=today, days_off=days_off)
        today_target = week_target = None
        own = targets_for is not None and goal.scope == Goal.Scope.USER
        if own and goal.user_id == targets_for and goal.start <= today <= goal.end:
            today_target = selectors.target_for_day(goal, today, days_off=days_off)
            week_target = selectors.target_for_week(goal, today, days_off=days_off)
        cards.append(GoalCard(goal, progress, today_target, week_target))
    return cards


def _visible_goal(request: Any, goal_id: int) -> Goal:
    """A goal the caller may read; anything else (other org, not theirs) is a 404."""
    return get_object_or_404(
        access.goals_visible_to(request.membership).select_related("organization"),
        pk=goal_id,
    )


# --- my goals / team goals ------------------------------------------------------------------


@org_view
@require_GET
def my_goals(request: Any) -> HttpResponse:
    """The member's own goals, their team's and the company's, with pace and targets: the
    open ones, or (`?on=` a day) those of that day's month, past or future."""
    org, me = request.org, request.membership
    today = periods.today(org)
    picked = GoalMonthForm(request.GET or None)
    valid = picked.is_valid() if picked.is_bound else True
    on = picked.cleaned_data.get("on") if valid and picked.is_bound else None
    current = periods.month_of(today)
    month = periods.month_of(on) if on is not None else current
    goals_qs = access.goals_visible_to(me).filter(
        Q(scope=Goal.Scope.ORG)
        | Q(scope=Goal.Scope.TEAM, team_id=me.team_id)
        | Q(scope=Goal.Scope.USER, user_id=me.user_id)
    )
    if not valid:
        goals_qs = goals_qs.none()
    elif on is None:
        goals_qs = goals_qs.filter(closed_at=None, end__gte=today)
    else:
        goals_qs = goals_qs.filter(start__lt=month.end, end__gte=month.start)
    goals = list(goals_qs.select_related("organization").order_by("start", "end", "id"))
    cards = _cards(org, goals, today, targets_for=me.user_id)
    context = {
        "today": today,
        "own_cards": [c for c in cards if c.goal.scope == Goal.Scope.USER],
        "team_cards": [c for c in cards if c.goal.scope == Goal.Scope.TEAM],
        "org_cards": [c for c in cards if c.goal.scope == Goal.Scope.ORG],
        "days_left": periods.working_day_count(org, current, today).left,
        "month": month,
        "browsing": on is not None,
        "month_nav": _month_nav(month, current),
        "picked": picked,
        "can_set_goals": access.can_set_goals(me),
    }
    return render(request, "goals/my_goals.html", context, status=200 if valid else 400)


def _month_nav(month: periods.Period, current: periods.Period) -> dict[str, Any]:
    """The days that name the previous and next months (None past the supported calendar)."""
    before = month.start - timedelta(days=1)
    after = month.end
    return {
        "previous": before if periods.is_supported_date(before) else None,
        "next": after if periods.is_supported_date(after) else None,
        "is_current": month == current,
    }


@org_view
@require_GET
def team_goals(request: Any) -> HttpResponse:
    """A manager's team: the team's and its members' goals of the current period, or (`?on=`
    a day) of that day's month, past or future."""
    org, me = request.org, request.membership
    rules.require(access.can_set_goals(me))
    teams = access.teams_goals_settable_by(me)
    picked_team = TeamPickForm(request.GET or None, teams=teams)
    team = (picked_team.cleaned_data["team"] if picked_team.is_valid() else None) or teams.first()
    today = periods.today(org)
    picked = GoalMonthForm({"on": request.GET["on"]} if "on" in request.GET else None)
    valid = picked.is_valid() if picked.is_bound else True
    on = picked.cleaned_data.get("on") if valid and picked.is_bound else None
    current = periods.month_of(today)
    month = periods.month_of(on) if on is not None else current
    team_cards: list[GoalCard] = []
    member_cards: list[GoalCard] = []
    if team is not None and valid:
        people = Membership.objects.for_org(org).filter(team=team, active=True).values("user_id")
        goals_qs = access.goals_visible_to(me).filter(
            Q(scope=Goal.Scope.TEAM, team=team) | Q(scope=Goal.Scope.USER, user_id__in=people)
        )
        if on is None:
            goals_qs = goals_qs.filter(start__lte=today, end__gte=today)
        else:
            goals_qs = goals_qs.filter(start__lt=month.end, end__gte=month.start)
        goals = list(
            goals_qs.select_related("organization").order_by(
                "metric__name", "user__name", "user__username", "id"
            )
        )
        cards = _cards(org, goals, today)
        team_cards = [c for c in cards if c.goal.scope == Goal.Scope.TEAM]
        member_cards = [c for c in cards if c.goal.scope == Goal.Scope.USER]
    context = {
        "picker": TeamPickForm(initial={"team": team}, teams=teams),
        "team": team,
        "team_cards": team_cards,
        "member_cards": member_cards,
        "today": today,
        "month": month,
        "browsing": on is not None,
        "month_nav": _month_nav(month, current),
        "picked": picked,
        "keep": f"team={team.pk}&" if team is not None else "",
        "current_label": _("Current period"),
    }
    return render(request, "goals/team_goals.html", context, status=200 if valid else 400)


# --- one goal -------------------------------------------------------------------------------


def _chart_data(goal: Goal) -> dict[str, Any]:
    series = selectors.weekly_series(goal)
    return {
        "labels": [start.isoformat() for start, _t, _a in series],
        "target": [float(target) for _s, target, _a in series],
        "actual": [float(actual) for _s, _t, actual in series],
        "targetLabel": _("Target"),
        "actualLabel": _("Actual"),
    }


@org_view
@require_http_methods(["GET", "POST"])
def goal_detail(request: Any, goal_id: int) -> HttpResponse:
    """A goal: progress, monthly/weekly breakdown, weekly chart; editors change it here."""
    org, me = request.org, request.membership
    goal = _visible_goal(request, goal_id)
    can_edit = access.can_edit_goal(me, goal)
    form = GoalEditForm(request.POST or None, initial=GoalEditForm.initial_for(goal))
    status = 200
    if request.method == "POST":
        rules.require(can_edit)
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_goal(
                    actor=me,
                    goal=goal,
                    version=data["version"],
                    title=data["title"],
                    target=data["target"],
                    start=data["start"],
                    end=data["end"],
                )
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            except DomainError as exc:
                add_domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Goal saved."))
                url = reverse("goals:goal_detail", args=[org.slug, goal.pk])
                if wants_fragment(request):
                    return HttpResponse(status=204, headers={"HX-Redirect": url})
                return redirect(url)
        if wants_fragment(request):
            context = {"goal": goal, "form": form}
            return render(request, "goals/_goal_edit_form.html", context, status=status)
    today = periods.today(org)
    card = _cards(org, [goal], today, targets_for=goal.user_id)[0]
    children = _cards(
        org,
        list(
            access.goals_visible_to(me)
            .filter(parent=goal)
            .select_related("organization")
            .order_by("id")
        ),
        today,
    )
    context = {
        "goal": goal,
        "card": card,
        "children": children,
        "months": selectors.breakdown(goal, "month"),
        "weeks": selectors.breakdown(goal, "week"),
        "chart": _chart_data(goal),
        "form": form,
        "can_edit": can_edit,
        "can_cascade": can_edit and access.can_set_goals(me),
        "today": today,
        **goal_panels.build(me, goal),
    }
    return render(request, "goals/goal_detail.html", context, status=status)


@org_view
@require_POST
def goal_delete(request: Any, goal_id: int) -> HttpResponse:
    """Delete a goal and its cascaded children (its editors only)."""
    goal = _visible_goal(request, goal_id)
    services.delete_goal(actor=request.membership, goal=goal)
    messages.success(request, _("Goal “%s” deleted.") % (goal.title or goal.metric.name))
    return redirect("goals:my_goals", org_slug=request.org.slug)


@org_view
@require_http_methods(["GET", "POST"])
def goal_create(request: Any) -> HttpResponse:
    """Set a goal (admins anywhere; managers for their teams and people)."""
    org, me = request.org, request.membership
    rules.require(access.can_set_goals(me))
    form = GoalCreateForm(request.POST or None, actor=me)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            goal = services.create_goal(
                actor=me,
                metric=data["metric"],
                scope=data["scope"],
                team=data["team"],
                user=data["user"],
                start=data["start"],
                end=data["end"],
                target=data["target"],
                title=data["title"],
            )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Goal set."))
            return redirect("goals:goal_detail", org_slug=org.slug, goal_id=goal.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "goals/goal_create.html", {"form": form}, status=status)


# --- cascade editor -------------------------------------------------------------------------


@dataclass(frozen=True)
class CascadeRow:
    node: selectors.TreeNode
    card: GoalCard
    editable: bool
    form: TargetEditForm | None

    @property
    def goal(self) -> Goal:
        return self.node.goal

    @property
    def under(self) -> bool:
        return self.node.gap is not None and self.node.gap < 0

    @property
    def over(self) -> bool:
        return self.node.gap is not None and self.node.gap > 0

    @property
    def missing(self) -> Decimal | None:
        return -self.node.gap if self.node.gap is not None else None

    @property
    def indent(self) -> str:
        return f"team-depth-{min(self.node.depth, 4)}" if self.node.depth else ""


def _tree_context(
    request: Any,
    root: Goal,
    *,
    failed: Goal | None = None,
    form: TargetEditForm | None = None,
    conflict: str | None = None,
) -> dict[str, Any]:
    """The cascade tree of `root` as the caller may see it; `failed` keeps its bound form."""
    org, me = request.org, request.membership
    nodes = selectors.cascade_tree(root)
    for node in nodes:
        node.goal.organization = org  # same org (for_org); spares a query per node
    if not access.sees_every_goal(me):
        ids = [n.goal.pk for n in nodes]
        visible = set(access.goals_visible_to(me).filter(pk__in=ids).values_list("pk", flat=True))
        nodes = [n for n in nodes if n.goal.pk in visible]
    today = periods.today(org)
    cards = _cards(org, [n.goal for n in nodes], today)
    rows = []
    for node, card in zip(nodes, cards, strict=True):
        editable = node.depth > 0 and access.can_edit_goal(me, node.goal)
        row_form = None
        if editable:
            if failed is not None and failed.pk == node.goal.pk and form is not None:
                row_form = form
            else:
                initial = {"target": shown_target(node.goal), "version": node.goal.version}
                # One form per row: no auto ids, so that the hidden inputs do not repeat ids.
                row_form = TargetEditForm(initial={**initial, "root": root.pk}, auto_id=False)
        rows.append(CascadeRow(node, card, editable, row_form))
    return {
        "root": root,
        "rows": rows,
        "under_allocated": [r for r in rows if r.under],
        "failed_id": failed.pk if failed is not None else None,
        "conflict": conflict,
    }


def _split_candidates(goal: Goal) -> dict[str, list[tuple[int, str]]]:
    """Who a goal could be split over, by kind ("teams", "members"): (id, name)."""
    found: dict[str, list[tuple[int, str]]] = {}
    for to in services.CASCADE_TARGETS:
        try:
            children = services.cascade_children(goal, to)
        except DomainError:
            continue
        rows = [
            (c.user_id, c.user.display_name) if isinstance(c, Membership) else (c.pk, c.name)
            for c in children
        ]
        if rows:
            found[to] = rows
    return found


def _cascade_page(
    request: Any,
    root: Goal,
    *,
    split_form: CascadeForm | None = None,
    template_form: TemplateSaveForm | None = None,
    status: int = 200,
    **tree: Any,
) -> HttpResponse:
    me = request.membership
    can_edit_root = access.can_edit_goal(me, root)
    has_children = root.children.exists()
    if split_form is None and can_edit_root and not has_children:
        split_form = CascadeForm(candidates=_split_candidates(root))
    context = {
        **_tree_context(request, root, **tree),
        "split_form": split_form if can_edit_root and not has_children else None,
        "template_form": template_form
        or (
            TemplateSaveForm() if access.can_manage_cascade_templates(me) and has_children else None
        ),
    }
    return render(request, "goals/goal_cascade.html", context, status=status)


@org_view
@require_http_methods(["GET", "POST"])
def goal_cascade(request: Any, goal_id: int) -> HttpResponse:
    """The goal tree with targets, allocation gaps and progress; POST splits a leaf goal."""
    me = request.membership
    goal = _visible_goal(request, goal_id)
    rules.require(access.can_set_goals(me))
    if request.method == "GET":
        return _cascade_page(request, goal)
    rules.require(access.can_edit_goal(me, goal))
    form = CascadeForm(request.POST, candidates=_split_candidates(goal))
    if form.is_valid():
        try:
            created = services.cascade_goal(
                actor=me,
                goal=goal,
                to=form.cleaned_data["to"],
                strategy=form.cleaned_data["strategy"],
                weights=form.weights() or None,
            )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Split into %d goals.") % len(created))
            return redirect("goals:goal_cascade", org_slug=request.org.slug, goal_id=goal.pk)
    return _cascade_page(request, goal, split_form=form, status=422)


@org_view
@require_POST
def goal_target_edit(request: Any, goal_id: int) -> HttpResponse:
    """Inline edit of one node's target; answers the refreshed tree (409 when stale)."""
    org, me = request.org, request.membership
    goal = _visible_goal(request, goal_id)
    rules.require(access.can_edit_goal(me, goal))
    form = TargetEditForm(request.POST, auto_id=False)
    root_id = str(form.data.get("root", ""))
    root = None
    if root_id.isdigit():
        root = access.goals_visible_to(me).filter(pk=int(root_id)).first()
    root = root or goal
    status, conflict = 422, None
    if form.is_valid():
        try:
            services.update_goal(
                actor=me,
                goal=goal,
                version=form.cleaned_data["version"],
                target=form.cleaned_data["target"],
            )
        except Conflict as exc:
            status, conflict = 409, exc.message
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            if not wants_fragment(request):
                messages.success(request, _("Target saved."))
                return redirect("goals:goal_cascade", org_slug=org.slug, goal_id=root.pk)
            return render(request, "goals/_cascade_tree.html", _tree_context(request, root))
    # On a conflict the row shows what is stored now (target and version), so a retry
    # starts from there; on invalid input it keeps what was typed.
    tree: dict[str, Any] = {
        "failed": goal,
        "form": None if conflict else form,
        "conflict": conflict,
    }
    if wants_fragment(request):
        context = _tree_context(request, root, **tree)
        return render(request, "goals/_cascade_tree.html", context, status=status)
    return _cascade_page(request, root, status=status, **tree)


@org_view
@require_POST
def goal_save_template(request: Any, goal_id: int) -> HttpResponse:
    """Save a split goal as a cascade template for the next period (admins only)."""
    org, me = request.org, request.membership
    goal = _visible_goal(request, goal_id)
    rules.require(access.can_manage_cascade_templates(me))
    form = TemplateSaveForm(request.POST)
    if form.is_valid():
        first_child = goal.children.order_by("id").first()
        if first_child is None:
            form.add_error(None, _("Split this goal before saving it as a template."))
        else:
            to = "members" if first_child.scope == Goal.Scope.USER else "teams"
            try:
                services.save_cascade_template(
                    actor=me, goal=goal, name=form.cleaned_data["name"], to=to, strategy="weights"
                )
            except DomainError as exc:
                add_domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Template “%s” saved.") % form.cleaned_data["name"])
                return redirect("goals:cascade_templates", org_slug=org.slug)
    return _cascade_page(request, goal, template_form=form, status=422)


@dataclass(frozen=True)
class TemplateRow:
    template: CascadeTemplate
    form: TemplateApplyForm
    next_period: periods.Period


@org_view
@require_http_methods(["GET", "POST"])
def cascade_templates(request: Any) -> HttpResponse:
    """Saved cascades (admins): apply one to the period containing a date in one action."""
    org, me = request.org, request.membership
    rules.require(access.can_manage_cascade_templates(me))
    templates = CascadeTemplate.objects.for_org(org).select_related("metric", "team")
    failed: TemplateApplyForm | None = None
    if request.method == "POST":
        form = TemplateApplyForm(request.POST, templates=templates)
        if form.is_valid():
            try:
                goal = services.apply_cascade_template(
                    actor=me, template=form.cleaned_data["template"], on=form.cleaned_data["on"]
                )
            except DomainError as exc:
                add_domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Goal “%s” created and split.") % goal.title)
                return redirect("goals:goal_cascade", org_slug=org.slug, goal_id=goal.pk)
        failed = form
    today = periods.today(org)
    rows = []
    for template in templates:
        current = periods.period_of(org, template.period_kind, today)
        upcoming = periods.shift(org, current, template.period_kind, 1)
        form = TemplateApplyForm(
            initial={"template": template, "on": upcoming.start},
            templates=templates,
            auto_id=f"tpl{template.pk}_%s",
        )
        if failed is not None and failed.data.get("template") == str(template.pk):
            form = failed
        rows.append(TemplateRow(template, form, upcoming))
    status = 422 if failed is not None else 200
    context = {"rows": rows, "failed": failed}
    return render(request, "goals/cascade_templates.html", context, status=status)


# --- days off -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holiday:
    date: date
    name: str


def _public_holidays(org: Any, year: periods.Period, own: set[date]) -> list[Holiday]:
    """The fiscal year's public holidays (as the calendar counts them), named."""
    days = sorted(periods.org_days_off(org, year) - own)
    years = range(year.start.year, year.last.year + 1)
    language = (get_language() or "en").replace("-", "_")
    names: Any
    try:
        names = holidays.country_holidays(org.country, years=years, language=language)
    except NotImplementedError:
        names = {}
    return [Holiday(day, str(names.get(day, ""))) for day in days]


@org_view
@require_http_methods(["GET", "POST"])
def days_off(request: Any) -> HttpResponse:
    """This fiscal year's public holidays and the organisation's own days off (admins edit)."""
    org, me = request.org, request.membership
    can_edit = rules.can_edit_days_off(me)
    form = DayOffForm(request.POST or None)
    if request.method == "POST":
        rules.require(can_edit)
        if form.is_valid():
            try:
                accounts_services.add_day_off(
                    actor=me, day=form.cleaned_data["date"], name=form.cleaned_data["name"]
                )
            except DomainError as exc:
                add_domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Day off added."))
                return redirect("goals:days_off", org_slug=org.slug)
    year = periods.fiscal_year_of(org, periods.today(org))
    own = list(DayOff.objects.filter(organization=org, date__gte=year.start).order_by("date"))
    context = {
        "year": year,
        "public": _public_holidays(org, year, {d.date for d in own}),
        "own": own,
        "form": form,
        "can_edit": can_edit,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "goals/days_off.html", context, status=status)


@org_view
@require_POST
def day_off_delete(request: Any, day_off_id: int) -> HttpResponse:
    """Make one of the organisation's days off a working day again (admins only)."""
    org = request.org
    day_off = get_object_or_404(DayOff.objects.filter(organization=org), pk=day_off_id)
    accounts_services.remove_day_off(actor=request.membership, day_off=day_off)
    messages.success(request, _("Day off removed."))
    return redirect("goals:days_off", org_slug=org.slug)


# --- manual check-ins -----------------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def manual_checkin(request: Any) -> HttpResponse:
    """Log a value for a manual metric on a date (for oneself)."""
    org, me = request.org, request.membership
    today = periods.today(org)
    metrics = Metric.objects.for_org(org).filter(source=Metric.Source.MANUAL)
    form = ManualEntryForm(request.POST or None, metrics=metrics, initial={"date": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.log_manual_entry(
                actor=me,
                metric=data["metric"],
                day=data["date"],
                value=data["value"],
                note=data["note"],
            )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Checked in."))
            return redirect("goals:manual_checkin", org_slug=org.slug)
    recent = (
        ManualEntry.objects.for_org(org)
        .filter(user_id=me.user_id)
        .select_related("metric")[:RECENT_CHECKINS]
    )
    context = {"form": form, "has_metrics": metrics.exists(), "recent": recent}
    status = 422 if request.method == "POST" else 200
    return render(request, "goals/manual_checkin.html", context, status=status)


# --- metrics (organisation configuration) ------------------------------------------------


def _metric_form(request: Any, **kwargs: Any) -> MetricForm:
    types = ActivityType.objects.for_org(request.org).order_by("name")
    return MetricForm(request.POST or None, activity_types=types, **kwargs)


def _save_metric(request: Any, form: MetricForm, metric: Metric | None) -> Metric | None:
    """Create or change the metric through the service the API uses; None when refused
    (the reason then shows on the form)."""
    if not form.is_valid():
        return None
    values = form.cleaned_data
    fields = {
        "key": values["key"],
        "name": values["name"],
        "unit": values["unit"],
        "source": values["source"],
        "activity_types": list(values["activity_types"]),
    }
    try:
        if metric is None:
            return services.create_metric(actor=request.membership, **fields)
        return services.update_metric(actor=request.membership, metric=metric, **fields)
    except DomainError as exc:
        add_domain_error_to_form(form, exc)
        return None


@org_view
@require_GET
def metric_list(request: Any) -> HttpResponse:
    """What goals can count (admins): each metric, its source and how many goals use it."""
    org, me = request.org, request.membership
    rules.require(access.can_define_metrics(me))
    metrics = (
        Metric.objects.for_org(org)
        .prefetch_related("activity_types")
        .annotate(goal_count=Count("goals"))
        .order_by("name", "id")
    )
    return render(request, "goals/metric_list.html", {"metrics": metrics})


@org_view
@require_http_methods(["GET", "POST"])
def metric_create(request: Any) -> HttpResponse:
    """Define a new metric (admins)."""
    org, me = request.org, request.membership
    rules.require(access.can_define_metrics(me))
    form = _metric_form(request, initial={"unit": "count"})
    if request.method == "POST":
        metric = _save_metric(request, form, None)
        if metric is not None:
            messages.success(request, _("Metric “%s” added.") % metric.name)
            return redirect("goals:metric_list", org_slug=org.slug)
    context = {"form": form, "metric": None}
    status = 422 if form.is_bound else 200
    return render(request, "goals/metric_form.html", context, status=status)


@org_view
@require_http_methods(["GET", "POST"])
def metric_edit(request: Any, metric_id: int) -> HttpResponse:
    """Change a metric's key, name, unit, source or activity types (admins)."""
    org, me = request.org, request.membership
    metric = get_object_or_404(Metric.objects.for_org(org), pk=metric_id)
    rules.require(access.can_define_metrics(me))
    form = _metric_form(request, initial=MetricForm.initial_of(metric))
    if request.method == "POST":
        saved = _save_metric(request, form, metric)
        if saved is not None:
            messages.success(request, _("Metric “%s” saved.") % saved.name)
            return redirect("goals:metric_list", org_slug=org.slug)
    context = {"form": form, "metric": metric, "goal_count": metric.goals.count()}
    status = 422 if form.is_bound else 200
    return render(request, "goals/metric_form.html", context, status=status)
