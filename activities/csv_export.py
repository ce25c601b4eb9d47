"""CSV export of the activity log: the columns, and formula neutralising (QUALITY S12).

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some programs, a
tab or carriage return followed by one) as a formula, so a note such as
`=HYPERLINK("http://evil", "click")` typed by one user would run on a manager's machine.
Every cell that starts with one of those characters gets a leading `'`, which spreadsheets
show as text. The API and the pages both export through `streaming_csv_response`.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from django.http import StreamingHttpResponse

from activities.models import Activity

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

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


def neutralise(value: Any) -> str:
    """The cell text for `value`, with a leading `'` if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


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


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class _Echo:
    """A file-like object whose `write` hands back the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text of `header` and `rows`, one line at a time, every cell neutralised."""
    writer = csv.writer(_Echo())
    yield writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def write_activities_csv(
    activities: Iterable[Activity], out: _Writable, *, tzinfo: dt.tzinfo
) -> None:
    """Write the export CSV of `activities` to `out` (a file or an HttpResponse)."""
    rows = (activity_row(activity, tzinfo) for activity in activities)
    for line in csv_lines(ACTIVITY_COLUMNS, rows):
        out.write(line)


def streaming_csv_response(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, filename: str
) -> StreamingHttpResponse:
    """A streamed CSV download (`Content-Disposition: attachment`)."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(header, rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def activities_csv_response(
    activities: Iterable[Activity], *, tzinfo: dt.tzinfo, filename: str
) -> StreamingHttpResponse:
    """Stream `activities` (already scoped to what the caller may see) as the export CSV."""
    rows = (activity_row(activity, tzinfo) for activity in activities)
    return streaming_csv_response(ACTIVITY_COLUMNS, rows, filename=filename)
