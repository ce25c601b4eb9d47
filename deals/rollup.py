"""Won-deal credit on the activities' dirty buckets: (org, won user, local won date).

Registered with `activities.rollup`, so it is rebuilt in the same drain transaction and
under the same locks as the activity counts; marking a bucket dirty is all a deal write
needs to do. A deal is credited once, to its owner (and the owner's team) when it was won.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from deals.models import DailyDealWon, Deal

_WON = DailyDealWon._meta.db_table
_DEAL = Deal._meta.db_table

_INSERT = (
    f"INSERT INTO {_WON} (organization_id, user_id, team_id, date, amount, count) "
    "SELECT dl.organization_id, dl.won_user_id, dl.won_team_id, dl.won_date, "
    "       SUM(dl.amount), COUNT(*) "
)


class WonDealRecomputer:
    def for_buckets(self, cursor: Any, dirty_table: str, dirty_ids: list[int]) -> None:
        marks = ", ".join(["%s"] * len(dirty_ids))
        cursor.execute(
            f"DELETE FROM {_WON} WHERE id IN ("
            f"  SELECT w.id FROM {_WON} w JOIN {dirty_table} d"
            "   ON w.organization_id = d.organization_id"
            "   AND w.user_id = d.user_id AND w.date = d.date"
            f"  WHERE d.id IN ({marks}))",
            dirty_ids,
        )
        cursor.execute(
            _INSERT + f"FROM {_DEAL} dl JOIN {dirty_table} d"
            "  ON dl.organization_id = d.organization_id"
            "  AND dl.won_user_id = d.user_id AND dl.won_date = d.date "
            f"WHERE d.id IN ({marks}) "
            "GROUP BY dl.organization_id, dl.won_user_id, dl.won_team_id, dl.won_date",
            dirty_ids,
        )

    def for_range(self, cursor: Any, org_id: int, start: date | None, end: date | None) -> None:
        conditions: list[str] = ["organization_id = %s"]
        params: list[int | date] = [org_id]
        if start is not None:
            conditions.append("{col} >= %s")
            params.append(start)
        if end is not None:
            conditions.append("{col} <= %s")
            params.append(end)
        where = " AND ".join(conditions)
        cursor.execute(f"DELETE FROM {_WON} WHERE {where.format(col='date')}", params)
        cursor.execute(
            _INSERT + f"FROM {_DEAL} dl WHERE won_date IS NOT NULL "
            f"AND {where.format(col='won_date').replace('organization_id', 'dl.organization_id')} "
            "GROUP BY dl.organization_id, dl.won_user_id, dl.won_team_id, dl.won_date",
            params,
        )


won_deals = WonDealRecomputer()
