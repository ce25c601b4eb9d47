"""Short dates follow the reader's language (salesmgmt/templatetags/dates.py)."""

from __future__ import annotations

from datetime import date

from django.template import Context, Template
from django.utils import translation

TEMPLATE = Template(
    "{% load dates %}{{ d|month_day }} / {{ d|month_day_year }} / {{ n|month_day }}"
)


def _render(language: str) -> str:
    with translation.override(language):
        return TEMPLATE.render(Context({"d": date(2026, 12, 6), "n": None}))


def test_english_dates_read_month_then_day():
    assert _render("en") == "Dec 6 / Dec 6, 2026 / "


def test_japanese_dates_read_year_month_day_with_their_units():
    assert _render("ja") == "12月6日 / 2026年12月6日 / "
