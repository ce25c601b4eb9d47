"""Amounts of money in the reader's language: `{{ deal.amount|money:current_org.currency }}`.

Babel formats with the currency's own digits (yen without decimals, dollars with cents) and
the language's symbol placement and separators: ¥1,500,000 in English, ￥1,500,000 in
Japanese, $1,234.50 for USD.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.core import UnknownLocaleError
from babel.numbers import UnknownCurrencyError, format_currency
from django import template
from django.conf import settings
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
