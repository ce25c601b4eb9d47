"""The one place that knows the organisation's calendar: local dates, weeks and months.

An activity counts on its *local* date in the organisation's time zone; weeks start on
the organisation's week start day. Periods are half-open in spirit (`start` inclusive,
`end` exclusive) but returned with an inclusive `last` day for display and the API.
"""

from __future__ import annotations

import zoneinfo
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

# --- the supported calendar ----------------------------------------------------------------

# Every date the product takes in, from any page, API call or query string, lies in these
# hundred years. Sales plans and records sit within a few decades of today, so nothing real
# is refused; and the wide margin to Python's years 1-9999 keeps every date derived from an
# accepted one computable: the day after a goal's last day, the fiscal year (or week) that
# contains a day, the UTC instant of a local midnight, the public holidays of its years.
FIRST_SUPPORTED_DATE = date(2000, 1, 1)
LAST_SUPPORTED_DATE = date(2099, 12, 31)


def is_supported_date(day: date) -> bool:
    """True when `day` (or a date-time's own calendar date) lies in the supported range."""
    if isinstance(day, datetime):
        day = day.date()
    return FIRST_SUPPORTED_DATE <= day <= LAST_SUPPORTED_DATE


def validate_supported_date(value: date) -> None:
    """Validator for form and API fields: refuse a date outside the supported range.

    A date-time is judged by its calendar date in the time zone it carries (fields read
    date-times in the organisation's time zone, so that is its local date).
    """
    if not is_supported_date(value):
        raise ValidationError(
            gettext_lazy("Enter a date between %(first)s and %(last)s."),
            code="unsupported_date",
            params={
                "first": FIRST_SUPPORTED_DATE.isoformat(),
                "last": LAST_SUPPORTED_DATE.isoformat(),
            },
        )


# --- the one limit on a filter's date range --------------------------------------------------

# Every list, export and statistic filtered by `from`/`to` (pages and API alike) spans at most
# three years, both ends included: long enough for any year-on-year look, short enough that
# no request walks the whole history.
MAX_FILTER_RANGE_DAYS = 1096


def validate_filter_range(start: date | None, end: date | None) -> None:
    """Refuse a reversed range, or one longer than MAX_FILTER_RANGE_DAYS (ends inclusive).

    An open end (None) is not checked. Raises ValidationError (code `range_reversed` or
    `range_too_long`); forms report it on their `to` field, the API as a 400 on `to`.
    """
    if start is None or end is None:
        return
    if start > end:
        raise ValidationError(
            gettext_lazy("The start date is after the end date."), code="range_reversed"
        )
    if (end - start).days + 1 > MAX_FILTER_RANGE_DAYS:
        raise ValidationError(
            gettext_lazy("Choose a period of at most %(days)d days (three years)."),
            code="range_too_long",
            params={"days": MAX_FILTER_RANGE_DAYS},
        )


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


# --- fiscal calendar ------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def fiscal_year_of(org: HasCalendar, day: date) -> Period:
    """The fiscal year containing `day` (it starts on the 1st of the fiscal start month)."""
    start_year = day.year if day.month >= org.fiscal_year_start_month else day.year - 1
    start = date(start_year, org.fiscal_year_start_month, 1)
    return Period(start, _add_months(start, 12))


def fiscal_half_of(org: HasCalendar, day: date) -> Period:
    year = fiscal_year_of(org, day)
    second = _add_months(year.start, 6)
    return Period(year.start, second) if day < second else Period(second, year.end)


def fiscal_quarter_of(org: HasCalendar, day: date) -> Period:
    year = fiscal_year_of(org, day)
    months = (day.year * 12 + day.month) - (year.start.year * 12 + year.start.month)
    start = _add_months(year.start, (months // 3) * 3)
    return Period(start, _add_months(start, 3))


def fiscal_quarter_label(org: HasCalendar, day: date) -> str:
    """E.g. "FY2026 Q3" (a fiscal year is named after the calendar year it starts in)."""
    year = fiscal_year_of(org, day)
    quarter = fiscal_quarter_of(org, day)
    number = (
        (quarter.start.year * 12 + quarter.start.month) - (year.start.year * 12 + year.start.month)
    ) // 3 + 1
    return f"FY{year.start.year} Q{number}"


PERIOD_KINDS = ("day", "week", "month", "quarter", "half", "year")


def period_of(org: HasCalendar, kind: str, day: date) -> Period:
    """The organisation's `kind` period (day/week/month/quarter/half/year) containing `day`."""
    if kind == "day":
        return Period(day, day + timedelta(days=1))
    if kind == "week":
        return week_of(org, day)
    if kind == "month":
        return month_of(day)
    if kind == "quarter":
        return fiscal_quarter_of(org, day)
    if kind == "half":
        return fiscal_half_of(org, day)
    if kind == "year":
        return fiscal_year_of(org, day)
    raise ValueError(f"unknown period kind: {kind}")


def kind_of(org: HasCalendar, period: Period) -> str | None:
    """The kind (day, week, month, quarter, half or year) of a whole calendar period of the
    organisation, or None for any other span (e.g. a goal of custom dates)."""
    for kind in PERIOD_KINDS:
        if period_of(org, kind, period.start) == period:
            return kind
    return None


def shift(org: HasCalendar, period: Period, kind: str, steps: int) -> Period:
    """The `kind` period `steps` before (negative) or after the one starting at period.start."""
    current = period_of(org, kind, period.start)
    for _ in range(abs(steps)):
        anchor = current.end if steps > 0 else current.start - timedelta(days=1)
        current = period_of(org, kind, anchor)
    return current


def split(org: HasCalendar, period: Period, grain: str) -> list[Period]:
    """`period` cut into consecutive `grain` periods, the first and last clipped to it."""
    parts: list[Period] = []
    cursor = period.start
    while cursor < period.end:
        whole = period_of(org, grain, cursor)
        end = min(whole.end, period.end)
        parts.append(Period(cursor, end))
        cursor = end
    return parts


# --- working days -------------------------------------------------------------------------


class HasCountry(HasCalendar, Protocol):
    country: str

    @property
    def pk(self) -> int | None: ...


@lru_cache(maxsize=512)
def public_holidays(country: str, year: int) -> frozenset[date]:
    """The public holidays of `country` in `year` (none for a country the `holidays` package
    does not know). Fixed once published, so kept for the life of the process."""
    import holidays

    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:
        return frozenset()


def org_days_off(org: HasCountry, period: Period) -> set[date]:
    """Public holidays of the organisation's country plus its own days off, in `period`."""
    from accounts.models import DayOff

    off = {
        day
        for year in range(period.start.year, period.last.year + 1)
        for day in public_holidays(org.country, year)
        if day in period
    }
    if org.pk is not None:
        off |= set(
            DayOff.objects.filter(
                organization_id=org.pk, date__gte=period.start, date__lt=period.end
            ).values_list("date", flat=True)
        )
    return off


def working_days(org: HasCountry, period: Period, days_off: set[date] | None = None) -> list[date]:
    """Monday to Friday days of `period` that are neither public holidays nor days off."""
    off = org_days_off(org, period) if days_off is None else days_off
    return [day for day in period.days() if day.weekday() < 5 and day not in off]


@lru_cache(maxsize=4096)
def _working_days_between(start: date, end: date, off: frozenset[date]) -> tuple[date, ...]:
    return tuple(
        day
        for day in (start + timedelta(days=i) for i in range((end - start).days))
        if day.weekday() < 5 and day not in off
    )


def working_days_of(period: Period, days_off: set[date] | frozenset[date]) -> tuple[date, ...]:
    """`working_days` for a known set of days off, remembered per (period, its days off):
    goals cascaded to a team's people share their dates, and a year's goal has 365 days."""
    off = frozenset(day for day in days_off if day in period)
    return _working_days_between(period.start, period.end, off)


def count_until(days: tuple[date, ...], on: date) -> tuple[int, int]:
    """Of sorted `days`: how many are on or before `on`, and how many on or after it."""
    return bisect_right(days, on), len(days) - bisect_left(days, on)


@dataclass(frozen=True)
class WorkingDayCount:
    total: int
    elapsed: int  # working days before `on`, plus `on` itself when it is a working day
    left: int  # working days from `on` (inclusive) to the period's end


def working_day_count(org: HasCountry, period: Period, on: date) -> WorkingDayCount:
    """How many working days `period` has, how many have passed by `on` and how many remain."""
    days = working_days(org, period)
    elapsed = sum(1 for day in days if day <= on)
    left = sum(1 for day in days if day >= on)
    return WorkingDayCount(total=len(days), elapsed=elapsed, left=left)
