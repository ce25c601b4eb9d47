"""Reads of the motivation app shared by its pages and API (and, later, the dashboards)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.db.models import Max, Prefetch, Q, QuerySet

from accounts.models import Membership
from motivation import access
from motivation.filters import CheckInFilter, KudosFilter, OneOnOneFilter
from motivation.models import ActionItem, CheckIn, Kudos, OneOnOne
from salesmgmt import periods


def checkins_for(actor: Membership) -> QuerySet[CheckIn]:
    """The check-ins the actor may read, newest week first, with their people."""
    return access.checkins_visible_to(actor).select_related("user").order_by("-week_start", "-id")


def filter_checkins(
    actor: Membership, params: Mapping[str, Any] | None, queryset: QuerySet[CheckIn] | None = None
) -> CheckInFilter:
    """The check-ins FilterSet, bound to `params` (its `.qs` is the filtered list)."""
    base = checkins_for(actor) if queryset is None else queryset
    return CheckInFilter(params if params is not None else {}, queryset=base, actor=actor)


def my_checkin_this_week(actor: Membership) -> CheckIn | None:
    """The actor's check-in for the current organisation week, if any."""
    org = actor.organization
    week = periods.week_of(org, periods.today(org))
    return CheckIn.objects.for_org(org).filter(user_id=actor.user_id, week_start=week.start).first()


def one_on_ones_for(actor: Membership) -> QuerySet[OneOnOne]:
    """The 1:1s the actor may read, latest first, with the pair, items and proposed points."""
    return (
        access.one_on_ones_visible_to(actor)
        .select_related("manager", "member")
        .prefetch_related(
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner")),
            "proposed_points__author",
        )
        .order_by("-date", "-id")
    )


def filter_one_on_ones(
    actor: Membership,
    params: Mapping[str, Any] | None,
    queryset: QuerySet[OneOnOne] | None = None,
) -> OneOnOneFilter:
    base = one_on_ones_for(actor) if queryset is None else queryset
    return OneOnOneFilter(params if params is not None else {}, queryset=base, actor=actor)


def with_items(one_on_ones: list[OneOnOne]) -> list[OneOnOne]:
    """Give each 1:1 `items`: its own action items, then the pair's items still open from
    earlier 1:1s (`carried_over`). One query for any number of 1:1s."""
    if not one_on_ones:
        return one_on_ones
    pairs = Q()
    for one in one_on_ones:
        pairs |= Q(one_on_one__manager_id=one.manager_id, one_on_one__member_id=one.member_id)
    latest = max(one.date for one in one_on_ones)
    open_items = list(
        ActionItem.objects.filter(
            pairs,
            done=False,
            one_on_one__organization_id=one_on_ones[0].organization_id,
            one_on_one__date__lte=latest,
        )
        .select_related("owner", "one_on_one")
        .order_by("due", "id")
    )
    for one in one_on_ones:
        own = list(one.action_items.all())
        for item in own:
            item.carried_over = False  # type: ignore[attr-defined]
        carried = [
            item
            for item in open_items
            if item.one_on_one.manager_id == one.manager_id
            and item.one_on_one.member_id == one.member_id
            and (item.one_on_one.date, item.one_on_one_id) < (one.date, one.pk)
        ]
        for item in carried:
            item.carried_over = True  # type: ignore[attr-defined]
        one.items = own + carried  # type: ignore[attr-defined]
    return one_on_ones


def item_of(one_on_one: OneOnOne, item_id: int) -> ActionItem | None:
    """One of the 1:1's items (its own, or one carried over to it), or None."""
    items: list[ActionItem] = with_items([one_on_one])[0].items  # type: ignore[attr-defined]
    return next((item for item in items if item.pk == item_id), None)


def kudos_for(actor: Membership) -> QuerySet[Kudos]:
    """The organisation's kudos, newest first, with giver and receiver."""
    return (
        access.kudos_visible_to(actor)
        .select_related("from_user", "to_user")
        .order_by("-created_at", "-id")
    )


def filter_kudos(
    actor: Membership, params: Mapping[str, Any] | None, queryset: QuerySet[Kudos] | None = None
) -> KudosFilter:
    base = kudos_for(actor) if queryset is None else queryset
    return KudosFilter(params if params is not None else {}, queryset=base, actor=actor)


def alerts_visible_to(actor: Membership) -> list[Any]:
    """The alerts of the people the actor watches (managers: their teams'; admins: all)."""
    from motivation import alerts, services

    current = services.settings_for(actor.organization_id)
    return alerts.alerts_for(
        actor.organization,
        alerts.watched_people(actor),
        one_on_one_days=current.one_on_one_days,
    )


def kudos_about_deal(actor: Membership, deal: Any, *, limit: int) -> list[Kudos]:
    """The latest kudos tied to a deal (the deal page's panel)."""
    return list(kudos_for(actor).filter(deal_id=deal.pk)[:limit])


def last_checkins(org_id: int, user_ids: Iterable[int]) -> dict[int, date]:
    """Each person's latest check-in date (for the team dashboard's `last_checkin`; one
    query). The caller shows it only to those who may see the person's numbers."""
    return dict(
        CheckIn.objects.for_org(org_id)
        .filter(user_id__in=list(user_ids))
        .values("user_id")
        .annotate(last=Max("date"))
        .values_list("user_id", "last")
    )


def last_one_on_ones(
    org_id: int, user_ids: Iterable[int], *, today: date | None = None
) -> dict[int, date]:
    """Each person's latest 1:1 that has taken place (by `today`, when given); one query."""
    held = OneOnOne.objects.for_org(org_id).filter(member_id__in=list(user_ids))
    if today is not None:
        held = held.filter(date__lte=today)
    return dict(
        held.values("member_id").annotate(last=Max("date")).values_list("member_id", "last")
    )


def kudos_received(org: Any, user_id: int, *, start: date, end: date) -> int:
    """Kudos the person received over local dates [start, end]."""
    return (
        Kudos.objects.for_org(org)
        .filter(
            to_user_id=user_id,
            created_at__gte=periods.local_midnight(org, start),
            created_at__lt=periods.local_midnight(org, end + timedelta(days=1)),
        )
        .count()
    )


def one_on_ones_held(org: Any, user_id: int, *, start: date, end: date, today: date) -> int:
    """1:1s the person had (as member or manager) over [start, end], up to today."""
    return (
        OneOnOne.objects.for_org(org)
        .filter(Q(member_id=user_id) | Q(manager_id=user_id))
        .filter(date__gte=start, date__lte=min(end, today))
        .count()
    )
