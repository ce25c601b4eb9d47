"""htmx requests, as django-htmx's middleware describes them (`request.htmx`)."""

from __future__ import annotations

from typing import Any


def wants_fragment(request: Any) -> bool:
    """An htmx request for a page's fragment; a history restore wants the whole page."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.history_restore_request
