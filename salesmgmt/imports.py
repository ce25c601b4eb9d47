"""CSV imports: the importers apps register, and the one row loop every import runs.

An app describes one kind of import with an `Importer` subclass (its columns, who may use
it, how to check one row, how to write the checked rows) and registers it at start-up
(`register_importer` in its AppConfig.ready). Every import, small or large, then runs the
same two phases:

1. `check_rows`: every row is checked without writing anything, reporting progress as it
   goes; all bad lines are collected, so one answer lists every problem;
2. `Importer.write`: only when no line was refused, inside one transaction, all rows at
   once. Anything raised there rolls the whole file back: all or nothing.

Running a large import as a background job (progress, throttles, claiming) is the job
runner's business (`accounts.imports`); this module stores nothing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesmgmt.csv_files import ImportRefused, ImportResult, LineError, Row, Table, read_table
from salesmgmt.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import Membership

PROGRESS_EVERY = 200  # rows checked between two progress reports


class JobStatus(models.TextChoices):
    """Where an import job is (stored by accounts.ImportJob, shown by pages and the API)."""

    QUEUED = "queued", gettext_lazy("Queued")
    RUNNING = "running", gettext_lazy("Running")
    SUCCEEDED = "succeeded", gettext_lazy("Done")
    FAILED = "failed", gettext_lazy("Failed")


# queued → checking (rows checked so far) → writing (every row, one transaction) → done
JOB_PHASES = ("queued", "checking", "writing", "done")


@dataclass(frozen=True)
class CheckedRow:
    line: int
    value: Any  # whatever the importer's `check_row` made of it


class Importer(ABC):
    """One kind of CSV import. An instance serves one run, for one actor.

    `__init__` may read what checking every row needs (members, types, stages) once.
    """

    do_not_call_in_templates = True  # pages show the class's names and links

    kind: ClassVar[str]  # registry key, stored on import jobs ("activities", "deals")
    columns: ClassVar[tuple[str, ...]]  # documented columns, in order
    required: ClassVar[tuple[str, ...]]  # columns the header must name
    title: ClassVar[Any]  # the import's name on pages ("Deals import")
    list_url_name: ClassVar[str]  # the page listing what was imported
    import_url_name: ClassVar[str]  # the import page

    @classmethod
    @abstractmethod
    def created_message(cls, count: int) -> str:
        """What a successful import says ("Imported 12 deals.")."""

    def __init__(self, actor: Membership) -> None:
        self.actor = actor

    @classmethod
    def may_import(cls, actor: Membership) -> bool:
        """Whether `actor` may use this import at all (a rule of accounts.rules)."""
        return bool(actor.active)

    @abstractmethod
    def check_row(self, values: dict[str, str]) -> Any:
        """Check one row without writing; raise DomainError with a message for its line."""

    @abstractmethod
    def write(self, rows: Sequence[CheckedRow]) -> None:
        """Write every checked row (called inside a transaction; raise to roll back)."""


_registry: dict[str, type[Importer]] = {}


def register_importer(importer: type[Importer]) -> type[Importer]:
    """Make an import kind available to pages, the API and import jobs (idempotent)."""
    _registry[importer.kind] = importer
    return importer


def importer_for(kind: str) -> type[Importer]:
    try:
        return _registry[kind]
    except KeyError:
        raise LookupError(f"no importer registered for {kind!r}") from None


def read_import(importer: type[Importer], content: bytes | str) -> Table:
    """The file's rows for this kind of import; ImportRefused when it cannot be read."""
    return read_table(content, required=importer.required)


def check_rows(
    importer: Importer,
    rows: Sequence[Row],
    *,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[CheckedRow], list[LineError]]:
    """The one row loop: every row checked (no writes), every bad line collected.

    `progress(done)` is called every PROGRESS_EVERY rows and once at the end.
    """
    checked: list[CheckedRow] = []
    errors: list[LineError] = []
    for done, row in enumerate(rows, start=1):
        if row.extra_cells:
            errors.append(LineError(row.line, _("Too many columns.")))
        else:
            try:
                checked.append(CheckedRow(row.line, importer.check_row(row.values)))
            except DomainError as exc:
                errors.append(LineError(row.line, exc.message))
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    if progress is not None:
        progress(len(rows))
    return checked, errors


def import_now(importer_class: type[Importer], *, actor: Membership, table: Table) -> ImportResult:
    """Check then write `table` in this process, all or nothing (small files)."""
    importer = importer_class(actor)
    checked, errors = check_rows(importer, table.rows)
    if errors:
        return ImportResult.refused(errors)
    try:
        with transaction.atomic():
            importer.write(checked)
    except ImportRefused as exc:
        return exc.result
    except DomainError as exc:
        return ImportResult.refused([LineError(0, exc.message)])
    return ImportResult(created=len(checked))
