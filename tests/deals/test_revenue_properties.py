"""Property test: won-deal credit through the dirty-bucket pipeline equals a recompute.

A hypothesis state machine drives the real services — open (also straight into won),
win, re-open, lose, amount edits, collaborator changes, reassignments, owner team moves
(`update_membership`), deletions — with the clock moving on and drains at random points.
It keeps its own ledger of what the issue promises: a won deal is credited once, to its
owner and the owner's team *at the moment it was won*, on that local date, for its current
amount. After a drain (whose commit refreshes the goals it touches):

- `DailyDealWon` equals a fresh GROUP BY over `Deal`, and the ledger;
- every revenue and deals-won goal (person, team with sub-teams, organisation; a wide and
  a one-week period) stores as progress exactly the ledger's sum, as `compute_actuals` does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Count, Sum
from django.test import TestCase
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)

from accounts.models import Membership
from accounts.services import update_membership
from activities.rollup import drain, drain_all
from deals import services
from deals.models import DailyDealWon, Deal
from goals.models import Goal, GoalProgress, Metric
from goals.services import compute_actuals, ensure_default_metrics, refresh_progress
from salesmgmt import periods
from tests.deals.factories import CustomerFactory, default_stages
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory
from tests.goals.factories import GoalFactory

NOW = datetime(2026, 5, 20, 14, 45, tzinfo=UTC)  # 23:45 in Tokyo: wins straddle midnight
ZONES = ("Asia/Tokyo", "America/Los_Angeles", "Europe/London", "Pacific/Chatham")
OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")
FAST = settings(
    max_examples=30,
    stateful_step_count=18,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

amounts = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False)
reps = st.integers(0, 3)


@dataclass(frozen=True)
class Credit:
    user_id: int
    team_id: int | None
    day: date


class WonCreditMachine(RuleBasedStateMachine):
    """One organisation per run: an admin, four reps over three teams (one a sub-team)."""

    deals = Bundle("deals")

    @initialize(zone=st.sampled_from(ZONES))
    def build_org(self, zone: str) -> None:
        self.clock = time_machine.travel(NOW, tick=False)
        self.clock_at = self.clock.start()
        self.org = OrganizationFactory.create(timezone=zone, currency="USD")  # cents
        default_stages(self.org)
        ensure_default_metrics(org=self.org)
        north = TeamFactory.create(organization=self.org)
        self.teams = [north, TeamFactory.create(organization=self.org, parent=north)]
        self.teams.append(TeamFactory.create(organization=self.org))
        self.admin = MembershipFactory.create(organization=self.org, role=Membership.Role.ADMIN)
        self.reps = [
            MembershipFactory.create(organization=self.org, team=self.teams[i % 3])
            for i in range(4)
        ]
        self.customer = CustomerFactory.create(organization=self.org)
        self.owner_of: dict[int, int] = {}  # deal id -> rep index
        self.amount_of: dict[int, Decimal] = {}
        self.credits: dict[int, Credit] = {}  # the ledger: deal id -> credit
        self.goals = self._make_goals()
        refresh_progress(goal_ids=[g.pk for g in self.goals])

    def _make_goals(self) -> list[Goal]:
        today = periods.today(self.org)
        windows = [(today - timedelta(days=3), today + timedelta(days=40)), (today, today)]
        windows.append((today + timedelta(days=1), today + timedelta(days=7)))
        scopes = [{"scope": Goal.Scope.ORG}]
        scopes += [{"scope": Goal.Scope.TEAM, "team": team} for team in self.teams]
        scopes += [{"scope": Goal.Scope.USER, "user": rep.user} for rep in self.reps]
        return [
            GoalFactory.create(organization=self.org, metric=metric, start=start, end=end, **scope)
            for metric in Metric.objects.for_org(self.org).exclude(source=Metric.Source.MANUAL)
            if metric.source != Metric.Source.ACTIVITY
            for start, end in windows
            for scope in scopes
        ]

    # --- helpers ---------------------------------------------------------------------------

    def _rep(self, index: int) -> Membership:
        return Membership.objects.select_related("organization", "user").get(pk=self.reps[index].pk)

    def _admin(self) -> Membership:
        return Membership.objects.select_related("organization").get(pk=self.admin.pk)

    def _deal(self, deal_id: int) -> Deal | None:
        return Deal.objects.filter(pk=deal_id).first()

    def _credit_now(self, deal_id: int) -> None:
        owner = self._rep(self.owner_of[deal_id])
        self.credits[deal_id] = Credit(owner.user_id, owner.team_id, periods.today(self.org))

    def _actor(self, deal_id: int, by_owner: bool) -> Membership:
        return self._rep(self.owner_of[deal_id]) if by_owner else self._admin()

    # --- rules -----------------------------------------------------------------------------

    @rule(
        target=deals,
        rep=reps,
        amount=amounts,
        stage=st.sampled_from(["lead", "proposal", "won"]),
        collaborators=st.sets(reps, max_size=3),
    )
    def open_deal(self, rep: int, amount: Decimal, stage: str, collaborators: set[int]) -> int:
        deal = services.create_deal(
            actor=self._rep(rep),
            title="Deal",
            customer=self.customer,
            amount=amount,
            stage=stage,
            collaborators=[self.reps[i].user_id for i in collaborators],
        )
        self.owner_of[deal.pk], self.amount_of[deal.pk] = rep, amount
        if stage == "won":
            self._credit_now(deal.pk)
        return deal.pk

    @rule(deal_id=deals, by_owner=st.booleans())
    def win(self, deal_id: int, by_owner: bool) -> None:
        deal = self._deal(deal_id)
        if deal is None:
            return
        services.move_deal_to_stage(actor=self._actor(deal_id, by_owner), deal=deal, stage="won")
        if deal_id not in self.credits:  # winning a won deal again records nothing
            self._credit_now(deal_id)

    @rule(deal_id=deals, stage=st.sampled_from(OPEN_STAGES), by_owner=st.booleans())
    def reopen(self, deal_id: int, stage: str, by_owner: bool) -> None:
        deal = self._deal(deal_id)
        if deal is None:
            return
        services.move_deal_to_stage(actor=self._actor(deal_id, by_owner), deal=deal, stage=stage)
        self.credits.pop(deal_id, None)

    @rule(deal_id=deals)
    def lose(self, deal_id: int) -> None:
        deal = self._deal(deal_id)
        if deal is None:
            return
        services.move_deal_to_stage(
            actor=self._admin(), deal=deal, stage="lost", lost_reason="Went elsewhere"
        )
        self.credits.pop(deal_id, None)

    @rule(deal_id=deals, amount=amounts, by_owner=st.booleans())
    def edit_amount(self, deal_id: int, amount: Decimal, by_owner: bool) -> None:
        deal = self._deal(deal_id)
        if deal is None:
            return
        services.update_deal(actor=self._actor(deal_id, by_owner), deal=deal, amount=amount)
        self.amount_of[deal_id] = amount

    @rule(deal_id=deals, collaborators=st.sets(reps, max_size=4))
    def change_collaborators(self, deal_id: int, collaborators: set[int]) -> None:
        deal = self._deal(deal_id)
        if deal is None:
            return
        users = [self.reps[i].user_id for i in collaborators]
        services.update_deal(actor=self._admin(), deal=deal, collaborators=users)

    @rule(deal_id=deals, rep=reps)
    def reassign(self, deal_id: int, rep: int) -> None:
        """A new owner takes the deal over; a credit already given stays where it went."""
        deal = self._deal(deal_id)
        if deal is None:
            return
        services.update_deal(actor=self._admin(), deal=deal, owner=self.reps[rep].user_id)
        self.owner_of[deal_id] = rep

    @rule(rep=reps, team=st.integers(0, 3))
    def move_rep_to_team(self, rep: int, team: int) -> None:
        """The owner changes team; credits already given keep the team of their day."""
        new_team = self.teams[team] if team < 3 else None
        update_membership(actor=self._admin(), membership=self._rep(rep), team=new_team)

    @rule(deal_id=consumes(deals))
    def delete(self, deal_id: int) -> None:
        deal = self._deal(deal_id)
        if deal is None:
            return
        services.delete_deal(actor=self._admin(), deal=deal)
        self.credits.pop(deal_id, None)
        self.amount_of.pop(deal_id, None)

    @rule(hours=st.integers(1, 60))
    def time_passes(self, hours: int) -> None:
        self.clock_at.shift(timedelta(hours=hours))

    @rule(limit=st.integers(1, 2))
    def partial_drain(self, limit: int) -> None:
        with TestCase.captureOnCommitCallbacks(execute=True):
            drain(org_id=self.org.pk, limit=limit)

    @rule()
    def settle(self) -> None:
        self._drain_and_check()

    # --- checks ----------------------------------------------------------------------------

    def _drain_and_check(self) -> None:
        with TestCase.captureOnCommitCallbacks(execute=True):
            drain_all(org_id=self.org.pk)
        self._rollup_equals_recompute_and_ledger()
        self._goals_equal_the_ledger()

    def _rollup_equals_recompute_and_ledger(self) -> None:
        stored = {
            (r["user_id"], r["team_id"], r["date"]): (r["amount"], r["count"])
            for r in DailyDealWon.objects.filter(organization=self.org).values()
        }
        assert len(stored) == DailyDealWon.objects.filter(organization=self.org).count()
        fresh = {
            (r["won_user_id"], r["won_team_id"], r["won_date"]): (r["total"], r["n"])
            for r in Deal.objects.filter(organization=self.org, won_date__isnull=False)
            .values("won_user_id", "won_team_id", "won_date")
            .annotate(total=Sum("amount"), n=Count("id"))
            .order_by()
        }
        assert stored == fresh
        ledger: dict[tuple[int, int | None, date], tuple[Decimal, int]] = defaultdict(
            lambda: (Decimal(0), 0)
        )
        for deal_id, credit in self.credits.items():
            total, n = ledger[(credit.user_id, credit.team_id, credit.day)]
            ledger[(credit.user_id, credit.team_id, credit.day)] = (
                total + self.amount_of[deal_id],
                n + 1,
            )
        assert stored == dict(ledger)

    def _expected(self, goal: Goal) -> Decimal:
        teams = None
        if goal.scope == Goal.Scope.TEAM:
            teams = {goal.team_id} | {t.pk for t in self.teams if t.parent_id == goal.team_id}
        total = Decimal(0)
        for deal_id, credit in self.credits.items():
            if not goal.start <= credit.day <= goal.end:
                continue
            if goal.scope == Goal.Scope.USER and credit.user_id != goal.user_id:
                continue
            if teams is not None and credit.team_id not in teams:
                continue
            by_amount = goal.metric.source == Metric.Source.DEALS_WON_AMOUNT
            total += self.amount_of[deal_id] if by_amount else 1
        return total

    def _goals_equal_the_ledger(self) -> None:
        stored = dict(
            GoalProgress.objects.filter(goal__in=self.goals).values_list("goal_id", "actual")
        )
        for goal in Goal.objects.filter(pk__in=[g.pk for g in self.goals]).select_related(
            "metric", "organization"
        ):
            expected = self._expected(goal)
            assert stored[goal.pk] == expected, (goal.scope, goal.metric.key, goal.start)
            assert compute_actuals(goal)[0] == expected

    @invariant()
    def nothing_is_credited_twice(self) -> None:
        if not hasattr(self, "org"):
            return
        won = Deal.objects.filter(organization=self.org, won_date__isnull=False)
        assert set(won.values_list("pk", flat=True)) == set(self.credits)
        for deal in won:
            credit = self.credits[deal.pk]
            assert (deal.won_user_id, deal.won_team_id, deal.won_date) == (
                credit.user_id,
                credit.team_id,
                credit.day,
            )

    def teardown(self) -> None:
        try:
            if hasattr(self, "org"):
                self._drain_and_check()
        finally:
            if hasattr(self, "clock"):
                self.clock.stop()


@pytest.mark.django_db
def test_revenue_progress_equals_a_recompute_after_any_sequence_of_deal_changes():
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(WonCreditMachine, settings=FAST)
