"""Pages of the motivation app: weekly check-ins, 1:1s, kudos, "who to talk to this week"
and the organisation's motivation settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Membership
from deals.access import deals_visible_to
from motivation import access, alerts, leaderboards, recognition, selectors, services
from motivation.forms import (
    ActionItemForm,
    AgendaPointForm,
    CheckInForm,
    KudosForm,
    LeaderboardForm,
    MotivationSettingsForm,
    OneOnOneEditForm,
    OneOnOneForm,
    member_of,
)
from motivation.models import OneOnOne
from salesmgmt import periods
from salesmgmt.errors import DomainError, add_domain_error_to_form
from salesmgmt.pagination import page_of
from salesmgmt.tenancy import org_view

PER_PAGE = 25


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
        "page": page_of(request, listed, PER_PAGE),
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


# --- 1:1s ---------------------------------------------------------------------------------


def _one_on_one_or_404(request: Any, one_on_one_id: int) -> OneOnOne:
    return get_object_or_404(selectors.one_on_ones_for(request.membership), pk=one_on_one_id)


@org_view
@require_http_methods(["GET", "POST"])
def one_on_ones(request: Any) -> HttpResponse:
    """The 1:1s the reader had, held or oversees; managers record a new one here."""
    me = request.membership
    coaches = access.coaches_others(me)
    if request.method == "POST" and not coaches:
        raise PermissionDenied
    form = OneOnOneForm(
        request.POST or None,
        people=access.people_for_one_on_ones(me),
        initial={"date": periods.today(request.org), "member": request.GET.get("member")},
    )
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            created = services.hold_one_on_one(
                actor=me,
                member=member_of(request.org.pk, values.pop("member")),
                day=values.pop("date"),
                **values,
            )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("1:1 saved."))
            return redirect("motivation:one_on_one_detail", request.org.slug, created.pk)
    filtered = selectors.filter_one_on_ones(me, request.GET)
    listed = filtered.qs if filtered.is_valid() else selectors.one_on_ones_for(me).none()
    page = page_of(request, listed, PER_PAGE)
    context = {
        "form": form if coaches else None,
        "filter": filtered,
        "page": page,
        "rows": selectors.with_items(list(page.object_list)),
        "coaches": coaches,
    }
    return render(
        request, "motivation/one_on_ones.html", context, status=422 if form.errors else 200
    )


def _detail_context(request: Any, one_on_one: OneOnOne, **forms: Any) -> dict[str, Any]:
    me = request.membership
    selectors.with_items([one_on_one])
    can_edit = access.can_edit_one_on_one(me, one_on_one)
    today = periods.today(request.org)
    context = {
        "one": one_on_one,
        "can_edit": can_edit,
        "private": access.can_read_private_notes(me, one_on_one),
        "can_propose": access.can_propose_agenda(me, one_on_one) and one_on_one.date >= today,
        "edit_form": OneOnOneEditForm(instance=one_on_one) if can_edit else None,
        "item_form": ActionItemForm(one_on_one=one_on_one) if can_edit else None,
        "point_form": AgendaPointForm(),
        "tickable": {
            item.pk
            for item in one_on_one.items  # type: ignore[attr-defined]
            if item.owner_id == me.user_id or can_edit
        },
    }
    context.update(forms)
    return context


@org_view
@require_http_methods(["GET", "POST"])
def one_on_one_detail(request: Any, one_on_one_id: int) -> HttpResponse:
    """A 1:1: agenda, proposed points, shared notes, action items (private notes: writer)."""
    one_on_one = _one_on_one_or_404(request, one_on_one_id)
    if request.method == "POST":
        if not access.can_edit_one_on_one(request.membership, one_on_one):
            raise PermissionDenied
        form = OneOnOneEditForm(request.POST, instance=OneOnOne.objects.get(pk=one_on_one.pk))
        if form.is_valid():
            try:
                services.update_one_on_one(
                    actor=request.membership, one_on_one=one_on_one, **form.cleaned_data
                )
            except DomainError as exc:
                add_domain_error_to_form(form, exc)
            else:
                messages.success(request, _("1:1 saved."))
                return redirect("motivation:one_on_one_detail", request.org.slug, one_on_one.pk)
        context = _detail_context(request, one_on_one, edit_form=form)
        return render(request, "motivation/one_on_one_detail.html", context, status=422)
    context = _detail_context(request, one_on_one)
    return render(request, "motivation/one_on_one_detail.html", context)


@org_view
@require_POST
def one_on_one_delete(request: Any, one_on_one_id: int) -> HttpResponse:
    one_on_one = _one_on_one_or_404(request, one_on_one_id)
    services.delete_one_on_one(actor=request.membership, one_on_one=one_on_one)
    messages.success(request, _("1:1 deleted."))
    return redirect("motivation:one_on_ones", request.org.slug)


@org_view
@require_POST
def action_item_add(request: Any, one_on_one_id: int) -> HttpResponse:
    """The holding manager adds an action item for either of the pair."""
    one_on_one = _one_on_one_or_404(request, one_on_one_id)
    if not access.can_edit_one_on_one(request.membership, one_on_one):
        raise PermissionDenied
    form = ActionItemForm(request.POST, one_on_one=one_on_one)
    if form.is_valid():
        item = services.NewActionItem(
            text=form.cleaned_data["text"],
            owner_id=form.cleaned_data["owner"].pk,
            due=form.cleaned_data["due"],
        )
        try:
            services.update_one_on_one(
                actor=request.membership, one_on_one=one_on_one, add_items=[item]
            )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            return redirect("motivation:one_on_one_detail", request.org.slug, one_on_one.pk)
    context = _detail_context(request, one_on_one, item_form=form)
    return render(request, "motivation/one_on_one_detail.html", context, status=422)


@org_view
@require_POST
def action_item_done(request: Any, one_on_one_id: int, item_id: int) -> HttpResponse:
    """The item's owner (or the holding manager) marks it done, or open again."""
    one_on_one = _one_on_one_or_404(request, one_on_one_id)
    item = selectors.item_of(one_on_one, item_id)
    if item is None:
        raise Http404
    services.set_action_item_done(
        actor=request.membership, item=item, done=request.POST.get("done", "1") != "0"
    )
    return redirect("motivation:one_on_one_detail", request.org.slug, one_on_one.pk)


@org_view
@require_POST
def agenda_propose(request: Any, one_on_one_id: int) -> HttpResponse:
    """Either of the pair proposes a point for the coming 1:1."""
    one_on_one = _one_on_one_or_404(request, one_on_one_id)
    if not access.can_propose_agenda(request.membership, one_on_one):
        raise PermissionDenied
    form = AgendaPointForm(request.POST)
    if form.is_valid():
        try:
            services.propose_agenda_point(
                actor=request.membership, one_on_one=one_on_one, text=form.cleaned_data["text"]
            )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            return redirect("motivation:one_on_one_detail", request.org.slug, one_on_one.pk)
    context = _detail_context(request, one_on_one, point_form=form)
    return render(request, "motivation/one_on_one_detail.html", context, status=422)


# --- kudos --------------------------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def kudos(request: Any) -> HttpResponse:
    """The organisation's kudos, newest first (by person), and the form to thank someone."""
    me = request.membership
    settings = services.settings_for(request.org)
    form = KudosForm(
        request.POST or None,
        colleagues=access.colleagues_of(me),
        values=settings.values or [],
        initial={"to_user": request.GET.get("to_user")},
    )
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            services.give_kudos(
                actor=me,
                to=member_of(request.org.pk, values["to_user"]),
                message=values["message"],
                value=values["value"] or None,
            )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Kudos sent."))
            return redirect("motivation:kudos", request.org.slug)
    filtered = selectors.filter_kudos(me, request.GET)
    listed = filtered.qs if filtered.is_valid() else selectors.kudos_for(me).none()
    page = page_of(request, listed, PER_PAGE)
    context = {
        "form": form,
        "filter": filtered,
        "page": page,
        "value_names": {v["key"]: v["name"] for v in settings.values or []},
        "deletable": {k.pk for k in page.object_list if access.can_delete_kudos(me, k)},
    }
    return render(request, "motivation/kudos.html", context, status=422 if form.errors else 200)


@org_view
@require_POST
def kudos_delete(request: Any, kudos_id: int) -> HttpResponse:
    """The author (or an admin) takes kudos back."""
    found = get_object_or_404(access.kudos_visible_to(request.membership), pk=kudos_id)
    services.delete_kudos(actor=request.membership, kudos=found)
    messages.success(request, _("Kudos removed."))
    return redirect("motivation:kudos", request.org.slug)


# --- who to talk to -----------------------------------------------------------------------


@org_view
@require_http_methods(["GET"])
def talk(request: Any) -> HttpResponse:
    """Who to talk to this week, and why (managers: their people; admins: everyone)."""
    if not access.coaches_others(request.membership):
        raise PermissionDenied
    people = alerts.attention_by_person(selectors.alerts_visible_to(request.membership))
    return render(request, "motivation/talk.html", {"people": people})


# --- leaderboards -------------------------------------------------------------------------


@org_view
@require_http_methods(["GET"])
def leaderboard(request: Any) -> HttpResponse:
    """People ranked against their own goals, or by improvement (when switched on)."""
    enabled = services.settings_for(request.org).leaderboards_enabled
    if not access.can_view_leaderboards(request.membership, enabled):
        return render(request, "motivation/leaderboard.html", {"disabled": True})
    form = LeaderboardForm(request.GET or None, org_id=request.org.pk)
    board = None
    if form.is_bound and form.is_valid():
        values = form.cleaned_data
        board = leaderboards.leaderboard(
            request.org,
            metric=values["metric"],
            period_kind=values["period"] or "month",
            kind=values["kind"] or "attainment",
            team=values["team"],
        )
    return render(request, "motivation/leaderboard.html", {"form": form, "board": board})


@org_view
@require_POST
def deal_congratulate(request: Any, deal_id: int) -> HttpResponse:
    """One tap from the won deal's page: kudos to its owner from a teammate."""
    deal = get_object_or_404(
        deals_visible_to(request.membership).select_related("stage"), pk=deal_id
    )
    services.congratulate_on_won_deal(actor=request.membership, deal=deal)
    messages.success(request, _("Congratulations sent."))
    return redirect("deals:deal_detail", request.org.slug, deal.pk)


# --- a person's page ----------------------------------------------------------------------


@org_view
@require_http_methods(["GET"])
def person(request: Any, user_id: int) -> HttpResponse:
    """A colleague's recognition (kudos, streak, badges) for everyone; their check-ins and
    1:1s only for themselves, their managers and admins."""
    me = request.membership
    subject = get_object_or_404(
        Membership.objects.for_org(request.org).select_related("user", "organization"),
        user_id=user_id,
    )
    streak, badges = recognition.badges_of(subject)
    private = access.can_see_person(me, subject.user_id)
    context = {
        "subject": subject,
        "streak": streak,
        "badges": badges,
        "kudos": list(selectors.kudos_for(me).filter(to_user_id=subject.user_id)[:10]),
        "private": private,
        "checkins": (
            list(selectors.checkins_for(me).filter(user_id=subject.user_id)[:8]) if private else []
        ),
        "one_on_ones": (
            list(selectors.one_on_ones_for(me).filter(member_id=subject.user_id)[:5])
            if private
            else []
        ),
    }
    return render(request, "motivation/person.html", context)
