"""The team dashboard's "who needs attention" is motivation's alerts: the same people and
kinds, in the same order, as the `alerts/` API for the same team and day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal
from motivation import services
from motivation.models import CheckIn, OneOnOne
from tests.activities.factories import ActivityFactory
from tests.deals.factories import DealFactory
from tests.factories import MembershipFactory
from tests.goals.factories import GoalFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 15, 3, 0, tzinfo=UTC)  # Wednesday, noon in Tokyo
TODAY = date(2026, 4, 15)


def _untouched(person, days, n=1):
    when = timezone.now() - timedelta(days=days)
    for _ in range(n):
        deal = DealFactory(membership=person)
        Deal.objects.filter(pk=deal.pk).update(
            created_at=when, last_stage_change_at=when, last_activity_at=None
        )


def _checkin(person, day, score):
    CheckIn.objects.create(
        organization=person.organization,
        user=person.user,
        date=day,
        week_start=day - timedelta(days=day.weekday()),
        score=score,
    )


@pytest.fixture
def busy(org, team, sub_team, manager, member, teammate, other_team_member, time_machine):
    """A team whose people need attention for different reasons (and one outsider who does)."""
    time_machine.move_to(NOW, tick=False)
    sub_rep = MembershipFactory(organization=org, team=sub_team, user__username="sora")
    # member: busy today and recently talked to, but two low check-ins and an old deal
    ActivityFactory(membership=member, occurred_at=NOW)
    OneOnOne.objects.create(
        organization=org, manager=manager.user, member=member.user, date=TODAY - timedelta(3)
    )
    _checkin(member, date(2026, 4, 3), 2)
    _checkin(member, date(2026, 4, 10), 1)
    _untouched(member, 60)
    # teammate: thanked lately, but quiet and behind on this month's goal
    services.give_kudos(actor=member, to=teammate, message="Thanks for the intro")
    GoalFactory(
        organization=org,
        scope="user",
        user=teammate.user,
        start=date(2026, 4, 1),
        end=date(2026, 4, 30),
        target=Decimal(100),
    )
    # the sub-team's rep: several stale deals
    ActivityFactory(membership=sub_rep, occurred_at=NOW)
    _untouched(sub_rep, 20, n=3)
    _untouched(other_team_member, 60, n=3)  # not this team's
    return sub_rep


def _pairs(alerts):
    return [(a["user"], a["kind"]) for a in alerts]


@pytest.mark.parametrize("day", [None, "2026-03-10"])  # this month, or a past one in view
def test_the_dashboard_and_the_alerts_api_name_the_same_people_and_reasons(
    org, team, manager, member, teammate, other_team_member, busy, api_for, client_for, day
):
    query = {"period": "month", "date": day} if day else {}
    alerts_api = _pairs(api_for(manager).get(f"/api/v1/orgs/{org.slug}/alerts/").json())
    dashboard_api = api_for(manager).get(
        f"/api/v1/orgs/{org.slug}/dashboards/team/{team.pk}/", query
    )
    page = client_for(manager).get(
        reverse("dashboards:team_dashboard", kwargs={"org_slug": org.slug, "team_id": team.pk}),
        query,
    )
    assert dashboard_api.status_code == page.status_code == 200
    listed = [(a.user.pk, a.kind) for p in page.context["page"].attention for a in p.alerts]

    assert set(listed) == set(_pairs(dashboard_api.json()["alerts"])) == set(alerts_api)
    assert _pairs(dashboard_api.json()["alerts"]) == alerts_api  # ranked alike
    found = set(alerts_api)
    assert {
        (teammate.user_id, "behind_pace"),
        (teammate.user_id, "no_activity"),
        (teammate.user_id, "no_one_on_one"),
        (member.user_id, "low_motivation"),
        (member.user_id, "stale_deals"),
        (member.user_id, "no_recognition"),
        (busy.user_id, "stale_deals"),
    } <= found
    assert (member.user_id, "no_one_on_one") not in found
    assert (teammate.user_id, "no_recognition") not in found
    assert other_team_member.user_id not in {user for user, _kind in found}
    assert alerts_api[0] == (teammate.user_id, "behind_pace")


def test_the_dashboard_shows_every_kind_in_words(org, team, manager, busy, client_for):
    page_url = reverse(
        "dashboards:team_dashboard", kwargs={"org_slug": org.slug, "team_id": team.pk}
    )
    html = client_for(manager).get(page_url).content.decode()
    for label in ("Behind pace", "Low motivation", "No activity", "No 1:1", "Stale deals"):
        assert label in html
    assert "two check-ins in a row at 2 and 1" in html
