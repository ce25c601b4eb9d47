"""The demo organisation gets weeks of check-ins with one visible dip, 1:1s with carried-over
action items, and kudos, once."""

from __future__ import annotations

import pytest

from motivation import selectors
from motivation.demo import seed_demo_motivation
from motivation.models import AgendaPoint, CheckIn, Kudos, OneOnOne
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_demo_motivation_is_seeded_once(org, manager, member, teammate, sub_team):
    people = [manager, member, teammate] + [
        MembershipFactory(organization=org, team=member.team) for _ in range(3)
    ]
    made = seed_demo_motivation(org=org, memberships=people)

    assert made == CheckIn.objects.count() > 20
    assert CheckIn.objects.filter(score__lte=2).exists()
    assert OneOnOne.objects.count() == 9  # three 1:1s with each of three people
    carried = [
        one
        for one in selectors.with_items(list(OneOnOne.objects.all()))
        if any(item.carried_over for item in one.items)
    ]
    assert carried
    assert AgendaPoint.objects.exists()
    assert Kudos.objects.count() == 8

    assert seed_demo_motivation(org=org, memberships=people) == 0
    assert CheckIn.objects.count() == made


def test_an_organisation_without_salespeople_gets_nothing(org, admin):
    assert seed_demo_motivation(org=org, memberships=[admin]) == 0
