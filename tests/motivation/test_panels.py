"""Motivation on other pages: kudos for a deal with the one-tap congratulation of a won deal
by the owner's team, and the weekly check-in prompt on "my day"."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from deals.models import Deal
from motivation import services
from motivation.models import Kudos
from tests.deals.factories import DealFactory, default_stages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday")]


@pytest.fixture
def won_deal(org, member):
    deal = DealFactory(membership=member, title="Aoba fleet")
    Deal.objects.filter(pk=deal.pk).update(stage=default_stages(org)["won"])
    return Deal.objects.select_related("stage").get(pk=deal.pk)


def test_the_owners_team_congratulates_once_with_one_tap(
    org, won_deal, member, teammate, manager, client_for
):
    url = reverse("motivation:deal_congratulate", args=[org.slug, won_deal.pk])
    page = reverse("deals:deal_detail", args=[org.slug, won_deal.pk])
    assert 'data-testid="congratulate"' in client_for(manager).get(page).content.decode()
    assert client_for(manager).post(url).status_code == 302
    assert client_for(manager).post(url).status_code == 302

    kudos = Kudos.objects.get()
    assert (kudos.from_user_id, kudos.to_user_id, kudos.deal_id) == (
        manager.user_id,
        member.user_id,
        won_deal.pk,
    )
    assert "Aoba fleet" in kudos.message
    html = client_for(manager).get(page).content.decode()
    assert 'data-testid="congratulate"' not in html
    assert "Aoba fleet" in html


def test_neither_the_owner_nor_another_team_nor_an_open_deal_offers_it(
    org, won_deal, member, other_team_member, manager
):
    with pytest.raises(PermissionDenied):
        services.congratulate_on_won_deal(actor=member, deal=won_deal)
    with pytest.raises(PermissionDenied):
        services.congratulate_on_won_deal(actor=other_team_member, deal=won_deal)
    open_deal = DealFactory(membership=member)
    with pytest.raises(PermissionDenied):
        services.congratulate_on_won_deal(actor=manager, deal=open_deal)
    assert not Kudos.objects.exists()


def test_another_orgs_deal_answers_404(org, other_org, won_deal, outsider, client_for):
    url = reverse("motivation:deal_congratulate", args=[other_org.slug, won_deal.pk])
    assert client_for(outsider).post(url).status_code == 404
    assert not Kudos.objects.exists()


def test_my_day_prompts_for_the_weekly_check_in(org, member, client_for):
    url = reverse("activities:my_day", args=[org.slug])
    assert "How is your week going?" in client_for(member).get(url).content.decode()
    services.record_checkin(actor=member, score=4)
    assert "You checked in this week at 4 / 5." in client_for(member).get(url).content.decode()
