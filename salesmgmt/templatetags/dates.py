"""Short dates written the reader's way.

"Dec 6", "Dec 6, 2026", "Dec 6, 14:30" and "Dec 2026" in English; "12月6日", "2026年12月6日",
"12月6日 14:30" and "2026年12月" in Japanese (a fixed format such as "M j" would give "12月 6");
weekdays after the date in Japanese: "Sat, Dec 5" / "12月5日(土)".
Each filter calls Django's `date` filter with the format the catalogue gives; datetimes are
shown in the current time zone unless already converted (as with `date`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.template.defaultfilters import date as format_date
from django.utils.translation import pgettext

register = template.Library()


@register.filter(expects_localtime=True)
def month_day(value: date | None) -> Any:
    # Translators: a date format (Django's `date` filter letters): month and day.
    return format_date(value, pgettext("date format", "M j"))


@register.filter(expects_localtime=True)
def month_day_year(value: date | None) -> Any:
    # Translators: a date format (Django's `date` filter letters): month, day and year.
    return format_date(value, pgettext("date format", "M j, Y"))


@register.filter(expects_localtime=True)
def month_day_time(value: date | None) -> Any:
    # Translators: a date format (Django's `date` filter letters): month, day, hours:minutes.
    return format_date(value, pgettext("date format", "M j, H:i"))


@register.filter(expects_localtime=True)
def month_year(value: date | None) -> Any:
    # Translators: a date format (Django's `date` filter letters): month and year.
    return format_date(value, pgettext("date format", "M Y"))


@register.filter(expects_localtime=True)
def weekday_month_day(value: date | None) -> Any:
    # Translators: a date format (Django's `date` filter letters): short weekday, month, day.
    return format_date(value, pgettext("date format", "D, M j"))


@register.filter(expects_localtime=True)
def weekday_month_day_year(value: date | None) -> Any:
    # Translators: a date format (Django's `date` filter letters): short weekday and the date.
    return format_date(value, pgettext("date format", "D, M j, Y"))


@register.filter(expects_localtime=True)
def day_name_month_day(value: date | None) -> Any:
    # Translators: a date format (Django's `date` filter letters): weekday, month and day.
    return format_date(value, pgettext("date format", "l, M j"))


@register.filter(expects_localtime=True)
def day_name_date(value: date | None) -> Any:
    # Translators: a date format (Django's `date` filter letters): weekday and the full date.
    return format_date(value, pgettext("date format", "l, N j, Y"))
