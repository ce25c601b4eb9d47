"""Short dates follow the reader's language (salesmgmt/templatetags/dates.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import timezone, translation

TEMPLATE = Template(
    "{% load dates %}{{ d|month_day }} / {{ d|month_day_year }} / {{ t|month_day_time }}"
    " / {{ d|month_year }} / {{ n|month_day }}"
)


def _render(language: str) -> str:
    # A datetime shows in the current time zone, as with Django's `date` filter.
    with translation.override(language), timezone.override(ZoneInfo("Asia/Tokyo")):
        return TEMPLATE.render(
            Context(
                {"d": date(2026, 12, 6), "t": datetime(2026, 12, 6, 14, 30, tzinfo=UTC), "n": None}
            )
        )


def test_english_dates_read_month_then_day():
    assert _render("en") == "Dec 6 / Dec 6, 2026 / Dec 6, 23:30 / Dec 2026 / "


def test_japanese_dates_read_year_month_day_with_their_units():
    assert _render("ja") == "12月6日 / 2026年12月6日 / 12月6日 23:30 / 2026年12月 / "
