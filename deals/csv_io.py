"""Deals in and out of CSV: an all-or-nothing import, and a formula-safe export.

The import runs every row through `deals.services` (the rules of a deal opened by hand
apply to each line), inside one transaction that is rolled back when any line fails: the
answer then lists every bad line and nothing was written. The export streams the deals the
caller sees (after the list's filters) through `activities.csv_export`, which neutralises
cells a spreadsheet would run as formulas (QUALITY S12).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from activities.csv_export import streaming_csv_response
from deals import services
from deals.models import Concern, Customer, Deal
from salesmgmt.errors import DomainError

IMPORT_COLUMNS = (
    "title",
    "customer",
    "amount",
    "owner_email",
    "stage",
    "probability",
    "expected_close_date",
    "next_step",
    "next_step_date",
    "proposal_date",
    "term",
    "forecast_category",
    "collaborator_emails",
)
REQUIRED_COLUMNS = ("title", "customer", "amount")
EXPORT_COLUMNS = (
    "id",
    *IMPORT_COLUMNS,
    "owner_name",
    "team",
    "open_concerns",
    "lost_reason",
    "created_at",
    "closed_at",
    "won_date",
)
IMPORT_MAX_ROWS = 5000
LIST_SEPARATOR = ";"


@dataclass
class ImportResult:
    created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    customer_name: str
    values: dict[str, Any]


def _date(row: dict[str, str], name: str) -> dt.date | None:
    text = (row.get(name) or "").strip()
    if not text:
        return None
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise DomainError(_("%s must be a date (YYYY-MM-DD).") % name)
    return day


def _member(members: dict[str, Membership], email: str) -> Membership:
    found = members.get(email.strip().lower())
    if found is None:
        raise DomainError(_("Unknown member e-mail “%s”.") % email.strip())
    return found


def _parse_row(line: int, row: dict[str, str], members: dict[str, Membership]) -> _Row:
    """One CSV line → keyword arguments of `create_deal` (the service checks the rest)."""
    text = {name: (row.get(name) or "").strip() for name in IMPORT_COLUMNS}
    for name in REQUIRED_COLUMNS:
        if not text[name]:
            raise DomainError(_("%s is required.") % name)
    if len(text["customer"]) > 200:
        raise DomainError(_("The customer name is too long."))
    values: dict[str, Any] = {
        "title": text["title"],
        "amount": text["amount"],
        "expected_close_date": _date(row, "expected_close_date"),
        "next_step": text["next_step"],
        "next_step_date": _date(row, "next_step_date"),
        "proposal_date": _date(row, "proposal_date"),
    }
    if text["owner_email"]:
        values["owner"] = _member(members, text["owner_email"]).user_id
    if text["stage"]:
        values["stage"] = text["stage"]
    if text["probability"]:
        values["probability"] = text["probability"]
    if text["term"]:
        values["term"] = text["term"]
    if text["forecast_category"]:
        values["forecast_category"] = text["forecast_category"]
    emails = [e for e in text["collaborator_emails"].split(LIST_SEPARATOR) if e.strip()]
    values["collaborators"] = [_member(members, email).user_id for email in emails]
    return _Row(line, text["customer"], values)


def _read_rows(
    content: str, members: dict[str, Membership]
) -> tuple[list[_Row], list[dict[str, Any]], bool]:
    """The parsed lines, the errors of the others, and whether the file as a whole is bad."""
    reader = csv.DictReader(io.StringIO(content))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [{"line": 1, "message": _("Missing columns: %s") % ", ".join(missing)}], True
    reader.fieldnames = header
    rows: list[_Row] = []
    errors: list[dict[str, Any]] = []
    try:
        for index, row in enumerate(reader):
            line = index + 2  # the header is line 1
            if len(rows) + len(errors) >= IMPORT_MAX_ROWS:
                message = _("At most %d rows per file.") % IMPORT_MAX_ROWS
                return rows, [*errors, {"line": line, "message": message}], True
            if None in row:
                errors.append({"line": line, "message": _("Too many columns.")})
                continue
            try:
                rows.append(_parse_row(line, row, members))
            except DomainError as exc:
                errors.append({"line": line, "message": exc.message})
    except csv.Error as exc:
        message = _("Malformed CSV: %s") % exc
        return rows, [*errors, {"line": reader.line_num, "message": message}], True
    return rows, errors, False


def import_deals(*, actor: Membership, content: bytes | str) -> ImportResult:
    """Open deals from CSV, all or nothing; errors name their line numbers.

    Columns: IMPORT_COLUMNS (title, customer and amount required). A customer is matched
    by name (case-insensitive) and created when the organisation has none of that name;
    the owner (default: the importer) follows the rules of `create_deal`. Lines that parse
    still go through the services when others do not, so one answer lists every bad line.
    """
    org = actor.organization
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ImportResult(errors=[{"line": 0, "message": _("The file is not UTF-8 text.")}])
    members = {
        m.user.email.lower(): m
        for m in Membership.objects.for_org(org).filter(active=True).select_related("user")
    }
    rows, errors, fatal = _read_rows(content, members)
    if fatal:
        return ImportResult(errors=errors)
    if not rows and not errors:
        return ImportResult(errors=[{"line": 1, "message": _("The file has no rows.")}])
    customers: dict[str, Customer] = {}
    for customer in Customer.objects.for_org(org).order_by("-id"):
        customers[customer.name.lower()] = customer  # the oldest of a name wins
    with transaction.atomic():
        for row in rows:
            try:
                key = row.customer_name.lower()
                if key not in customers:
                    customers[key] = services.save_customer(actor=actor, name=row.customer_name)
                services.create_deal(actor=actor, customer=customers[key], **row.values)
            except DomainError as exc:
                errors.append({"line": row.line, "message": exc.message})
            except PermissionDenied:
                message = _("You may not open deals for this member.")
                errors.append({"line": row.line, "message": message})
        if errors:
            # Nothing of a file with a bad line stays (and no queued work runs).
            transaction.set_rollback(True)
            return ImportResult(errors=sorted(errors, key=lambda error: error["line"]))
    return ImportResult(created=len(rows))


# --- export -------------------------------------------------------------------------------


def with_export_rows(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """Prefetch what an export row reads (select stage, customer, owner and team too)."""
    return deals.select_related("stage", "customer", "owner", "team").prefetch_related(
        Prefetch("collaborators", queryset=User.objects.only("id", "email").order_by("email")),
        Prefetch("concerns", queryset=Concern.objects.filter(resolved=False).order_by("id")),
    )


def _moment(value: dt.datetime | None, zone: dt.tzinfo) -> str:
    return value.astimezone(zone).isoformat() if value is not None else ""


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def deal_row(deal: Deal, zone: dt.tzinfo) -> list[Any]:
    """One export row (load it through `with_export_rows`), times in `zone`."""
    return [
        deal.pk,
        deal.title,
        deal.customer.name,
        deal.amount,
        deal.owner.email,
        deal.stage.key,
        deal.probability,
        _day(deal.expected_close_date),
        deal.next_step,
        _day(deal.next_step_date),
        _day(deal.proposal_date),
        deal.term,
        deal.forecast_category,
        LIST_SEPARATOR.join(user.email for user in deal.collaborators.all()),
        deal.owner.display_name,
        deal.team.name if deal.team is not None else "",
        LIST_SEPARATOR.join(concern.text for concern in deal.concerns.all()),
        deal.lost_reason,
        _moment(deal.created_at, zone),
        _moment(deal.closed_at, zone),
        _day(deal.won_date),
    ]


def deals_csv_response(
    deals: Iterable[Deal], *, tzinfo: dt.tzinfo, filename: str
) -> StreamingHttpResponse:
    """Stream `deals` (already scoped to what the caller may see) as the export CSV."""
    rows = (deal_row(deal, tzinfo) for deal in deals)
    return streaming_csv_response(EXPORT_COLUMNS, rows, filename=filename)
