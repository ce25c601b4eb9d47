"""Panels: how an app shows its part on another app's page without that page importing it.

The app that owns a page keeps a `PanelRegistry`; an app further along the dependency
chain registers a panel at start-up (in its `AppConfig.ready`). The page builds every
registered panel's data and includes each panel's template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    name: str  # the context variable the panel's template reads
    template: str
    build: Callable[..., Any]


class PanelRegistry:
    def __init__(self, context_name: str) -> None:
        self.context_name = context_name  # the list of panels, for the page's template
        self._panels: list[Panel] = []

    def register(self, panel: Panel) -> None:
        """Add a panel (idempotent by name)."""
        if all(existing.name != panel.name for existing in self._panels):
            self._panels.append(panel)

    def build(self, *args: Any) -> dict[str, Any]:
        """Each panel's data under its name, plus the panels themselves for the template."""
        context: dict[str, Any] = {panel.name: panel.build(*args) for panel in self._panels}
        context[self.context_name] = list(self._panels)
        return context
