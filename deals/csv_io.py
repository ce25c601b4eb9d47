"""Deals in and out of CSV: the deals importer, and a formula-safe export.

The importer checks every line with `deals.services.check_new_deal` (the rules of a deal
opened by hand apply to each line) before anything is written, then opens all deals at
once; `salesmgmt.imports` runs it all or nothing, within the request or as a job. The
export streams the deals the caller sees (after the list's filters, at most
EXPORT_MAX_ROWS) through `salesmgmt.csv_files`, which neutralises cells a spreadsheet would
run as formulas (QUALITY S12).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Membership, User
from deals import access, services
from deals.models import Concern, Deal
from salesmgmt import money
from salesmgmt.csv_files import limit_export, streaming_csv_response
from salesmgmt.errors import DomainError
from salesmgmt.imports import CheckedRow, Importer

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
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class _Line:
    customer_name: str
    deal: services.NewDeal


def _date(text: str, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise DomainError(_("%s must be a date (YYYY-MM-DD).") % name)
    return day


class DealImporter(Importer):
    """Deals from CSV, each line under the rules of a deal opened by hand (`check_new_deal`).

    A customer is matched by name (case-insensitive) and added when the organisation has
    none of that name; the owner (default: the importer) must be the importer or someone
    they manage. Only managers and admins import deals (`access.can_import_deals`).
    """

    kind = "deals"
    columns = IMPORT_COLUMNS
    required = REQUIRED_COLUMNS
    title = gettext_lazy("Deals import")
    list_url_name = "deals:deal_list"
    import_url_name = "deals:deal_import"

    @classmethod
    def may_import(cls, actor: Membership) -> bool:
        return access.can_import_deals(actor)

    @classmethod
    def created_message(cls, count: int) -> str:
        return ngettext("Imported %d deal.", "Imported %d deals.", count) % count

    def __init__(self, actor: Membership) -> None:
        super().__init__(actor)
        self.lookups = services.DealLookups(actor.organization_id).preload()
        self.members = {m.user.email.lower(): m for m in self.lookups.active_members()}

    def _member(self, email: str) -> int:
        found = self.members.get(email.strip().lower())
        if found is None:
            raise DomainError(_("Unknown member e-mail “%s”.") % email.strip())
        return found.user_id

    def check_row(self, values: dict[str, str]) -> _Line:
        text = {name: values.get(name, "").strip() for name in IMPORT_COLUMNS}
        for name in REQUIRED_COLUMNS:
            if not text[name]:
                raise DomainError(_("%s is required.") % name)
        if len(text["customer"]) > 200:
            raise DomainError(_("The customer name is too long."))
        details: dict[str, Any] = {
            "expected_close_date": _date(text["expected_close_date"], "expected_close_date"),
            "next_step": text["next_step"],
            "next_step_date": _date(text["next_step_date"], "next_step_date"),
            "proposal_date": _date(text["proposal_date"], "proposal_date"),
        }
        if text["owner_email"]:
            details["owner"] = self._member(text["owner_email"])
        for name in ("stage", "probability", "term", "forecast_category"):
            if text[name]:
                details[name] = text[name]
        emails = [e for e in text["collaborator_emails"].split(LIST_SEPARATOR) if e.strip()]
        details["collaborators"] = [self._member(email) for email in emails]
        try:
            deal = services.check_new_deal(
                actor=self.actor,
                title=text["title"],
                amount=text["amount"],
                lookups=self.lookups,
                **details,
            )
        except PermissionDenied:
            raise DomainError(_("You may not open deals for this member.")) from None
        return _Line(text["customer"], deal)

    def write(self, rows: Sequence[CheckedRow]) -> None:
        """The new customers, then every deal, in bulk."""
        lines: list[_Line] = [row.value for row in rows]
        customers = services.find_or_create_customers(
            actor=self.actor, names=[line.customer_name for line in lines]
        )
        deals = [
            replace(line.deal, customer=customers[line.customer_name.lower()]) for line in lines
        ]
        services.open_deals(actor=self.actor, deals=deals)


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


def deal_row(deal: Deal, zone: dt.tzinfo, currency: str) -> list[Any]:
    """One export row (load it through `with_export_rows`), times in `zone`, the amount a
    plain decimal in the currency's minor unit (1500000 yen, 12.50 dollars)."""
    return [
        deal.pk,
        deal.title,
        deal.customer.name,
        money.plain(deal.amount, currency),
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
    deals: QuerySet[Deal], *, tzinfo: dt.tzinfo, currency: str, filename: str
) -> StreamingHttpResponse:
    """Stream `deals` (already scoped to what the caller may see) as the export CSV.

    DomainError when they are more than an export may hold.
    """
    chosen = limit_export(with_export_rows(deals))
    rows = (deal_row(deal, tzinfo, currency) for deal in chosen.iterator(chunk_size=1000))
    return streaming_csv_response(EXPORT_COLUMNS, rows, filename=filename)
