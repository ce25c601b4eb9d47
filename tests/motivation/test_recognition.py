"""Streaks and badges from real numbers, on a person's motivation page (recognition for all;
check-ins and 1:1s only for the person, their managers and admins)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from deals.models import Deal
from goals.models import GoalPeriodActual
from motivation import recognition, services
from tests.deals.factories import DealFactory, default_stages
from tests.factories import MembershipFactory
from tests.goals.factories import GoalFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday")]


def _weekly_goal_met(member, weeks_met):
    """A February-March goal of about 10 a week; each week in `weeks_met` well above its share
    (public holidays make the weekly shares uneven)."""
    goal = GoalFactory(
        organization=member.organization,
        scope="user",
        user=member.user,
        start=date(2026, 2, 2),
        end=date(2026, 3, 29),
        target=Decimal(80),
    )
    for week in weeks_met:
        GoalPeriodActual.objects.create(
            goal=goal, grain=GoalPeriodActual.Grain.WEEK, period_start=week, actual=Decimal(20)
        )
    return goal


def test_the_streak_counts_completed_weeks_on_pace_back_from_last_week(member):
    weeks = [date(2026, 2, 9), date(2026, 2, 16), date(2026, 2, 23)]
    _weekly_goal_met(member, weeks)
    assert recognition.streak_of(member) == 3


def test_a_missed_week_breaks_the_streak(member):
    _weekly_goal_met(member, [date(2026, 2, 9), date(2026, 2, 23)])
    assert recognition.streak_of(member) == 1


def test_no_goal_no_streak(member):
    assert recognition.streak_of(member) == 0


def test_badges_come_from_real_numbers(org, member, teammate):
    deal = DealFactory(membership=member)
    Deal.objects.filter(pk=deal.pk).update(stage=default_stages(org)["won"])
    for _ in range(10):
        services.give_kudos(actor=MembershipFactory(organization=org), to=member, message="Thanks")
    for day in (date(2026, 2, 3), date(2026, 2, 10), date(2026, 2, 17), date(2026, 2, 24)):
        services.record_checkin(actor=member, score=4, day=day)

    _streak, badges = recognition.badges_of(member)
    assert {b.key for b in badges} == {"first_win", "appreciated", "regular"}
    assert recognition.badges_of(teammate)[1] == []


def test_the_person_page_shows_private_signals_only_to_those_who_may_see_them(
    org, member, teammate, manager, other_org, outsider, client_for
):
    services.record_checkin(actor=member, score=2, note="Rough week")
    services.give_kudos(actor=teammate, to=member, message="Great teamwork")
    url = reverse("motivation:person", args=[org.slug, member.user_id])

    managers_view = client_for(manager).get(url).content.decode()
    assert "Rough week" in managers_view
    assert "Great teamwork" in managers_view
    peers_view = client_for(teammate).get(url)
    assert peers_view.status_code == 200
    assert "Rough week" not in peers_view.content.decode()
    assert "Great teamwork" in peers_view.content.decode()
    foreign = reverse("motivation:person", args=[other_org.slug, member.user_id])
    assert client_for(outsider).get(foreign).status_code == 404


def test_the_recognition_api_shows_streak_badges_and_kudos_received(
    org, member, teammate, outsider, other_org, api_for
):
    _weekly_goal_met(member, [date(2026, 2, 9), date(2026, 2, 16), date(2026, 2, 23)])
    services.give_kudos(actor=teammate, to=member, message="Thanks")
    url = f"/api/v1/orgs/{org.slug}/people/{member.user_id}/recognition/"
    body = api_for(teammate).get(url).json()
    assert body == {"user": member.user_id, "streak": 3, "badges": [], "kudos_received": 1}
    foreign = f"/api/v1/orgs/{other_org.slug}/people/{member.user_id}/recognition/"
    assert api_for(outsider).get(foreign).status_code == 404
