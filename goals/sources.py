"""Where a metric's numbers come from, per local date, for a goal's scope.

Activity metrics read the daily activity rollup; manual metrics read manual entries; the
deal metrics are provided by the deals app when it registers itself (`register_source`).
A goal's actual is always the sum of these values, so a recompute is a re-read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from activities.models import DailyActivityCount
from goals.models import ManualEntry, Metric


@dataclass(frozen=True)
class Scope:
    """Whose numbers: one person (`user_id`), a set of teams (`team_ids`), or everyone."""

    org_id: int
    user_id: int | None = None
    team_ids: frozenset[int] | None = None


SourceFn = Callable[[Metric, Scope, date, date], dict[date, Decimal]]
_PROVIDERS: dict[str, SourceFn] = {}


def register_source(source: str, provider: SourceFn) -> None:
    """Let another app (deals) provide the daily values of a metric source."""
    _PROVIDERS[source] = provider


def _activity_values(metric: Metric, scope: Scope, start: date, end: date) -> dict[date, Decimal]:
    type_ids = [t.pk for t in metric.activity_types.all()]
    if not type_ids:
        return {}
    qs = DailyActivityCount.objects.filter(
        organization_id=scope.org_id, type_id__in=type_ids, date__gte=start, date__lte=end
    )
    if scope.user_id is not None:
        qs = qs.filter(user_id=scope.user_id)
    if scope.team_ids is not None:
        qs = qs.filter(team_id__in=scope.team_ids)
    rows = qs.values("date").annotate(total=Sum("count")).order_by()
    return {row["date"]: Decimal(row["total"]) for row in rows}


def _manual_values(metric: Metric, scope: Scope, start: date, end: date) -> dict[date, Decimal]:
    qs = ManualEntry.objects.filter(
        organization_id=scope.org_id, metric=metric, date__gte=start, date__lte=end
    )
    if scope.user_id is not None:
        qs = qs.filter(user_id=scope.user_id)
    if scope.team_ids is not None:
        qs = qs.filter(team_id__in=scope.team_ids)
    values: dict[date, Decimal] = defaultdict(Decimal)
    for row in qs.values("date").annotate(total=Sum("value")).order_by():
        values[row["date"]] += row["total"]
    return dict(values)


register_source(Metric.Source.ACTIVITY, _activity_values)
register_source(Metric.Source.MANUAL, _manual_values)


def daily_values(metric: Metric, scope: Scope, start: date, end: date) -> dict[date, Decimal]:
    """The metric's value per local date in [start, end] for `scope` (missing days are 0)."""
    provider = _PROVIDERS.get(metric.source)
    if provider is None:  # e.g. deal metrics before the deals app provides them
        return {}
    return provider(metric, scope, start, end)
