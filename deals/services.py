"""Writes of the deals app: customers, stages, deals, moves, concerns, notes, forecast.

The app owns customers, the pipeline and deals. Winning a deal credits its owner (and
the owner's team then) on the local date it was actually won, through the activities'
dirty-bucket pipeline: a deal write marks the affected bucket dirty in its transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import rules
from accounts.models import Membership, Organization, User
from activities.rollup import Bucket, mark_dirty
from activities.services import request_rollup
from deals import access
from deals.models import (
    Concern,
    Contact,
    Customer,
    Deal,
    DealNote,
    SavedDealView,
    Stage,
    StageChange,
)
from deals.signals import deals_opened
from salesmgmt import money, periods
from salesmgmt.errors import DomainError

log = logging.getLogger(__name__)

DEFAULT_STAGES: tuple[tuple[str, str, int, int, str], ...] = (
    ("lead", "Lead", 1, 10, Stage.Outcome.OPEN),
    ("qualified", "Qualified", 2, 25, Stage.Outcome.OPEN),
    ("proposal", "Proposal", 3, 50, Stage.Outcome.OPEN),
    ("negotiation", "Negotiation", 4, 75, Stage.Outcome.OPEN),
    ("won", "Won", 5, 100, Stage.Outcome.WON),
    ("lost", "Lost", 6, 0, Stage.Outcome.LOST),
)


def ensure_default_stages(*, org: Organization) -> None:
    """Create the default pipeline stages an organisation lacks (idempotent)."""
    have = set(Stage.objects.for_org(org).values_list("key", flat=True))
    Stage.objects.bulk_create(
        [
            Stage(organization=org, key=k, name=n, order=o, probability=p, outcome=out)
            for k, n, o, p, out in DEFAULT_STAGES
            if k not in have
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def save_stage(
    *, actor: Membership, key: str, name: str, order: int, probability: int,
    outcome: str = Stage.Outcome.OPEN, stage: Stage | None = None,
) -> Stage:  # fmt: skip
    """Create or change a pipeline stage (admins only); the key of a stage is fixed."""
    rules.require(access.can_configure_pipeline(actor))
    if outcome not in Stage.Outcome.values:
        raise DomainError(_("Outcome must be open, won or lost."), field="outcome")
    if not 0 <= int(probability) <= 100:
        raise DomainError(_("Probability is a percentage (0-100)."), field="probability")
    if stage is None:
        if Stage.objects.for_org(actor.organization_id).filter(key=key).exists():
            raise DomainError(_("A stage with this key exists."), field="key")
        stage = Stage(organization_id=actor.organization_id, key=key)
    stage.name, stage.order, stage.probability, stage.outcome = name, order, probability, outcome
    try:
        stage.full_clean(exclude=["organization"])
        with transaction.atomic():
            stage.save()
    except IntegrityError as exc:
        raise DomainError(_("A stage with this key exists."), field="key") from exc
    except Exception as exc:
        messages = getattr(exc, "message_dict", None)
        if messages:
            field, errors = next(iter(messages.items()))
            raise DomainError(" ".join(errors), field=field) from exc
        raise
    return stage


# --- customers ----------------------------------------------------------------------------


@transaction.atomic
def save_customer(
    *,
    actor: Membership,
    name: str,
    industry: str = "",
    notes: str = "",
    customer: Customer | None = None,
) -> Customer:
    """Create or update a customer (anyone in the organisation)."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("A customer needs a name."), field="name")
    if customer is None:
        customer = Customer(organization_id=actor.organization_id)
    elif customer.organization_id != actor.organization_id:
        raise DomainError(_("Unknown customer."))
    customer.name, customer.industry, customer.notes = (
        name[:200],
        (industry or "")[:100],
        notes or "",
    )
    customer.save()
    return customer


@transaction.atomic
def add_contact(*, actor: Membership, customer: Customer, name: str, title: str = "",
                email: str = "", phone: str = "") -> Contact:  # fmt: skip
    """Add a contact person to a customer."""
    if customer.organization_id != actor.organization_id:
        raise DomainError(_("Unknown customer."))
    if not (name or "").strip():
        raise DomainError(_("A contact needs a name."), field="name")
    return Contact.objects.create(
        customer=customer, name=name.strip(), title=title, email=email, phone=phone
    )


# --- deals --------------------------------------------------------------------------------


def _amount(value: Any, currency: str) -> Decimal:
    """An amount in the organisation's currency: refused with more decimals than the
    currency has (1.5 yen, 1.234 dollars), kept to its minor unit."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise DomainError(_("Enter an amount."), field="amount") from exc
    if not amount.is_finite():
        raise DomainError(_("Enter an amount."), field="amount")
    if amount < 0:
        raise DomainError(_("An amount cannot be negative."), field="amount")
    if amount >= Decimal("1e14"):
        raise DomainError(_("That amount is too large."), field="amount")
    if money.has_finer_digits(amount, currency):
        raise DomainError(money.finer_digits_message(currency), field="amount")
    return money.quantize(amount, currency)


def _probability(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise DomainError(_("Probability is a whole percentage."), field="probability") from exc
    if not 0 <= number <= 100:
        raise DomainError(_("Probability is a percentage (0-100)."), field="probability")
    return number


class DealLookups:
    """What checking new deals reads: the organisation's active members and its stages.

    Read per key when opening one deal; `preload` reads everything once for an import that
    checks thousands of lines.
    """

    def __init__(self, org_id: int) -> None:
        self.org_id = org_id
        self._members: dict[int, Membership | None] = {}
        self._stages: dict[str, Stage | None] = {}
        self._complete = False

    def preload(self) -> DealLookups:
        members = Membership.objects.for_org(self.org_id).filter(active=True)
        self._members = {m.user_id: m for m in members.select_related("user")}
        self._stages = {s.key: s for s in Stage.objects.for_org(self.org_id)}
        self._complete = True
        return self

    def active_members(self) -> list[Membership]:
        """Every active member (after `preload`), with their users."""
        return [m for m in self._members.values() if m is not None]

    def member(self, user_id: int) -> Membership | None:
        """The user's active membership in the organisation, if any."""
        if user_id not in self._members and not self._complete:
            self._members[user_id] = (
                Membership.objects.for_org(self.org_id).filter(user_id=user_id, active=True).first()
            )
        return self._members.get(user_id)

    def inactive_or_foreign(self, user_ids: Iterable[int]) -> set[int]:
        """Those of `user_ids` who are not active members of the organisation."""
        ids = set(user_ids)
        if not self._complete:
            found = Membership.objects.for_org(self.org_id).filter(user_id__in=ids, active=True)
            return ids - set(found.values_list("user_id", flat=True))
        return {i for i in ids if self._members.get(i) is None}

    def stage(self, stage: Stage | str | None) -> Stage:
        """A stage of the organisation by key (or as given), default the first open one."""
        if isinstance(stage, Stage):
            if stage.organization_id != self.org_id:
                raise DomainError(_("Unknown stage."), field="stage")
            return stage
        if stage is None:
            found = self._first_open_stage()
            if found is None:
                raise DomainError(_("Set up the pipeline stages first."), field="stage")
            return found
        if stage not in self._stages and not self._complete:
            self._stages[stage] = Stage.objects.for_org(self.org_id).filter(key=stage).first()
        known = self._stages.get(stage)
        if known is None:
            raise DomainError(_("Unknown stage “%s”.") % stage, field="stage")
        return known

    def _first_open_stage(self) -> Stage | None:
        if not self._complete:
            open_stages = Stage.objects.for_org(self.org_id).filter(outcome=Stage.Outcome.OPEN)
            return open_stages.order_by("order").first()
        candidates = [s for s in self._stages.values() if s and s.outcome == Stage.Outcome.OPEN]
        return min(candidates, key=lambda s: (s.order, s.pk), default=None)


def _members(org_id: int, users: Iterable[User | int], field: str) -> list[int]:
    ids = sorted({u if isinstance(u, int) else u.pk for u in users})
    if DealLookups(org_id).inactive_or_foreign(ids):
        raise DomainError(_("Only active members of this organisation can be added."), field=field)
    return ids


def _stage(org_id: int, stage: Stage | str) -> Stage:
    return DealLookups(org_id).stage(stage)


def _concerns(values: Sequence[Any] | str | None) -> list[tuple[str, bool]]:
    if values is None:
        return []
    if isinstance(values, str):  # a plain string is one open concern
        values = [values]
    result = []
    for value in values:
        if isinstance(value, str):
            text, resolved = value, False
        elif isinstance(value, dict):
            text, resolved = str(value.get("text", "")), bool(value.get("resolved", False))
        else:
            raise DomainError(_("A concern is a text or {text, resolved}."), field="concerns")
        text = text.strip()
        if not text:
            raise DomainError(_("A concern needs a text."), field="concerns")
        result.append((text[:500], resolved))
    return result


def _mark_won_bucket(deal: Deal) -> None:
    if deal.won_user_id and deal.won_date:
        mark_dirty(org_id=deal.organization_id, buckets=[Bucket(deal.won_user_id, deal.won_date)])
        request_rollup(deal.organization_id)


@dataclass(frozen=True)
class NewDeal:
    """A deal that passed `check_new_deal`, ready for `open_deals`."""

    title: str
    owner: Membership
    amount: Decimal
    stage: Stage
    probability: int
    probability_is_manual: bool
    expected_close_date: date | None
    next_step: str
    next_step_date: date | None
    proposal_date: date | None
    term: str
    forecast_category: str
    collaborator_ids: tuple[int, ...]
    concerns: tuple[tuple[str, bool], ...]
    customer: Customer | None = None  # an import adds customers only once all lines passed


def check_new_deal(
    *,
    actor: Membership,
    title: str,
    amount: Any,
    customer: Customer | None = None,
    stage: Stage | str | None = None,
    owner: User | int | None = None,
    collaborators: Iterable[User | int] = (),
    probability: Any = None,
    expected_close_date: date | None = None,
    next_step: str = "",
    next_step_date: date | None = None,
    proposal_date: date | None = None,
    term: str = Deal.Term.SHORT,
    forecast_category: str = Deal.Forecast.PIPELINE,
    concerns: Sequence[Any] | str | None = None,
    lookups: DealLookups | None = None,
) -> NewDeal:
    """Every rule of opening a deal, without writing anything (imports check each line first).

    For oneself; managers for their people; admins for anyone (PermissionDenied otherwise).
    """
    org_id = actor.organization_id
    lookups = lookups or DealLookups(org_id)
    if customer is not None and customer.organization_id != org_id:
        raise DomainError(_("Unknown customer."), field="customer")
    owner_id = actor.user_id if owner is None else (owner if isinstance(owner, int) else owner.pk)
    owner_membership = lookups.member(owner_id)
    if owner_membership is None:
        raise DomainError(_("The owner must be an active member."), field="owner")
    rules.require(access.can_assign_deal_to(actor, owner_membership))
    if not (title or "").strip():
        raise DomainError(_("A deal needs a title."), field="title")
    if term not in Deal.Term.values:
        raise DomainError(_("Term is short or long."), field="term")
    if forecast_category not in Deal.Forecast.values:
        raise DomainError(_("Unknown forecast category."), field="forecast_category")
    start_stage = lookups.stage(stage)
    collaborator_ids = sorted({u if isinstance(u, int) else u.pk for u in collaborators})
    if lookups.inactive_or_foreign(collaborator_ids):
        raise DomainError(
            _("Only active members of this organisation can be added."), field="collaborators"
        )
    concern_rows = _concerns(concerns)
    return NewDeal(
        title=title.strip()[:200],
        owner=owner_membership,
        amount=_amount(amount, actor.organization.currency),
        stage=start_stage,
        probability=start_stage.probability if probability is None else _probability(probability),
        probability_is_manual=probability is not None,
        expected_close_date=expected_close_date,
        next_step=(next_step or "")[:300],
        next_step_date=next_step_date,
        proposal_date=proposal_date,
        term=term,
        forecast_category=forecast_category,
        collaborator_ids=tuple(collaborator_ids),
        concerns=tuple(concern_rows),
        customer=customer,
    )


@transaction.atomic
def open_deals(*, actor: Membership, deals: Sequence[NewDeal]) -> list[Deal]:
    """Write deals checked by `check_new_deal` (customer set) with their first history entry.

    In bulk: a few statements whatever the number of deals. A deal opened in a won stage
    credits its owner today; one opened in a lost stage gets a stock reason.
    """
    org = actor.organization
    now = timezone.now()
    rows: list[Deal] = []
    for new in deals:
        if new.customer is None or new.customer.organization_id != org.pk:
            raise DomainError(_("Unknown customer."), field="customer")
        deal = Deal(
            organization=org,
            title=new.title,
            customer=new.customer,
            owner_id=new.owner.user_id,
            team_id=new.owner.team_id,
            amount=new.amount,
            stage=new.stage,
            probability=new.probability,
            probability_is_manual=new.probability_is_manual,
            expected_close_date=new.expected_close_date,
            next_step=new.next_step,
            next_step_date=new.next_step_date,
            proposal_date=new.proposal_date,
            term=new.term,
            forecast_category=new.forecast_category,
            last_stage_change_at=now,
        )
        if new.stage.outcome == Stage.Outcome.WON:
            deal.closed_at = now
            deal.won_user_id, deal.won_team_id = new.owner.user_id, new.owner.team_id
            deal.won_date = periods.local_date(org, now)
        elif new.stage.outcome == Stage.Outcome.LOST:
            deal.closed_at = now
            deal.lost_reason = _("Closed at entry")
        rows.append(deal)
    Deal.objects.bulk_create(rows, batch_size=500)
    collaborator = Deal.collaborators.through
    collaborator.objects.bulk_create(
        [
            collaborator(deal_id=deal.pk, user_id=user_id)
            for deal, new in zip(rows, deals, strict=True)
            for user_id in new.collaborator_ids
        ],
        batch_size=1000,
    )
    Concern.objects.bulk_create(
        [
            Concern(deal=deal, text=text, resolved=resolved)
            for deal, new in zip(rows, deals, strict=True)
            for text, resolved in new.concerns
        ],
        batch_size=1000,
    )
    StageChange.objects.bulk_create(
        [
            StageChange(
                deal=deal, from_stage=None, to_stage=deal.stage, at=now, by_id=actor.user_id
            )
            for deal in rows
        ],
        batch_size=1000,
    )
    deals_opened.send(sender=Deal, organization_id=org.pk, deals=rows)
    won = {Bucket(d.won_user_id, d.won_date) for d in rows if d.won_user_id and d.won_date}
    if won:
        mark_dirty(org_id=org.pk, buckets=won)
        request_rollup(org.pk)
    return rows


@transaction.atomic
def create_deal(*, actor: Membership, customer: Customer, **details: Any) -> Deal:
    """Open a deal (for oneself; managers for their people; admins for anyone).

    `details` are the keyword arguments of `check_new_deal` (title and amount required).
    """
    new = check_new_deal(actor=actor, customer=customer, **details)
    [deal] = open_deals(actor=actor, deals=[new])
    return deal


def find_or_create_customers(*, actor: Membership, names: Iterable[str]) -> dict[str, Customer]:
    """Customers by lower-cased name; names the organisation lacks are added (in bulk).

    Where several customers share a name, the oldest is used.
    """
    wanted: dict[str, str] = {}
    for name in names:
        clean = (name or "").strip()[:200]
        if clean:
            wanted.setdefault(clean.lower(), clean)
    found: dict[str, Customer] = {}
    existing = Customer.objects.for_org(actor.organization_id).only("id", "organization", "name")
    for customer in existing.order_by("-id"):
        found[customer.name.lower()] = customer  # the oldest of a name is set last and wins
    missing = [
        Customer(organization_id=actor.organization_id, name=name)
        for key, name in wanted.items()
        if key not in found
    ]
    for customer in Customer.objects.bulk_create(missing, batch_size=500):
        found[customer.name.lower()] = customer
    return {key: found[key] for key in wanted}


_EDITABLE = {
    "title", "customer", "amount", "probability", "expected_close_date", "next_step",
    "next_step_date", "proposal_date", "term", "collaborators", "concerns", "owner",
}  # fmt: skip


@transaction.atomic
def update_deal(*, actor: Membership, deal: Deal, **changes: Any) -> Deal:
    """Change a deal's details; a won deal whose amount or owner changes is re-rolled."""
    org = actor.organization
    deal = Deal.objects.for_org(org).select_for_update().get(pk=deal.pk)
    rules.require(access.can_edit_deal(actor, deal))
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise DomainError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    old_bucket = (deal.won_user_id, deal.won_date)
    old_amount = deal.amount
    if "title" in changes:
        if not (changes["title"] or "").strip():
            raise DomainError(_("A deal needs a title."), field="title")
        deal.title = changes["title"].strip()[:200]
    if "customer" in changes:
        if changes["customer"].organization_id != org.pk:
            raise DomainError(_("Unknown customer."), field="customer")
        deal.customer = changes["customer"]
    if "amount" in changes:
        deal.amount = _amount(changes["amount"], org.currency)
    if "probability" in changes:
        if changes["probability"] is None:
            deal.probability, deal.probability_is_manual = deal.stage.probability, False
        else:
            deal.probability, deal.probability_is_manual = (
                _probability(changes["probability"]),
                True,
            )
    for name in ("expected_close_date", "next_step_date", "proposal_date"):
        if name in changes:
            setattr(deal, name, changes[name])
    if "next_step" in changes:
        deal.next_step = (changes["next_step"] or "")[:300]
    if "term" in changes:
        if changes["term"] not in Deal.Term.values:
            raise DomainError(_("Term is short or long."), field="term")
        deal.term = changes["term"]
    if "owner" in changes and changes["owner"] is not None:
        owner_id = changes["owner"] if isinstance(changes["owner"], int) else changes["owner"].pk
        if owner_id != deal.owner_id:
            new_owner = (
                Membership.objects.for_org(org).filter(user_id=owner_id, active=True).first()
            )
            if new_owner is None:
                raise DomainError(_("The owner must be an active member."), field="owner")
            rules.require(access.can_assign_deal_to(actor, new_owner))
            deal.owner_id, deal.team_id = owner_id, new_owner.team_id
    deal.save()
    if "collaborators" in changes:
        deal.collaborators.set(_members(org.pk, changes["collaborators"], "collaborators"))
    if "concerns" in changes:
        rows = _concerns(changes["concerns"])
        deal.concerns.all().delete()
        Concern.objects.bulk_create([Concern(deal=deal, text=t, resolved=r) for t, r in rows])
    if deal.won_date and (
        old_amount != deal.amount or old_bucket != (deal.won_user_id, deal.won_date)
    ):
        _mark_won_bucket(deal)
    return deal


def _close(deal: Deal, stage: Stage, *, lost_reason: str) -> None:
    now = timezone.now()
    deal.closed_at = now
    if stage.outcome == Stage.Outcome.WON:
        owner = Membership.objects.filter(
            organization_id=deal.organization_id, user_id=deal.owner_id
        ).first()
        deal.won_user_id = deal.owner_id
        deal.won_team_id = owner.team_id if owner else deal.team_id
        deal.won_date = periods.local_date(deal.organization, now)
        deal.lost_reason = ""
    else:
        deal.lost_reason = lost_reason[:300]


@transaction.atomic
def move_deal_to_stage(
    *, actor: Membership, deal: Deal, stage: Stage | str, lost_reason: str = ""
) -> Deal:
    """Move a deal to `stage` and record the change once, even when requests race.

    Entering a won stage sets `closed_at` and credits the owner on today's local date;
    entering a lost stage needs a reason; leaving a won stage takes the credit back.
    """
    org = actor.organization
    # Lock the deal row alone: on PostgreSQL a locking SELECT joined to the stage finds no
    # row at all when a concurrent move changed `stage_id` (the re-check after the wait
    # pairs the new deal row with the old stage row), so the stage is read after the lock.
    deal = Deal.objects.for_org(org).select_for_update().get(pk=deal.pk)
    rules.require(access.can_edit_deal(actor, deal))
    target = _stage(org.pk, stage)
    if target.pk == deal.stage_id:
        return deal  # already there: nothing to record
    if target.outcome == Stage.Outcome.LOST and not (lost_reason or "").strip():
        raise DomainError(_("Say why the deal was lost."), field="lost_reason")
    previous = deal.stage
    was_won = (deal.won_user_id, deal.won_date)
    now = timezone.now()
    StageChange.objects.create(
        deal=deal, from_stage=previous, to_stage=target, at=now, by_id=actor.user_id
    )
    deal.stage = target
    deal.last_stage_change_at = now
    if not deal.probability_is_manual:
        deal.probability = target.probability
    if target.outcome == Stage.Outcome.OPEN:
        deal.closed_at = None
        deal.lost_reason = ""
        deal.won_user_id, deal.won_team_id, deal.won_date = None, None, None
    else:
        if previous.outcome == Stage.Outcome.WON:
            deal.won_user_id, deal.won_team_id, deal.won_date = None, None, None
        _close(deal, target, lost_reason=lost_reason.strip())
    deal.save()
    if was_won[0] and was_won[1]:
        mark_dirty(org_id=org.pk, buckets=[Bucket(was_won[0], was_won[1])])
        request_rollup(org.pk)
    _mark_won_bucket(deal)
    return deal


@transaction.atomic
def set_forecast_category(*, actor: Membership, deal: Deal, category: str, note: str = "") -> Deal:
    """The owner sets a deal's forecast category; a manager adjusting it leaves a note."""
    deal = Deal.objects.for_org(actor.organization).select_for_update().get(pk=deal.pk)
    rules.require(access.can_adjust_forecast(actor, deal))
    if category not in Deal.Forecast.values:
        raise DomainError(_("Unknown forecast category."), field="forecast_category")
    if deal.owner_id != actor.user_id and not (note or "").strip():
        raise DomainError(
            _("Leave a note for the owner when you adjust their forecast."), field="forecast_note"
        )
    deal.forecast_category = category
    deal.forecast_note = (note or "").strip()[:300]
    deal.save(update_fields=["forecast_category", "forecast_note", "updated_at"])
    return deal


@transaction.atomic
def add_note(*, actor: Membership, deal: Deal, body: str) -> DealNote:
    """Add a note to a deal's timeline."""
    rules.require(access.can_edit_deal(actor, deal))
    if not (body or "").strip():
        raise DomainError(_("Write something."), field="body")
    return DealNote.objects.create(deal=deal, author_id=actor.user_id, body=body.strip()[:5000])


@transaction.atomic
def delete_deal(*, actor: Membership, deal: Deal) -> None:
    """Delete a deal (owner or admin); a won deal's credit is taken back."""
    deal = Deal.objects.for_org(actor.organization).select_for_update().get(pk=deal.pk)
    rules.require(access.can_delete_deal(actor, deal))
    bucket = (deal.won_user_id, deal.won_date)
    deal.delete()
    if bucket[0] and bucket[1]:
        mark_dirty(org_id=actor.organization_id, buckets=[Bucket(bucket[0], bucket[1])])
        request_rollup(actor.organization_id)


def touch_deal_activity(*, deal_id: int, at: Any) -> None:
    """Record that an activity was logged on a deal (it is not stale)."""
    Deal.objects.filter(pk=deal_id).exclude(last_activity_at__gt=at).update(last_activity_at=at)


# --- concerns -----------------------------------------------------------------------------


@transaction.atomic
def add_concern(*, actor: Membership, deal: Deal, text: str) -> Concern:
    """Record a concern the customer raised (whoever works the deal)."""
    rules.require(access.can_edit_deal(actor, deal))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("A concern needs a text."), field="text")
    return Concern.objects.create(deal=deal, text=text[:500])


@transaction.atomic
def set_concern_resolved(*, actor: Membership, concern: Concern, resolved: bool) -> Concern:
    """Mark a concern resolved, or open it again."""
    rules.require(access.can_edit_deal(actor, concern.deal))
    concern.resolved = resolved
    concern.resolved_at = timezone.now() if resolved else None
    concern.save(update_fields=["resolved", "resolved_at"])
    return concern


# --- saved deal-list views ----------------------------------------------------------------

MAX_SAVED_VIEWS = 50


@transaction.atomic
def save_deal_view(*, actor: Membership, name: str, query: str) -> SavedDealView:
    """Save the actor's deal-list query under a name (the same name is overwritten)."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the view a name."), field="name")
    mine = SavedDealView.objects.for_org(actor.organization_id).filter(user_id=actor.user_id)
    if not mine.filter(name=name[:80]).exists() and mine.count() >= MAX_SAVED_VIEWS:
        raise DomainError(_("You have %d saved views; delete one first.") % MAX_SAVED_VIEWS)
    view, _created = SavedDealView.objects.update_or_create(
        organization_id=actor.organization_id,
        user_id=actor.user_id,
        name=name[:80],
        defaults={"query": (query or "").lstrip("?")[:1000]},
    )
    return view


@transaction.atomic
def delete_deal_view(*, actor: Membership, view: SavedDealView) -> None:
    """Delete one of the actor's own saved views."""
    rules.require(access.can_manage_saved_view(actor, view))
    view.delete()
