"""The demo organisation gets a believable week of posts, once."""

from __future__ import annotations

import pytest

from accounts.models import Membership
from messaging.demo import seed_demo_messaging
from messaging.models import Comment, Conversation, Photo, Post

pytestmark = pytest.mark.django_db


def test_a_week_of_reports_advice_photos_and_messages_is_seeded_once(
    org, manager, member, teammate, sub_team
):
    from tests.factories import MembershipFactory

    people = [manager, member, teammate] + [
        MembershipFactory(organization=org, team=member.team) for _ in range(9)
    ]
    made = seed_demo_messaging(org=org, memberships=people)

    assert made == Post.objects.count() > 20
    reports = Post.objects.filter(kind="daily_report")
    assert reports.exists()
    assert reports.filter(reviewed_by=manager.user).exists()
    assert Post.objects.filter(advice_requested=True).exists()
    assert Comment.objects.filter(is_advice=True, helpful=True).exists()
    assert Photo.objects.exists()
    assert Conversation.objects.exists()
    assert Post.objects.filter(kind="announcement").exists()

    assert seed_demo_messaging(org=org, memberships=people) == 0
    assert Post.objects.count() == made


def test_an_organisation_without_salespeople_gets_nothing(org, admin):
    assert seed_demo_messaging(org=org, memberships=list(Membership.objects.all())) == 0
