"""Reads of the deals app shared by pages, the API and dashboards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.models import Membership, Organization, Team, User
from accounts.selectors import team_and_descendant_ids
from deals import access
from deals.filters import CustomerFilter, DealFilter
from deals.models import Customer, DailyDealWon, Deal, ForecastSnapshot, Stage, StageChange
from salesmgmt import periods


def stale_cutoff(org: Organization) -> datetime:
    return timezone.now() - timedelta(days=org.stale_deal_days)


def with_staleness(qs: QuerySet[Deal], org: Organization) -> QuerySet[Deal]:
    """Annotate `last_touched` (latest stage change or linked activity) and `is_stale`."""
    cutoff = stale_cutoff(org)
    return qs.annotate(
        last_touched=Greatest(
            Coalesce("last_stage_change_at", "created_at"),
            Coalesce("last_activity_at", "created_at"),
        )
    ).annotate(is_stale=Q(stage__outcome=Stage.Outcome.OPEN) & Q(last_touched__lt=cutoff))


def filter_deals(
    actor: Membership,
    data: Mapping[str, Any] | None,
    *,
    queryset: QuerySet[Deal] | None = None,
    for_page: bool = False,
    board: bool = False,
) -> DealFilter:
    """The actor's visible deals (or `queryset`, a part of them) narrowed by `data`
    (q, owner, team, stage, open, stale); staleness is annotated for the filter and rows."""
    deals = access.deals_visible_to(actor) if queryset is None else queryset
    if "is_stale" not in deals.query.annotations:
        deals = with_staleness(deals, actor.organization)
    return DealFilter(data, queryset=deals, actor=actor, for_page=for_page, board=board)


def filter_customers(
    actor: Membership, data: Mapping[str, Any] | None, *, queryset: QuerySet[Customer] | None = None
) -> CustomerFilter:
    """The organisation's customers (or `queryset`, a part of them) narrowed by `data` (q)."""
    customers = access.customers_visible_to(actor) if queryset is None else queryset
    return CustomerFilter(data, queryset=customers)


# The deal list page's sortable columns: URL value -> ORDER BY expression.
SORTS: dict[str, Any] = {
    "title": F("title"),
    "customer": F("customer__name"),
    "owner": F("owner__name"),
    "stage": F("stage__order"),
    "amount": F("amount"),
    "close": F("expected_close_date"),
    "next": F("next_step_date"),
    "touched": F("last_touched"),
}
DEFAULT_SORT = "-touched"


def chosen_sort(value: str | None) -> str:
    """The list's sort key (`amount`, `-touched`…): a valid one, else the default."""
    value = value or ""
    return value if value.lstrip("-") in SORTS and value.count("-") <= 1 else DEFAULT_SORT


def sorted_deals(deals: QuerySet[Deal], sort: str) -> QuerySet[Deal]:
    """Deals (with staleness annotated) in the list's sort order; empty values last."""
    key = chosen_sort(sort)
    expression = SORTS[key.lstrip("-")]
    ordered = (
        expression.desc(nulls_last=True) if key.startswith("-") else expression.asc(nulls_last=True)
    )
    return deals.order_by(ordered, "-id")


@dataclass(frozen=True)
class StageRow:
    stage: Stage
    count: int
    amount: Decimal
    weighted: Decimal


@dataclass(frozen=True)
class OwnerLoad:
    user: User
    open_count: int
    open_amount: Decimal
    stale_count: int
    overdue_next_steps: int


@dataclass(frozen=True)
class PipelineReport:
    stages: list[StageRow]
    owners: list[OwnerLoad]


def pipeline(org: Organization, *, team: Team | None = None) -> PipelineReport:
    """Open deals by stage (count, amount, probability-weighted) and each owner's load."""
    qs = Deal.objects.for_org(org).filter(stage__outcome=Stage.Outcome.OPEN)
    if team is not None:
        qs = qs.filter(team_id__in=team_and_descendant_ids(org, team))
    stages = list(Stage.objects.for_org(org).filter(outcome=Stage.Outcome.OPEN).order_by("order"))
    by_stage: dict[int, tuple[int, Decimal, Decimal]] = defaultdict(
        lambda: (0, Decimal(0), Decimal(0))
    )
    for row in qs.values("stage_id", "amount", "probability"):
        count, amount, weighted = by_stage[row["stage_id"]]
        by_stage[row["stage_id"]] = (
            count + 1,
            amount + row["amount"],
            weighted + row["amount"] * row["probability"] / 100,
        )
    today = periods.today(org)
    owners_rows = (
        with_staleness(qs, org)
        .values("owner_id")
        .annotate(
            open_count=Count("id"),
            open_amount=Sum("amount"),
            stale_count=Count("id", filter=Q(is_stale=True)),
            overdue=Count("id", filter=Q(next_step_date__lt=today)),
        )
        .order_by("-open_amount")
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=[r["owner_id"] for r in owners_rows])}
    return PipelineReport(
        stages=[
            StageRow(
                s, by_stage[s.pk][0], by_stage[s.pk][1], by_stage[s.pk][2].quantize(Decimal("0.01"))
            )
            for s in stages
        ],
        owners=[
            OwnerLoad(
                users[r["owner_id"]],
                r["open_count"],
                r["open_amount"] or Decimal(0),
                r["stale_count"],
                r["overdue"],
            )
            for r in owners_rows
        ],
    )


@dataclass(frozen=True)
class Forecast:
    """A quarter's forecast in cumulative categories, as sales teams read them: best case
    includes commit, pipeline includes best case (so commit <= best case <= pipeline).
    `by_category` keeps each category's own open amount (what the snapshots store)."""

    quarter: periods.Period
    quota: Decimal | None
    closed: Decimal
    commit: Decimal  # open deals called commit
    best_case: Decimal  # commit + open deals called best case
    pipeline: Decimal  # best case + open deals called pipeline
    snapshots: list[ForecastSnapshot]
    by_category: dict[str, Decimal]

    @property
    def expected(self) -> Decimal:
        """Closed + commit: what the quarter is expected to bring."""
        return self.closed + self.commit

    @property
    def attainment(self) -> float | None:
        """Closed + commit over the quota (above 1 when the quota is beaten); None without."""
        return float(self.expected / self.quota) if self.quota else None


def forecast(org: Organization, *, team: Team | None, on: date | None = None) -> Forecast:
    """The quarter's forecast: won so far + commit + best case (open deals closing this quarter)."""
    from goals.models import Goal, Metric

    day = on or periods.today(org)
    quarter = periods.fiscal_quarter_of(org, day)
    team_ids = team_and_descendant_ids(org, team) if team is not None else None
    won = DailyDealWon.objects.filter(
        organization=org, date__gte=quarter.start, date__lt=quarter.end
    )
    if team_ids is not None:
        won = won.filter(team_id__in=team_ids)
    closed = won.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    open_deals = Deal.objects.for_org(org).filter(
        stage__outcome=Stage.Outcome.OPEN,
        expected_close_date__gte=quarter.start,
        expected_close_date__lt=quarter.end,
    )
    if team_ids is not None:
        open_deals = open_deals.filter(team_id__in=team_ids)
    sums = {
        row["forecast_category"]: row["total"]
        for row in open_deals.values("forecast_category").annotate(total=Sum("amount")).order_by()
    }
    quota_goals = Goal.objects.for_org(org).filter(
        metric__source=Metric.Source.DEALS_WON_AMOUNT,
        start__lte=quarter.start,
        end__gte=quarter.last,
    )
    quota_goals = (
        quota_goals.filter(scope="team", team=team)
        if team is not None
        else quota_goals.filter(scope="org")
    )
    goal = quota_goals.order_by("end", "id").first()
    quota = None
    if goal is not None:
        # The quota for this quarter is the goal's quarterly share along working days.
        from goals.selectors import breakdown

        for row in breakdown(goal, "quarter"):
            if row.start <= quarter.start <= row.end:
                quota = row.target
    snapshots = list(
        ForecastSnapshot.objects.for_org(org)
        .filter(team=team, quarter_start=quarter.start)
        .order_by("date")
    )
    by_category: dict[str, Decimal] = {
        key.value: sums.get(key) or Decimal(0)
        for key in (Deal.Forecast.COMMIT, Deal.Forecast.BEST_CASE, Deal.Forecast.PIPELINE)
    }
    commit = by_category[Deal.Forecast.COMMIT]
    best_case = commit + by_category[Deal.Forecast.BEST_CASE]
    return Forecast(
        quarter=quarter,
        quota=quota,
        closed=closed,
        commit=commit,
        best_case=best_case,
        pipeline=best_case + by_category[Deal.Forecast.PIPELINE],
        snapshots=snapshots,
        by_category=by_category,
    )


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # "activity", "stage", "note"
    text: str
    who: str
    obj: Any


def timeline(deal: Deal) -> list[TimelineItem]:
    """A deal's story: its activities, stage changes and notes, newest first."""
    from activities.models import Activity

    items: list[TimelineItem] = []
    for activity in Activity.objects.filter(deal=deal).select_related("type", "user"):
        text = f"{activity.type.name} x {activity.quantity}" + (
            f": {activity.note}" if activity.note else ""
        )
        items.append(
            TimelineItem(
                activity.occurred_at, "activity", text, activity.user.display_name, activity
            )
        )
    for change in StageChange.objects.filter(deal=deal).select_related(
        "from_stage", "to_stage", "by"
    ):
        text = f"{change.from_stage.name if change.from_stage else '-'} -> {change.to_stage.name}"
        items.append(
            TimelineItem(
                change.at, "stage", text, change.by.display_name if change.by else "", change
            )
        )
    for note in deal.notes.select_related("author"):
        items.append(
            TimelineItem(
                note.created_at,
                "note",
                note.body,
                note.author.display_name if note.author else "",
                note,
            )
        )
    return sorted(items, key=lambda item: item.at, reverse=True)


def stage_history(deal: Deal) -> QuerySet[StageChange]:
    return (
        StageChange.objects.filter(deal=deal)
        .select_related("from_stage", "to_stage", "by")
        .order_by("at", "id")
    )


@dataclass(frozen=True)
class WinStats:
    won: int
    lost: int
    win_rate: float | None
    average_cycle_days: float | None
    days_in_stage: dict[str, float]


def win_stats(
    org: Organization, *, team: Team | None = None, since: date | None = None
) -> WinStats:
    """Win rate and average cycle (creation to close) of closed deals; mean days per stage."""
    qs = Deal.objects.for_org(org).exclude(closed_at=None)
    if team is not None:
        qs = qs.filter(team_id__in=team_and_descendant_ids(org, team))
    if since is not None:
        qs = qs.filter(closed_at__date__gte=since)
    won = qs.filter(stage__outcome=Stage.Outcome.WON)
    lost = qs.filter(stage__outcome=Stage.Outcome.LOST)
    n_won, n_lost = won.count(), lost.count()
    cycles = [
        (d.closed_at - d.created_at).total_seconds() / 86400
        for d in qs.only("closed_at", "created_at")
        if d.closed_at is not None
    ]
    spent: dict[str, list[float]] = defaultdict(list)
    changes = (
        StageChange.objects.filter(deal__in=qs)
        .select_related("to_stage")
        .order_by("deal_id", "at", "id")
    )
    previous: StageChange | None = None
    for change in changes:
        if previous is not None and previous.deal_id == change.deal_id:
            spent[previous.to_stage.key].append((change.at - previous.at).total_seconds() / 86400)
        previous = change
    return WinStats(
        won=n_won,
        lost=n_lost,
        win_rate=(n_won / (n_won + n_lost)) if (n_won + n_lost) else None,
        average_cycle_days=(sum(cycles) / len(cycles)) if cycles else None,
        days_in_stage={k: sum(v) / len(v) for k, v in spent.items()},
    )


def weighted_by_close_month(
    org: Organization, *, team: Team | None = None
) -> list[tuple[date, Decimal]]:
    """This quarter's open deals weighted by probability, by expected close month."""
    quarter = periods.fiscal_quarter_of(org, periods.today(org))
    qs = Deal.objects.for_org(org).filter(
        stage__outcome=Stage.Outcome.OPEN,
        expected_close_date__gte=quarter.start,
        expected_close_date__lt=quarter.end,
    )
    if team is not None:
        qs = qs.filter(team_id__in=team_and_descendant_ids(org, team))
    months: dict[date, Decimal] = defaultdict(Decimal)
    for row in qs.values("expected_close_date", "amount", "probability"):
        if row["expected_close_date"] is None:
            continue
        months[row["expected_close_date"].replace(day=1)] += (
            row["amount"] * row["probability"] / 100
        )
    return [(m, v.quantize(Decimal("0.01"))) for m, v in sorted(months.items())]


def won_by(org: Organization, user_id: int, *, start: date, end: date) -> tuple[int, Decimal]:
    """Deals won credited to the person over local dates [start, end]: count and amount
    (from the won-deals rollup)."""
    totals = DailyDealWon.objects.filter(
        organization=org, user_id=user_id, date__gte=start, date__lte=end
    ).aggregate(n=Sum("count"), amount=Sum("amount"))
    return int(totals["n"] or 0), totals["amount"] or Decimal(0)


def open_pipeline_of(org: Organization, user_id: int, *, at: datetime) -> tuple[int, Decimal]:
    """The person's open pipeline at the moment `at`: count and amount of the deals they own
    that were opened before it and not closed by then (from `created_at` and `closed_at`;
    current amounts, in the organisation's currency)."""
    totals = (
        Deal.objects.for_org(org)
        .filter(owner_id=user_id, created_at__lt=at)
        .filter(Q(closed_at=None) | Q(closed_at__gte=at))
        .aggregate(n=Count("id"), amount=Sum("amount"))
    )
    return int(totals["n"] or 0), totals["amount"] or Decimal(0)
