"""Showing what people wrote: escaped first, then @mentions set apart and line breaks kept."""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Runs on escaped text: handles are made of characters escaping leaves alone.
_HANDLE = re.compile(r"(?<![\w@.])@([\w][\w.+-]*(?:@[\w-]+(?:\.[\w-]+)+)?)")


@register.filter
def written(text: str) -> SafeString:
    """User text as safe HTML: every tag escaped, mentions highlighted, newlines as <br>."""
    escaped = str(conditional_escape(text or ""))
    marked = _HANDLE.sub(r'<span class="mention">@\1</span>', escaped)
    return mark_safe(marked.replace("\r\n", "\n").replace("\n", "<br>"))  # noqa: S308  (escaped above)


@register.filter
def reacted(my_reactions: list[str], emoji: str) -> bool:
    return emoji in (my_reactions or [])


@register.filter
def count_of(counts: dict[str, int], emoji: str) -> int:
    return (counts or {}).get(emoji, 0)
