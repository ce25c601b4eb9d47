"""Notifications: one per event per recipient, none to the actor, none to anyone who may not
see what it is about; mentions, advice, reviews and messages notify; the API reads them."""

from __future__ import annotations

import pytest

from messaging import services
from messaging.models import Mention, Notification

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/api/v1/orgs/acme/notifications/"


def _kinds_for(membership):
    return sorted(
        Notification.objects.filter(recipient=membership.user).values_list("kind", flat=True)
    )


def test_notify_skips_the_actor_outsiders_and_those_who_may_not_see(
    org, member, teammate, manager, other_team_member, outsider
):
    made = services.notify(
        org=org,
        kind="kudos",
        recipients=[
            member.user,
            teammate.user_id,
            manager.user_id,
            other_team_member.user_id,
            outsider.user_id,
        ],
        actor=manager.user,
        event="kudos:1",
        text="Great call",
        may_see=lambda m: m.team_id == member.team_id,
    )
    assert {n.recipient_id for n in made} == {member.user_id, teammate.user_id}
    assert all(n.pk for n in made)


def test_the_same_event_notifies_each_person_once(org, member, manager):
    for _ in range(3):
        services.notify(
            org=org,
            kind="nudge",
            recipients=[member.user_id],
            actor=manager.user_id,
            event="nudge:7",
            text="x",
        )
    assert Notification.objects.count() == 1


def test_deactivated_members_are_not_notified(org, member, manager):
    member.active = False
    member.save()
    assert (
        services.notify(
            org=org, kind="nudge", recipients=[member.user_id], actor=None, event="n", text="x"
        )
        == []
    )


def test_an_unknown_kind_is_a_programming_error(org, member):
    with pytest.raises(ValueError, match="unknown notification kind"):
        services.notify(org=org, kind="party", recipients=[member.user_id], actor=None, event="e")


def test_a_comment_notifies_the_author_and_advice_says_so(team_post, member, teammate, manager):
    services.add_comment(actor=teammate, post=team_post, body="nice")
    services.add_comment(actor=manager, post=team_post, body="ask earlier", is_advice=True)
    services.add_comment(
        actor=member, post=team_post, body="thanks all"
    )  # own post: no notification
    assert _kinds_for(member) == ["advice", "comment"]
    assert Notification.objects.count() == 2


def test_mentions_reach_only_colleagues_who_may_see_the_post(
    member, teammate, manager, other_team_member, team
):
    post = services.create_post(
        actor=member,
        kind="reflection",
        body="Thanks @tess and @mia! @olga would like this. @sam, @nobody.",
        team=team,
    )
    assert sorted(Mention.objects.filter(post=post).values_list("user__username", flat=True)) == [
        "mia",
        "tess",
    ]
    assert _kinds_for(teammate) == ["mention"]
    assert _kinds_for(manager) == ["mention"]
    assert _kinds_for(other_team_member) == []  # may not see a post to `team`
    assert _kinds_for(member) == []  # never the actor


def test_editing_a_post_notifies_only_newly_mentioned_people(member, teammate, manager, team):
    post = services.create_post(actor=member, kind="reflection", body="with @tess", team=team)
    services.update_post(actor=member, post=post, body="with @tess and @mia")
    services.update_post(actor=member, post=post, body="with @tess and @mia!")
    assert Notification.objects.filter(kind="mention").count() == 2


def test_a_shared_handle_names_nobody_unless_the_whole_address_is_used(org, member, team):
    from tests.factories import MembershipFactory

    first = MembershipFactory(
        organization=org, team=team, user__username="k1", user__email="ken@one.example"
    )
    second = MembershipFactory(
        organization=org, team=team, user__username="k2", user__email="ken@two.example"
    )
    services.create_post(actor=member, kind="reflection", body="@ken please", team=team)
    assert not Notification.objects.exists()
    services.create_post(actor=member, kind="reflection", body="@ken@two.example please", team=team)
    assert _kinds_for(second) == ["mention"]
    assert _kinds_for(first) == []


def test_one_comment_that_mentions_the_author_notifies_them_once(team_post, member, teammate):
    services.add_comment(actor=teammate, post=team_post, body="@sam look at this")
    assert Notification.objects.filter(recipient=member.user).count() == 1


def test_a_review_notifies_the_author_once(member, manager, admin):
    report = services.create_post(actor=member, kind="daily_report", body="ok")
    services.review_report(actor=manager, post=report)
    services.review_report(actor=admin, post=report)
    assert _kinds_for(member) == ["report_reviewed"]


def test_a_message_notifies_the_other_participants(member, teammate, manager):
    conversation, _ = services.start_conversation(
        actor=member, participants=[teammate.user_id, manager.user_id]
    )
    services.send_message(actor=member, conversation=conversation, body="Lunch?")
    assert _kinds_for(teammate) == ["message"]
    assert _kinds_for(manager) == ["message"]
    assert _kinds_for(member) == []


def test_muted_kinds_are_not_notified(team_post, member, teammate):
    services.save_preferences(actor=member, daily_digest=True, muted_kinds=["comment"])
    services.add_comment(actor=teammate, post=team_post, body="nice")
    services.add_comment(actor=teammate, post=team_post, body="try this", is_advice=True)
    assert _kinds_for(member) == ["advice"]


def test_a_notification_about_a_post_one_can_no_longer_see_is_hidden(
    org, team_post, teammate, member, api_for
):
    services.add_comment(actor=member, post=team_post, body="@tess what do you think?")
    assert api_for(teammate).get(NOTIFICATIONS).json()["count"] == 1
    teammate.team = None
    teammate.save()
    assert api_for(teammate).get(NOTIFICATIONS).json()["count"] == 0


def test_the_api_lists_reads_and_marks_notifications(team_post, member, teammate, manager, api_for):
    services.add_comment(actor=teammate, post=team_post, body="<b>nice</b>")
    services.add_comment(actor=manager, post=team_post, body="good")
    api = api_for(member)
    listed = api.get(NOTIFICATIONS).json()["results"]
    assert [n["kind"] for n in listed] == ["comment", "comment"]
    assert set(listed[0]) == {"id", "kind", "actor", "text", "url", "created_at", "read"}
    assert listed[1]["text"].endswith("“<b>nice</b>”")  # plain text; pages escape it
    assert (
        listed[1]["url"] == f"/o/acme/feed/{team_post.pk}/#comment-{team_post.comments.first().pk}"
    )

    marked = api.post(f"{NOTIFICATIONS}read/", {"ids": [listed[0]["id"]]})
    assert marked.json() == {"marked": 1, "unread": 1}
    assert [n["id"] for n in api.get(NOTIFICATIONS, {"unread": "true"}).json()["results"]] == [
        listed[1]["id"]
    ]
    assert api.post(f"{NOTIFICATIONS}read/", {}).json() == {"marked": 1, "unread": 0}


def test_nobody_can_mark_someone_elses_notifications(team_post, member, teammate, api_for):
    services.add_comment(actor=teammate, post=team_post, body="nice")
    mine = Notification.objects.get()
    response = api_for(teammate).post(f"{NOTIFICATIONS}read/", {"ids": [mine.pk]})
    assert response.json()["marked"] == 0
    mine.refresh_from_db()
    assert mine.read_at is None
