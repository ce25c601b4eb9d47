"""Who to talk to this week, and why: the six alert kinds, who sees them (API and page), the
managers' weekly nudge; a fixed number of queries whatever the size of the team."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from deals.models import Deal
from messaging.models import Notification
from motivation import alerts, services
from motivation.models import CheckIn, MotivationSettings, OneOnOne
from tests.activities.factories import ActivityFactory
from tests.deals.factories import DealFactory
from tests.factories import MembershipFactory, TeamFactory
from tests.goals.factories import GoalFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday")]

TODAY = date(2026, 3, 4)  # a Wednesday


def _kinds(org, person, **kwargs):
    kwargs.setdefault("one_on_one_days", 21)
    found = alerts.alerts_for(org, [person], today=TODAY, **kwargs)
    return {a.kind: a for a in found}


def _checkin(person, day, score):
    week = day - timedelta(days=day.weekday())
    return CheckIn.objects.create(
        organization=person.organization, user=person.user, date=day, week_start=week, score=score
    )


def _content(person):
    """Everything but the alert under test is fine: a recent 1:1, an activity today, kudos."""
    OneOnOne.objects.create(
        organization=person.organization,
        manager=MembershipFactory(organization=person.organization).user,
        member=person.user,
        date=TODAY - timedelta(days=3),
    )
    ActivityFactory(membership=person, occurred_at=datetime(2026, 3, 4, 0, 30, tzinfo=UTC))
    colleague = MembershipFactory(organization=person.organization)
    services.give_kudos(actor=colleague, to=person, message="Thanks")


def test_a_person_with_everything_fine_needs_no_talk(org, member):
    _content(member)
    assert _kinds(org, member) == {}


@pytest.mark.parametrize(
    ("scores", "alerted"),
    [
        ((2, 2), True),
        ((1, 2), True),
        ((4, 2), True),
        ((5, 3), True),
        ((4, 3), False),
        ((2, 4), False),
        ((3, 3), False),
    ],
)
def test_low_motivation_two_low_check_ins_in_a_row_or_a_drop_of_two(org, member, scores, alerted):
    _content(member)
    _checkin(member, date(2026, 2, 20), scores[0])
    _checkin(member, date(2026, 2, 27), scores[1])
    assert ("low_motivation" in _kinds(org, member)) is alerted


def test_a_single_low_check_in_is_no_alert_yet(org, member):
    _content(member)
    _checkin(member, date(2026, 3, 2), 1)
    assert _kinds(org, member) == {}


def test_no_one_on_one_in_the_organisations_number_of_days(org, member, manager):
    _content(member)
    OneOnOne.objects.filter(member=member.user).update(date=TODAY - timedelta(days=10))
    assert "no_one_on_one" not in _kinds(org, member)
    assert "no_one_on_one" in _kinds(org, member, one_on_one_days=7)
    # a planned 1:1 does not count until it has taken place
    OneOnOne.objects.filter(member=member.user).update(date=TODAY + timedelta(days=1))
    found = _kinds(org, member)["no_one_on_one"]
    assert found.since is None


def test_no_activity_in_three_working_days(org, member):
    _content(member)
    from activities.models import Activity

    Activity.objects.filter(user=member.user).update(local_date=date(2026, 2, 27))  # Friday
    found = _kinds(org, member)["no_activity"]
    assert found.since == date(2026, 2, 27)
    Activity.objects.filter(user=member.user).update(local_date=date(2026, 3, 2))  # Monday
    assert "no_activity" not in _kinds(org, member)


def test_behind_pace_on_a_goal_of_theirs(org, member):
    _content(member)
    GoalFactory(
        organization=org,
        scope="user",
        user=member.user,
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
        target=Decimal(100),
    )
    found = _kinds(org, member)["behind_pace"]
    assert found.detail.endswith(" (month goal) at 0% of pace")  # the metric, its period


def test_behind_pace_reads_only_current_open_goals(org, member):
    _content(member)
    # February's goal, missed: history, not a reason to act now
    GoalFactory(
        organization=org,
        scope="user",
        user=member.user,
        start=date(2026, 2, 1),
        end=date(2026, 2, 28),
        target=Decimal(100),
    )
    assert "behind_pace" not in _kinds(org, member)


def test_alerts_rank_what_to_act_on_first_across_people(org, member, teammate):
    _content(member)
    _content(teammate)
    GoalFactory(
        organization=org,
        scope="user",
        user=teammate.user,
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
        target=Decimal(100),
    )
    _untouched(member, 60)
    _checkin(member, date(2026, 2, 20), 2)
    _checkin(member, date(2026, 2, 27), 2)
    found = alerts.alerts_for(org, [member, teammate], today=TODAY, one_on_one_days=21)
    assert [(a.user.pk, a.kind) for a in found] == [
        (teammate.user_id, "behind_pace"),
        (member.user_id, "low_motivation"),
        (member.user_id, "stale_deals"),
    ]
    people = alerts.attention_by_person(found)
    assert [p.user.pk for p in people] == [teammate.user_id, member.user_id]
    assert [a.kind for a in people[1].alerts] == ["low_motivation", "stale_deals"]


def _untouched(member, days, n=1):
    when = timezone.now() - timedelta(days=days)
    for _ in range(n):
        deal = DealFactory(membership=member)
        Deal.objects.filter(pk=deal.pk).update(
            created_at=when, last_stage_change_at=when, last_activity_at=None
        )


def test_stale_deals_they_own_when_old(org, member):
    _content(member)
    _untouched(member, 60)  # over twice the organisation's 14 stale days
    found = _kinds(org, member)["stale_deals"]
    assert found.detail == "1 stale deal, untouched for 60 days"
    assert found.since == (timezone.now() - timedelta(days=60)).astimezone(org.tzinfo).date()


def test_a_single_recently_stale_deal_is_the_deal_lists_business(org, member):
    _content(member)
    _untouched(member, 20)  # stale (14 days), not old (28)
    assert "stale_deals" not in _kinds(org, member)
    _untouched(member, 20, n=2)  # several: three stale deals
    found = _kinds(org, member)["stale_deals"]
    assert found.detail == "3 stale deals, the oldest untouched for 20 days"


def test_no_recognition_in_thirty_days(org, member):
    _content(member)
    from motivation.models import Kudos

    Kudos.objects.update(created_at=timezone.now() - timedelta(days=31))
    assert "no_recognition" in _kinds(org, member)


def test_alerts_for_a_whole_team_read_a_fixed_number_of_queries(
    org, team, django_assert_max_num_queries
):
    def people(n):
        made = []
        for _ in range(n):
            person = MembershipFactory(organization=org, team=team)
            _checkin(person, date(2026, 2, 20), 2)
            _checkin(person, date(2026, 2, 27), 1)
            DealFactory(membership=person)
            GoalFactory(
                organization=org,
                scope="user",
                user=person.user,
                start=date(2026, 3, 1),
                end=date(2026, 3, 31),
            )
            made.append(person)
        return list(Membership.objects.filter(pk__in=[p.pk for p in made]).select_related("user"))

    few, many = people(2), people(25)
    with django_assert_max_num_queries(10) as few_queries:
        alerts.alerts_for(org, few, today=TODAY, one_on_one_days=21)
    with django_assert_max_num_queries(len(few_queries.captured_queries)):
        found = alerts.alerts_for(org, many, today=TODAY, one_on_one_days=21)
    assert {a.kind for a in found} >= {"low_motivation", "behind_pace", "no_one_on_one"}


# --- who sees them --------------------------------------------------------------------------


def _api(org):
    return f"/api/v1/orgs/{org.slug}/alerts/"


def test_api_members_get_403_managers_their_people_admins_everyone(
    org, member, teammate, manager, other_manager, other_team_member, admin, api_for
):
    assert api_for(member).get(_api(org)).status_code == 403
    mine = api_for(manager).get(_api(org))
    assert mine.status_code == 200
    users = {row["user"] for row in mine.json()}
    assert users == {member.user_id, teammate.user_id}
    assert set(mine.json()[0]) == {"user", "kind", "detail", "since"}
    other = {row["user"] for row in api_for(other_manager).get(_api(org)).json()}
    assert other == {other_team_member.user_id}
    everyone = {row["user"] for row in api_for(admin).get(_api(org)).json()}
    assert everyone >= {member.user_id, other_team_member.user_id, manager.user_id}


def test_api_another_organisation_answers_404(org, other_org, outsider, api_for):
    assert api_for(outsider).get(_api(org)).status_code == 404


def test_the_talk_page_lists_people_and_reasons_for_managers_only(org, member, manager, client_for):
    url = reverse("motivation:talk", args=[org.slug])
    assert client_for(member).get(url).status_code == 403
    page = client_for(manager).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert member.user.display_name in html
    assert "no 1:1 in the last 21 days" in html


def test_the_talk_page_has_an_empty_state(org, other_manager, client_for):
    page = client_for(other_manager).get(reverse("motivation:talk", args=[org.slug]))
    assert "Nobody needs particular attention this week." in page.content.decode()


def test_the_talk_page_reads_a_fixed_number_of_queries(
    org, team, manager, client_for, django_assert_max_num_queries
):
    for _ in range(20):
        MembershipFactory(organization=org, team=team)
    client = client_for(manager)
    url = reverse("motivation:talk", args=[org.slug])
    client.get(url)
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


# --- the weekly nudge -------------------------------------------------------------------------

MONDAY_0930_TOKYO = datetime(2026, 3, 9, 0, 30, tzinfo=UTC)


def test_each_manager_with_someone_to_talk_to_is_nudged_once_a_week(
    org, member, manager, other_manager, time_machine
):
    time_machine.move_to(MONDAY_0930_TOKYO, tick=False)
    services.send_manager_nudges()
    services.send_manager_nudges()

    nudges = Notification.objects.filter(event__startswith="talk-nudge:")
    assert list(nudges.values_list("recipient_id", flat=True)) == [manager.user_id]
    assert member.user.display_name not in nudges.get().excerpt  # names stay on the page
    assert nudges.get().url == f"/o/{org.slug}/talk/"


def test_the_nudge_waits_for_nine_on_the_weeks_first_day(org, member, manager, time_machine):
    time_machine.move_to(MONDAY_0930_TOKYO - timedelta(hours=1), tick=False)
    assert services.send_manager_nudges().nudged == 0


def test_the_nudge_reads_a_bounded_number_of_queries_whatever_the_number_of_teams(
    org, time_machine, django_assert_max_num_queries
):
    def grow(teams):
        for _ in range(teams):
            lead = MembershipFactory(organization=org, role=Membership.Role.MANAGER)
            team = TeamFactory(organization=org, managers=[lead.user])
            for _person in range(3):
                MembershipFactory(organization=org, team=team)

    time_machine.move_to(MONDAY_0930_TOKYO, tick=False)
    grow(2)
    with django_assert_max_num_queries(40) as small:
        services.send_manager_nudges()
    Notification.objects.all().delete()
    grow(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        run = services.send_manager_nudges()
    assert run.nudged == 12


def test_an_organisation_may_change_its_one_on_one_rhythm(org, member, manager, api_for):
    MotivationSettings.objects.create(organization=org, one_on_one_days=60)
    OneOnOne.objects.create(
        organization=org, manager=manager.user, member=member.user, date=TODAY - timedelta(days=30)
    )
    kinds = {
        r["kind"] for r in api_for(manager).get(_api(org)).json() if r["user"] == member.user_id
    }
    assert "no_one_on_one" not in kinds


def test_the_nudge_follows_the_managers_own_time_zone(org, member, manager, time_machine):
    manager.user.timezone = "Europe/London"
    manager.user.save(update_fields=["timezone"])
    time_machine.move_to(MONDAY_0930_TOKYO, tick=False)  # 00:30 in London: not yet
    assert services.send_manager_nudges().nudged == 0
    time_machine.move_to(datetime(2026, 3, 9, 9, 30, tzinfo=UTC), tick=False)  # 09:30 London
    assert services.send_manager_nudges().nudged == 1
