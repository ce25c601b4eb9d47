"""Display helpers of the dashboard pages: goal statuses, percentages, period links."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from goals import status as goal_status
from motivation import alerts

register = template.Library()

PERIOD_LABELS = {"week": _("Week"), "month": _("Month"), "quarter": _("Quarter")}


@register.filter
def status_label(status: str) -> str:
    return goal_status.label_of(status)


@register.filter
def status_badge(status: str) -> str:
    return goal_status.badge_of(status)


@register.filter
def alert_label(kind: str) -> str:
    return str(alerts.KIND_LABELS.get(kind, kind))


@register.filter
def alert_badge(kind: str) -> str:
    return alerts.KIND_BADGES.get(kind, "text-bg-light")


@register.filter
def percent(ratio: Any) -> str:
    """0.873 → "87%"; None (no pace yet) → "—"."""
    if ratio is None:
        return "—"
    return f"{round(float(ratio) * 100)}%"


@register.filter
def bar_value(ratio: Any) -> str:
    """A <progress> value in [0, 1] (attainment beyond 100% fills the bar)."""
    return f"{min(max(float(ratio or 0), 0.0), 1.0):.4f}"


@register.simple_tag
def period_query(kind: str, day: date) -> str:
    """The query string of a dashboard period: ?period=…&date=…"""
    return "?" + urlencode({"period": kind, "date": day.isoformat()})


@register.simple_tag
def period_tabs(nav: Any) -> list[tuple[str, str, bool]]:
    """(kind, label, active) for the week / month / quarter tabs."""
    return [(kind, str(label), kind == nav.kind) for kind, label in PERIOD_LABELS.items()]


@register.filter
def column_name(columns: Any, index: int) -> str:
    """The name of the `index`-th (key, name) column: a cell's label when a table is read as
    cards on a phone."""
    try:
        return str(columns[index][1])
    except (IndexError, TypeError, KeyError):
        return ""


@register.filter
def column_title(columns: Any, index: int) -> str:
    """The title of the `index`-th overview column (a goal metric), as a cell's label."""
    try:
        return str(columns[index].title)
    except (IndexError, TypeError, AttributeError):
        return ""


@register.filter
def nth(items: Any, index: int) -> Any:
    """The `index`-th item of a list (None past its end)."""
    try:
        return items[index]
    except (IndexError, TypeError, KeyError):
        return None
