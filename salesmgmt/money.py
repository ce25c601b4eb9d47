"""Amounts in a currency's minor unit (ISO 4217, from Babel's CLDR data).

Yen have no minor unit, dollars and euros have cents. Amounts are stored to the cent, so a
currency with finer units (the Bahraini dinar's fils) is held to two decimals. Pages, forms,
CSV files and splits all go through these helpers: an amount is shown, written and accepted
with the currency's own number of decimals.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.numbers import get_currency_precision
from django.utils.translation import gettext as _

STORED_PLACES = 2  # deals and goals keep amounts to the cent


def minor_digits(currency: str) -> int:
    """How many decimals an amount in `currency` has: 0 for JPY, 2 for USD and EUR."""
    try:
        return min(get_currency_precision((currency or "").upper()), STORED_PLACES)
    except (LookupError, ValueError, TypeError):
        return STORED_PLACES


def quantum(currency: str) -> Decimal:
    """The currency's smallest amount: 1 for JPY, 0.01 for USD."""
    return Decimal(1).scaleb(-minor_digits(currency))


def quantize(value: Any, currency: str) -> Decimal:
    """`value` rounded (half up) to the currency's minor unit."""
    return Decimal(str(value)).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def plain(value: Any, currency: str) -> str:
    """A plain decimal for a file (no grouping, no symbol): "1500000" for yen, "12.50" for
    dollars; "" for no value."""
    if value is None or value == "":
        return ""
    try:
        return f"{quantize(value, currency):f}"
    except (InvalidOperation, ValueError):
        return str(value)


def has_finer_digits(amount: Decimal, currency: str) -> bool:
    """Whether `amount` has more (non-zero) decimals than `currency` allows: 1.5 yen, 1.234
    dollars. 1500000.00 yen is fine."""
    return amount != amount.quantize(quantum(currency))


def finer_digits_message(currency: str) -> str:
    """The form error / 400 detail for an amount with more decimals than the currency has."""
    places = minor_digits(currency)
    if places == 0:
        return _("Amounts in %(currency)s have no decimals.") % {"currency": currency}
    return _("Amounts in %(currency)s have at most %(places)d decimals.") % {
        "currency": currency,
        "places": places,
    }
