"""Customers, the pipeline, deals with their concerns, history, notes, forecast and won credit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesmgmt.tenancy import OrgScopedModel, OrgScopedQuerySet


class Customer(OrgScopedModel):
    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=10000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["organization", "name"])]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at a customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=150)
    title = models.CharField(_("title"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stage(OrgScopedModel):
    """A pipeline stage; won and lost stages close a deal."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    key = models.CharField(
        _("key"),
        max_length=40,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", _("Lower-case letters, digits and _."))],
    )
    name = models.CharField(_("name"), max_length=80)
    order = models.PositiveSmallIntegerField(_("order"))
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), validators=[MaxValueValidator(100)]
    )
    outcome = models.CharField(
        _("outcome"), max_length=4, choices=Outcome.choices, default=Outcome.OPEN
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint("organization", "key", name="stage_key_unique"),
            models.CheckConstraint(
                condition=models.Q(probability__lte=100), name="stage_probability_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DealQuerySet(OrgScopedQuerySet["Deal"]):
    def open(self) -> DealQuerySet:
        return self.filter(stage__outcome=Stage.Outcome.OPEN)


class Deal(OrgScopedModel):
    class Term(models.TextChoices):
        SHORT = "short", _("Short-term")
        LONG = "long", _("Long-term")

    class Forecast(models.TextChoices):
        PIPELINE = "pipeline", _("Pipeline")
        BEST_CASE = "best_case", _("Best case")
        COMMIT = "commit", _("Commit")
        OMITTED = "omitted", _("Omitted")

    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="deals")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_deals"
    )
    # The owner's team; managers of this team (and its parents) see and coach the deal.
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="collaborating_deals"
    )
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), validators=[MaxValueValidator(100)]
    )
    # True once someone set the probability by hand: a stage change then keeps it.
    probability_is_manual = models.BooleanField(default=False)
    expected_close_date = models.DateField(_("expected close"), null=True, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_date = models.DateField(_("next step date"), null=True, blank=True)
    proposal_date = models.DateField(_("planned proposal"), null=True, blank=True)
    term = models.CharField(_("term"), max_length=5, choices=Term.choices, default=Term.SHORT)
    forecast_category = models.CharField(
        _("forecast"), max_length=10, choices=Forecast.choices, default=Forecast.PIPELINE
    )
    forecast_note = models.CharField(_("forecast note"), max_length=300, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_stage_change_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # Won credit, fixed when the deal is won: who and which team, on which local date.
    won_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    won_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    won_date = models.DateField(null=True, blank=True)

    objects: ClassVar[Any] = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="deal_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(probability__lte=100), name="deal_probability_max"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "owner"]),
            models.Index(fields=["organization", "team"]),
            models.Index(fields=["organization", "stage"]),
            models.Index(fields=["organization", "won_user", "won_date"]),
        ]

    def __str__(self) -> str:
        return self.title


class Concern(models.Model):
    """Something the customer worries about; drawing concerns out moves deals forward."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="concerns")
    text = models.CharField(_("concern"), max_length=500)
    resolved = models.BooleanField(_("resolved"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


class StageChange(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["deal", "at"])]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} -> {self.to_stage_id}"


class DealNote(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class ForecastSnapshot(OrgScopedModel):
    """A team's forecast for a quarter as it stood on one day (taken weekly)."""

    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    quarter_start = models.DateField()
    date = models.DateField()
    closed = models.DecimalField(max_digits=16, decimal_places=2)
    commit = models.DecimalField(max_digits=16, decimal_places=2)
    best_case = models.DecimalField(max_digits=16, decimal_places=2)
    pipeline = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                "organization", "team", "quarter_start", "date", name="forecastsnapshot_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.date}"

    # Stored per category; read cumulatively like the live forecast.
    @property
    def cumulative_best_case(self) -> Decimal:
        return self.commit + self.best_case

    @property
    def cumulative_pipeline(self) -> Decimal:
        return self.commit + self.best_case + self.pipeline


class DailyDealWon(models.Model):
    """Rollup: won deals credited to one user and team on one local date.

    Rebuilt from `Deal` for dirty buckets by the activities' drain (see deals.rollup).
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date = models.DateField()
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "user", "date"]),
            models.Index(fields=["organization", "team", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.date}: {self.amount}"


class SavedDealView(OrgScopedModel):
    """A person's named deal-list query (filters and sort), to pick again later."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_deal_views"
    )
    name = models.CharField(_("name"), max_length=80)
    # The list's query string without the page number, e.g. "owner=3&stale=yes&sort=-amount".
    query = models.CharField(_("query"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "organization", "user", "name", name="saveddealview_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name
