"""Pages of the messaging app: the feed, posts with their comments and reactions, the new
post and daily report forms, the report review queue, direct messages, notifications.

Live enough without new infrastructure: the bell, the feed's "new posts" line and an open
conversation poll small fragments with htmx (QUALITY.md, "Live updates").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import rules
from messaging import access, photos, selectors, services
from messaging.forms import (
    CommentForm,
    ConversationForm,
    MessageForm,
    PostEditForm,
    PostForm,
    PreferenceForm,
    ReportForm,
    ReviewForm,
)
from messaging.models import Comment, Notification, Post, Reaction
from salesmgmt import periods
from salesmgmt.errors import DomainError, add_domain_error_to_form
from salesmgmt.pagination import page_of
from salesmgmt.tenancy import org_view

POSTS_PER_PAGE = 20
ITEMS_PER_PAGE = 30
MESSAGES_SHOWN = 100
POLL_SECONDS = 20


def _is_htmx(request: HttpRequest) -> bool:
    # A history restore wants the whole page, not the fragment the original request got.
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _post_or_404(request: Any, post_id: int) -> Post:
    return get_object_or_404(
        access.posts_visible_to(request.membership).select_related("organization"), pk=post_id
    )


def _card(request: Any, post_id: int) -> Post:
    post = get_object_or_404(selectors.feed_posts(request.membership), pk=post_id)
    return selectors.decorate(request.membership, [post])[0]


def _too_large(request: HttpRequest) -> HttpResponse:
    context = {"detail": _("The request is too large: at most 4 photos of 10 MB each.")}
    return render(request, "messaging/too_large.html", context, status=413)


# --- the feed -----------------------------------------------------------------------------


@org_view
@require_GET
def feed(request: Any) -> HttpResponse:
    """The posts the reader may see, newest first, filterable and searchable."""
    me = request.membership
    filtered = selectors.filter_posts(me, request.GET)
    posts = filtered.qs if filtered.is_valid() else selectors.feed_posts(me).none()
    page = page_of(request, posts, POSTS_PER_PAGE)
    cards = selectors.decorate(me, list(page.object_list))
    newest = max((p.pk for p in cards), default=0) if page.number == 1 else 0
    context = {
        "filter": filtered,
        "page": page,
        "posts": cards,
        "newest": newest,
        "poll_query": request.GET.urlencode(),
        "poll_seconds": POLL_SECONDS,
        "waiting_for_advice": (
            selectors.unanswered_advice(me)
            if access.coaches_others(me) and page.number == 1 and not request.GET
            else []
        ),
        "teams": access.audience_team_ids(me),
        "my_team": me.team,
        "emojis": Reaction.EMOJIS,
    }
    return render(request, "messaging/feed.html", context)


@org_view
@require_GET
def feed_new_count(request: Any) -> HttpResponse:
    """The polling check: how many posts arrived since the newest one shown."""
    after = request.GET.get("after", "0")
    after_id = int(after) if after.isdigit() and len(after) < 19 else 0
    data = request.GET.copy()
    data.pop("after", None)
    count = selectors.new_posts_count(request.membership, data, after_id) if after_id else 0
    context = {"count": count, "capped": count > selectors.NEW_POSTS_CAP, "query": data.urlencode()}
    return render(request, "messaging/_new_posts.html", context)


@org_view
@require_GET
def post_detail(request: Any, post_id: int) -> HttpResponse:
    """A post with its comments, advice and reactions."""
    return render(request, "messaging/post_detail.html", _detail_context(request, post_id))


def _detail_context(request: Any, post_id: int, **forms: Any) -> dict[str, Any]:
    me = request.membership
    post = _card(request, post_id)
    context = {
        "post": post,
        "comments": list(selectors.comments_of(post)),
        "comment_form": CommentForm(),
        "review_form": ReviewForm(),
        "can_edit": access.can_edit_post(me, post),
        "can_delete": access.can_delete_post(me, post),
        "can_mark_helpful": access.can_mark_helpful(me, post),
        "can_review": access.can_review_report(me, post),
        "emojis": Reaction.EMOJIS,
    }
    context.update(forms)
    return context


def _initial_links(request: Any) -> dict[str, Any]:
    """A new post may start from a deal, goal or activity page (?deal=, ?goal=, ?activity=)."""
    initial: dict[str, Any] = {}
    for key in ("deal", "goal", "activity", "kind"):
        value = request.GET.get(key, "")
        if value and (value.isdigit() or key == "kind") and len(value) < 19:
            initial[key] = value
    team = request.membership.team_id
    if team is not None:
        initial["team"] = team
    return initial


@csrf_exempt  # checked by _create_post, after the size check: an oversize body is never parsed
@org_view
@require_http_methods(["GET", "POST"])
def post_create(request: Any) -> HttpResponseBase:
    """Write a reflection, photo action, role-play, appointment or announcement."""
    if request.method == "POST" and photos.request_too_large(request.META):
        return _too_large(request)
    return _create_post(request)


@csrf_protect
def _create_post(request: Any) -> HttpResponseBase:
    org, me = request.org, request.membership
    try:
        form = PostForm(request.POST or None, actor=me, initial=_initial_links(request))
        uploads = request.FILES.getlist("photos") if request.method == "POST" else []
    except SuspiciousOperation:  # more files than Django parses
        form = PostForm(actor=me, initial=_initial_links(request))
        form.add_error(None, _("At most %(n)d photos per post.") % {"n": photos.MAX_PHOTOS})
        return render(request, "messaging/post_form.html", {"form": form}, status=400)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                post = services.create_post(
                    actor=me,
                    kind=data["kind"],
                    body=data["body"],
                    team=data["team"],
                    goal=data["goal"],
                    deal=data["deal"],
                    activity=data["activity"],
                    advice_requested=data["advice_requested"],
                    uploads=uploads,
                )
            except DomainError as exc:
                _add_error(form, exc)
            else:
                messages.success(request, _("Posted."))
                return redirect("messaging:post_detail", org_slug=org.slug, post_id=post.pk)
        status = 400 if "photos" in form.errors else 422
        return render(request, "messaging/post_form.html", {"form": form}, status=status)
    return render(request, "messaging/post_form.html", {"form": form})


def _add_error(form: Any, exc: DomainError) -> None:
    if exc.field in form.fields:
        add_domain_error_to_form(form, exc)
    else:
        form.add_error(None, exc.message)
        if exc.field:
            form.errors.setdefault(exc.field, form.error_class()).append(exc.message)


@org_view
@require_http_methods(["GET", "POST"])
def post_edit(request: Any, post_id: int) -> HttpResponse:
    """The author changes what they wrote."""
    me = request.membership
    post = _post_or_404(request, post_id)
    rules.require(access.can_edit_post(me, post))
    initial = {
        "body": post.body,
        "advice_requested": post.advice_requested,
        "went_well": post.went_well,
        "went_badly": post.went_badly,
        "tomorrow_plan": post.tomorrow_plan,
    }
    form = PostEditForm(request.POST or None, post=post, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_post(actor=me, post=post, **form.cleaned_data)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("messaging:post_detail", org_slug=request.org.slug, post_id=post.pk)
    status = 422 if form.errors else 200
    return render(request, "messaging/post_edit.html", {"form": form, "post": post}, status=status)


@org_view
@require_POST
def post_delete(request: Any, post_id: int) -> HttpResponse:
    """The author (or an admin) removes a post."""
    services.delete_post(actor=request.membership, post=_post_or_404(request, post_id))
    messages.success(request, _("Post deleted."))
    return redirect("messaging:feed", org_slug=request.org.slug)


@org_view
@require_POST
def comment_add(request: Any, post_id: int) -> HttpResponse:
    """Reply to a post (or offer advice)."""
    post = _post_or_404(request, post_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.add_comment(actor=request.membership, post=post, **form.cleaned_data)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            url = reverse("messaging:post_detail", args=[request.org.slug, post.pk])
            return redirect(f"{url}#comment-{comment.pk}")
    context = _detail_context(request, post_id, comment_form=form)
    return render(request, "messaging/post_detail.html", context, status=422)


@org_view
@require_POST
def comment_helpful(request: Any, post_id: int, comment_id: int) -> HttpResponse:
    """The post's author marks (or unmarks) the advice that helped."""
    post = _post_or_404(request, post_id)
    comment = get_object_or_404(Comment.objects.filter(post=post), pk=comment_id)
    comment.post = post
    helpful = request.POST.get("helpful", "1") != "0"
    try:
        services.mark_helpful(actor=request.membership, comment=comment, helpful=helpful)
    except DomainError as exc:
        messages.error(request, exc.message)
    url = reverse("messaging:post_detail", args=[request.org.slug, post.pk])
    return redirect(f"{url}#comment-{comment.pk}")


@org_view
@require_POST
def post_react(request: Any, post_id: int) -> HttpResponse:
    """Toggle the reader's reaction with one emoji."""
    me = request.membership
    post = _post_or_404(request, post_id)
    emoji = request.POST.get("emoji", "")
    try:
        if Reaction.objects.filter(post=post, user_id=me.user_id, emoji=emoji).exists():
            services.unreact(actor=me, post=post, emoji=emoji)
        else:
            services.react(actor=me, post=post, emoji=emoji)
    except DomainError as exc:
        if _is_htmx(request):
            return HttpResponse(exc.message, status=400)
        messages.error(request, exc.message)
    if _is_htmx(request):
        context = {"post": _card(request, post_id), "emojis": Reaction.EMOJIS}
        return render(request, "messaging/_reactions.html", context)
    return redirect(
        _back(request, reverse("messaging:post_detail", args=[request.org.slug, post.pk]))
    )


def _back(request: Any, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return str(target)
    return default


# --- daily reports ------------------------------------------------------------------------


def _report_day(request: Any) -> date:
    raw = request.GET.get("date") or request.POST.get("report_date") or ""
    today = periods.today(request.org)
    try:
        return date.fromisoformat(raw) if raw else today
    except ValueError:
        return today


@org_view
@require_http_methods(["GET", "POST"])
def report_create(request: Any) -> HttpResponse:
    """Today's daily report, beside the author's numbers for the day."""
    org, me = request.org, request.membership
    day = _report_day(request)
    existing = selectors.report_of(me, day)
    if existing is not None:
        messages.info(request, _("You already wrote your report for that day; edit it here."))
        return redirect("messaging:post_edit", org_slug=org.slug, post_id=existing.pk)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.create_post(
                actor=me, kind=Post.Kind.DAILY_REPORT, report_date=day, **form.cleaned_data
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Daily report sent."))
            return redirect("messaging:post_detail", org_slug=org.slug, post_id=post.pk)
    context = {
        "form": form,
        "day": day,
        "numbers": selectors.report_numbers(me, day),
    }
    return render(
        request, "messaging/report_form.html", context, status=422 if form.errors else 200
    )


@org_view
@require_GET
def report_list(request: Any) -> HttpResponse:
    """Managers: the reports to review (unreviewed first). Everyone: their own reports."""
    me = request.membership
    reviewing = access.coaches_others(me)
    queue = page_of(request, selectors.reports_to_review(me), ITEMS_PER_PAGE) if reviewing else None
    mine = list(selectors.own_reports(me)[:ITEMS_PER_PAGE])
    context = {
        "queue": queue,
        "queue_posts": selectors.decorate(me, list(queue.object_list)) if queue else [],
        "mine": mine,
        "today": periods.today(request.org),
    }
    return render(request, "messaging/report_list.html", context)


@org_view
@require_POST
def report_review(request: Any, post_id: int) -> HttpResponse:
    """A manager marks a daily report reviewed, with optional feedback."""
    post = _post_or_404(request, post_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, post_id, review_form=form)
        return render(request, "messaging/post_detail.html", context, status=422)
    try:
        services.review_report(
            actor=request.membership, post=post, comment=form.cleaned_data["comment"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Marked reviewed."))
    default = reverse("messaging:post_detail", args=[request.org.slug, post.pk])
    return redirect(_back(request, default))


# --- photos -------------------------------------------------------------------------------


@org_view
@require_GET
def photo(request: Any, photo_id: int) -> HttpResponseBase:
    """A post's photo, only to those who may read the post."""
    found = get_object_or_404(
        access.photos_visible_to(request.membership).select_related("post"), pk=photo_id
    )
    return photos.photo_response(found, thumbnail=request.GET.get("size") == "thumb")


# --- direct messages ----------------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def conversation_list(request: Any) -> HttpResponse:
    """The reader's conversations; start a new one."""
    me = request.membership
    form = ConversationForm(request.POST or None, actor=me)
    if request.method == "POST" and form.is_valid():
        try:
            conversation, _created = services.start_conversation(
                actor=me, participants=form.cleaned_data["participants"]
            )
            services.send_message(
                actor=me, conversation=conversation, body=form.cleaned_data["body"]
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            return redirect(
                "messaging:conversation_detail",
                org_slug=request.org.slug,
                conversation_id=conversation.pk,
            )
    context = {
        "form": form,
        "page": page_of(request, selectors.conversations_of(me), ITEMS_PER_PAGE),
    }
    return render(
        request, "messaging/conversation_list.html", context, status=422 if form.errors else 200
    )


@org_view
@require_http_methods(["GET", "POST"])
def conversation_detail(request: Any, conversation_id: int) -> HttpResponse:
    """One conversation; polling refreshes its messages."""
    me = request.membership
    conversation = get_object_or_404(selectors.conversations_of(me), pk=conversation_id)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.send_message(
                actor=me, conversation=conversation, body=form.cleaned_data["body"]
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            if not _is_htmx(request):
                return redirect(
                    "messaging:conversation_detail",
                    org_slug=request.org.slug,
                    conversation_id=conversation.pk,
                )
            form = MessageForm()
    services.mark_conversation_read(actor=me, conversation=conversation)
    recent = list(
        selectors.messages_of(conversation).order_by("-created_at", "-id")[:MESSAGES_SHOWN]
    )
    context = {
        "conversation": conversation,
        "chat": list(reversed(recent)),
        "form": form,
        "poll_seconds": 10,
    }
    if _is_htmx(request) and request.method == "GET":
        return render(request, "messaging/_chat.html", context)
    if _is_htmx(request):
        return render(request, "messaging/_chat_panel.html", context)
    status = 422 if form.errors else 200
    return render(request, "messaging/conversation_detail.html", context, status=status)


# --- notifications ------------------------------------------------------------------------


@org_view
@require_http_methods(["GET", "POST"])
def notification_list(request: Any) -> HttpResponse:
    """Everything the reader was notified of, newest first; POST marks all read."""
    me = request.membership
    if request.method == "POST":
        services.mark_notifications_read(actor=me)
        return redirect("messaging:notification_list", org_slug=request.org.slug)
    page = page_of(request, selectors.notifications_for(me), ITEMS_PER_PAGE)
    context = {"page": page, "unread": selectors.unread_count(me)}
    return render(request, "messaging/notification_list.html", context)


@org_view
@require_GET
def notification_bell(request: Any) -> HttpResponse:
    """The bell's unread count (polled by every page)."""
    context = {"unread": selectors.unread_count(request.membership)}
    return render(request, "messaging/_bell.html", context)


@org_view
@require_GET
def notification_open(request: Any, notification_id: int) -> HttpResponseBase:
    """Open what a notification is about, marking it read."""
    me = request.membership
    found: Notification = get_object_or_404(selectors.notifications_for(me), pk=notification_id)
    services.mark_notifications_read(actor=me, ids=[found.pk])
    target = found.url
    if not target.startswith(f"/o/{request.org.slug}/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts=None
    ):
        target = reverse("messaging:notification_list", args=[request.org.slug])
    return redirect(target)


@org_view
@require_http_methods(["GET", "POST"])
def notification_settings(request: Any) -> HttpResponse:
    """What the reader hears about in the bell, and whether the daily digest is e-mailed."""
    me = request.membership
    current = selectors.preferences_of(me)
    initial = {
        "daily_digest": current.daily_digest,
        "kinds": [k for k in Notification.Kind.values if k not in (current.muted_kinds or [])],
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_preferences(
            actor=me,
            daily_digest=form.cleaned_data["daily_digest"],
            muted_kinds=form.muted_kinds(),
        )
        messages.success(request, _("Notification settings saved."))
        return redirect("messaging:notification_settings", org_slug=request.org.slug)
    return render(request, "messaging/notification_settings.html", {"form": form})
