"""Reads of the messaging app shared by pages, the API and other apps' panels.

Lists cost a constant number of queries whatever their length: counts are subqueries,
photos are prefetched, and reactions, "may the reader see the linked deal/goal/activity"
and the reader's own reactions are one query each for a whole page (`decorate`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import Membership, User
from activities import selectors as activity_selectors
from activities.access import activities_visible_to
from deals.access import deals_visible_to
from deals.models import Deal, StageChange
from goals.access import goals_visible_to
from goals.models import Goal, Metric
from goals.selectors import days_off_for, target_for_day
from goals.sources import Scope, daily_values
from messaging import access
from messaging.filters import PostFilter
from messaging.models import (
    Comment,
    Conversation,
    Message,
    Notification,
    NotificationPreference,
    Participant,
    Photo,
    Post,
    Reaction,
)
from salesmgmt import periods

NEW_POSTS_CAP = 99
NEVER = datetime(2000, 1, 1, tzinfo=UTC)  # "read up to" for someone who never opened it


# --- the feed -----------------------------------------------------------------------------


def _comment_count() -> Coalesce:
    counts = (
        Comment.objects.filter(post=OuterRef("pk"))
        .order_by()
        .values("post")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def with_feed_data(posts: QuerySet[Post]) -> QuerySet[Post]:
    """What a post card shows, for any number of posts in a fixed number of queries."""
    answered_by_others = Comment.objects.filter(post=OuterRef("pk")).exclude(
        author_id=OuterRef("author_id")
    )
    return (
        posts.select_related(
            "author", "team", "reviewed_by", "goal__metric", "deal", "activity__type"
        )
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("position", "id")))
        .annotate(comment_count=_comment_count(), answered=Exists(answered_by_others))
    )


def feed_posts(actor: Membership) -> QuerySet[Post]:
    """Every post the actor may read, newest first, ready for cards."""
    return with_feed_data(access.posts_visible_to(actor)).order_by("-created_at", "-id")


def filter_posts(
    actor: Membership, data: Mapping[str, Any] | None, queryset: QuerySet[Post] | None = None
) -> PostFilter:
    """The feed narrowed by `data` (kind, author, team, deal, goal, advice, search)."""
    return PostFilter(
        data or {}, queryset=feed_posts(actor) if queryset is None else queryset, actor=actor
    )


def decorate(actor: Membership, posts: list[Post]) -> list[Post]:
    """Attach reaction counts, the reader's own reactions and which links they may open."""
    ids = [p.pk for p in posts]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    mine: dict[int, set[str]] = defaultdict(set)
    if ids:
        rows = (
            Reaction.objects.filter(post_id__in=ids)
            .values("post_id", "emoji")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            counts[row["post_id"]][row["emoji"]] = row["n"]
        for post_id, emoji in Reaction.objects.filter(
            post_id__in=ids, user_id=actor.user_id
        ).values_list("post_id", "emoji"):
            mine[post_id].add(emoji)
    deal_ids = {p.deal_id for p in posts if p.deal_id}
    goal_ids = {p.goal_id for p in posts if p.goal_id}
    activity_ids = {p.activity_id for p in posts if p.activity_id}
    seen_deals = (
        set(deals_visible_to(actor).filter(pk__in=deal_ids).values_list("pk", flat=True))
        if deal_ids
        else set()
    )
    seen_goals = (
        set(goals_visible_to(actor).filter(pk__in=goal_ids).values_list("pk", flat=True))
        if goal_ids
        else set()
    )
    seen_activities = (
        set(activities_visible_to(actor).filter(pk__in=activity_ids).values_list("pk", flat=True))
        if activity_ids
        else set()
    )
    order = {emoji: i for i, emoji in enumerate(Reaction.EMOJIS)}
    for post in posts:
        post.reaction_counts = dict(  # type: ignore[attr-defined]
            sorted(counts[post.pk].items(), key=lambda item: order.get(item[0], 99))
        )
        post.my_reactions = sorted(mine[post.pk], key=lambda e: order.get(e, 99))  # type: ignore[attr-defined]
        post.deal_visible = post.deal_id in seen_deals  # type: ignore[attr-defined]
        post.goal_visible = post.goal_id in seen_goals  # type: ignore[attr-defined]
        post.activity_visible = post.activity_id in seen_activities  # type: ignore[attr-defined]
    return posts


def unanswered_advice(actor: Membership, *, limit: int = 5) -> list[Post]:
    """Posts asking for advice that nobody but their author has answered, oldest first."""
    posts = list(
        feed_posts(actor)
        .filter(Q(advice_requested=True) & Q(answered=False))
        .order_by("created_at")[:limit]
    )
    return decorate(actor, posts)


def new_posts_count(actor: Membership, data: Mapping[str, Any] | None, after_id: int) -> int:
    """How many posts of this (filtered) feed arrived after `after_id` (capped)."""
    filtered = filter_posts(actor, data)
    if not filtered.is_valid():
        return 0
    return filtered.qs.filter(pk__gt=after_id).order_by()[: NEW_POSTS_CAP + 1].count()


def comments_of(post: Post) -> QuerySet[Comment]:
    return post.comments.select_related("author").order_by("created_at", "id")


def _lines(posts: QuerySet[Post], limit: int) -> list[Post]:
    """A short list for another page's panel: text, author, kind, comment count; no photos
    or reactions, so a panel costs two queries whatever it shows."""
    return list(
        posts.select_related("author")
        .annotate(comment_count=_comment_count())
        .order_by("-created_at", "-id")[:limit]
    )


def posts_about_deal(actor: Membership, deal: Deal, *, limit: int = 5) -> list[Post]:
    return _lines(access.posts_visible_to(actor).filter(deal=deal), limit)


def posts_about_goal(actor: Membership, goal: Goal, *, limit: int = 5) -> list[Post]:
    return _lines(access.posts_visible_to(actor).filter(goal=goal), limit)


def recent_team_posts(actor: Membership, *, limit: int = 5) -> list[Post]:
    """The newest posts of the actor's own team and those above it, and company-wide ones."""
    teams = access.audience_team_ids(actor)
    posts = access.posts_visible_to(actor).filter(Q(team__isnull=True) | Q(team_id__in=teams))
    return _lines(posts, limit)


# --- daily reports ------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeNumbers:
    type: str
    name: str
    count: int
    target: Decimal | None


@dataclass(frozen=True)
class GoalNumbers:
    goal: int
    title: str
    target: Decimal
    actual: Decimal


@dataclass(frozen=True)
class DealMove:
    deal: int
    title: str
    from_stage: str | None
    to_stage: str


@dataclass(frozen=True)
class ReportNumbers:
    date: date
    activities: list[TypeNumbers]
    goals: list[GoalNumbers]
    deals_moved: list[DealMove]

    def as_json(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> str | None:
            return None if value is None else format(value.normalize(), "f")

        return {
            "date": self.date.isoformat(),
            "activities": [
                {"type": t.type, "name": t.name, "count": t.count, "target": number(t.target)}
                for t in self.activities
            ],
            "goals": [
                {
                    "goal": g.goal,
                    "title": g.title,
                    "target": number(g.target),
                    "actual": number(g.actual),
                }
                for g in self.goals
            ],
            "deals_moved": [
                {"deal": m.deal, "title": m.title, "from": m.from_stage, "to": m.to_stage}
                for m in self.deals_moved
            ],
        }


def report_numbers(author: Membership, day: date) -> ReportNumbers:
    """The author's numbers on a local date: activities by type (from the rollup) against
    that day's targets of their own goals, those goals, and the deals they moved."""
    org = author.organization
    counts = {
        row.type: row.count
        for row in activity_selectors.activity_counts(
            org, start=day, end=day, user_id=author.user_id
        )
    }
    goals = list(
        Goal.objects.for_org(org)
        .filter(scope=Goal.Scope.USER, user_id=author.user_id, start__lte=day, end__gte=day)
        .select_related("metric", "organization")
        .prefetch_related("metric__activity_types")
        .order_by("end", "id")
    )
    days_off = days_off_for(org, goals)
    type_targets: dict[str, Decimal] = defaultdict(Decimal)
    goal_lines: list[GoalNumbers] = []
    for goal in goals:
        target = target_for_day(goal, day, days_off=days_off)
        keys = [t.key for t in goal.metric.activity_types.all()]
        if goal.metric.source == Metric.Source.ACTIVITY:
            actual = Decimal(sum(counts.get(k, 0) for k in keys))
            if len(keys) == 1:  # a one-type goal is that type's target
                type_targets[keys[0]] += target
        else:
            scope = Scope(org_id=org.pk, user_id=author.user_id)
            actual = sum(daily_values(goal.metric, scope, day, day).values(), Decimal(0))
        goal_lines.append(
            GoalNumbers(goal.pk, goal.title or goal.metric.name, target, Decimal(actual))
        )
    types = [
        TypeNumbers(t.key, t.name, counts.get(t.key, 0), type_targets.get(t.key))
        for t in activity_selectors.activity_types(org, active_only=True).order_by(
            F("funnel_order").asc(nulls_last=True), "name"
        )
    ]
    start = periods.local_midnight(org, day)
    moves = (
        StageChange.objects.filter(
            deal__organization=org,
            by_id=author.user_id,
            at__gte=start,
            at__lt=periods.local_midnight(org, day + timedelta(days=1)),
            from_stage__isnull=False,
        )
        .select_related("deal", "from_stage", "to_stage")
        .order_by("at", "id")
    )
    return ReportNumbers(
        date=day,
        activities=types,
        goals=goal_lines,
        deals_moved=[
            DealMove(
                m.deal_id,
                m.deal.title,
                m.from_stage.name if m.from_stage else None,
                m.to_stage.name,
            )
            for m in moves
        ],
    )


def reports_to_review(actor: Membership) -> QuerySet[Post]:
    """Daily reports of the people the actor manages, unreviewed first, then newest."""
    return with_feed_data(access.reviewable_reports(actor)).order_by(
        F("reviewed_at").asc(nulls_first=True), "-report_date", "-id"
    )


def own_reports(actor: Membership) -> QuerySet[Post]:
    return with_feed_data(
        access.posts_visible_to(actor).filter(kind=Post.Kind.DAILY_REPORT, author_id=actor.user_id)
    ).order_by("-report_date", "-id")


def report_of(actor: Membership, day: date) -> Post | None:
    return (
        Post.objects.for_org(actor.organization_id)
        .filter(kind=Post.Kind.DAILY_REPORT, author_id=actor.user_id, report_date=day)
        .first()
    )


# --- direct messages ----------------------------------------------------------------------


def conversations_of(actor: Membership) -> QuerySet[Conversation]:
    """The actor's conversations, latest first, with participants and their unread count."""
    last_read = Participant.objects.filter(
        conversation=OuterRef("pk"), user_id=actor.user_id
    ).values("last_read_at")[:1]
    unread = (
        Message.objects.filter(conversation=OuterRef("pk"), created_at__gt=OuterRef("my_last_read"))
        .exclude(author_id=actor.user_id)
        .order_by()
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    last_body = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        access.conversations_visible_to(actor)
        .annotate(my_last_read=Coalesce(Subquery(last_read), Value(NEVER)))
        .annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            last_body=Subquery(last_body.values("body")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=User.objects.order_by("name", "username").only(
                    "id", "name", "username", "first_name", "last_name", "email"
                ),
            )
        )
        .order_by(Coalesce("last_message_at", "created_at").desc(), "-id")
    )


def messages_of(conversation: Conversation, *, after_id: int = 0) -> QuerySet[Message]:
    return (
        conversation.messages.filter(pk__gt=after_id)
        .select_related("author")
        .order_by("created_at", "id")
    )


def unread_messages(actor: Membership) -> int:
    return sum(c.unread for c in conversations_of(actor))  # type: ignore[attr-defined]


# --- notifications ------------------------------------------------------------------------


def notifications_for(actor: Membership, *, unread: bool | None = None) -> QuerySet[Notification]:
    qs = access.notifications_visible_to(actor).select_related("actor")
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return qs.order_by("-created_at", "-id")


def unread_count(actor: Membership) -> int:
    return access.notifications_visible_to(actor).filter(read_at__isnull=True).count()


def preferences_of(actor: Membership) -> NotificationPreference:
    """The person's preferences (defaults when never saved)."""
    found = NotificationPreference.objects.filter(
        organization_id=actor.organization_id, user_id=actor.user_id
    ).first()
    return found or NotificationPreference(
        organization_id=actor.organization_id, user_id=actor.user_id
    )


def muted_by(org_id: int, user_ids: Iterable[int]) -> dict[int, set[str]]:
    """Kinds each of these people muted, in one query."""
    return {
        user_id: set(kinds or [])
        for user_id, kinds in NotificationPreference.objects.filter(
            organization_id=org_id, user_id__in=list(user_ids)
        ).values_list("user_id", "muted_kinds")
    }
