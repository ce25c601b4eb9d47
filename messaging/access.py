"""Who may see and do what in messaging: each resource's "which ones" query beside its rule.

A post addressed to a team is read by that team's people (a team includes its sub-teams),
the managers of the team and of the teams above it, and admins; a post with no team by the
whole organisation; its author always. Direct messages are read by their participants only
(admins included). Roles are read only through `accounts.rules`.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts import rules
from accounts.models import Membership, Team
from messaging.models import (
    Comment,
    Conversation,
    Notification,
    Participant,
    Photo,
    Post,
)


def _ancestors_of(actor: Membership) -> frozenset[int]:
    """The actor's team and every team above it (their people are "the team's people")."""
    if actor.team_id is None:
        return frozenset()
    parent_of = dict(Team.objects.for_org(actor.organization_id).values_list("id", "parent_id"))
    found: set[int] = set()
    current: int | None = actor.team_id
    while current is not None and current not in found:
        found.add(current)
        current = parent_of.get(current)
    return frozenset(found)


def audience_team_ids(actor: Membership) -> frozenset[int]:
    """Teams whose posts the actor reads: their own team and those above it, and every team
    they manage with its sub-teams (cached on the actor)."""
    cached: frozenset[int] | None = getattr(actor, "_audience_team_ids", None)
    if cached is None:
        cached = _ancestors_of(actor) | rules.managed_team_ids(actor)
        actor._audience_team_ids = cached  # type: ignore[attr-defined]
    return cached


# --- posts ------------------------------------------------------------------------------


def posts_visible_to(actor: Membership) -> QuerySet[Post]:
    """Posts the actor may read (org-scoped)."""
    qs = Post.objects.for_org(actor.organization_id)
    if not actor.active:
        return qs.none()
    if rules.is_org_admin(actor):
        return qs
    return qs.filter(
        Q(team__isnull=True) | Q(author_id=actor.user_id) | Q(team_id__in=audience_team_ids(actor))
    )


def can_view_post(actor: Membership, post: Post) -> bool:
    if post.organization_id != actor.organization_id or not actor.active:
        return False
    if rules.is_org_admin(actor) or post.team_id is None or post.author_id == actor.user_id:
        return True
    return post.team_id in audience_team_ids(actor)


def can_post_to(actor: Membership, team: Team | None) -> bool:
    """Anyone may address the whole organisation; a team only those who read its posts."""
    if not actor.active:
        return False
    if team is None or rules.is_org_admin(actor):
        return True
    return team.organization_id == actor.organization_id and team.pk in audience_team_ids(actor)


def teams_postable_by(actor: Membership) -> QuerySet[Team]:
    """The teams the actor may address a post to (the query beside `can_post_to`)."""
    teams = Team.objects.for_org(actor.organization_id).order_by("name")
    if not actor.active:
        return teams.none()
    if rules.is_org_admin(actor):
        return teams
    return teams.filter(pk__in=audience_team_ids(actor))


def can_post_kind(actor: Membership, kind: str) -> bool:
    """Announcements come from managers and admins; every other kind from anyone."""
    if kind == Post.Kind.ANNOUNCEMENT:
        return bool(rules.is_manager_or_admin(actor))
    return actor.active


def can_edit_post(actor: Membership, post: Post) -> bool:
    """Only the author changes what they wrote."""
    return can_view_post(actor, post) and post.author_id == actor.user_id


def can_delete_post(actor: Membership, post: Post) -> bool:
    """The author, or an admin (moderation)."""
    return can_view_post(actor, post) and (
        post.author_id == actor.user_id or bool(rules.is_org_admin(actor))
    )


def can_comment_on_post(actor: Membership, post: Post) -> bool:
    """Whoever reads a post may reply (and react)."""
    return can_view_post(actor, post)


def can_mark_helpful(actor: Membership, post: Post) -> bool:
    """The author of a post says which advice helped."""
    return can_view_post(actor, post) and post.author_id == actor.user_id


def can_review_report(actor: Membership, post: Post) -> bool:
    """A manager of the report's author (or an admin) reviews it; never its own author."""
    if not post.is_daily_report or post.author_id == actor.user_id:
        return False
    if not can_view_post(actor, post):
        return False
    author = Membership.objects.filter(
        organization_id=actor.organization_id, user_id=post.author_id
    ).first()
    return author is not None and rules.can_manage_member(actor, author)


def coaches_others(actor: Membership) -> bool:
    """Managers and admins have a review queue, and see unanswered advice requests first."""
    return bool(rules.is_manager_or_admin(actor))


def reviewable_reports(actor: Membership) -> QuerySet[Post]:
    """Daily reports the actor may review: those of the people they manage (admins: all)."""
    qs = (
        posts_visible_to(actor).filter(kind=Post.Kind.DAILY_REPORT).exclude(author_id=actor.user_id)
    )
    if rules.is_org_admin(actor):
        return qs
    managed_people = (
        Membership.objects.for_org(actor.organization_id)
        .filter(team_id__in=rules.managed_team_ids(actor))
        .values("user_id")
    )
    return qs.filter(author_id__in=managed_people)


# --- photos and comments follow their post ----------------------------------------------


def photos_visible_to(actor: Membership) -> QuerySet[Photo]:
    return Photo.objects.for_org(actor.organization_id).filter(
        post__in=posts_visible_to(actor).values("pk")
    )


def can_view_photo(actor: Membership, photo: Photo) -> bool:
    return can_view_post(actor, photo.post)


def comments_visible_to(actor: Membership) -> QuerySet[Comment]:
    return Comment.objects.filter(post__in=posts_visible_to(actor).values("pk"))


def can_view_comment(actor: Membership, comment: Comment) -> bool:
    return can_view_post(actor, comment.post)


# --- direct messages --------------------------------------------------------------------


def conversations_visible_to(actor: Membership) -> QuerySet[Conversation]:
    """Conversations the actor takes part in; nobody else's, whatever their role."""
    qs = Conversation.objects.for_org(actor.organization_id)
    if not actor.active:
        return qs.none()
    mine = Participant.objects.filter(conversation=OuterRef("pk"), user_id=actor.user_id)
    return qs.filter(Exists(mine))


def can_view_conversation(actor: Membership, conversation: Conversation) -> bool:
    if conversation.organization_id != actor.organization_id or not actor.active:
        return False
    return conversation.memberships.filter(user_id=actor.user_id).exists()


# --- notifications ----------------------------------------------------------------------


def notifications_visible_to(actor: Membership) -> QuerySet[Notification]:
    """The actor's own notifications, minus those about things they may no longer see."""
    qs = Notification.objects.for_org(actor.organization_id)
    if not actor.active:
        return qs.none()
    return qs.filter(recipient_id=actor.user_id).filter(
        Q(post__isnull=True) | Q(post__in=posts_visible_to(actor).values("pk")),
        Q(conversation__isnull=True)
        | Q(conversation__in=conversations_visible_to(actor).values("pk")),
    )


def can_view_notification(actor: Membership, notification: Notification) -> bool:
    if notification.recipient_id != actor.user_id:
        return False
    if notification.organization_id != actor.organization_id or not actor.active:
        return False
    if notification.post is not None and not can_view_post(actor, notification.post):
        return False
    return notification.conversation is None or can_view_conversation(
        actor, notification.conversation
    )
