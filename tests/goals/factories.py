"""factory_boy factories for the goals app, and helpers for the metrics tests count on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from accounts.models import Organization
from goals.models import Goal, GoalProgress, Metric
from tests.factories import OrganizationFactory


class MetricFactory(factory.django.DjangoModelFactory[Metric]):
    """A manual metric by default; the same key in the same organisation is the same row."""

    class Meta:
        model = Metric
        django_get_or_create = ("organization", "key")

    organization = factory.SubFactory(OrganizationFactory)
    key = factory.Sequence(lambda n: f"metric_{n}")
    name = factory.LazyAttribute(lambda o: o.key.replace("_", " ").title())
    unit = "count"
    source = Metric.Source.MANUAL


class GoalFactory(factory.django.DjangoModelFactory[Goal]):
    """An organisation goal for January 2026 unless told otherwise."""

    class Meta:
        model = Goal

    organization = factory.SubFactory(OrganizationFactory)
    metric = factory.SubFactory(MetricFactory, organization=factory.SelfAttribute("..organization"))
    title = factory.Sequence(lambda n: f"Goal {n}")
    scope = Goal.Scope.ORG
    team = None
    user = None
    start = date(2026, 1, 1)
    end = date(2026, 1, 31)
    target = Decimal("100")
    parent = None


def activity_metric(org: Organization, key: str = "call") -> Metric:
    """The default metric counting one default activity type (created with the defaults)."""
    from activities.services import ensure_default_activity_types
    from goals.services import ensure_default_metrics

    ensure_default_activity_types(org=org)
    ensure_default_metrics(org=org)
    return Metric.objects.for_org(org).get(key=key)


def revenue_metric(org: Organization) -> Metric:
    """A money metric in the organisation's currency (split to its minor unit)."""
    return MetricFactory.create(
        organization=org, key="revenue", unit=org.currency, source=Metric.Source.DEALS_WON_AMOUNT
    )


def with_progress(goal: Goal, actual: Decimal | int = 0) -> Goal:
    """Store a progress row for a goal built without the services (as a refresh would)."""
    from django.utils import timezone

    GoalProgress.objects.update_or_create(
        goal=goal, defaults={"actual": Decimal(actual), "computed_at": timezone.now()}
    )
    return goal
