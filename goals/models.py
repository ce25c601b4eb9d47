"""Metrics, goals (with their cascade tree), stored progress, manual entries, cascade templates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from babel.numbers import get_currency_precision
from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesmgmt.tenancy import OrgScopedModel, OrgScopedQuerySet


class Metric(OrgScopedModel):
    """What a goal counts: activity types, won deals (amount or count) or manual entries."""

    class Source(models.TextChoices):
        ACTIVITY = "activity", _("Activities")
        DEALS_WON_AMOUNT = "deals_won_amount", _("Won deal amount")
        DEALS_WON_COUNT = "deals_won_count", _("Won deals")
        MANUAL = "manual", _("Manual check-ins")

    key = models.CharField(
        _("key"),
        max_length=40,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", _("Lower-case letters, digits and _."))],
    )
    name = models.CharField(_("name"), max_length=80)
    unit = models.CharField(
        _("unit"), max_length=20, default="count", help_text=_("“count” or a currency code.")
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    activity_types = models.ManyToManyField(
        "activities.ActivityType", blank=True, related_name="metrics"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint("organization", "key", name="metric_key_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def decimal_places(self) -> int:
        """Counts in whole units; money in its currency's minor unit (ISO 4217, from Babel's
        CLDR data): yen in whole yen, dollars and euros to the cent."""
        if self.unit == "count" and self.source != self.Source.DEALS_WON_AMOUNT:
            return 0
        if self.unit == "count":  # an amount metric without a currency: to the cent
            return 2
        return min(get_currency_precision(self.unit), 2)  # amounts are stored to the cent

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.decimal_places)


class GoalQuerySet(OrgScopedQuerySet["Goal"]):
    pass


class Goal(OrgScopedModel):
    """A target for a metric over [start, end] for the organisation, a team or a person."""

    class Scope(models.TextChoices):
        ORG = "org", _("Organisation")
        TEAM = "team", _("Team")
        USER = "user", _("Person")

    class Result(models.TextChoices):
        REACHED = "reached", _("Reached")
        MISSED = "missed", _("Missed")

    title = models.CharField(_("title"), max_length=200, blank=True)
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="goals")
    scope = models.CharField(_("scope"), max_length=4, choices=Scope.choices)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="goals"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="goals",
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), help_text=_("Inclusive."))
    target = models.DecimalField(
        _("target"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # Optimistic concurrency for inline edits: a write names the version it read.
    version = models.PositiveIntegerField(default=1)
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=8, choices=Result.choices, blank=True)
    final_actual = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[Any] = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["start", "scope", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="goal_end_after_start"
            ),
            models.CheckConstraint(condition=models.Q(target__gt=0), name="goal_target_positive"),
            models.CheckConstraint(
                condition=(
                    models.Q(scope="org", team__isnull=True, user__isnull=True)
                    | models.Q(scope="team", team__isnull=False, user__isnull=True)
                    | models.Q(scope="user", user__isnull=False)
                ),
                name="goal_scope_fields",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "start", "end"]),
            models.Index(fields=["organization", "user"]),
            models.Index(fields=["organization", "team"]),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.metric_id} {self.start}..{self.end}"


class GoalProgress(models.Model):
    """Stored progress of one goal (its actual to date), recomputed from the rollups."""

    goal = models.OneToOneField(
        Goal, on_delete=models.CASCADE, primary_key=True, related_name="progress_row"
    )
    actual = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.goal_id}: {self.actual}"


class GoalPeriodActual(models.Model):
    """Weekly and monthly actuals of one goal (clipped to the goal's period)."""

    class Grain(models.TextChoices):
        WEEK = "week", _("Week")
        MONTH = "month", _("Month")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="period_actuals")
    grain = models.CharField(max_length=5, choices=Grain.choices)
    period_start = models.DateField()
    actual = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))

    class Meta:
        constraints = [
            models.UniqueConstraint("goal", "grain", "period_start", name="goalperiod_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.goal_id} {self.grain} {self.period_start}: {self.actual}"


class ManualEntry(OrgScopedModel):
    """A value checked in by hand for a manual metric, on a local date."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=2)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["organization", "metric", "date"])]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.user_id} {self.date}: {self.value}"


class CascadeTemplate(OrgScopedModel):
    """A saved cascade (metric, scope, target, how to split) to apply to a new period."""

    name = models.CharField(_("name"), max_length=120)
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=4, choices=Goal.Scope.choices)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target = models.DecimalField(max_digits=16, decimal_places=2)
    period_kind = models.CharField(max_length=8, default="month")
    to = models.CharField(max_length=8)  # "teams" or "members"
    strategy = models.CharField(max_length=12)  # "even", "weights" or "last_period"
    weights = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organization", "name", name="cascadetemplate_name_unique")
        ]

    def __str__(self) -> str:
        return self.name
