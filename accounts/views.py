"""Pages of the people core: home, organisation settings, team tree, members, invitations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit, mfa, rules, selectors, services
from accounts.audit import record_event
from accounts.forms import (
    AcceptInvitationForm,
    AuditFilterForm,
    DomainForm,
    MemberAddForm,
    MemberEditForm,
    OrganizationSettingsForm,
    ProfileForm,
    TeamForm,
)
from accounts.imports import submit_import
from accounts.models import ImportJob, Invitation, Membership, Team
from salesmgmt import periods, ratelimit
from salesmgmt.csv_files import (
    ImportRefused,
    ImportResult,
    declared_too_large,
    size_label,
    too_large_message,
)
from salesmgmt.errors import DomainError, TooManyRequests, add_domain_error_to_form
from salesmgmt.forms import CSVUploadForm
from salesmgmt.htmx import wants_fragment
from salesmgmt.imports import importer_for
from salesmgmt.tenancy import org_view

MEMBERS_PER_PAGE = 25
AUDIT_EVENTS_PER_PAGE = 50


# --- landing ----------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send a signed-in person to where they work in their organisation (or explain that
    they have none). The sign-in's own `?next=` goes there directly, never through here."""
    membership = selectors.default_membership(request.user)  # type: ignore[arg-type]
    if membership is None:
        return render(request, "accounts/no_organization.html")
    return redirect(selectors.landing_url(membership))


@org_view
@require_GET
def org_home(request: Any) -> HttpResponse:
    """The organisation's start page: who you are here and where to go next."""
    org, me = request.org, request.membership
    tree = selectors.team_tree(me)
    context = {
        "tree": tree,
        "member_count": Membership.objects.for_org(org).filter(active=True).count(),
        "managed_team_ids": rules.managed_team_ids(me),
        "pending_invitations": (
            Invitation.objects.for_org(org).pending().count()
            if rules.can_administer_members(me)
            else 0
        ),
    }
    return render(request, "accounts/org_home.html", context)


# --- organisation settings ----------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def org_settings(request: Any) -> HttpResponse:
    """Organisation settings (admins only): name, calendar, country, currency."""
    rules.require(rules.can_edit_organization(request.membership))
    form = OrganizationSettingsForm(request.POST or None, instance=request.org)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data}
        try:
            services.update_organization(actor=request.membership, org=request.org, **changes)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("accounts:org_settings", org_slug=request.org.slug)
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/org_settings.html", {"form": form}, status=status)


# --- teams ------------------------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def team_list(request: Any) -> HttpResponse:
    """The team tree; admins add teams here."""
    org, me = request.org, request.membership
    can_edit = rules.can_edit_teams(me)
    form = TeamForm(request.POST or None, org=org)
    status = 200
    if request.method == "POST":
        rules.require(can_edit)
        if form.is_valid():
            try:
                team = services.create_team(actor=me, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Team “%s” created.") % team.name)
                if wants_fragment(request):
                    form = TeamForm(org=org)
                else:
                    return redirect("accounts:team_list", org_slug=org.slug)
        if form.errors:
            status = 422
    context = {"tree": selectors.team_tree(me), "form": form, "can_edit": can_edit}
    template = (
        "accounts/_team_editor.html" if wants_fragment(request) else "accounts/team_list.html"
    )
    return render(request, template, context, status=status)


@org_view
@require_http_methods(["GET", "POST"])
def team_detail(request: Any, team_id: int) -> HttpResponse:
    """A team: its place in the tree, managers and members; admins edit it here."""
    org, me = request.org, request.membership
    team = get_object_or_404(selectors.teams_of(me), pk=team_id)
    can_edit = rules.can_edit_teams(me)
    initial = {"name": team.name, "parent": team.parent, "managers": list(team.managers.all())}
    form = TeamForm(request.POST or None, org=org, team=team, initial=initial)
    if request.method == "POST":
        rules.require(can_edit)
        if form.is_valid():
            try:
                services.update_team(actor=me, team=team, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Team saved."))
                return redirect("accounts:team_detail", org_slug=org.slug, team_id=team.pk)
    members = selectors.members_of(me, team=team)
    context = {
        "team": team,
        "form": form,
        "can_edit": can_edit,
        "members": members,
        "sub_teams": rules.teams_visible_to(me).filter(parent=team).order_by("name"),
    }
    return render(request, "accounts/team_detail.html", context, status=422 if form.errors else 200)


@org_view
@require_POST
def team_delete(request: Any, team_id: int) -> HttpResponse:
    """Delete an empty team (admins only)."""
    org = request.org
    team = get_object_or_404(Team.objects.for_org(org), pk=team_id)
    try:
        services.delete_team(actor=request.membership, team=team)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:team_detail", org_slug=org.slug, team_id=team.pk)
    messages.success(request, _("Team “%s” deleted.") % team.name)
    return redirect("accounts:team_list", org_slug=org.slug)


# --- members ----------------------------------------------------------------------------


@org_view
@require_GET
def member_list(request: Any) -> HttpResponse:
    """The member directory with search, filters and pagination."""
    me = request.membership
    filters = selectors.filter_members(me, request.GET or None, search_param="q")
    members = filters.qs
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters.form,
        "page": page,
        "query": query.urlencode(),
        "can_administer": rules.can_administer_members(me),
    }
    template = (
        "accounts/_member_table.html" if wants_fragment(request) else "accounts/member_list.html"
    )
    return render(request, template, context)


@org_view
@require_http_methods(["GET", "POST"])
def member_add(request: Any) -> HttpResponse:
    """Add a member with a password, or invite them by e-mail (admins only)."""
    org, me = request.org, request.membership
    rules.require(rules.can_administer_members(me))
    form = MemberAddForm(request.POST or None, org=org)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.add_member(
                actor=me,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                team=form.cleaned_data["team"],
                password=form.cleaned_data["password"] or None,
            )
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            if result.invitation is not None:
                messages.success(
                    request, _("Invitation sent to %s.") % result.membership.user.email
                )
            else:
                messages.success(request, _("%s can sign in now.") % result.membership.user.email)
            return redirect("accounts:member_list", org_slug=org.slug)
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/member_add.html", {"form": form}, status=status)


@org_view
@require_http_methods(["GET", "POST"])
def member_detail(request: Any, user_id: int) -> HttpResponse:
    """A member's profile in this organisation; admins change role, team and status here."""
    org, me = request.org, request.membership
    membership = get_object_or_404(selectors.members_of(me), user_id=user_id)
    can_administer = rules.can_administer_members(me)
    initial = {"role": membership.role, "team": membership.team, "active": membership.active}
    form = MemberEditForm(request.POST or None, org=org, initial=initial)
    if request.method == "POST":
        rules.require(can_administer)
        if form.is_valid():
            changes = {f: form.cleaned_data[f] for f in form.changed_data}
            try:
                services.update_membership(actor=me, membership=membership, **changes)
            except DomainError as exc:
                add_domain_error_to_form(form, exc)
            else:
                messages.success(request, _("Member saved."))
                return redirect("accounts:member_detail", org_slug=org.slug, user_id=user_id)
    context = {
        "subject": membership,
        "form": form,
        "can_administer": can_administer,
        "managed_teams": Team.objects.for_org(org).filter(managers=membership.user),
    }
    if can_administer:
        context["subject_has_mfa"] = mfa.authenticator_of(membership.user) is not None
        context["subject_needs_mfa"] = rules.membership_requires_mfa(membership)
        context["can_reset_mfa"] = rules.can_reset_mfa(me, membership)
    return render(
        request, "accounts/member_detail.html", context, status=422 if form.errors else 200
    )


@org_view
@require_POST
def member_resend_invitation(request: Any, user_id: int) -> HttpResponse:
    """Send a fresh invitation to someone who has not joined yet (admins only)."""
    org = request.org
    membership = get_object_or_404(Membership.objects.for_org(org), user_id=user_id)
    try:
        services.resend_invitation(actor=request.membership, membership=membership)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A new invitation was sent."))
    return redirect("accounts:member_detail", org_slug=org.slug, user_id=user_id)


# --- invitations ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Join an organisation from an e-mailed link: set a password, or sign in, then join."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    invited = invitation.membership.user
    needs_password = not invited.has_usable_password()
    signed_in_as_invited = request.user.is_authenticated and request.user.pk == invited.pk
    form = (
        AcceptInvitationForm(request.POST or None, initial={"name": invitation.name})
        if needs_password
        else None
    )
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            if form is not None:
                membership = services.accept_invitation(
                    token=token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, membership.user, backend="accounts.backends.UsernameOrEmailBackend")
            else:
                actor = request.user if signed_in_as_invited else None
                joined = services.accept_invitation(token=token, user=actor)  # type: ignore[arg-type]
                # Joining signed the account out everywhere else; this browser stays in.
                joined.user.refresh_from_db()
                update_session_auth_hash(request, joined.user)
        except DomainError as exc:
            if form is not None:
                add_domain_error_to_form(form, exc)
            else:
                messages.error(request, exc.message)
        else:
            messages.success(request, _("Welcome to %s!") % invitation.organization.name)
            return redirect("accounts:org_home", org_slug=invitation.organization.slug)
    context = {
        "invitation": invitation,
        "form": form,
        "signed_in_as_invited": signed_in_as_invited,
        "login_url": reverse("accounts:login") + "?next=" + request.path,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/invitation_accept.html", context, status=status)


# --- verified e-mail domains --------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def domain_list(request: Any) -> HttpResponse:
    """The organisation's e-mail domains (admins): add one, see the DNS record to publish."""
    me = request.membership
    rules.require(rules.can_manage_domains(me))
    form = DomainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.add_domain(actor=me, domain=form.cleaned_data["domain"])
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(
                request, _("Publish the DNS record below, then verify %s.") % added.domain
            )
            return redirect("accounts:domain_list", org_slug=request.org.slug)
    context = {"form": form, "domains": selectors.domains_of(request.org)}
    status = 422 if form.errors else 200
    return render(request, "accounts/domain_list.html", context, status=status)


@org_view
@require_POST
def domain_verify(request: Any, domain_id: int) -> HttpResponse:
    """Check a domain's DNS record now (admins)."""
    domain = get_object_or_404(selectors.domains_of(request.org), pk=domain_id)
    try:
        services.verify_domain(actor=request.membership, domain=domain)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%s is verified.") % domain.domain)
    return redirect("accounts:domain_list", org_slug=request.org.slug)


@org_view
@require_POST
def domain_delete(request: Any, domain_id: int) -> HttpResponse:
    """Remove a domain from the organisation (admins)."""
    domain = get_object_or_404(selectors.domains_of(request.org), pk=domain_id)
    services.remove_domain(actor=request.membership, domain=domain)
    messages.success(request, _("%s was removed.") % domain.domain)
    return redirect("accounts:domain_list", org_slug=request.org.slug)


# --- the person's own account ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: Any) -> HttpResponse:
    """The signed-in person's own name and language."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error_to_form(form, exc)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("accounts:profile")
    status = 422 if form.errors else 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Password reset by e-mail, limited per address and per client address.

    Past the per-address limit the page answers exactly as when a link was sent (nothing
    is sent): the answer must not tell whether the address has an account. Past the
    per-IP limit the client is told to wait (429); that says nothing about any account.
    """

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()
        ip = self.request.META.get("REMOTE_ADDR", "")
        if not ratelimit.hit(f"password-reset:ip:{ip}", settings.PASSWORD_RESET_RATE_PER_IP):
            record_event(action="password_reset_throttled", target=ip, request=self.request)
            return render(self.request, "registration/password_reset_throttled.html", status=429)
        if not ratelimit.hit(
            f"password-reset:email:{email}", settings.PASSWORD_RESET_RATE_PER_ADDRESS
        ):
            record_event(action="password_reset_throttled", target=email, request=self.request)
            return redirect(self.get_success_url())
        return super().form_valid(form)


# --- CSV imports (every app's import page runs through `import_page`) ----------------------


def import_page(
    request: Any, *, kind: str, form_class: type[CSVUploadForm], template: str, **context: Any
) -> HttpResponse:
    """An import page: the upload form, the person's import in flight, and the outcome.

    A small file is imported at once (back to the list, or the refused lines by number); a
    large one becomes a job and the person is sent to its page, which shows its progress.
    """
    me = request.membership
    importer = importer_for(kind)
    rules.require(importer.may_import(me))
    form = form_class()
    errors: Sequence[Any] = ()
    error_count, refusal, status = 0, "", 200
    if request.method == "POST" and declared_too_large(request.META):
        # Refused before Django reads (and spools) the body at all.
        refusal, status = too_large_message(), 413
    elif request.method == "POST":
        form, status = form_class(request.POST, request.FILES), 422
        outcome: ImportResult | ImportJob | None = None
        if form.is_valid():
            try:
                outcome = submit_import(actor=me, kind=kind, content=form.cleaned_data["file"])
            except ImportRefused as exc:
                outcome = exc.result
            except TooManyRequests as exc:
                refusal, status = exc.message, 429
        if isinstance(outcome, ImportJob):
            return redirect("accounts:import_job", org_slug=request.org.slug, job_id=outcome.pk)
        if isinstance(outcome, ImportResult) and not outcome.errors:
            messages.success(request, importer.created_message(outcome.created))
            return redirect(importer.list_url_name, org_slug=request.org.slug)
        if outcome is not None:
            errors, error_count = outcome.errors, outcome.error_count
    job = (
        selectors.import_jobs_visible_to(me)
        .filter(created_by_id=me.user_id, kind=kind, status__in=ImportJob.ACTIVE)
        .first()
    )
    context.update(
        form=form,
        errors=errors,
        error_count=error_count,
        refusal=refusal,
        job=job,
        importer=importer,
        max_size=size_label(settings.IMPORT_MAX_BYTES),
        max_rows=settings.IMPORT_MAX_ROWS,
        sync_rows=settings.IMPORT_SYNC_MAX_ROWS,
    )
    return render(request, template, context, status=status)


def export_page(
    request: Any, *, what: str, make_response: Callable[[str], HttpResponseBase], back_to: str
) -> HttpResponseBase:
    """A page's CSV export: the streamed file, recorded in the audit trail; more rows than an
    export may hold sends the person back to `back_to` (the list) with the reason."""
    org = request.org
    filename = f"{what}-{org.slug}-{periods.today(org).isoformat()}.csv"
    try:
        response = make_response(filename)
    except DomainError as exc:  # more rows than an export may hold
        messages.error(request, exc.message)
        return redirect(back_to)
    record_event(
        action="export",
        actor=request.membership.user_id,
        organization=org,
        target=request.path,
        request=request,
        query=request.GET.urlencode()[:500],
    )
    return response


# --- the audit trail ----------------------------------------------------------------------


def _audit_events(request: Any) -> tuple[AuditFilterForm, Any]:
    """The filter form and the events it selects (none while the filters are invalid)."""
    rules.require(rules.can_view_audit_log(request.membership))
    filters = AuditFilterForm(request.GET or None, org=request.org)
    if request.GET and not filters.is_valid():
        return filters, None
    values = filters.cleaned_data if request.GET else {}
    events = selectors.audit_events_of(
        request.org,
        action=values.get("action", ""),
        actor=values.get("actor"),
        target=values.get("target", ""),
        start=values.get("start"),
        end=values.get("end"),
    )
    return filters, events


@org_view
@require_GET
def import_job(request: Any, job_id: int) -> HttpResponse:
    """An import job's progress (polled with htmx while it runs) and its outcome."""
    job = get_object_or_404(selectors.import_jobs_visible_to(request.membership), pk=job_id)
    importer = importer_for(job.kind)
    context = {
        "job": job,
        "importer": importer,
        "done_message": importer.created_message(job.created_count),
        "may_import_again": importer.may_import(request.membership),
    }
    template = "_import_job.html" if wants_fragment(request) else "accounts/import_job.html"
    return render(request, template, context)


@org_view
@require_GET
def audit_log(request: Any) -> HttpResponse:
    """Who did what and when in the organisation, newest first (admins only; read-only)."""
    filters, events = _audit_events(request)
    page = Paginator(events if events is not None else [], AUDIT_EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    for event in page.object_list:
        event.label = audit.ACTIONS.get(event.action, event.action)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode()}
    return render(
        request, "accounts/audit_log.html", context, status=400 if events is None else 200
    )


@org_view
@require_GET
def audit_log_export(request: Any) -> HttpResponse | StreamingHttpResponse:
    """The filtered audit trail as CSV (formula-like cells neutralised); itself audited."""
    filters, events = _audit_events(request)
    if events is None:
        errors = "; ".join(
            f"{field}: {' '.join(str(m) for m in msgs)}" for field, msgs in filters.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    audit.record_event(
        action="export",
        actor=request.user,
        organization=request.org,
        target="audit log",
        request=request,
        query=request.GET.urlencode()[:500],
    )
    response = StreamingHttpResponse(
        audit.csv_lines(events.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
    )
    filename = f"audit-{request.org.slug}-{timezone.now():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
