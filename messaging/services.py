"""Writes of the messaging app: posts and their photos, comments and advice, reactions,
daily report reviews, direct messages, notifications and the daily digest.

Messaging owns the feed, conversations and every notification of the product. Other apps
(motivation, evaluations) create notifications only through `notify`, the one entry point
that checks the recipient may see what it is about, never notifies the actor, and
notifies each recipient of one event at most once.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import rules
from accounts.models import Membership, Organization, Team, User
from activities.access import activities_visible_to
from activities.models import Activity
from deals.access import deals_visible_to
from deals.models import Deal
from goals.access import goals_visible_to
from goals.models import Goal
from messaging import access, photos, selectors
from messaging.models import (
    BODY_MAX,
    COMMENT_MAX,
    MESSAGE_MAX,
    SECTION_MAX,
    Comment,
    Conversation,
    DigestSent,
    Mention,
    Message,
    Notification,
    NotificationPreference,
    Participant,
    Photo,
    Post,
    Reaction,
    excerpt,
)
from salesmgmt import periods
from salesmgmt.errors import DomainError

log = logging.getLogger(__name__)

MAX_MENTIONS = 20
MAX_PARTICIPANTS = 20
REPORT_DAYS_BACK = 14
DIGEST_HOUR = 8  # local time from which the day's digest goes out
DIGEST_ITEMS = 20

# "@tess", "@tess.ito" or, when two colleagues share the part before "@", the whole address.
_MENTION = re.compile(r"(?<![\w@.])@([\w][\w.+-]*(?:@[\w-]+(?:\.[\w-]+)+)?)")


# --- notifications: the one entry point ----------------------------------------------------


def notify(
    *,
    org: Organization,
    kind: str,
    recipients: Iterable[User | int],
    actor: User | int | None,
    event: str,
    url: str = "",
    text: str = "",
    may_see: Callable[[Membership], bool] | None = None,
    post: Post | None = None,
    conversation: Conversation | None = None,
) -> list[Notification]:
    """Notify each recipient of one event, once, in the bell (and later the digest).

    `event` names what happened ("kudos:42"); a recipient already notified of it is not
    notified again. Nobody is notified of their own doing, nor anyone who is not an active
    member of `org`, nor anyone for whom `may_see(membership)` is false (pass the rule of
    what the notification is about). `text` is a short plain excerpt (shown escaped).
    Returns the notifications created. Call it inside the transaction of the write.
    """
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    actor_id = actor.pk if isinstance(actor, User) else actor
    wanted = {r.pk if isinstance(r, User) else int(r) for r in recipients} - {actor_id}
    if not wanted:
        return []
    members = list(
        Membership.objects.for_org(org)
        .filter(user_id__in=wanted, active=True)
        .select_related("organization", "team")
    )
    muted = selectors.muted_by(org.pk, [m.user_id for m in members])
    rows = [
        Notification(
            organization=org,
            recipient_id=m.user_id,
            actor_id=actor_id,
            kind=kind,
            event=event[:120],
            excerpt=excerpt(text, 200),
            url=url[:500],
            post=post,
            conversation=conversation,
        )
        for m in members
        if kind not in muted.get(m.user_id, set()) and (may_see is None or may_see(m))
    ]
    if not rows:
        return []
    already = set(
        Notification.objects.for_org(org)
        .filter(event=event[:120], recipient_id__in=[r.recipient_id for r in rows])
        .values_list("recipient_id", flat=True)
    )
    fresh = [r for r in rows if r.recipient_id not in already]
    # The unique constraint settles a race between two writers of the same event.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return list(
        Notification.objects.for_org(org).filter(
            event=event[:120], recipient_id__in=[r.recipient_id for r in fresh]
        )
    )


def mark_notifications_read(*, actor: Membership, ids: Sequence[int] | None = None) -> int:
    """Mark the actor's notifications read (all of them when `ids` is None)."""
    qs = access.notifications_visible_to(actor).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return Notification.objects.filter(pk__in=list(qs.values_list("pk", flat=True))).update(
        read_at=timezone.now()
    )


def save_preferences(
    *, actor: Membership, daily_digest: bool, muted_kinds: Iterable[str]
) -> NotificationPreference:
    """Store how the actor wants to be notified in this organisation."""
    kinds = sorted(set(muted_kinds))
    unknown = [k for k in kinds if k not in Notification.Kind.values]
    if unknown:
        raise DomainError(_("Unknown notification kind."), field="muted_kinds")
    preference, _created = NotificationPreference.objects.update_or_create(
        organization_id=actor.organization_id,
        user_id=actor.user_id,
        defaults={"daily_digest": daily_digest, "muted_kinds": kinds},
    )
    return preference


# --- mentions -----------------------------------------------------------------------------


def mention_handle(email: str) -> str:
    """The handle colleagues type after "@": the part of the e-mail address before "@"."""
    return email.rpartition("@")[0].lower()


def resolve_mentions(
    org: Organization, text: str, *, may_see: Callable[[Membership], bool]
) -> list[Membership]:
    """Active members named by "@handle" in `text` who may see where it is written.

    A handle two members share names neither; the whole address then names one.
    """
    tokens = {t.rstrip(".").lower() for t in _MENTION.findall(text)}
    tokens = {t for t in tokens if t}
    if not tokens:
        return []
    tokens = set(sorted(tokens)[: MAX_MENTIONS * 2])
    wanted = Q()
    for token in tokens:
        wanted |= (
            Q(user__email__iexact=token)
            if "@" in token
            else Q(user__email__istartswith=f"{token}@")
        )
    candidates = list(
        Membership.objects.for_org(org)
        .filter(active=True)
        .filter(wanted)
        .select_related("user", "organization", "team")
    )
    by_handle: dict[str, list[Membership]] = {}
    for member in candidates:
        by_handle.setdefault(mention_handle(member.user.email), []).append(member)
    found: dict[int, Membership] = {}
    for token in tokens:
        if "@" in token:
            matches = [m for m in candidates if m.user.email.lower() == token]
        else:
            matches = by_handle.get(token, [])
        if len(matches) == 1 and may_see(matches[0]):
            found[matches[0].user_id] = matches[0]
    return list(found.values())[:MAX_MENTIONS]


# --- posts --------------------------------------------------------------------------------


def _post_url(post: Post, anchor: str = "") -> str:
    url = reverse("messaging:post_detail", args=[post.organization.slug, post.pk])
    return f"{url}#{anchor}" if anchor else url


def _check_text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("Write something."), field=field)
    if len(value) > limit:
        raise DomainError(_("At most %(limit)d characters.") % {"limit": limit}, field=field)
    return value


def _check_links(
    actor: Membership, goal: Goal | None, deal: Deal | None, activity: Activity | None
) -> None:
    """A post may point only at a goal, deal or activity its author may see."""
    org_id = actor.organization_id
    if goal is not None and (
        goal.organization_id != org_id or not goals_visible_to(actor).filter(pk=goal.pk).exists()
    ):
        raise DomainError(_("Unknown goal."), field="goal")
    if deal is not None and (
        deal.organization_id != org_id or not deals_visible_to(actor).filter(pk=deal.pk).exists()
    ):
        raise DomainError(_("Unknown deal."), field="deal")
    if activity is not None and (
        activity.organization_id != org_id
        or not activities_visible_to(actor).filter(pk=activity.pk).exists()
    ):
        raise DomainError(_("Unknown activity."), field="activity")


def _check_report_date(org: Organization, day: date | None) -> date:
    today = periods.today(org)
    day = day or today
    if day > today:
        raise DomainError(
            _("A daily report is written on the day or after it."), field="report_date"
        )
    if day < today - timedelta(days=REPORT_DAYS_BACK):
        raise DomainError(
            _("A daily report can be written up to %(n)d days late.") % {"n": REPORT_DAYS_BACK},
            field="report_date",
        )
    return day


def _notify_mentions(
    post: Post, text: str, actor: Membership, *, comment: Comment | None = None
) -> None:
    """Record who `text` mentions (people who may see the post) and notify them once."""
    mentioned = resolve_mentions(
        post.organization, text, may_see=lambda m: access.can_view_post(m, post)
    )
    mentioned = [m for m in mentioned if m.user_id != actor.user_id]
    if not mentioned:
        return
    existing = set(
        Mention.objects.filter(post=post, comment=comment).values_list("user_id", flat=True)
    )
    Mention.objects.bulk_create(
        [
            Mention(post=post, comment=comment, user_id=m.user_id)
            for m in mentioned
            if m.user_id not in existing
        ],
        ignore_conflicts=True,
    )
    event = f"comment:{comment.pk}" if comment else f"post:{post.pk}"
    notify(
        org=post.organization,
        kind=Notification.Kind.MENTION,
        recipients=[m.user_id for m in mentioned],
        actor=actor.user_id,
        event=event,
        url=_post_url(post, f"comment-{comment.pk}" if comment else ""),
        text=text,
        may_see=lambda m: access.can_view_post(m, post),
        post=post,
    )


def _store_photos(post: Post, images: Sequence[photos.CleanImage], stored: list[str]) -> None:
    for position, image in enumerate(images):
        extension = Photo(format=image.format).extension
        name = photos.store(image.data, extension)
        stored.append(name)
        thumb = photos.store(image.thumbnail, extension)
        stored.append(thumb)
        Photo.objects.create(
            organization_id=post.organization_id,
            post=post,
            file=name,
            thumbnail=thumb,
            format=image.format,
            width=image.width,
            height=image.height,
            size=len(image.data),
            position=position,
        )


def create_post(
    *,
    actor: Membership,
    kind: str,
    body: str,
    team: Team | None = None,
    goal: Goal | None = None,
    deal: Deal | None = None,
    activity: Activity | None = None,
    advice_requested: bool = False,
    uploads: Sequence[Any] = (),
    report_date: date | None = None,
    went_well: str = "",
    went_badly: str = "",
    tomorrow_plan: str = "",
    default_team: bool = False,
) -> Post:
    """Share a post with a team (or the whole organisation), with up to four photos."""
    org = actor.organization
    if kind not in Post.Kind.values:
        raise DomainError(_("Unknown kind of post."), field="kind")
    rules.require(access.can_post_kind(actor, kind))
    body = _check_text(body, field="body", limit=BODY_MAX)
    sections = {
        "went_well": _check_text(went_well, field="went_well", limit=SECTION_MAX, required=False),
        "went_badly": _check_text(
            went_badly, field="went_badly", limit=SECTION_MAX, required=False
        ),
        "tomorrow_plan": _check_text(
            tomorrow_plan, field="tomorrow_plan", limit=SECTION_MAX, required=False
        ),
    }
    is_report = kind == Post.Kind.DAILY_REPORT
    if (default_team or is_report) and team is None:
        team = actor.team  # a daily report goes to the author's team (and so their managers)
    if team is not None and team.organization_id != org.pk:
        raise DomainError(_("Unknown team."), field="team")
    if not access.can_post_to(actor, team):
        raise DomainError(_("You can only post to your own teams."), field="team")
    _check_links(actor, goal, deal, activity)
    day = _check_report_date(org, report_date) if is_report else None
    if not is_report and any(sections.values()):
        raise DomainError(_("Only daily reports have these sections."), field="went_well")
    images = photos.clean_uploads(list(uploads))
    if kind == Post.Kind.PHOTO_ACTION and not images:
        raise DomainError(_("A photo action needs at least one photo."), field="photos")
    if is_report and selectors.report_of(actor, day) is not None:  # type: ignore[arg-type]
        raise DomainError(_("You already wrote your report for that day."), field="report_date")
    stored: list[str] = []
    try:
        with transaction.atomic():
            post = Post.objects.create(
                organization=org,
                author_id=actor.user_id,
                kind=kind,
                body=body,
                team=team,
                goal=goal,
                deal=deal,
                activity=activity,
                advice_requested=advice_requested,
                report_date=day,
                numbers=selectors.report_numbers(actor, day).as_json() if day else None,
                **sections,
            )
            _store_photos(post, images, stored)
            _notify_mentions(post, body, actor)
    except IntegrityError as exc:
        photos.delete_files(stored)
        raise DomainError(
            _("You already wrote your report for that day."), field="report_date"
        ) from exc
    except BaseException:
        photos.delete_files(stored)
        raise
    return post


_EDITABLE = (
    "body", "advice_requested", "goal", "deal", "activity",
    "went_well", "went_badly", "tomorrow_plan",
)  # fmt: skip


def update_post(*, actor: Membership, post: Post, **changes: Any) -> Post:
    """Change what the author wrote; a daily report's numbers are read again."""
    rules.require(access.can_edit_post(actor, post))
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise DomainError(_("These fields cannot change: %s") % ", ".join(sorted(unknown)))
    if "body" in changes:
        changes["body"] = _check_text(changes["body"], field="body", limit=BODY_MAX)
    for section in ("went_well", "went_badly", "tomorrow_plan"):
        if section in changes:
            if not post.is_daily_report and changes[section]:
                raise DomainError(_("Only daily reports have these sections."), field=section)
            changes[section] = _check_text(
                changes[section], field=section, limit=SECTION_MAX, required=False
            )
    _check_links(
        actor,
        changes.get("goal") if "goal" in changes else None,
        changes.get("deal") if "deal" in changes else None,
        changes.get("activity") if "activity" in changes else None,
    )
    with transaction.atomic():
        for field, value in changes.items():
            setattr(post, field, value)
        post.edited_at = timezone.now()
        fields = [*changes, "edited_at"]
        if post.is_daily_report and post.report_date is not None:
            post.numbers = selectors.report_numbers(actor, post.report_date).as_json()
            fields.append("numbers")
        post.save(update_fields=fields)
        if "body" in changes:
            _notify_mentions(post, post.body, actor)
    return post


def delete_post(*, actor: Membership, post: Post) -> None:
    """Remove a post with its photos, comments and reactions (author or admin)."""
    rules.require(access.can_delete_post(actor, post))
    names = [n for pair in post.photos.values_list("file", "thumbnail") for n in pair]
    with transaction.atomic():
        post.delete()
        transaction.on_commit(lambda: photos.delete_files(names))


# --- comments, advice, reactions, reviews -------------------------------------------------


def add_comment(*, actor: Membership, post: Post, body: str, is_advice: bool = False) -> Comment:
    """Reply to a post; a reply from anyone but the author may be offered as advice."""
    rules.require(access.can_comment_on_post(actor, post))
    body = _check_text(body, field="body", limit=COMMENT_MAX)
    if is_advice and post.author_id == actor.user_id:
        raise DomainError(_("Advice comes from others: reply as a comment."), field="is_advice")
    with transaction.atomic():
        comment = Comment.objects.create(
            post=post, author_id=actor.user_id, body=body, is_advice=is_advice
        )
        event = f"comment:{comment.pk}"
        notify(
            org=post.organization,
            kind=Notification.Kind.ADVICE if is_advice else Notification.Kind.COMMENT,
            recipients=[post.author_id],
            actor=actor.user_id,
            event=event,
            url=_post_url(post, f"comment-{comment.pk}"),
            text=body,
            may_see=lambda m: access.can_view_post(m, post),
            post=post,
        )
        _notify_mentions(post, body, actor, comment=comment)
    return comment


def mark_helpful(*, actor: Membership, comment: Comment, helpful: bool = True) -> Comment:
    """The post's author says this advice helped them (or takes that back)."""
    post = comment.post
    rules.require(access.can_mark_helpful(actor, post))
    if comment.author_id == post.author_id:
        raise DomainError(_("Mark a reply from someone else."), field="helpful")
    if comment.helpful != helpful:
        comment.helpful = helpful
        comment.save(update_fields=["helpful"])
    return comment


def _check_emoji(emoji: str) -> str:
    if emoji not in Reaction.EMOJIS:
        raise DomainError(_("React with one of %s.") % " ".join(Reaction.EMOJIS), field="emoji")
    return emoji


def react(*, actor: Membership, post: Post, emoji: str) -> None:
    """Add the actor's reaction (idempotent)."""
    rules.require(access.can_comment_on_post(actor, post))
    Reaction.objects.get_or_create(post=post, user_id=actor.user_id, emoji=_check_emoji(emoji))


def unreact(*, actor: Membership, post: Post, emoji: str) -> None:
    """Take the actor's reaction back (idempotent)."""
    rules.require(access.can_comment_on_post(actor, post))
    Reaction.objects.filter(post=post, user_id=actor.user_id, emoji=_check_emoji(emoji)).delete()


def review_report(*, actor: Membership, post: Post, comment: str = "") -> Post:
    """A manager marks a daily report reviewed (once), optionally replying; the author hears."""
    if not post.is_daily_report:
        raise DomainError(_("Only daily reports are reviewed."))
    rules.require(access.can_review_report(actor, post))
    comment = _check_text(comment, field="comment", limit=COMMENT_MAX, required=False)
    with transaction.atomic():
        claimed = Post.objects.filter(pk=post.pk, reviewed_at__isnull=True).update(
            reviewed_by_id=actor.user_id, reviewed_at=timezone.now()
        )
        post.refresh_from_db(fields=["reviewed_by", "reviewed_at"])
        if comment:
            add_comment(actor=actor, post=post, body=comment)
        if claimed:
            notify(
                org=post.organization,
                kind=Notification.Kind.REPORT_REVIEWED,
                recipients=[post.author_id],
                actor=actor.user_id,
                event=f"review:{post.pk}",
                url=_post_url(post),
                text=post.body,
                may_see=lambda m: access.can_view_post(m, post),
                post=post,
            )
    return post


# --- direct messages ----------------------------------------------------------------------


def start_conversation(
    *, actor: Membership, participants: Iterable[User | int]
) -> tuple[Conversation, bool]:
    """The conversation between the actor and these colleagues (an existing one when the
    same people already talk); returns it and whether it is new."""
    org = actor.organization
    others = {p.pk if isinstance(p, User) else int(p) for p in participants} - {actor.user_id}
    if not others:
        raise DomainError(_("Choose at least one colleague."), field="participants")
    if len(others) >= MAX_PARTICIPANTS:
        raise DomainError(
            _("At most %(n)d people in a conversation.") % {"n": MAX_PARTICIPANTS},
            field="participants",
        )
    active = set(
        Membership.objects.for_org(org)
        .filter(user_id__in=others, active=True)
        .values_list("user_id", flat=True)
    )
    if active != others:
        raise DomainError(_("Everyone must be an active member."), field="participants")
    everyone = others | {actor.user_id}
    existing = (
        access.conversations_visible_to(actor)
        .annotate(n=Count("memberships"))
        .filter(n=len(everyone))
    )
    for user_id in others:
        existing = existing.filter(memberships__user_id=user_id)
    found = existing.order_by("id").first()
    if found is not None:
        return found, False
    with transaction.atomic():
        conversation = Conversation.objects.create(organization=org, created_by_id=actor.user_id)
        Participant.objects.bulk_create(
            [Participant(conversation=conversation, user_id=uid) for uid in sorted(everyone)]
        )
    return conversation, True


def send_message(*, actor: Membership, conversation: Conversation, body: str) -> Message:
    """Write to a conversation; the other participants are notified."""
    rules.require(access.can_view_conversation(actor, conversation))
    body = _check_text(body, field="body", limit=MESSAGE_MAX)
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation, author_id=actor.user_id, body=body
        )
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
        Participant.objects.filter(conversation=conversation, user_id=actor.user_id).update(
            last_read_at=max(now, message.created_at)
        )
        others = list(
            conversation.memberships.exclude(user_id=actor.user_id).values_list(
                "user_id", flat=True
            )
        )
        notify(
            org=actor.organization,
            kind=Notification.Kind.MESSAGE,
            recipients=others,
            actor=actor.user_id,
            event=f"message:{message.pk}",
            url=reverse(
                "messaging:conversation_detail", args=[actor.organization.slug, conversation.pk]
            ),
            text=body,
            may_see=lambda m: access.can_view_conversation(m, conversation),
            conversation=conversation,
        )
    return message


def mark_conversation_read(*, actor: Membership, conversation: Conversation) -> None:
    """The actor has read everything in the conversation so far (and its notifications)."""
    now = timezone.now()
    Participant.objects.filter(conversation=conversation, user_id=actor.user_id).update(
        last_read_at=now
    )
    Notification.objects.for_org(actor.organization_id).filter(
        recipient_id=actor.user_id, conversation=conversation, read_at__isnull=True
    ).update(read_at=now)


# --- the daily digest ---------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRun:
    organizations: int
    sent: int


def _digest_due(org: Organization, now: datetime) -> date | None:
    """The local date whose digest is due in `org` at `now` (from 08:00 local), if any."""
    local = now.astimezone(org.tzinfo)
    return local.date() if local.time() >= time(DIGEST_HOUR) else None


def send_daily_digests(*, now: datetime | None = None) -> DigestRun:
    """E-mail each person who wants it, once per local day, what is unread for them.

    Safe to run as often as the schedule likes: a person's digest for a local date is
    claimed by a unique row before it is sent, so a second run (or a second worker)
    sends nothing more. Queries: a few per organisation, none per person.
    """
    now = now or timezone.now()
    sent = 0
    orgs = 0
    for org in Organization.objects.order_by("pk"):
        day = _digest_due(org, now)
        if day is None:
            continue
        orgs += 1
        sent += _send_org_digests(org, day, now)
    return DigestRun(organizations=orgs, sent=sent)


def _send_org_digests(org: Organization, day: date, now: datetime) -> int:
    opted_out = set(
        NotificationPreference.objects.for_org(org)
        .filter(daily_digest=False)
        .values_list("user_id", flat=True)
    )
    already = set(
        DigestSent.objects.for_org(org).filter(date=day).values_list("user_id", flat=True)
    )
    unread = list(
        Notification.objects.for_org(org)
        .filter(read_at__isnull=True, emailed_at__isnull=True, created_at__lte=now)
        .exclude(recipient_id__in=opted_out | already)
        .filter(
            recipient__memberships__organization=org,
            recipient__memberships__active=True,
            recipient__is_active=True,
        )
        .select_related("actor", "recipient", "post")
        .order_by("recipient_id", "-created_at", "-id")
    )
    by_person: dict[int, list[Notification]] = {}
    for item in unread:
        by_person.setdefault(item.recipient_id, []).append(item)
    if not by_person:
        return 0
    run = secrets.token_hex(16)
    DigestSent.objects.bulk_create(
        [DigestSent(organization=org, user_id=uid, date=day, run=run) for uid in by_person],
        ignore_conflicts=True,
    )
    # Only the claims this run made: another worker may have claimed some in between.
    claimed = set(
        DigestSent.objects.for_org(org).filter(date=day, run=run).values_list("user_id", flat=True)
    )
    sent = 0
    emailed: list[int] = []
    for user_id in sorted(claimed):
        items = by_person[user_id]
        recipient = items[0].recipient
        try:
            _mail_digest(org, recipient, items)
        except Exception:  # one bad address must not stop the others; retried next run
            log.exception("digest e-mail to user %s failed", user_id)
            DigestSent.objects.filter(organization=org, user_id=user_id, date=day).delete()
            continue
        sent += 1
        emailed.extend(n.pk for n in items)
    Notification.objects.filter(pk__in=emailed).update(emailed_at=now)
    return sent


def _mail_digest(org: Organization, recipient: User, items: list[Notification]) -> None:
    with translation.override(recipient.locale or settings.LANGUAGE_CODE):
        context = {
            "org": org,
            "recipient": recipient,
            "items": items[:DIGEST_ITEMS],
            "more": max(0, len(items) - DIGEST_ITEMS),
            "site_url": settings.SITE_URL.rstrip("/"),
            "notifications_url": reverse("messaging:notification_list", args=[org.slug]),
            "settings_url": reverse("messaging:notification_settings", args=[org.slug]),
        }
        subject = _("%(org)s: %(n)d unread") % {"org": org.name, "n": len(items)}
        text = render_to_string("messaging/email/digest.txt", context)
        html = render_to_string("messaging/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[recipient.email]
    )
    message.attach_alternative(html, "text/html")
    message.send()
