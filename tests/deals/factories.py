"""factory_boy factories of the deals app, and helpers the deals suites share.

`DealFactory` writes a row straight to the table, bypassing `deals.services`: no stage
history, no won credit, no dirty bucket. Use it for lists, visibility and exports; open,
move and edit deals through the services (or the API) wherever history or credit matter.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Membership, Organization
from deals.models import Customer, Deal, Stage
from deals.services import ensure_default_stages
from tests.factories import OrganizationFactory


def default_stages(org: Organization) -> dict[str, Stage]:
    """The organisation's stages by key, creating the defaults it lacks."""
    ensure_default_stages(org=org)
    return {s.key: s for s in Stage.objects.for_org(org)}


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Customer {n} KK")
    industry = "Manufacturing"


class DealFactory(factory.django.DjangoModelFactory[Deal]):
    """A deal of `membership` (pass `membership=`; owner, team and org follow from it)."""

    class Meta:
        model = Deal
        exclude = ("membership",)
        skip_postgeneration_save = True

    membership: Membership | None = None
    organization = factory.LazyAttribute(
        lambda o: o.membership.organization if o.membership else OrganizationFactory.create()
    )
    owner = factory.LazyAttribute(lambda o: o.membership.user)
    team = factory.LazyAttribute(lambda o: o.membership.team if o.membership else None)
    title = factory.Sequence(lambda n: f"Deal {n}")
    customer = factory.LazyAttribute(lambda o: CustomerFactory.create(organization=o.organization))
    amount = Decimal("1000.00")
    stage = factory.LazyAttribute(lambda o: default_stages(o.organization)["lead"])
    probability = factory.LazyAttribute(lambda o: o.stage.probability)
    last_stage_change_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def collaborators(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.collaborators.set(extracted)
