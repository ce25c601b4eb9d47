"""Money as the reader expects it: the currency's digits, the language's symbol and separators."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from salesmgmt.templatetags.money import format_money


@pytest.mark.parametrize(
    ("value", "currency", "language", "expected"),
    [
        (Decimal("1500000"), "JPY", "en", "¥1,500,000"),
        (Decimal("1500000.40"), "JPY", "en", "¥1,500,000"),  # yen has no decimals
        (Decimal("1500000"), "JPY", "ja", "￥1,500,000"),
        (Decimal("1234.5"), "USD", "en", "$1,234.50"),
        (Decimal("1234.5"), "EUR", "en", "€1,234.50"),
        (0, "JPY", "en", "¥0"),
        ("98000", "JPY", "en", "¥98,000"),
    ],
)
def test_amounts_follow_the_currency_and_the_language(value, currency, language, expected):
    assert format_money(value, currency, language) == expected


def test_nothing_to_show_is_empty_and_an_unknown_currency_shows_its_code():
    assert format_money(None, "JPY", "en") == ""
    assert format_money("", "JPY", "en") == ""
    assert format_money(Decimal("1200"), "ZZZ", "en") == "ZZZ1,200.00"  # CLDR's default


def test_the_filter_uses_the_active_language():
    template = Template("{% load money %}{{ amount|money:'JPY' }}")
    with translation.override("ja"):
        assert template.render(Context({"amount": Decimal("2500000")})) == "￥2,500,000"
    with translation.override("en"):
        assert template.render(Context({"amount": Decimal("2500000")})) == "¥2,500,000"
