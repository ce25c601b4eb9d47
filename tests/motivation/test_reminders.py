"""The weekly check-in reminder: on the organisation's chosen day, from 09:00 local, once per
person per week, to whoever has not checked in; the job is safe to run twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from messaging.models import Notification
from motivation import services
from motivation.models import MotivationSettings
from motivation.tasks import send_motivation_reminders_task
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory

pytestmark = pytest.mark.django_db

FRIDAY_0830_TOKYO = datetime(2026, 3, 5, 23, 30, tzinfo=UTC)
FRIDAY_0930_TOKYO = datetime(2026, 3, 6, 0, 30, tzinfo=UTC)
SATURDAY_TOKYO = datetime(2026, 3, 7, 3, 0, tzinfo=UTC)
NEXT_FRIDAY_TOKYO = datetime(2026, 3, 13, 3, 0, tzinfo=UTC)


def _reminded(org):
    return set(
        Notification.objects.for_org(org)
        .filter(event__startswith="checkin-reminder:")
        .values_list("recipient_id", flat=True)
    )


def test_reminders_go_on_the_chosen_day_to_those_who_have_not_checked_in(
    org, member, teammate, manager, time_machine
):
    time_machine.move_to(FRIDAY_0830_TOKYO, tick=False)
    services.record_checkin(actor=teammate, score=4)
    assert services.send_checkin_reminders().reminded == 0  # before 09:00

    time_machine.move_to(FRIDAY_0930_TOKYO, tick=False)
    send_motivation_reminders_task()

    assert _reminded(org) == {member.user_id, manager.user_id}
    notification = Notification.objects.get(recipient=member.user)
    assert notification.kind == "nudge"
    assert notification.url == f"/o/{org.slug}/checkins/"


def test_running_twice_or_later_in_the_week_sends_one_reminder_per_person(
    org, member, time_machine
):
    time_machine.move_to(FRIDAY_0930_TOKYO, tick=False)
    services.send_checkin_reminders()
    services.send_checkin_reminders()
    time_machine.move_to(SATURDAY_TOKYO, tick=False)  # a missed run catches up, once
    services.send_checkin_reminders()

    assert Notification.objects.filter(recipient=member.user).count() == 1

    time_machine.move_to(NEXT_FRIDAY_TOKYO, tick=False)
    services.send_checkin_reminders()
    assert Notification.objects.filter(recipient=member.user).count() == 2


def test_the_organisations_chosen_day_decides(org, member, time_machine):
    MotivationSettings.objects.create(organization=org, checkin_weekday=6)  # Sunday
    time_machine.move_to(FRIDAY_0930_TOKYO, tick=False)
    services.send_checkin_reminders()
    assert not _reminded(org)


def test_deactivated_people_get_no_reminder(org, team, time_machine):
    gone = MembershipFactory(organization=org, team=team, active=False)
    time_machine.move_to(FRIDAY_0930_TOKYO, tick=False)
    services.send_checkin_reminders()
    assert gone.user_id not in _reminded(org)


def test_the_job_reads_a_bounded_number_of_queries_per_organisation_whatever_its_size(
    org, time_machine, django_assert_max_num_queries
):
    for n in range(3):
        other = OrganizationFactory(slug=f"big-{n}")
        for _team in range(4):
            team = TeamFactory(organization=other)
            for _ in range(5):
                MembershipFactory(organization=other, team=team)
    time_machine.move_to(FRIDAY_0930_TOKYO, tick=False)
    with django_assert_max_num_queries(4 + 4 * 12):
        run = services.send_checkin_reminders()
    assert run.reminded == 60


def test_each_reminder_is_written_in_its_readers_language(org, member, teammate, time_machine):
    teammate.user.locale = "ja"
    teammate.user.save(update_fields=["locale"])
    time_machine.move_to(FRIDAY_0930_TOKYO, tick=False)
    services.send_checkin_reminders()

    assert Notification.objects.get(recipient=member.user).excerpt.startswith("How was your week")
    assert "週次チェックイン" in Notification.objects.get(recipient=teammate.user).excerpt
