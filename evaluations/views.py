"""Pages of the evaluations app: the organisation's criteria, its cycles and the
evaluations written in them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Membership, User
from accounts.views import export_page
from evaluations import access, calibration, evidence, services
from evaluations.filters import CriterionFilter, EvaluationFilter
from evaluations.forms import (
    AcknowledgeForm,
    AssignEvaluatorForm,
    CriterionForm,
    CycleForm,
    EvaluationForm,
    FinalRatingForm,
    NextStepsForm,
)
from evaluations.models import Evaluation
from motivation import access as motivation_access
from salesmgmt.csv_files import limit_export, streaming_csv_response
from salesmgmt.errors import DomainError, add_domain_error_to_form
from salesmgmt.pagination import page_of
from salesmgmt.tenancy import org_view

PER_PAGE = 25


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
        "page": page_of(request, listed, PER_PAGE),
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


# --- cycles -------------------------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def cycles(request: Any) -> HttpResponse:
    """The cycles the reader may see; admins open new ones and move them along."""
    me = request.membership
    manages = access.can_manage_cycles(me)
    if request.method == "POST" and not manages:
        raise PermissionDenied
    form = CycleForm(request.POST or None) if manages else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.create_cycle(actor=me, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Cycle created."))
            return redirect("evaluations:cycles", request.org.slug)
    page = page_of(request, access.cycles_visible_to(me), PER_PAGE)
    unassigned = list(services.unassigned_in(me.organization_id, [c.pk for c in page]))
    shown = access.people_without_evaluator_for(me, unassigned)
    latecomers = services.not_in_cycles(access.latecomers_visible_to(me), list(page))
    for cycle in page:
        cycle.without_evaluator = [e for e in shown if e.cycle_id == cycle.pk]
        cycle.not_in_cycle = latecomers.get(cycle.pk, [])
        cycle.assignable = cycle.status in services.ASSIGNABLE
    assigns = access.can_assign_evaluators(me)
    context = {
        "form": form,
        "page": page,
        "manages": manages,
        "calibrates": access.can_view_calibration(me),
        "assigns": assigns,
        "candidates": access.evaluators_assignable_by(me)
        .select_related("user")
        .order_by("user__name", "user_id")
        if assigns and (shown or latecomers)
        else [],
    }
    status = 422 if form is not None and form.errors else 200
    return render(request, "evaluations/cycles.html", context, status=status)


@org_view
@require_POST
def cycle_advance(request: Any, cycle_id: int) -> HttpResponse:
    """Move a cycle one stage forward (admins)."""
    me = request.membership
    cycle = get_object_or_404(access.cycles_visible_to(me), pk=cycle_id)
    try:
        moved = services.advance_cycle(actor=me, cycle=cycle, to=request.POST.get("to", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(cycle)s is now at: %(stage)s.")
            % {"cycle": moved.name, "stage": moved.get_status_display()},
        )
    return redirect("evaluations:cycles", request.org.slug)


@org_view
@require_POST
def cycle_assign_evaluator(request: Any, cycle_id: int) -> HttpResponse:
    """An admin names who evaluates a person in the cycle."""
    me = request.membership
    cycle = get_object_or_404(access.cycles_visible_to(me), pk=cycle_id)
    if not access.can_assign_evaluators(me):
        raise PermissionDenied
    form = AssignEvaluatorForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Choose an active manager or admin other than the person."))
        done = services.assign_evaluator(
            actor=me,
            cycle=cycle,
            subject_id=form.cleaned_data["subject"],
            evaluator_id=form.cleaned_data["evaluator"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        named = User.objects.filter(pk__in=[done.subject_id, done.evaluator_id])
        names = {u.pk: u.display_name for u in named}
        messages.success(
            request,
            _("%(evaluator)s now evaluates %(person)s.")
            % {
                "evaluator": names.get(done.evaluator_id or 0) or "-",
                "person": names.get(done.subject_id) or "-",
            },
        )
    return redirect("evaluations:cycles", request.org.slug)


@org_view
@require_http_methods(["GET"])
def cycle_calibration(request: Any, cycle_id: int) -> HttpResponse:
    """How each evaluator rates against the organisation, and ratings against their evidence."""
    me = request.membership
    cycle = get_object_or_404(access.cycles_visible_to(me), pk=cycle_id)
    if not access.can_view_calibration(me):
        raise PermissionDenied
    report = calibration.calibration(me, cycle)
    ids = (
        {r["evaluator"] for r in report["evaluators"]}
        | {m["subject"] for m in report["mismatches"]}
        | set(report["without_evaluator"])
    )
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in=ids)}
    report["without_evaluator_names"] = [names.get(i, "") for i in report["without_evaluator"]]
    for row in report["evaluators"]:
        row["name"] = names.get(row["evaluator"], "")
        row["outlier"] = row["evaluator"] in report["outliers"]
        row["bars"] = [(n, row["distribution"][str(n)]) for n in range(1, 6)]
    for row in report["mismatches"]:
        row["name"] = names.get(row["subject"], "")
        row["attainment"] = round(row["evidence"]["goal_attainment"] * 100)
    context = {"cycle": cycle, "report": report, "assigns": access.can_assign_evaluators(me)}
    return render(request, "evaluations/calibration.html", context)


@org_view
@require_http_methods(["GET"])
def cycle_export(request: Any, cycle_id: int) -> HttpResponseBase:
    """The cycle's submitted evaluations as CSV (admins; formula-like cells escaped)."""
    me = request.membership
    cycle = get_object_or_404(access.cycles_visible_to(me), pk=cycle_id)
    if not access.can_manage_cycles(me):
        raise PermissionDenied
    keys = list(access.criteria_visible_to(me).values_list("key", flat=True))
    rows = (
        access.evaluations_visible_to(me)
        .filter(cycle=cycle)
        .exclude(status=Evaluation.Status.DRAFT)
        .select_related("subject", "evaluator")
        .order_by("subject__name", "subject_id", "kind")
    )
    header = [
        "subject", "email", "kind", "evaluator", "status", *keys,
        "final_rating", "final_note", "strengths", "improve", "next_steps", "response",
    ]  # fmt: skip

    def lines(found: Any) -> Any:
        for e in found:
            yield [
                e.subject.display_name, e.subject.email, e.kind,
                e.evaluator.display_name if e.evaluator else "",
                e.status, *[e.ratings.get(k, "") for k in keys], e.final_rating or "",
                e.final_note, e.summary.get("strengths", ""), e.summary.get("improve", ""),
                e.summary.get("next_steps", ""), e.response,
            ]  # fmt: skip

    def respond(filename: str) -> HttpResponseBase:
        return streaming_csv_response(header, lines(limit_export(rows)), filename=filename)

    return export_page(
        request,
        what="evaluations",
        make_response=respond,
        back_to=reverse("evaluations:cycles", args=[request.org.slug]),
    )


# --- evaluations --------------------------------------------------------------------------


@org_view
@require_http_methods(["GET"])
def evaluation_list(request: Any) -> HttpResponse:
    """The evaluations the reader may see (their own, those they write, their people's)."""
    me = request.membership
    base = access.evaluations_visible_to(me).select_related("cycle", "subject", "evaluator")
    filtered = EvaluationFilter(
        request.GET, queryset=base.order_by("-cycle__start", "subject__name", "kind"), actor=me
    )
    listed = filtered.qs if filtered.is_valid() else base.none()
    page = page_of(request, listed, PER_PAGE)
    return render(request, "evaluations/evaluation_list.html", {"filter": filtered, "page": page})


def _visible_evaluation(request: Any, evaluation_id: int) -> Evaluation:
    found = access.evaluations_visible_to(request.membership).select_related(
        "cycle", "subject", "evaluator", "subject_team", "next_steps_one_on_one"
    )
    return get_object_or_404(found, pk=evaluation_id)


@org_view
@require_http_methods(["GET", "POST"])
def evaluation_detail(request: Any, evaluation_id: int) -> HttpResponse:
    """One evaluation: its ratings with their basis beside the self rating; the writer
    fills it in (and submits it) while the cycle's stage allows."""
    me = request.membership
    evaluation = _visible_evaluation(request, evaluation_id)
    criteria = services.criteria_for(evaluation)
    writable = access.can_write_evaluation(me, evaluation)
    if request.method == "POST" and not writable:
        raise PermissionDenied
    form = _evaluation_form(evaluation, criteria, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_evaluation(actor=me, evaluation=evaluation, **form.values())
            if "submit" in request.POST:
                services.submit_evaluation(actor=me, evaluation=evaluation)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            done = _("Evaluation submitted.") if "submit" in request.POST else _("Saved.")
            messages.success(request, done)
            return redirect("evaluations:evaluation_detail", request.org.slug, evaluation.pk)
    status = 422 if form.errors else 200
    return _render_detail(request, evaluation, form, writable=writable, status=status)


def _render_detail(
    request: Any,
    evaluation: Evaluation,
    form: EvaluationForm | None = None,
    *,
    writable: bool,
    next_steps_form: NextStepsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    me = request.membership
    criteria = services.criteria_for(evaluation)
    if form is None:
        form = _evaluation_form(evaluation, criteria)
    held = evaluation.next_steps_one_on_one
    own = services.self_evaluation_of(evaluation)
    shown_own = own if own is not None and access.can_view_evaluation(me, own) else None
    numbers = evidence.evidence_for(evaluation)
    rows = [
        {
            "criterion": c,
            "evidence": evidence.in_words(c.evidence, numbers),
            "rating": evaluation.ratings.get(c.key),
            "comment": evaluation.comments.get(c.key, ""),
            "self_rating": shown_own.ratings.get(c.key) if shown_own else None,
        }
        for c in criteria
    ]
    context = {
        "evaluation": evaluation,
        "rows": rows,
        "evidence": numbers,
        "form": form,
        "writable": writable,
        "own": shown_own,
        "final_form": FinalRatingForm(
            initial={"final_rating": evaluation.final_rating, "final_note": evaluation.final_note}
        )
        if access.can_set_final_rating(me, evaluation)
        and evaluation.kind == Evaluation.Kind.MANAGER
        and evaluation.cycle.status in services.FINAL_STAGES
        else None,
        "subject_now": Membership.objects.for_org(evaluation.organization_id)
        .filter(user_id=evaluation.subject_id, active=True)
        .select_related("team")
        .first(),
        "next_steps_form": next_steps_form or _next_steps_form(me, evaluation),
        "next_steps_one_on_one": held
        if held is not None and motivation_access.can_view_one_on_one(me, held)
        else None,
        "acknowledge_form": AcknowledgeForm()
        if access.can_acknowledge_evaluation(me, evaluation)
        and evaluation.status == Evaluation.Status.RELEASED
        else None,
    }
    return render(request, "evaluations/evaluation_detail.html", context, status=status)


def _evaluation_form(
    evaluation: Evaluation, criteria: list[Any], data: Any = None
) -> EvaluationForm:
    initial: dict[str, Any] = {**evaluation.summary}
    for c in criteria:
        initial[f"rating_{c.key}"] = evaluation.ratings.get(c.key)
        initial[f"comment_{c.key}"] = evaluation.comments.get(c.key, "")
    return EvaluationForm(data, criteria=criteria, initial=initial)


@org_view
@require_POST
def evaluation_acknowledge(request: Any, evaluation_id: int) -> HttpResponse:
    """The subject acknowledges their released evaluation, optionally with a response."""
    evaluation = _visible_evaluation(request, evaluation_id)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The response is too long."))
    else:
        try:
            services.acknowledge_evaluation(
                actor=request.membership,
                evaluation=evaluation,
                response=form.cleaned_data["response"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you: your acknowledgement is recorded."))
    return redirect("evaluations:evaluation_detail", request.org.slug, evaluation.pk)


@org_view
@require_POST
def evaluation_final(request: Any, evaluation_id: int) -> HttpResponse:
    """An admin sets the final rating of a manager evaluation, with the reason (audited)."""
    evaluation = _visible_evaluation(request, evaluation_id)
    form = FinalRatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a final rating from 1 to 5 and say why."))
    else:
        try:
            services.set_final_rating(
                actor=request.membership,
                evaluation=evaluation,
                rating=form.cleaned_data["final_rating"],
                note=form.cleaned_data["final_note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Final rating saved."))
    return redirect("evaluations:evaluation_detail", request.org.slug, evaluation.pk)


def _my_one_on_ones_with_subject(me: Any, evaluation: Evaluation) -> Any:
    return (
        motivation_access.one_on_ones_visible_to(me)
        .filter(manager_id=me.user_id, member_id=evaluation.subject_id)
        .order_by("-date", "-id")[:10]
    )


def _next_steps_form(me: Any, evaluation: Evaluation, data: Any = None) -> NextStepsForm | None:
    """The form turning next steps into 1:1 action items, for whoever may (once released)."""
    if (
        not access.can_turn_next_steps_into_action_items(me, evaluation)
        or evaluation.status not in access.SHOWN_TO_SUBJECT
        or evaluation.next_steps_one_on_one_id is not None
        or not services.next_steps_of(evaluation)
    ):
        return None
    return NextStepsForm(data, one_on_ones=_my_one_on_ones_with_subject(me, evaluation))


@org_view
@require_POST
def evaluation_action_items(request: Any, evaluation_id: int) -> HttpResponse:
    """The evaluator (or an admin) turns the next steps into action items of a 1:1."""
    me = request.membership
    evaluation = _visible_evaluation(request, evaluation_id)
    if not access.can_turn_next_steps_into_action_items(me, evaluation):
        raise PermissionDenied
    form = NextStepsForm(request.POST, one_on_ones=_my_one_on_ones_with_subject(me, evaluation))
    try:
        if not form.is_valid():
            raise DomainError(_("Choose a 1:1 or a valid date."))
        chosen = form.cleaned_data["one_on_one"]
        one_on_one = (
            motivation_access.one_on_ones_visible_to(me).filter(pk=chosen).first()
            if chosen is not None
            else None
        )
        held, added = services.next_steps_to_one_on_one(
            actor=me,
            evaluation=evaluation,
            one_on_one=one_on_one,
            day=form.cleaned_data["date"],
            due=form.cleaned_data["due"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        writable = access.can_write_evaluation(me, evaluation)
        shown = form if _next_steps_form(me, evaluation) is not None else None
        return _render_detail(
            request, evaluation, writable=writable, next_steps_form=shown, status=422
        )
    messages.success(
        request,
        ngettext(
            "%(n)d action item added to the 1:1 of %(date)s.",
            "%(n)d action items added to the 1:1 of %(date)s.",
            len(added),
        )
        % {"n": len(added), "date": held.date.isoformat()},
    )
    return redirect("motivation:one_on_one_detail", request.org.slug, held.pk)
