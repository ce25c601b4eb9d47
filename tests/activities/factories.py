"""factory_boy factories of the activities app.

`ActivityFactory` writes a row straight to the log, bypassing `services.log_activity`, so
no bucket is marked dirty: use it for lists, visibility and exports, and the service (or
the API) wherever the rollup numbers matter.
"""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from accounts.models import Organization
from activities.models import Activity, ActivityType
from activities.services import ensure_default_activity_types
from salesmgmt import periods
from tests.factories import OrganizationFactory, UserFactory


def default_types(org: Organization) -> dict[str, ActivityType]:
    """The organisation's activity types by key, creating the defaults it lacks."""
    ensure_default_activity_types(org=org)
    return {t.key: t for t in ActivityType.objects.for_org(org)}


class ActivityTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityType
        django_get_or_create = ("organization", "key")

    organization = factory.SubFactory(OrganizationFactory)
    key = factory.Sequence(lambda n: f"type_{n}")
    name = factory.LazyAttribute(lambda o: o.key.replace("_", " ").capitalize())
    funnel_order = None
    active = True


class ActivityFactory(factory.django.DjangoModelFactory):
    """An activity of `membership` (pass `membership=`; user, team and org follow from it)."""

    class Meta:
        model = Activity
        exclude = ("membership",)

    membership = None
    organization = factory.LazyAttribute(
        lambda o: o.membership.organization if o.membership else OrganizationFactory()
    )
    user = factory.LazyAttribute(lambda o: o.membership.user if o.membership else UserFactory())
    team = factory.LazyAttribute(lambda o: o.membership.team if o.membership else None)
    type = factory.LazyAttribute(
        lambda o: ActivityTypeFactory(organization=o.organization, key="new_visit", funnel_order=1)
    )
    occurred_at = factory.LazyFunction(lambda: datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    local_date = factory.LazyAttribute(lambda o: periods.local_date(o.organization, o.occurred_at))
    quantity = 1
    note = ""
    created_by = factory.LazyAttribute(lambda o: o.user)
