"""CSV files in and out, one way for every app: reading an import, writing an export.

Reading (`read_table`) accepts UTF-8 with or without a byte-order mark (what spreadsheets
save as "CSV UTF-8") and UTF-16 with one, within IMPORT_MAX_BYTES and IMPORT_MAX_ROWS. A
file is refused as a whole (`ImportRefused`: nothing is written, every problem names its
line) when it is not text, holds a NUL character (PostgreSQL cannot store one), has a quoted
cell that is never closed (it would swallow every line after it into one cell), is not
valid CSV, lacks a required column, or has no rows. A row's line is the line of the file
where it starts (the header is line 1), so a cell that spans lines does not shift the rest.

Writing (`csv_lines`, `streaming_csv_response`) neutralises formulas (QUALITY S12): a
spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some programs, a tab
or carriage return followed by one) as a formula, so a note such as
`=HYPERLINK("http://evil", "click")` typed by one person would run on a manager's machine.
Every such cell gets a leading `'`, which spreadsheets show as text. `limit_export` keeps an
export within EXPORT_MAX_ROWS.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from salesmgmt.errors import DomainError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Room for the multipart boundary and part headers around a file of IMPORT_MAX_BYTES.
MULTIPART_OVERHEAD = 64 * 1024
MAX_REPORTED_ERRORS = 500  # an answer lists at most this many bad lines (and counts the rest)

_M = TypeVar("_M", bound=Model)


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineError:
    """One refused line of an import (line 0: the file as a whole)."""

    line: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows created, or (all or nothing) the lines that stopped it."""

    created: int = 0
    errors: tuple[LineError, ...] = ()
    error_count: int = 0  # every bad line, also those beyond MAX_REPORTED_ERRORS

    @classmethod
    def refused(cls, errors: Sequence[LineError]) -> ImportResult:
        ordered = sorted(errors, key=lambda error: error.line)
        return cls(errors=tuple(ordered[:MAX_REPORTED_ERRORS]), error_count=len(ordered))

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "errors": [error.as_dict() for error in self.errors]}


class ImportRefused(DomainError):
    """The file was refused, as a whole or by line; nothing was written."""

    def __init__(self, errors: Sequence[LineError]) -> None:
        super().__init__(errors[0].message if errors else "", code="import_refused")
        self.result = ImportResult.refused(errors)

    def as_dict(self) -> dict[str, Any]:
        return self.result.as_dict()


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One data row: its first line in the file and its cells by column name ("" if absent)."""

    line: int
    values: dict[str, str]
    extra_cells: bool = False  # more cells than the header names


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...] = field(default_factory=tuple)


def size_label(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"


def too_large_message() -> str:
    return _("The file is larger than %(size)s; split it up.") % {
        "size": size_label(settings.IMPORT_MAX_BYTES)
    }


def declared_too_large(meta: Mapping[str, Any]) -> bool:
    """Whether a request's Content-Length already exceeds what an import upload may be."""
    declared = str(meta.get("CONTENT_LENGTH") or "0")
    return declared.isdigit() and int(declared) > settings.IMPORT_MAX_BYTES + MULTIPART_OVERHEAD


def decode(content: bytes | str) -> str:
    """The text of an uploaded file (UTF-8, BOM or not; UTF-16 with a BOM)."""
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ImportRefused([LineError(0, too_large_message())])
    if isinstance(content, str):
        return content.removeprefix("\ufeff")
    try:
        if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return content.decode("utf-16")
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        message = _("The file is not UTF-8 text; save it as “CSV UTF-8” and try again.")
        raise ImportRefused([LineError(0, message)]) from None


def _refuse_nul_characters(text: str) -> None:
    if "\x00" not in text:
        return
    message = _("This line contains a NUL character, which cannot be stored; remove it.")
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if "\x00" in line]
    raise ImportRefused([LineError(n, message) for n in lines])


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each record; ImportRefused on broken quoting."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if reader.line_num > start or "end of data" in str(exc):
                message = _(
                    "A quoted cell that starts on this line is never closed (a quote "
                    "character is missing), so it would swallow the lines after it."
                )
            else:
                message = _("This line is not valid CSV: %(problem)s.") % {"problem": exc}
            raise ImportRefused([LineError(start, message)]) from None
        yield start, cells


def read_table(
    content: bytes | str, *, required: Sequence[str], max_rows: int | None = None
) -> Table:
    """The rows of a CSV import with a header line naming at least the `required` columns.

    Refuses the file (ImportRefused) when it cannot be read as a whole; problems of single
    rows (a bad value) are for the importer to find.
    """
    max_rows = settings.IMPORT_MAX_ROWS if max_rows is None else max_rows
    text = decode(content)
    _refuse_nul_characters(text)
    records = _records(text)
    header: tuple[str, ...] = ()
    for _line, cells in records:
        if any(cell.strip() for cell in cells):
            header = tuple(cell.strip() for cell in cells)
            break
    missing = [name for name in required if name not in header]
    if missing:
        message = _("Missing columns: %s") % ", ".join(missing)
        raise ImportRefused([LineError(1, message)])
    rows: list[Row] = []
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are skipped, as spreadsheets leave them at the end
        if len(rows) >= max_rows:
            message = _("At most %(n)d rows per file; split it up.") % {"n": max_rows}
            raise ImportRefused([LineError(line, message)])
        values = dict(zip(header, cells, strict=False))
        for name in header[len(cells) :]:
            values[name] = ""
        rows.append(Row(line, values, extra_cells=len(cells) > len(header)))
    if not rows:
        raise ImportRefused([LineError(1, _("The file has no rows."))])
    return Table(header, tuple(rows))


# --- writing ------------------------------------------------------------------------------


def neutralise(value: Any) -> str:
    """The cell text for `value`, with a leading `'` if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


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


def limit_export(rows: QuerySet[_M]) -> QuerySet[_M]:
    """`rows` for an export, or a DomainError when they are more than EXPORT_MAX_ROWS.

    Counted before the first byte is sent: a streamed response cannot turn into an error
    half-way. The count stops at the limit, so a huge table costs no more than the export.
    """
    limit = settings.EXPORT_MAX_ROWS
    if rows[: limit + 1].count() > limit:
        raise DomainError(
            _(
                "An export has at most %(n)s rows; narrow the filters (a shorter date range, "
                "one team or one person) and export in parts."
            )
            % {"n": f"{limit:,}"},
            code="export_too_large",
        )
    return rows[:limit]
