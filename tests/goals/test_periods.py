"""The organisation calendar: periods partition time, working days, fiscal boundaries."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmgmt import periods


@dataclass
class Calendar:
    timezone: str = "Asia/Tokyo"
    week_start: int = 0
    fiscal_year_start_month: int = 4
    country: str = "JP"
    pk: int | None = None


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@settings(max_examples=200, deadline=None)
@given(
    day=days,
    week_start=st.integers(0, 6),
    fiscal=st.integers(1, 12),
    kind=st.sampled_from(periods.PERIOD_KINDS),
)
def test_every_day_lies_in_exactly_one_period_and_neighbours_touch(day, week_start, fiscal, kind):
    cal = Calendar(week_start=week_start, fiscal_year_start_month=fiscal)
    period = periods.period_of(cal, kind, day)
    assert period.start <= day < period.end
    # the period is the same from any of its days, and the next one starts where it ends
    assert periods.period_of(cal, kind, period.start) == period
    assert periods.period_of(cal, kind, period.last) == period
    assert periods.period_of(cal, kind, period.end).start == period.end
    assert periods.period_of(cal, kind, period.start - timedelta(days=1)).end == period.start


@settings(max_examples=100, deadline=None)
@given(
    start=days,
    length=st.integers(1, 400),
    week_start=st.integers(0, 6),
    fiscal=st.integers(1, 12),
    grain=st.sampled_from(["day", "week", "month", "quarter"]),
)
def test_split_covers_a_period_without_gap_or_overlap(start, length, week_start, fiscal, grain):
    cal = Calendar(week_start=week_start, fiscal_year_start_month=fiscal)
    whole = periods.Period(start, start + timedelta(days=length))
    parts = periods.split(cal, whole, grain)
    assert parts[0].start == whole.start
    assert parts[-1].end == whole.end
    for before, after in itertools.pairwise(parts):
        assert before.end == after.start
    assert sum(len(p.days()) for p in parts) == length


@pytest.mark.parametrize(
    ("fiscal", "day", "start", "end"),
    [
        (4, date(2026, 3, 31), date(2025, 4, 1), date(2026, 4, 1)),
        (4, date(2026, 4, 1), date(2026, 4, 1), date(2027, 4, 1)),
        (1, date(2026, 12, 31), date(2026, 1, 1), date(2027, 1, 1)),
        (10, date(2026, 9, 30), date(2025, 10, 1), date(2026, 10, 1)),
    ],
)
def test_fiscal_year_follows_the_start_month(fiscal, day, start, end):
    assert periods.fiscal_year_of(Calendar(fiscal_year_start_month=fiscal), day) == periods.Period(
        start, end
    )


def test_fiscal_quarters_of_an_april_year():
    cal = Calendar(fiscal_year_start_month=4)
    assert periods.fiscal_quarter_of(cal, date(2026, 5, 15)) == periods.Period(
        date(2026, 4, 1), date(2026, 7, 1)
    )
    assert periods.fiscal_quarter_of(cal, date(2027, 2, 1)) == periods.Period(
        date(2027, 1, 1), date(2027, 4, 1)
    )
    assert periods.fiscal_quarter_label(cal, date(2027, 2, 1)) == "FY2026 Q4"


def test_a_week_crossing_a_month_end_is_one_week():
    cal = Calendar(week_start=0)
    week = periods.week_of(cal, date(2026, 4, 30))  # Thursday
    assert week == periods.Period(date(2026, 4, 27), date(2026, 5, 4))
    assert [p.start for p in periods.split(cal, periods.month_of(date(2026, 5, 1)), "week")][
        :2
    ] == [
        date(2026, 5, 1),
        date(2026, 5, 4),
    ]


def test_sunday_start_weeks():
    cal = Calendar(week_start=6)
    assert periods.week_of(cal, date(2026, 11, 28)).start == date(2026, 11, 22)  # a Saturday
    assert periods.week_of(cal, date(2026, 11, 29)).start == date(2026, 11, 29)  # a Sunday


def test_local_date_is_half_open_at_local_midnight_across_dst():
    cal = Calendar(timezone="America/New_York")
    # 2026-03-08 02:00 local: clocks jump to 03:00. Midnight boundaries still hold.
    just_before = datetime(2026, 3, 8, 4, 59, 59, tzinfo=UTC)  # 23:59:59 EST on the 7th
    at_midnight = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST on the 8th
    assert periods.local_date(cal, just_before) == date(2026, 3, 7)
    assert periods.local_date(cal, at_midnight) == date(2026, 3, 8)
    # the 9th starts at 04:00 UTC (EDT): a 23-hour day
    day_start = periods.local_midnight(cal, date(2026, 3, 8)).astimezone(UTC)
    next_start = periods.local_midnight(cal, date(2026, 3, 9)).astimezone(UTC)
    assert next_start - day_start == timedelta(hours=23)


def test_month_end_boundary_in_tokyo():
    cal = Calendar(timezone="Asia/Tokyo")
    last_second = datetime(2026, 4, 30, 14, 59, 59, tzinfo=UTC)  # 23:59:59 JST
    first_second = datetime(2026, 4, 30, 15, 0, tzinfo=UTC)  # 00:00 JST, 1 May
    assert periods.local_date(cal, last_second) in periods.month_of(date(2026, 4, 1))
    assert periods.local_date(cal, first_second) in periods.month_of(date(2026, 5, 1))


def test_working_days_skip_weekends_and_japanese_public_holidays():
    cal = Calendar(country="JP")
    golden_week = periods.Period(date(2026, 4, 27), date(2026, 5, 8))
    working = periods.working_days(cal, golden_week)
    assert date(2026, 4, 29) not in working  # Showa Day
    assert date(2026, 5, 4) not in working  # Greenery Day
    assert date(2026, 5, 2) not in working  # Saturday
    assert date(2026, 4, 28) in working


@pytest.mark.django_db
def test_organisation_days_off_are_not_working_days(org):
    from accounts.models import DayOff

    month = periods.month_of(date(2026, 6, 1))
    before = periods.working_days(org, month)
    DayOff.objects.create(organization=org, date=date(2026, 6, 10), name="Company retreat")
    after = periods.working_days(org, month)
    assert set(before) - set(after) == {date(2026, 6, 10)}


def test_working_day_count_elapsed_and_left():
    cal = Calendar(country="JP")
    week = periods.Period(date(2026, 6, 1), date(2026, 6, 8))  # Mon..Sun, no holidays
    count = periods.working_day_count(cal, week, date(2026, 6, 3))
    assert (count.total, count.elapsed, count.left) == (5, 3, 3)
