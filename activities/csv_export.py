"""CSV export of the activity log: its columns and rows.

Pages and the API both export through `activities_csv_response`, which streams at most
EXPORT_MAX_ROWS rows (`salesmgmt.csv_files.limit_export`, checked before the first byte)
with every formula-like cell neutralised (QUALITY S12).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from activities.models import Activity
from salesmgmt.csv_files import limit_export, streaming_csv_response

ACTIVITY_COLUMNS = (
    "occurred_at",
    "local_date",
    "user_email",
    "user_name",
    "team",
    "type",
    "quantity",
    "note",
    "accompanied_by_email",
    "observation",
    "follow_up",
)


def activity_row(activity: Activity, zone: dt.tzinfo) -> list[Any]:
    """One export row, times in `zone` (select user, team, type and accompanied_by first)."""
    companion = activity.accompanied_by
    return [
        activity.occurred_at.astimezone(zone).isoformat(),
        activity.local_date.isoformat(),
        activity.user.email,
        activity.user.display_name,
        activity.team.name if activity.team is not None else "",
        activity.type.key,
        activity.quantity,
        activity.note,
        companion.email if companion is not None else "",
        activity.observation,
        activity.follow_up,
    ]


def activities_csv_response(
    activities: QuerySet[Activity], *, tzinfo: dt.tzinfo, filename: str
) -> StreamingHttpResponse:
    """Stream `activities` (already scoped to what the caller may see) as the export CSV.

    DomainError when they are more than an export may hold.
    """
    rows = (
        activity_row(activity, tzinfo)
        for activity in limit_export(activities).iterator(chunk_size=2000)
    )
    return streaming_csv_response(ACTIVITY_COLUMNS, rows, filename=filename)
