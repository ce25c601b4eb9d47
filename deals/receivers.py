"""Deals plug into the rest: default stages, demo deals, goal sources, activity freshness."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.dispatch import receiver

from accounts.signals import demo_data_requested, organization_defaults_requested
from activities.signals import activity_saved
from goals.models import Metric
from goals.sources import Scope, register_source


@receiver(organization_defaults_requested)
def _create_default_stages(sender: Any, organization: Any, **kwargs: Any) -> None:
    from deals.services import ensure_default_stages

    ensure_default_stages(org=organization)


@receiver(activity_saved)
def _deal_saw_action(sender: Any, activity: Any, **kwargs: Any) -> None:
    if activity.deal_id:
        from deals.services import touch_deal_activity

        touch_deal_activity(deal_id=activity.deal_id, at=activity.occurred_at)


@receiver(demo_data_requested)
def _seed_demo_deals(sender: Any, organization: Any, memberships: Any, **kwargs: Any) -> None:
    from deals.demo import seed_demo_deals

    seed_demo_deals(org=organization)


def _won_values(field: str) -> Any:
    def provider(metric: Metric, scope: Scope, start: Any, end: Any) -> dict[Any, Decimal]:
        from deals.models import DailyDealWon

        qs = DailyDealWon.objects.filter(
            organization_id=scope.org_id, date__gte=start, date__lte=end
        )
        if scope.user_id is not None:
            qs = qs.filter(user_id=scope.user_id)
        if scope.team_ids is not None:
            qs = qs.filter(team_id__in=scope.team_ids)
        aggregate = Sum("amount") if field == "amount" else Sum("count")
        rows = qs.values("date").annotate(total=aggregate).order_by()
        return {row["date"]: Decimal(row["total"]) for row in rows}

    return provider


# Won deals feed the revenue and deals-won metrics on the date they were actually won.
register_source(Metric.Source.DEALS_WON_AMOUNT, _won_values("amount"))
register_source(Metric.Source.DEALS_WON_COUNT, _won_values("count"))


def _register_rollup_tables() -> None:
    """Stored goal progress reads the won-deal rollup set-based (goals.progress)."""
    from deals.models import DailyDealWon
    from goals.progress import RollupTable, register_rollup_table

    table = DailyDealWon._meta.db_table
    register_rollup_table(RollupTable(Metric.Source.DEALS_WON_AMOUNT, table, "amount"))
    register_rollup_table(RollupTable(Metric.Source.DEALS_WON_COUNT, table, "count"))


_register_rollup_tables()
