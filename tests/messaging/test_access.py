"""Who sees what: each resource's rule agrees with its query, for every kind of actor.

Team posts: the team's people (a team includes its sub-teams), the managers of the team
and of the teams above it, admins; the author always. Whole-organisation posts: everyone.
Direct messages: their participants only, admins included. Other organisations: nothing.
"""

from __future__ import annotations

import pytest

from accounts.models import Membership
from messaging import access, services
from messaging.models import Notification
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ACTORS = (
    "admin",
    "manager",
    "other_manager",
    "member",
    "teammate",
    "other_team_member",
    "outsider",
    "sub_team_member",
    "deactivated",
)


@pytest.fixture
def sub_team_member(org, sub_team):
    return MembershipFactory(organization=org, team=sub_team, user__username="suki")


@pytest.fixture
def deactivated(org, team):
    return MembershipFactory(organization=org, team=team, active=False, user__username="dee")


@pytest.fixture
def every_post(
    member,
    team,
    sub_team,
    other_team_member,
    other_team,
    sub_team_member,
    admin,
    outsider,
    outsider_team,
):
    return [
        services.create_post(actor=member, kind="reflection", body="to team", team=team),
        services.create_post(actor=sub_team_member, kind="roleplay", body="to sub", team=sub_team),
        services.create_post(
            actor=other_team_member, kind="appointment", body="osaka", team=other_team
        ),
        services.create_post(actor=member, kind="reflection", body="to everyone"),
        services.create_post(actor=admin, kind="announcement", body="all hands"),
        services.create_post(actor=outsider, kind="reflection", body="globex", team=outsider_team),
    ]


def _actor(request, name: str) -> Membership:
    return request.getfixturevalue(name)


@pytest.mark.parametrize("name", ACTORS)
def test_the_post_rule_matches_the_post_query(
    name, request, every_post, manager, teammate, other_manager
):
    actor = _actor(request, name)
    visible = set(access.posts_visible_to(actor).values_list("pk", flat=True))
    assert {p.pk for p in every_post if access.can_view_post(actor, p)} == visible


def test_team_posts_reach_the_team_its_sub_teams_their_managers_and_admins(
    every_post,
    admin,
    manager,
    other_manager,
    member,
    teammate,
    other_team_member,
    sub_team_member,
    outsider,
):
    to_team, to_sub, to_osaka, to_everyone, _announcement, globex = every_post
    assert access.can_view_post(teammate, to_team)
    assert access.can_view_post(sub_team_member, to_team)  # a team includes its sub-teams
    assert access.can_view_post(manager, to_sub)  # managers of the teams above
    assert not access.can_view_post(member, to_sub)  # but not the parent team's people
    assert not access.can_view_post(other_manager, to_team)
    assert not access.can_view_post(other_team_member, to_team)
    assert access.can_view_post(admin, to_osaka)
    assert all(access.can_view_post(m, to_everyone) for m in (other_team_member, sub_team_member))
    assert not access.can_view_post(outsider, to_team)
    assert not access.can_view_post(admin, globex)


def test_the_author_keeps_seeing_a_post_after_moving_team(member, other_team, every_post):
    to_team = every_post[0]
    Membership.objects.filter(pk=member.pk).update(team=other_team)
    moved = Membership.objects.get(pk=member.pk)
    assert access.can_view_post(moved, to_team)
    assert to_team in access.posts_visible_to(moved)


def test_a_manager_removed_from_the_team_loses_its_posts_on_the_next_request(
    manager, team, every_post
):
    team.managers.remove(manager.user)
    Membership.objects.filter(pk=manager.pk).update(team=None)
    fresh = Membership.objects.get(pk=manager.pk)
    assert every_post[0] not in access.posts_visible_to(fresh)


@pytest.mark.parametrize("name", ACTORS)
def test_the_photo_and_comment_rules_match_their_queries(name, request, every_post, teammate):
    from tests.messaging.images import jpeg

    member = request.getfixturevalue("member")
    team = request.getfixturevalue("team")
    with_photo = services.create_post(
        actor=member, kind="photo_action", body="x", team=team, uploads=[jpeg()]
    )
    services.add_comment(actor=teammate, post=every_post[0], body="nice")
    services.add_comment(actor=member, post=every_post[3], body="thanks")
    actor = _actor(request, name)
    photos = list(with_photo.photos.all())
    seen_photos = set(access.photos_visible_to(actor).values_list("pk", flat=True))
    assert {p.pk for p in photos if access.can_view_photo(actor, p)} == seen_photos
    from messaging.models import Comment

    comments = list(Comment.objects.select_related("post"))
    seen_comments = set(access.comments_visible_to(actor).values_list("pk", flat=True))
    assert {c.pk for c in comments if access.can_view_comment(actor, c)} == seen_comments


@pytest.fixture
def every_conversation(member, teammate, manager, other_team_member, outsider):
    from tests.factories import MembershipFactory as Make

    globex_colleague = Make(organization=outsider.organization, user__username="gina")
    return [
        services.start_conversation(actor=member, participants=[teammate.user_id])[0],
        services.start_conversation(actor=manager, participants=[member.user_id, teammate.user_id])[
            0
        ],
        services.start_conversation(actor=other_team_member, participants=[manager.user_id])[0],
        services.start_conversation(actor=outsider, participants=[globex_colleague.user_id])[0],
    ]


@pytest.mark.parametrize("name", ACTORS)
def test_the_conversation_rule_matches_its_query(name, request, every_conversation, other_manager):
    actor = _actor(request, name)
    visible = set(access.conversations_visible_to(actor).values_list("pk", flat=True))
    assert {c.pk for c in every_conversation if access.can_view_conversation(actor, c)} == visible


def test_direct_messages_are_private_even_from_admins(every_conversation, admin, member, teammate):
    between_member_and_teammate = every_conversation[0]
    assert access.can_view_conversation(member, between_member_and_teammate)
    assert access.can_view_conversation(teammate, between_member_and_teammate)
    assert not access.can_view_conversation(admin, between_member_and_teammate)
    assert not access.conversations_visible_to(admin).exists()


@pytest.mark.parametrize("name", ACTORS)
def test_the_notification_rule_matches_its_query(
    name, request, every_post, every_conversation, teammate, manager
):
    services.add_comment(actor=teammate, post=every_post[0], body="well done @sam")
    services.send_message(actor=teammate, conversation=every_conversation[0], body="hi")
    services.notify(
        org=request.getfixturevalue("org"),
        kind="nudge",
        recipients=[m.user_id for m in Membership.objects.all()],
        actor=None,
        event="nudge:1",
        text="Log your visits",
    )
    actor = _actor(request, name)
    everything = list(Notification.objects.select_related("post", "conversation"))
    visible = set(access.notifications_visible_to(actor).values_list("pk", flat=True))
    assert {n.pk for n in everything if access.can_view_notification(actor, n)} == visible
