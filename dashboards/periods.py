"""The period of every dashboard, pages and API alike: `?period=week|month|quarter&date=`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from salesmgmt.api import SupportedDateField

PERIOD_CHOICES = ("week", "month", "quarter")


class PeriodQuerySerializer(serializers.Serializer):
    """`?period=week|month|quarter&date=YYYY-MM-DD` of every dashboard, API and pages alike."""

    period = serializers.ChoiceField(
        choices=PERIOD_CHOICES,
        default="month",
        error_messages={"invalid_choice": gettext_lazy("Use week, month or quarter.")},
    )
    date = SupportedDateField(
        required=False, help_text=gettext_lazy("A day in the period; default today.")
    )


def parse_period(params: Any) -> tuple[str, date | None]:
    """`period` (week, month or quarter) and optional `date` from a query string.

    Raises DRF's ValidationError (a 400) when either is bad; an empty parameter counts as
    absent, as a cleared date input sends it.
    """
    given = {name: params.get(name) for name in ("period", "date") if params.get(name)}
    query = PeriodQuerySerializer(data=given)
    query.is_valid(raise_exception=True)
    return query.validated_data["period"], query.validated_data.get("date")
