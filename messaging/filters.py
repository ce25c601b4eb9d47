"""The one FilterSet of the feed, used by the posts API and by the feed page's form."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Team, User
from accounts.rules import descendants
from messaging.models import Notification, Post

SEARCH_MAX = 200
_ANY_YES_NO = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
# The expression the PostgreSQL GIN index (migration 0002) is built on: same text, same
# configuration ("simple": no stemming, so it behaves alike for every language).
SEARCH_FIELDS = ("body", "went_well", "went_badly", "tomorrow_plan")
SEARCH_CONFIG = "simple"


def search_vector() -> SearchVector:
    return SearchVector(*SEARCH_FIELDS, config=SEARCH_CONFIG)


def search_posts(posts: QuerySet[Post], text: str) -> QuerySet[Post]:
    """Posts whose text matches: full-text on PostgreSQL, a plain substring match elsewhere.

    Japanese has no spaces between words, so the full-text index cannot split it into
    words; text with characters beyond ASCII is matched as a substring on every database.
    """
    text = text.strip()[:SEARCH_MAX]
    if not text:
        return posts
    if connections[posts.db].vendor == "postgresql" and text.isascii():
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return posts.annotate(search=search_vector()).filter(search=query)
    matches = Q()
    for field in SEARCH_FIELDS:
        matches |= Q(**{f"{field}__icontains": text})
    return posts.filter(matches)


class PostFilter(django_filters.FilterSet):
    """Feed filters: kind, author, audience team (with its sub-teams), deal, goal, advice."""

    q = django_filters.CharFilter(method="filter_search", max_length=SEARCH_MAX, label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=Post.Kind.choices, label=_("Kind"))
    author = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), label=_("Author"), help_text=_("User id.")
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.none(),
        method="filter_team",
        label=_("Team"),
        help_text=_("Posts addressed to this team or one of its sub-teams."),
    )
    deal = django_filters.NumberFilter(field_name="deal_id", label=_("Deal"))
    goal = django_filters.NumberFilter(field_name="goal_id", label=_("Goal"))
    advice_requested = django_filters.BooleanFilter(
        label=_("Asking for advice"), widget=forms.Select(choices=_ANY_YES_NO)
    )
    unanswered = django_filters.BooleanFilter(
        method="filter_unanswered",
        widget=forms.Select(choices=_ANY_YES_NO),
        label=_("Unanswered"),
        help_text=_("Asking for advice, with no reply from anyone but the author."),
    )

    class Meta:
        model = Post
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, actor: Membership, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.actor = actor
        org_id = actor.organization_id
        self.filters["author"].queryset = User.objects.filter(
            memberships__organization_id=org_id
        ).order_by("name", "username")
        self.filters["team"].queryset = Team.objects.for_org(org_id).order_by("name")

    def filter_search(self, queryset: QuerySet[Post], name: str, value: str) -> QuerySet[Post]:
        return search_posts(queryset, value)

    def filter_team(self, queryset: QuerySet[Post], name: str, value: Team) -> QuerySet[Post]:
        if value is None:
            return queryset
        parent_of = dict(
            Team.objects.for_org(self.actor.organization_id).values_list("id", "parent_id")
        )
        return queryset.filter(team_id__in=descendants([value.pk], parent_of))

    def filter_unanswered(
        self, queryset: QuerySet[Post], name: str, value: bool | None
    ) -> QuerySet[Post]:
        if value is None:
            return queryset
        waiting = Q(advice_requested=True, answered=False)
        return queryset.filter(waiting) if value else queryset.exclude(waiting)


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("Unread only")
    )

    class Meta:
        model = Notification
        fields: list[str] = []
