"""One page of a list, from the request's `page` (out-of-range or junk: the nearest page).

Rendered with `templates/_pagination.html`.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def page_of(request: HttpRequest, items: Any, per_page: int) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))
