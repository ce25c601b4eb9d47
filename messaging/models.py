"""Feed posts (reflections, photo actions, role-play, appointments, daily reports,
announcements) with their photos, comments, reactions and mentions; direct messages;
notifications and each person's notification preferences."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesmgmt.tenancy import OrgScopedModel, OrgScopedQuerySet

BODY_MAX = 10_000
SECTION_MAX = 2_000
COMMENT_MAX = 5_000
MESSAGE_MAX = 5_000


class Post(OrgScopedModel):
    """Something a person shares with a team (or the whole organisation)."""

    class Kind(models.TextChoices):
        REFLECTION = "reflection", _("Reflection")
        PHOTO_ACTION = "photo_action", _("Photo action")
        ROLEPLAY = "roleplay", _("Role-play")
        APPOINTMENT = "appointment", _("Appointment")
        DAILY_REPORT = "daily_report", _("Daily report")
        ANNOUNCEMENT = "announcement", _("Announcement")

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    body = models.TextField(_("text"), max_length=BODY_MAX)
    # The audience: a team (its people, its managers and theirs, admins) or, when empty,
    # the whole organisation. Deleting a team deletes its posts: they must never fall back
    # to the whole organisation.
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("audience"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    goal = models.ForeignKey(
        "goals.Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deal = models.ForeignKey(
        "deals.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activity = models.ForeignKey(
        "activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    advice_requested = models.BooleanField(_("ask the team for advice"), default=False)
    # Daily reports: the local date reported on, the author's numbers that day (kept as
    # they were when written, so the manager reviews what the rep saw) and three sections.
    report_date = models.DateField(_("report date"), null=True, blank=True)
    numbers = models.JSONField(null=True, blank=True, editable=False)
    went_well = models.TextField(_("what went well"), max_length=SECTION_MAX, blank=True)
    went_badly = models.TextField(_("what did not go well"), max_length=SECTION_MAX, blank=True)
    tomorrow_plan = models.TextField(_("tomorrow's plan"), max_length=SECTION_MAX, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[Any] = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                "author",
                "report_date",
                condition=models.Q(kind="daily_report"),
                name="post_one_daily_report_per_day",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="daily_report") | models.Q(report_date__isnull=False),
                name="post_daily_report_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "team", "-id"]),
            models.Index(fields=["organization", "author", "-id"]),
            models.Index(fields=["organization", "deal"]),
            models.Index(fields=["organization", "goal"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_daily_report(self) -> bool:
        return self.kind == self.Kind.DAILY_REPORT

    @property
    def excerpt(self) -> str:
        return excerpt(self.body)


def excerpt(text: str, length: int = 80) -> str:
    """The first words of a text on one line (for notifications and e-mails)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


class Photo(OrgScopedModel):
    """An image attached to a post, re-encoded on upload; served only through a checked view."""

    class Format(models.TextChoices):
        JPEG = "JPEG", "JPEG"
        PNG = "PNG", "PNG"
        WEBP = "WEBP", "WebP"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="photos")
    # Random names under MEDIA_ROOT/private/: no public URL ever points there.
    file = models.CharField(max_length=200, editable=False)
    thumbnail = models.CharField(max_length=200, editable=False)
    format = models.CharField(max_length=4, choices=Format.choices)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of post {self.post_id}"

    @property
    def content_type(self) -> str:
        return {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[self.format]

    @property
    def extension(self) -> str:
        return {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[self.format]


class Comment(models.Model):
    """A reply to a post; someone other than the author may offer it as advice."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("comment"), max_length=COMMENT_MAX)
    is_advice = models.BooleanField(_("this is advice"), default=False)
    # Set by the post's author: this advice helped.
    helpful = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["post", "author"])]

    def __str__(self) -> str:
        return f"comment {self.pk} on post {self.post_id}"


class Reaction(models.Model):
    """One person's reaction to a post with one emoji of the fixed set."""

    EMOJIS: ClassVar[tuple[str, ...]] = ("👍", "👏", "🎉", "💡", "🙏", "🔥")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("post", "user", "emoji", name="reaction_once_per_emoji"),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on post {self.post_id}"


class Mention(models.Model):
    """A colleague @-mentioned in a post or a comment (resolved when written)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="mentions"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "post", "user", condition=models.Q(comment=None), name="mention_once_per_post"
            ),
            models.UniqueConstraint("comment", "user", name="mention_once_per_comment"),
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in post {self.post_id}"


class Conversation(OrgScopedModel):
    """Direct messages between a few people: private to its participants, admins included."""

    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Participant", related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class Participant(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("conversation", "user", name="participant_once"),
        ]
        indexes = [models.Index(fields=["user", "conversation"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("message"), max_length=MESSAGE_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self) -> str:
        return f"message {self.pk}"


class Notification(OrgScopedModel):
    """Something that happened that a person should know about (the bell and the digest).

    The sentence is written when shown, in the reader's language, from the kind, the actor
    and a plain-text excerpt; `event` names the happening, so one event notifies each
    recipient at most once.
    """

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comments on my posts")
        ADVICE = "advice", _("Advice on my posts")
        MENTION = "mention", _("Mentions")
        KUDOS = "kudos", _("Kudos")
        ONE_ON_ONE = "one_on_one", _("1:1s")
        REPORT_REVIEWED = "report_reviewed", _("Reviewed daily reports")
        EVALUATION_RELEASED = "evaluation_released", _("Released evaluations")
        MESSAGE = "message", _("Direct messages")
        NUDGE = "nudge", _("Nudges")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    event = models.CharField(max_length=120)
    excerpt = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=500, blank=True)
    # What the notification points at, so that one the reader may no longer see is hidden.
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "organization", "recipient", "event", name="notification_once_per_event"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "recipient", "read_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    @property
    def text(self) -> str:
        """The sentence, in the active language (plain text: templates escape it)."""
        template = NOTIFICATION_SENTENCES.get(self.kind, NOTIFICATION_SENTENCES["nudge"])
        who = self.actor.display_name if self.actor_id and self.actor else _("Someone")
        return str(template) % {"actor": who, "excerpt": self.excerpt}


NOTIFICATION_SENTENCES = {
    "comment": _("%(actor)s commented on your post: “%(excerpt)s”"),
    "advice": _("%(actor)s gave you advice: “%(excerpt)s”"),
    "mention": _("%(actor)s mentioned you: “%(excerpt)s”"),
    "kudos": _("%(actor)s gave you kudos: “%(excerpt)s”"),
    "one_on_one": _("%(actor)s updated your 1:1: %(excerpt)s"),
    "report_reviewed": _("%(actor)s reviewed your daily report: “%(excerpt)s”"),
    "evaluation_released": _("Your evaluation was released: %(excerpt)s"),
    "message": _("%(actor)s sent you a message: “%(excerpt)s”"),
    "nudge": _("%(actor)s: %(excerpt)s"),
}


class NotificationPreference(OrgScopedModel):
    """How one person wants to hear about things in one organisation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    daily_digest = models.BooleanField(
        _("daily e-mail digest"),
        default=True,
        help_text=_("Each morning, an e-mail listing what is still unread."),
    )
    muted_kinds = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("organization", "user", name="notification_preference_once"),
        ]

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class DigestSent(OrgScopedModel):
    """A daily digest claimed for one person and one local date (sent at most once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    run = models.CharField(max_length=32)  # which run claimed it
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("organization", "user", "date", name="digest_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"digest {self.date} for {self.user_id}"
