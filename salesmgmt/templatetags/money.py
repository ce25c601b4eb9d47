"""Amounts of money in the reader's language: `{{ deal.amount|money:current_org.currency }}`.

Babel formats with the currency's own digits (yen without decimals, dollars with cents) and
the language's symbol placement and separators: ¥1,500,000 in English, ￥1,500,000 in
Japanese, $1,234.50 for USD.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.core import UnknownLocaleError
from babel.numbers import UnknownCurrencyError, format_currency, format_decimal
from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils import translation

register = template.Library()


def format_money(value: Any, currency: str, language: str | None = None) -> str:
    """`value` in `currency`, as a reader of `language` (default: the active one) expects."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    try:
        return format_currency(amount, currency, locale=translation.to_locale(language))
    except (UnknownLocaleError, UnknownCurrencyError, ValueError):
        return f"{amount:,} {currency}"


@register.filter
def money(value: Any, currency: str) -> str:
    return format_money(value, currency)


@register.filter
def measure(value: Any, metric: Any) -> str:
    """A goal's number as its metric counts it: amounts to the currency's minor unit with the
    language's grouping (¥51,024,591 has no sen; $1,234.50), counts to at most two decimals
    (a pace of 3.33 visits a day)."""
    if value is None or value == "":
        return ""
    unit = getattr(metric, "unit", "count")
    if unit == "count" and getattr(metric, "decimal_places", 0) == 0:
        return str(floatformat(value, "-2g"))
    try:
        amount = Decimal(str(value)).quantize(metric.quantum, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, AttributeError):
        return str(value)
    language = translation.get_language() or settings.LANGUAGE_CODE
    places = max(-amount.as_tuple().exponent, 0)  # type: ignore[operator]
    pattern = "#,##0" + ("." + "0" * places if places else "")
    try:
        return format_decimal(amount, format=pattern, locale=translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return f"{amount:,}"
