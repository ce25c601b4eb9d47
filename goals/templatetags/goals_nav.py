"""Navigation helpers of the goals pages."""

from __future__ import annotations

from typing import Any

from django import template

from goals.models import Metric

register = template.Library()


@register.simple_tag
def has_manual_metric(org: Any) -> bool:
    """Whether the organisation tracks any metric by manual check-in (shows "Check in")."""
    if org is None:
        return False
    return bool(Metric.objects.for_org(org).filter(source=Metric.Source.MANUAL).exists())
