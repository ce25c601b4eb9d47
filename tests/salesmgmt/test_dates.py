"""Short dates follow the reader's language (salesmgmt/templatetags/dates.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

SATURDAY = date(2026, 12, 5)
AFTERNOON = datetime(2026, 12, 5, 5, 30, tzinfo=UTC)  # 14:30 in Tokyo

CASES = [
    # filter, English, Japanese
    ("month_day", "Dec 5", "12月5日"),
    ("month_day_year", "Dec 5, 2026", "2026年12月5日"),
    ("month_year", "Dec 2026", "2026年12月"),
    ("weekday_month_day", "Sat, Dec 5", "12月5日(土)"),
    ("weekday_month_day_year", "Sat, Dec 5, 2026", "2026年12月5日(土)"),
    ("day_name_month_day", "Saturday, Dec 5", "12月5日(土曜日)"),
    ("day_name_date", "Saturday, Dec. 5, 2026", "2026年12月5日(土曜日)"),
]


def _render(source: str, language: str, value: object) -> str:
    # A datetime shows in the current time zone, as with Django's `date` filter.
    with translation.override(language), timezone.override(ZoneInfo("Asia/Tokyo")):
        return Template("{% load dates %}" + source).render(Context({"d": value}))


@pytest.mark.parametrize(("name", "english", "japanese"), CASES)
def test_each_short_date_reads_the_way_of_its_language(name, english, japanese):
    assert _render(f"{{{{ d|{name} }}}}", "en", SATURDAY) == english
    assert _render(f"{{{{ d|{name} }}}}", "ja", SATURDAY) == japanese


def test_a_time_of_day_is_shown_in_the_current_time_zone():
    assert _render("{{ d|month_day_time }}", "en", AFTERNOON) == "Dec 5, 14:30"
    assert _render("{{ d|month_day_time }}", "ja", AFTERNOON) == "12月5日 14:30"


def test_no_date_gives_nothing():
    assert _render("{{ d|month_day }}|{{ d|day_name_date }}", "ja", None) == "|"
