"""The daily digest e-mail: once per person per local day, after 08:00 in the organisation's
time zone, only to those who want it, listing what is unread, escaped, in bounded queries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail

from messaging import services
from messaging.models import DigestSent, Notification
from messaging.tasks import send_daily_digests_task
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# Asia/Tokyo is UTC+9: 23:30 UTC is 08:30 the next morning in Tokyo.
TOKYO_MORNING = datetime(2027, 3, 3, 23, 30, tzinfo=UTC)
TOKYO_NIGHT = datetime(2027, 3, 3, 20, 0, tzinfo=UTC)  # 05:00 in Tokyo


def _nudge(org, member, event, text="Log yesterday's visits"):
    services.notify(
        org=org, kind="nudge", recipients=[member.user_id], actor=None, event=event, text=text
    )


def test_running_twice_sends_one_digest_per_person_and_day(org, member, teammate):
    _nudge(org, member, "a")
    _nudge(org, teammate, "b")
    with time_machine.travel(TOKYO_MORNING, tick=False):
        first = services.send_daily_digests()
        second = services.send_daily_digests()
    assert (first.sent, second.sent) == (2, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.user.email, teammate.user.email])
    assert DigestSent.objects.count() == 2


def test_nothing_is_sent_before_eight_in_the_organisations_time_zone(org, member):
    _nudge(org, member, "a")
    with time_machine.travel(TOKYO_NIGHT, tick=False):
        assert services.send_daily_digests().sent == 0
    assert mail.outbox == []


def test_a_later_run_the_same_day_does_not_send_again_even_with_new_unread(org, member):
    _nudge(org, member, "a")
    with time_machine.travel(TOKYO_MORNING, tick=False):
        services.send_daily_digests()
    _nudge(org, member, "b")
    with time_machine.travel(datetime(2027, 3, 4, 3, 0, tzinfo=UTC), tick=False):  # 12:00 Tokyo
        assert services.send_daily_digests().sent == 0
    with time_machine.travel(datetime(2027, 3, 4, 23, 15, tzinfo=UTC), tick=False):  # next day
        assert services.send_daily_digests().sent == 1
    assert len(mail.outbox) == 2
    assert "Log yesterday" in mail.outbox[1].body


def test_people_who_turned_it_off_or_have_nothing_unread_get_nothing(
    org, member, teammate, manager
):
    _nudge(org, member, "a")
    _nudge(org, teammate, "b")
    services.save_preferences(actor=teammate, daily_digest=False, muted_kinds=[])
    Notification.objects.filter(recipient=member.user).update(read_at=TOKYO_NIGHT)
    with time_machine.travel(TOKYO_MORNING, tick=False):
        assert services.send_daily_digests().sent == 0
    assert mail.outbox == []


def test_already_e_mailed_notifications_are_not_listed_again(org, member):
    _nudge(org, member, "a", text="first thing")
    with time_machine.travel(TOKYO_MORNING, tick=False):
        services.send_daily_digests()
    with time_machine.travel(datetime(2027, 3, 4, 23, 30, tzinfo=UTC), tick=False):
        assert services.send_daily_digests().sent == 0  # still unread, but already e-mailed


def test_each_organisation_uses_its_own_time_zone(org, member, other_org):
    other_org.timezone = "Europe/London"
    other_org.save()
    londoner = MembershipFactory(organization=other_org, user__username="lon")
    _nudge(org, member, "a")
    _nudge(other_org, londoner, "b")
    with time_machine.travel(datetime(2027, 3, 4, 6, 0, tzinfo=UTC), tick=False):
        services.send_daily_digests()  # 15:00 in Tokyo, 06:00 in London
    assert [m.to[0] for m in mail.outbox] == [member.user.email]
    with time_machine.travel(datetime(2027, 3, 4, 8, 30, tzinfo=UTC), tick=False):
        services.send_daily_digests()  # 08:30 in London
    assert [m.to[0] for m in mail.outbox] == [member.user.email, londoner.user.email]


def test_html_in_a_notification_is_escaped_in_the_e_mail(org, member, teammate, team):
    post = services.create_post(actor=member, kind="reflection", body="x", team=team)
    services.add_comment(
        actor=teammate, post=post, body='<script>alert(1)</script><img src=x onerror="y">'
    )
    with time_machine.travel(TOKYO_MORNING, tick=False):
        services.send_daily_digests()
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<img" not in html
    assert f"/o/acme/feed/{post.pk}/" in mail.outbox[0].body


def test_the_digest_costs_the_same_queries_for_three_people_or_thirty(
    org, team, django_assert_max_num_queries
):
    def run_with(n):
        people = [MembershipFactory(organization=org, team=team) for _ in range(n)]
        for person in people:
            _nudge(org, person, f"n{n}-{person.pk}")
            _nudge(org, person, f"m{n}-{person.pk}")
        DigestSent.objects.all().delete()
        with time_machine.travel(TOKYO_MORNING, tick=False):
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                assert services.send_daily_digests().sent == n
        return len(captured.captured_queries)

    few = run_with(3)
    Notification.objects.all().delete()
    many = run_with(30)
    assert many == few


def test_the_task_is_scheduled_with_an_expiry(settings):
    from salesmgmt.celery import app

    entry = app.conf.beat_schedule["daily-digests"]
    assert entry["task"] == "messaging.tasks.send_daily_digests_task"
    assert entry["options"]["expires"] < 15 * 60


def test_the_task_sends_the_digests(org, member):
    _nudge(org, member, "a")
    with time_machine.travel(TOKYO_MORNING, tick=False):
        assert send_daily_digests_task.delay().get() == 1
