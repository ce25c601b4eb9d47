"""Reads of the motivation app shared by its pages and API (and, later, the dashboards)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from accounts.models import Membership
from motivation import access
from motivation.filters import CheckInFilter
from motivation.models import CheckIn
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
