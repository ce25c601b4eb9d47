"""Evaluations: each organisation's criteria, its evaluation cycles, and the self and
manager evaluations written in them."""

from __future__ import annotations

from typing import Any, ClassVar

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
