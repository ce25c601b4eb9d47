"""Activity types, the activity log, and the rollup tables that every number is read from."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesmgmt.tenancy import OrgScopedModel, OrgScopedQuerySet

MAX_QUANTITY = 1000


class ActivityType(OrgScopedModel):
    """A kind of sales action (new visit, call, proposal…); funnel stages carry an order."""

    key = models.CharField(
        _("key"),
        max_length=40,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", _("Lower-case letters, digits and _."))],
    )
    name = models.CharField(_("name"), max_length=80)
    funnel_order = models.PositiveSmallIntegerField(
        _("funnel order"),
        null=True,
        blank=True,
        help_text=_("1 for the first stage of the sales funnel, 2 for the next…; empty if none."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [models.F("funnel_order").asc(nulls_last=True), "name"]
        constraints = [
            models.UniqueConstraint("organization", "key", name="activitytype_key_unique"),
            models.UniqueConstraint(
                "organization",
                "funnel_order",
                condition=models.Q(funnel_order__isnull=False),
                name="activitytype_funnel_order_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ActivityQuerySet(OrgScopedQuerySet["Activity"]):
    pass


class Activity(OrgScopedModel):
    """One logged sales action. Counts on `local_date` and stays with the owner's team then."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="activities"
    )
    # The owner's team when the activity happened: moving a person later rewrites no history.
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    type = models.ForeignKey(ActivityType, on_delete=models.PROTECT, related_name="activities")
    occurred_at = models.DateTimeField(_("when"))
    local_date = models.DateField(editable=False)
    quantity = models.PositiveIntegerField(
        _("quantity"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)],
    )
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    note = models.TextField(_("note / outcome"), blank=True, max_length=4000)
    accompanied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accompanied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accompanied_activities",
    )
    observation = models.TextField(_("manager's observation"), blank=True, max_length=4000)
    follow_up = models.TextField(_("follow-up actions"), blank=True, max_length=4000)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[Any] = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=MAX_QUANTITY),
                name="activity_quantity_range",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(latitude__isnull=True, longitude__isnull=True)
                    | models.Q(
                        latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                    )
                ),
                name="activity_location_valid",
            ),
        ]
        indexes = [
            # The rollup recompute reads one (org, user, local date) bucket at a time.
            models.Index(fields=["organization", "user", "local_date"]),
            models.Index(fields=["organization", "local_date"]),
            models.Index(fields=["organization", "accompanied_by", "local_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.type_id} x {self.quantity} by {self.user_id} on {self.local_date}"

    @property
    def location(self) -> dict[str, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return {"lat": float(self.latitude), "lon": float(self.longitude)}


class DailyActivityCount(models.Model):
    """Rollup: the activities of one user, team and type on one local date.

    Maintained only by `activities.rollup`, always recomputed from source.
    """

    # No single-column indexes on the foreign keys: the composite indexes below serve every
    # read, and each extra index slows the rebuild's bulk insert (see tests/bench/README.md).
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    type = models.ForeignKey(
        ActivityType, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    date = models.DateField()
    count = models.PositiveIntegerField()  # sum of quantities
    entries = models.PositiveIntegerField()  # number of activity rows

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organization", "user", "date", "type", "team", name="dailycount_bucket_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "date"]),
            models.Index(fields=["organization", "team", "date"]),
            models.Index(fields=["organization", "user", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.type_id} {self.date}: {self.count}"


class OrgDailyActivityCount(models.Model):
    """Coarser rollup: the whole organisation's activities of one type on one local date.

    The sum of `DailyActivityCount` over users and teams, at most one row per type and day
    (about 2,200 a year for six types), so an organisation-wide read over a year touches a
    few thousand rows instead of one per person, type and day. Maintained only by
    `activities.rollup`: each drain adds the difference its buckets made (signed, hence
    plain integers), a range rebuild recomputes it from the daily rows.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    type = models.ForeignKey(
        ActivityType, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    date = models.DateField()
    count = models.IntegerField()  # sum of quantities
    entries = models.IntegerField()  # number of activity rows

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            # Also the index every read goes through: (organisation, date range).
            models.UniqueConstraint("organization", "date", "type", name="orgdailycount_unique"),
        ]

    def __str__(self) -> str:
        return f"org {self.organization_id}/{self.type_id} {self.date}: {self.count}"


class DirtyBucket(models.Model):
    """An (organisation, user, local date) whose rollup must be recomputed.

    Written in the same transaction as the activity change, so pending work survives a
    dead broker or worker. `marked_at` moves on every new mark; a recompute deletes the
    row only if it was not re-marked meanwhile.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    marked_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint("organization", "user", "date", name="dirtybucket_unique"),
        ]
        indexes = [models.Index(fields=["organization", "marked_at"])]

    def __str__(self) -> str:
        return f"dirty {self.organization_id}/{self.user_id}/{self.date}"


class RollupState(models.Model):
    """Per organisation: when the newest change now reflected in the rollups was made."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    applied_through = models.DateTimeField(null=True)
    recomputed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"rollup state {self.organization_id}: {self.applied_through}"


class JobRun(models.Model):
    """When a background job last completed; not business data, so no organisation.

    One row per periodic task (keyed by task name), written when the task succeeds: the beat
    scheduler starts from these after a restart (catch-up) and `manage.py healthcheck` reads
    their age. One row per worker (`worker:<node name>`), written by the liveness probe's task.
    """

    job = models.CharField(max_length=200, primary_key=True)
    completed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.job} completed {self.completed_at:%Y-%m-%d %H:%M:%S}"
