"""Panels other apps add to the salesperson's "my day" page.

`activities` owns the page and imports none of the apps that read it: an app registers a
panel at start-up (dashboards: today's targets and deals due), and the page renders every
registered panel on load and again, out of band, after each log or undo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from accounts.models import Membership, Organization


@dataclass(frozen=True)
class MyDayPanel:
    name: str  # the context variable the panel's template reads
    template: str
    build: Callable[[Organization, Membership, date], Any]


_PANELS: list[MyDayPanel] = []


def register_my_day_panel(panel: MyDayPanel) -> None:
    """Add a panel to "my day" (idempotent by name)."""
    if all(existing.name != panel.name for existing in _PANELS):
        _PANELS.append(panel)


def build_my_day_panels(org: Organization, membership: Membership, today: date) -> dict[str, Any]:
    """Each registered panel's data under its name, plus `my_day_panels` for the templates."""
    context: dict[str, Any] = {panel.name: panel.build(org, membership, today) for panel in _PANELS}
    context["my_day_panels"] = list(_PANELS)
    return context
