"""Evaluations: each organisation's criteria, its evaluation cycles, and the self and
manager evaluations written in them."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesmgmt.tenancy import OrgScopedModel, OrgScopedQuerySet

KEY_MAX = 40
NAME_MAX = 100
DESCRIPTION_MAX = 1_000
WEIGHT_MAX = 100


class EvaluationCriterion(OrgScopedModel):
    """What people are rated on (1 to 5), for members, for managers or for everyone."""

    class AppliesTo(models.TextChoices):
        MEMBER = "member", _("Members")
        MANAGER = "manager", _("Managers")
        ALL = "all", _("Everyone")

    class Evidence(models.TextChoices):
        GOAL_ATTAINMENT = "goal_attainment", _("Goal attainment")
        ACTIVITY_VS_TARGET = "activity_vs_target", _("Activities against their targets")
        FUNNEL_CONVERSION = "funnel_conversion", _("Funnel conversion")
        DEALS_WON = "deals_won", _("Deals won")
        ACCOMPANIMENTS = "accompaniments", _("Accompanied visits")
        KUDOS_RECEIVED = "kudos_received", _("Kudos received")
        ONE_ON_ONES = "one_on_ones", _("1:1s held")

    key = models.CharField(
        _("key"),
        max_length=KEY_MAX,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", _("Lower-case letters, digits, _."))],
    )
    name = models.CharField(_("name"), max_length=NAME_MAX)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX, blank=True)
    applies_to = models.CharField(
        _("applies to"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.ALL
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(WEIGHT_MAX)],
    )
    evidence = models.CharField(  # noqa: DJ001  (the API's null: "no evidence source")
        _("evidence"), max_length=30, choices=Evidence.choices, null=True, blank=True
    )

    objects: ClassVar[Any] = OrgScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("evaluation criteria")
        ordering = ["applies_to", "id"]
        constraints = [
            models.UniqueConstraint("organization", "key", name="criterion_key_once_per_org"),
            models.CheckConstraint(
                condition=models.Q(weight__gte=1, weight__lte=WEIGHT_MAX),
                name="criterion_weight_1_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def applies_to_role(self, leads_team: bool) -> bool:
        """Does the criterion rate a member (`leads_team` False) or a manager (True)?"""
        if self.applies_to == self.AppliesTo.ALL:
            return True
        return (self.applies_to == self.AppliesTo.MANAGER) == leads_team


class EvaluationCycle(OrgScopedModel):
    """A period people are evaluated for (e.g. a half-year), moved one stage at a time."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SELF_REVIEW = "self_review", _("Self review")
        MANAGER_REVIEW = "manager_review", _("Manager review")
        CALIBRATION = "calibration", _("Calibration")
        RELEASED = "released", _("Released")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=NAME_MAX)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[Any] = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lte=models.F("end")), name="cycle_starts_before_end"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def next_status(self) -> str | None:
        """The one stage the cycle may move to next (None once closed)."""
        order = list(self.Status.values)
        at = order.index(self.status)
        return order[at + 1] if at + 1 < len(order) else None


class Evaluation(OrgScopedModel):
    """One person's self evaluation or their manager's evaluation of them, in one cycle.

    `evaluator` is the person responsible for evaluating the subject (on both kinds): the
    subject writes the self evaluation, the evaluator the manager evaluation.
    """

    class Kind(models.TextChoices):
        SELF = "self", _("Self evaluation")
        MANAGER = "manager", _("Manager evaluation")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RELEASED = "released", _("Released")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")

    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.CASCADE, related_name="evaluations")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # None while nobody can evaluate the person (no manager above them, no other admin):
    # flagged on the cycle and in calibration until an admin assigns someone.
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The subject's team when the cycle opened, and whether they led one then (which
    # criteria apply): a move or a promotion mid-cycle shows, and changes no criteria.
    subject_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    leads_team = models.BooleanField(default=False)
    ratings = models.JSONField(_("ratings"), default=dict, blank=True)
    comments = models.JSONField(_("comments"), default=dict, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    final_rating = models.PositiveSmallIntegerField(_("final rating"), null=True, blank=True)
    final_note = models.TextField(
        _("note on the final rating"), max_length=DESCRIPTION_MAX, blank=True
    )
    response = models.TextField(_("response"), max_length=DESCRIPTION_MAX * 5, blank=True)
    # The 1:1 whose action items the next steps became (once: see services).
    next_steps_one_on_one = models.ForeignKey(
        "motivation.OneOnOne", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[Any] = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cycle_id", "subject_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                "cycle", "subject", "kind", name="evaluation_once_per_cycle_subject_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(final_rating__isnull=True)
                | models.Q(final_rating__gte=1, final_rating__lte=5),
                name="evaluation_final_rating_1_5",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "evaluator"]),
            models.Index(fields=["organization", "subject"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} evaluation of {self.subject_id} in {self.cycle_id}"

    @property
    def writer_id(self) -> int | None:
        """Who writes it: the subject (self evaluation) or the evaluator (None: nobody yet)."""
        return self.subject_id if self.kind == self.Kind.SELF else self.evaluator_id
