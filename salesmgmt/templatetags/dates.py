"""Short dates written the reader's way: "Dec 6" / "Dec 6, 2026" in English, "12月6日" /
"2026年12月6日" in Japanese (a fixed format such as "M j" would give "12月 6")."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.template.defaultfilters import date as format_date
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def month_day(value: date | None) -> Any:
    # Translators: a date format (Django's `date` filter letters): month and day.
    return format_date(value, pgettext("date format", "M j"))


@register.filter
def month_day_year(value: date | None) -> Any:
    # Translators: a date format (Django's `date` filter letters): month, day and year.
    return format_date(value, pgettext("date format", "M j, Y"))
