"""Logging an activity against a deal: the deal menu of My day's quick log and of the activity
form, and "log an activity" from the deal page, which pre-fills the deal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.services import provision_organization_defaults
from activities.models import Activity
from deals import services as deal_services
from deals.models import Customer, Deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def defaults(org, other_org):
    provision_organization_defaults(org=org)
    provision_organization_defaults(org=other_org)


def _fresh(membership):
    return Membership.objects.select_related("organization", "user", "team").get(pk=membership.pk)


def _deal(owner, title="Pilot"):
    customer, _ = Customer.objects.get_or_create(organization_id=owner.organization_id, name="Aoba")
    return deal_services.create_deal(
        actor=_fresh(owner), title=title, customer=customer, amount=1000
    )


def my_day(org) -> str:
    return reverse("activities:my_day", kwargs={"org_slug": org.slug})


def test_a_rep_logs_a_visit_against_their_deal_from_my_day(
    org, member, teammate, defaults, client_for
):
    mine = _deal(member)
    theirs = _deal(teammate, "Theirs")
    client = client_for(member)

    page = client.get(my_day(org))
    offered = list(page.context["form"].fields["deal"].queryset)
    assert offered == [mine]  # the open deals they work on, not a teammate's
    assert Deal.objects.get(pk=mine.pk).last_activity_at is None

    response = client.post(my_day(org), {"type": "new_visit", "deal": mine.pk})
    assert response.status_code == 302
    activity = Activity.objects.get(user=member.user)
    assert activity.deal_id == mine.pk
    assert Deal.objects.get(pk=mine.pk).last_activity_at is not None  # the deal is touched

    refused = client.post(my_day(org), {"type": "new_visit", "deal": theirs.pk})
    assert refused.status_code == 422
    assert refused.context["form"].errors["deal"]
    assert Activity.objects.filter(user=member.user).count() == 1


def test_another_organisations_deal_is_neither_prefilled_nor_accepted(
    org, other_org, member, outsider, defaults, client_for
):
    foreign = _deal(outsider, "Foreign")
    client = client_for(member)
    page = client.get(my_day(org), {"deal": foreign.pk})
    assert page.status_code == 200
    assert page.context["form"].initial.get("deal") is None
    assert "Foreign" not in page.content.decode()
    posted = client.post(my_day(org), {"type": "new_visit", "deal": foreign.pk})
    assert posted.status_code == 422
    assert not Activity.objects.filter(user=member.user).exists()
    assert client.get(my_day(org), {"deal": "nonsense"}).status_code == 200


def test_the_deal_page_links_to_a_log_form_with_the_deal_prefilled(
    org, manager, member, defaults, client_for
):
    deal = _deal(member)
    client = client_for(manager)  # the rep's manager works on the deal too
    detail = client.get(
        reverse("deals:deal_detail", kwargs={"org_slug": org.slug, "deal_id": deal.pk})
    )
    link = f"{my_day(org)}?deal={deal.pk}"
    assert link in detail.content.decode()

    page = client.get(my_day(org), {"deal": deal.pk})
    form = page.context["form"]
    assert form.initial["deal"] == deal.pk
    assert deal in form.fields["deal"].queryset
    assert f'<option value="{deal.pk}" selected>' in page.content.decode()

    response = client.post(my_day(org), {"type": "new_visit", "deal": deal.pk})
    assert response.status_code == 302
    assert Activity.objects.get(user=manager.user).deal_id == deal.pk


def test_the_activity_form_links_and_unlinks_a_deal(org, member, defaults, client_for):
    from activities import services as activity_services

    deal = _deal(member)
    activity = activity_services.log_activity(actor=_fresh(member), type="call")
    edit = reverse(
        "activities:activity_edit", kwargs={"org_slug": org.slug, "activity_id": activity.pk}
    )
    client = client_for(member)
    form = client.get(edit).context["form"]
    assert list(form.fields["deal"].queryset) == [deal]
    data = {
        "type": "call", "quantity": 1,
        "occurred_at": activity.occurred_at.astimezone(org.tzinfo).strftime("%Y-%m-%dT%H:%M"),
        "note": "", "deal": deal.pk,
    }  # fmt: skip
    response = client.post(edit, data)
    assert response.status_code == 302, response.context["form"].errors
    assert Activity.objects.get(pk=activity.pk).deal_id == deal.pk
    client.post(edit, {**data, "deal": ""})
    assert Activity.objects.get(pk=activity.pk).deal_id is None
