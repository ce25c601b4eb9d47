"""Chart data of the dashboard pages, shaped for static/js/dashboard.js.

Each builder turns numbers a selector already computed into a small JSON-able dict (no
queries here). The page embeds it with `json_script` and the script draws it; a builder
returns None when there is nothing to draw, and the page shows an empty state instead.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from dashboards.selectors import MemberDashboard, OrgOverview, TeamDashboard
from salesmgmt.templatetags.dates import month_day


def _week_label(day: date) -> str:
    return str(month_day(day))  # "Dec 6" / "12月6日", as the pages write dates


def _percent(actual: Decimal, target: Decimal) -> float | None:
    return round(float(actual / target) * 100, 1) if target else None


def team_charts(board: TeamDashboard) -> dict[str, dict[str, Any] | None]:
    """The team page's three charts: weekly attainment, funnel, pipeline by stage."""
    return {
        "trend": _trend(board),
        "funnel": _funnel(board),
        "pipeline": _pipeline(board),
    }


def _trend(board: TeamDashboard) -> dict[str, Any] | None:
    """Each team goal's attainment of each week's target; weeks not started stay empty, and
    without a single number to draw there is no chart (the board says why)."""
    weeks = sorted({week for _line, series in board.weekly_trend for week, _t, _a in series})
    series = []
    for line, points in board.weekly_trend:
        by_week = {
            week: None if actual is None else _percent(actual, target)
            for week, target, actual in points
        }
        series.append(
            {
                "label": line.goal.title or line.goal.metric.name,
                "data": [by_week.get(week) for week in weeks],
            }
        )
    if not any(value is not None for item in series for value in item["data"]):
        return None
    return {
        "kind": "trend",
        "labels": [_week_label(week) for week in weeks],
        "series": series,
        "axisLabel": _("Attainment of the week's target (%)"),
    }


def _funnel(board: TeamDashboard) -> dict[str, Any] | None:
    if not any(count for _key, _name, count, _conversion in board.funnel):
        return None
    return {
        "kind": "funnel",
        "labels": [name for _key, name, _count, _conversion in board.funnel],
        "counts": [count for _key, _name, count, _conversion in board.funnel],
        "conversions": [
            None if conversion is None else round(conversion * 100, 1)
            for _key, _name, _count, conversion in board.funnel
        ],
        "countLabel": _("Count"),
        "conversionLabel": _("Conversion from the stage before (%)"),
    }


def _pipeline(board: TeamDashboard) -> dict[str, Any] | None:
    if not board.pipeline:
        return None
    return {
        "kind": "pipeline",
        "labels": [name for name, _count, _amount in board.pipeline],
        "counts": [count for _name, count, _amount in board.pipeline],
        "amounts": [float(amount) for _name, _count, amount in board.pipeline],
        "countLabel": _("Open deals"),
        "amountLabel": _("Amount"),
    }


def member_charts(dashboard: MemberDashboard) -> dict[str, dict[str, Any] | None]:
    """The member page's chart: activities per week, stacked by type."""
    weekly = None
    if any(any(series.counts) for series in dashboard.weekly):
        weekly = {
            "kind": "weekly",
            "labels": [_week_label(week) for week in dashboard.weeks],
            "series": [
                {"label": series.name, "data": series.counts}
                for series in dashboard.weekly
                if any(series.counts)
            ],
            "axisLabel": _("Activities"),
        }
    return {"weekly": weekly}


def overview_charts(overview: OrgOverview) -> dict[str, dict[str, Any] | None]:
    """The overview's chart: each team's attainment of each company goal cascaded to it."""
    company = [
        (index, column) for index, column in enumerate(overview.columns) if column.goal is not None
    ]
    series = []
    for index, column in company:
        data: list[float | None] = []
        for row in overview.rows:
            lines = row.cells[index].lines
            data.append(round(lines[0].progress.attainment * 100, 1) if lines else None)
        if any(value is not None for value in data):
            series.append({"label": column.title, "data": data})
    attainment = None
    if series:
        attainment = {
            "kind": "attainment",
            "labels": [row.team.name for row in overview.rows],
            "series": series,
            "axisLabel": _("Attainment (%)"),
        }
    return {"attainment": attainment}
