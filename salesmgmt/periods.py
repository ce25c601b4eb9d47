"""The one place that knows the organisation's calendar: local dates, weeks and months.

An activity counts on its *local* date in the organisation's time zone; weeks start on
the organisation's week start day. Periods are half-open in spirit (`start` inclusive,
`end` exclusive) but returned with an inclusive `last` day for display and the API.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from django.utils import timezone


class HasCalendar(Protocol):
    timezone: str
    week_start: int
    fiscal_year_start_month: int


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # exclusive

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]


def tz(org: HasCalendar) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(org.timezone)


def now(org: HasCalendar) -> datetime:
    """The current moment in the organisation's time zone."""
    return timezone.now().astimezone(tz(org))


def today(org: HasCalendar) -> date:
    return now(org).date()


def local_date(org: HasCalendar, moment: datetime) -> date:
    """The organisation-local calendar date on which `moment` happened."""
    if timezone.is_naive(moment):
        raise ValueError("local_date needs an aware datetime")
    return moment.astimezone(tz(org)).date()


def local_midnight(org: HasCalendar, day: date) -> datetime:
    """The aware datetime at which `day` starts in the organisation's time zone."""
    return datetime(day.year, day.month, day.day, tzinfo=tz(org))


def week_of(org: HasCalendar, day: date) -> Period:
    """The organisation week (starting on its week start day) that contains `day`."""
    offset = (day.weekday() - org.week_start) % 7
    start = day - timedelta(days=offset)
    return Period(start, start + timedelta(days=7))


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    end = date(start.year + 1, 1, 1) if start.month == 12 else date(start.year, start.month + 1, 1)
    return Period(start, end)


def period_start(org: HasCalendar, day: date, grain: str) -> date:
    """The first day of the `grain` ("day", "week" or "month") period containing `day`."""
    if grain == "day":
        return day
    if grain == "week":
        return week_of(org, day).start
    if grain == "month":
        return month_of(day).start
    raise ValueError(f"unknown grain: {grain}")
