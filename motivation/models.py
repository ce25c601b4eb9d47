"""Motivation: each organisation's settings, weekly check-ins, 1:1s with their action items
and proposed agenda points, and kudos."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesmgmt.tenancy import OrgScopedModel, OrgScopedQuerySet

NOTE_MAX = 500
TEXT_MAX = 5_000
KUDOS_MAX = 500
ITEM_MAX = 300
DEFAULT_ONE_ON_ONE_DAYS = 21
DEFAULT_CHECKIN_WEEKDAY = 4  # Friday


def default_values() -> list[dict[str, str]]:
    return [
        {"key": "customer_first", "name": "Customer first"},
        {"key": "teamwork", "name": "Teamwork"},
        {"key": "ownership", "name": "Ownership"},
    ]


class MotivationSettings(OrgScopedModel):
    """How an organisation runs motivation: reminder day, 1:1 rhythm, leaderboards, values."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    checkin_weekday = models.PositiveSmallIntegerField(
        _("check-in reminder day"), choices=Weekday.choices, default=DEFAULT_CHECKIN_WEEKDAY
    )
    one_on_one_days = models.PositiveSmallIntegerField(
        _("days between 1:1s"),
        default=DEFAULT_ONE_ON_ONE_DAYS,
        help_text=_("A person without a 1:1 for longer shows up in the alerts."),
    )
    leaderboards_enabled = models.BooleanField(_("leaderboards"), default=True)
    # [{"key": "teamwork", "name": "Teamwork"}, ...]: what kudos may be tied to.
    values = models.JSONField(_("values"), default=default_values, blank=True)

    class Meta:
        verbose_name_plural = _("motivation settings")
        constraints = [
            models.UniqueConstraint("organization", name="motivation_settings_once_per_org"),
            models.CheckConstraint(
                condition=models.Q(checkin_weekday__lte=6), name="motivation_weekday_0_6"
            ),
            models.CheckConstraint(
                condition=models.Q(one_on_one_days__gte=1, one_on_one_days__lte=365),
                name="motivation_one_on_one_days_1_365",
            ),
        ]

    def __str__(self) -> str:
        return f"motivation settings of {self.organization_id}"

    @property
    def value_keys(self) -> list[str]:
        return [str(v.get("key")) for v in self.values or [] if isinstance(v, dict)]

    def value_name(self, key: str | None) -> str:
        for value in self.values or []:
            if isinstance(value, dict) and value.get("key") == key:
                return str(value.get("name") or key)
        return key or ""


class CheckIn(OrgScopedModel):
    """A person's weekly word on how it goes: a 1 to 5 score and a short note."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    # The first day of the organisation week `date` falls in: one check-in per person per week.
    week_start = models.DateField(editable=False)
    score = models.PositiveSmallIntegerField(_("score"))
    note = models.CharField(_("note"), max_length=NOTE_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[Any] = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-week_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                "organization", "user", "week_start", name="checkin_once_per_week"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="checkin_score_1_5"
            ),
        ]
        indexes = [models.Index(fields=["organization", "user", "-week_start"])]

    def __str__(self) -> str:
        return f"check-in {self.week_start} of {self.user_id}"

    @property
    def is_low(self) -> bool:
        return self.score <= 2


class OneOnOne(OrgScopedModel):
    """A 1:1 between a manager and one of their people.

    `private_notes` belong to the manager who holds the 1:1 (`manager`): nobody else ever
    reads them, not the member, not other managers, not admins.
    """

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    agenda = models.TextField(_("agenda"), max_length=TEXT_MAX, blank=True)
    shared_notes = models.TextField(_("shared notes"), max_length=TEXT_MAX, blank=True)
    private_notes = models.TextField(
        _("private notes"),
        max_length=TEXT_MAX,
        blank=True,
        help_text=_("Only you will ever see these."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[Any] = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("member")), name="one_on_one_two_people"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "member", "-date"]),
            models.Index(fields=["organization", "manager", "-date"]),
        ]

    def __str__(self) -> str:
        return f"1:1 {self.date} {self.manager_id}/{self.member_id}"


class ActionItem(models.Model):
    """Something one of the pair will do; open items show again on the pair's next 1:1s."""

    one_on_one = models.ForeignKey(OneOnOne, on_delete=models.CASCADE, related_name="action_items")
    text = models.CharField(_("action item"), max_length=ITEM_MAX)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    due = models.DateField(_("due"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done", "due", "id"]

    def __str__(self) -> str:
        return self.text


class AgendaPoint(models.Model):
    """A point either of the pair proposes for a coming 1:1."""

    one_on_one = models.ForeignKey(
        OneOnOne, on_delete=models.CASCADE, related_name="proposed_points"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("agenda point"), max_length=ITEM_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


class Kudos(OrgScopedModel):
    """A thank-you from one colleague to another, for the whole organisation to see."""

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.CASCADE, related_name="+"
    )
    message = models.CharField(_("message"), max_length=KUDOS_MAX)
    # One of the organisation's values (MotivationSettings.values), by key; null (the API's
    # "no value") rather than "", so that the API reads it as stored.
    value = models.CharField(_("value"), max_length=40, null=True, blank=True)  # noqa: DJ001
    activity = models.ForeignKey(
        "activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deal = models.ForeignKey(
        "deals.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    goal = models.ForeignKey(
        "goals.Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects: ClassVar[Any] = OrgScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("kudos")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_user=models.F("to_user")), name="kudos_not_to_oneself"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "to_user", "-created_at"]),
            models.Index(fields=["organization", "from_user", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"kudos {self.from_user_id} → {self.to_user_id}"
