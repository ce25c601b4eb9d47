"""Goal progress at scale: a drain refreshes only the goals it feeds, set-based (issue 11).

- The work of one drain does not grow with the organisation's goal count: draining one
  bucket costs the same number of queries with 10 and with 1,000 unrelated goals, and
  leaves the unrelated goals untouched.
- Property: after random sequences of activity writes (log, edit, delete), won and
  reopened deals, manual entries, goal creates/edits/cascades/deletes, person and team
  moves and drains, every stored actual, weekly and monthly actual equals a from-source
  recompute (`goals.services.compute_actuals`, the goal-by-goal re-read, is the oracle).
- Edits of period, target, scope and metric, cascades and deletions keep stored progress
  equal to a recompute; closing ended goals is set-based and idempotent; running the
  same refresh twice (R1, R11) writes the same rows.
"""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, rule

from accounts.models import Membership
from accounts.services import update_membership, update_team
from activities import rollup
from activities.models import Activity, ActivityType
from activities.services import (
    delete_activity,
    ensure_default_activity_types,
    log_activity,
    update_activity,
)
from deals import services as deal_services
from deals.models import Deal
from goals import progress, services
from goals.models import Goal, GoalPeriodActual, GoalProgress, Metric
from salesmgmt import periods
from salesmgmt.errors import Conflict, DomainError
from tests.deals.factories import CustomerFactory, default_stages
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory

NOW = datetime(2026, 5, 20, 3, 0, tzinfo=UTC)


def _fresh(membership: Membership) -> Membership:
    return Membership.objects.select_related("organization", "user", "team").get(pk=membership.pk)


def assert_progress_exact(org_id: int) -> None:
    """Every open goal's stored actual and period actuals equal a from-source recompute."""
    goals = Goal.objects.filter(organization_id=org_id, closed_at=None).select_related(
        "metric", "organization"
    )
    for goal in goals:
        actual, per_period = services.compute_actuals(goal)
        stored_actual, stored_periods = progress.stored_actuals(goal)
        assert stored_actual == actual, (goal.pk, goal.scope, stored_actual, actual)
        assert stored_periods == per_period, (goal.pk, goal.scope)
        assert GoalProgress.objects.filter(goal=goal).exists(), goal.pk


# --- a drain's work does not grow with the organisation's goals --------------------------------


def _drain_one_bucket(unrelated: int) -> tuple[int, list[str], dict[str, Decimal]]:
    """Build an organisation with `unrelated` goals no change feeds, log one visit, drain."""
    with time_machine.travel(NOW, tick=False):
        org = OrganizationFactory()
        ensure_default_activity_types(org=org)
        services.ensure_default_metrics(org=org)
        metrics = {m.key: m for m in Metric.objects.for_org(org)}
        root = TeamFactory(organization=org)
        team = TeamFactory(organization=org, parent=root)
        elsewhere = TeamFactory(organization=org)
        rep = MembershipFactory(organization=org, team=team)
        others = [MembershipFactory(organization=org, team=elsewhere) for _ in range(5)]
        month = periods.month_of(periods.today(org))
        span = {"start": month.start, "end": month.last, "target": Decimal(10)}
        visit = metrics["new_visit"]
        fed = {
            "user": Goal.objects.create(
                organization=org, metric=visit, scope="user", user=rep.user, **span
            ),
            "team": Goal.objects.create(
                organization=org, metric=visit, scope="team", team=team, **span
            ),
            "root": Goal.objects.create(
                organization=org, metric=visit, scope="team", team=root, **span
            ),
            "org": Goal.objects.create(organization=org, metric=visit, scope="org", **span),
        }
        # Unrelated: other people's and teams' goals, other metrics, other periods.
        kinds = [
            {"metric": visit, "scope": "user", "user": others[0].user},
            {"metric": visit, "scope": "team", "team": elsewhere},
            {"metric": metrics["call"], "scope": "user", "user": rep.user},
            {"metric": metrics["revenue"], "scope": "team", "team": team},
            {"metric": visit, "scope": "user", "user": rep.user, "start": month.end},
        ]
        filler = []
        for i in range(unrelated):
            kind = dict(kinds[i % len(kinds)])
            start = typing.cast(date, kind.pop("start", month.start))
            filler.append(
                Goal(
                    organization=org,
                    start=start,
                    end=start + timedelta(days=27),
                    target=Decimal(5),
                    **kind,
                )
            )
        Goal.objects.bulk_create(filler)
        progress.refresh_open_goals(org_id=org.pk)
        untouched = dict(
            GoalProgress.objects.exclude(goal__in=fed.values())
            .filter(goal__organization=org)
            .values_list("goal_id", "computed_at")
        )
        log_activity(actor=_fresh(rep), type="new_visit", quantity=3)
        with CaptureQueriesContext(connection) as queries:
            assert rollup.drain(org_id=org.pk) == 1
        actuals = {k: GoalProgress.objects.get(goal=g).actual for k, g in fed.items()}
        still = dict(
            GoalProgress.objects.exclude(goal__in=fed.values())
            .filter(goal__organization=org)
            .values_list("goal_id", "computed_at")
        )
        assert still == untouched  # no unrelated goal was rewritten
        assert len(untouched) == unrelated
        assert_progress_exact(org.pk)
    return len(queries), [q["sql"] for q in queries.captured_queries], actuals


@pytest.mark.django_db
def test_draining_one_bucket_costs_the_same_queries_with_10_or_1000_unrelated_goals():
    few, few_sql, few_actuals = _drain_one_bucket(10)
    many, many_sql, many_actuals = _drain_one_bucket(1000)
    assert few == many, (few_sql, many_sql)
    assert few <= 30
    assert few_actuals == many_actuals == {k: Decimal(3) for k in ("user", "team", "root", "org")}


# --- property: any sequence keeps stored progress equal to a recompute --------------------------

FAST = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TYPES = ("new_visit", "call", "proposal")
reps = st.integers(0, 3)
days_back = st.integers(0, 45)
local_times = st.sampled_from([time(0, 15), time(9, 0), time(23, 45)])


class ProgressMachine(RuleBasedStateMachine):
    """One organisation per run: a root team with two sub-teams (one nested), four reps."""

    activities = Bundle("activities")
    deals = Bundle("deals")
    goals = Bundle("goals")

    @initialize(
        zone=st.sampled_from(["Asia/Tokyo", "America/Los_Angeles", "Europe/London"]),
        week_start=st.integers(0, 6),
        fiscal=st.sampled_from([1, 4, 10]),
    )
    def build_org(self, zone: str, week_start: int, fiscal: int) -> None:
        self.clock = time_machine.travel(NOW, tick=False)
        self.clock.start()
        self.org = OrganizationFactory(  # in dollars: the deals' quarter amounts have cents
            timezone=zone, week_start=week_start, fiscal_year_start_month=fiscal, currency="USD"
        )
        ensure_default_activity_types(org=self.org)
        services.ensure_default_metrics(org=self.org)
        default_stages(self.org)
        self.admin = MembershipFactory(organization=self.org, role=Membership.Role.ADMIN)
        root = TeamFactory(organization=self.org)
        south = TeamFactory(organization=self.org, parent=root)
        self.teams = [root, south, TeamFactory(organization=self.org, parent=south)]
        self.teams.append(TeamFactory(organization=self.org))
        self.reps = [MembershipFactory(organization=self.org, team=self.teams[i]) for i in range(4)]
        self.customer = CustomerFactory(organization=self.org)
        types = {t.key: t for t in ActivityType.objects.for_org(self.org)}
        self.metrics = list(Metric.objects.for_org(self.org).filter(key__in=TYPES))
        self.metrics += list(
            Metric.objects.for_org(self.org).exclude(source=Metric.Source.ACTIVITY)
        )
        self.metrics.append(
            services.create_metric(
                actor=self._admin(),
                key="touches",
                name="Touches",
                source=Metric.Source.ACTIVITY,
                activity_types=[types["call"], types["proposal"]],
            )
        )
        self.metrics.append(
            services.create_metric(
                actor=self._admin(), key="surveys", name="Surveys", source=Metric.Source.MANUAL
            )
        )

        # Goals of every source and scope over a few periods, so every run has work to check.
        month = periods.month_of(self._today())
        last_month = periods.month_of(month.start - timedelta(days=1))
        quarter = periods.fiscal_quarter_of(self.org, self._today())
        spans = [(month.start, month.last), (last_month.start, last_month.last)]
        spans.append((quarter.start, quarter.last))
        by_key = {m.key: m for m in self.metrics}
        scopes: list[dict[str, object]] = [{"scope": "org"}]
        scopes += [{"scope": "team", "team": self.teams[i]} for i in (0, 2)]
        scopes += [{"scope": "user", "user": self.reps[i].user} for i in (0, 2)]

        def make_all() -> None:
            for key in ("new_visit", "touches", "revenue", "deals_won", "surveys"):
                for start, end in spans:
                    for scope in scopes:
                        services.create_goal(
                            actor=self._admin(),
                            metric=by_key[key],
                            start=start,
                            end=end,
                            target=50,
                            **scope,  # type: ignore[arg-type]
                        )

        self._settle(make_all)

    def teardown(self) -> None:
        if hasattr(self, "org"):
            self.drain()
            self.clock.stop()

    # --- helpers ---------------------------------------------------------------------------

    def _admin(self) -> Membership:
        return _fresh(self.admin)

    def _today(self) -> date:
        return periods.today(self.org)

    def _moment(self, back: int, at: time) -> datetime:
        day = self._today() - timedelta(days=back)
        return datetime.combine(day, at, tzinfo=self.org.tzinfo)

    def _settle(self, run: object) -> None:
        """Run on-commit callbacks (goal refresh tasks) as a real commit would."""
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            run()  # type: ignore[operator]

    # --- activities ------------------------------------------------------------------------

    @rule(
        target=activities,
        rep=reps,
        kind=st.sampled_from(TYPES),
        back=days_back,
        at=local_times,
        n=st.integers(1, 5),
    )
    def log(self, rep: int, kind: str, back: int, at: time, n: int) -> int:
        return log_activity(
            actor=_fresh(self.reps[rep]), type=kind, occurred_at=self._moment(back, at), quantity=n
        ).pk

    @rule(
        activity=activities,
        kind=st.sampled_from(TYPES),
        back=days_back,
        rep=reps,
        n=st.integers(1, 5),
        what=st.sampled_from(["type", "date", "owner", "quantity"]),
    )
    def edit(self, activity: int, kind: str, back: int, rep: int, n: int, what: str) -> None:
        found = Activity.objects.filter(pk=activity).first()
        if found is None:
            return
        change = {
            "type": {"type": kind},
            "date": {"occurred_at": self._moment(back, time(12, 0))},
            "owner": {"user": self.reps[rep].user_id},
            "quantity": {"quantity": n},
        }[what]
        update_activity(actor=self._admin(), activity=found, **change)

    @rule(activity=activities)
    def delete(self, activity: int) -> None:
        found = Activity.objects.filter(pk=activity).first()
        if found is not None:
            delete_activity(actor=self._admin(), activity=found)

    # --- deals ----------------------------------------------------------------------------

    @rule(target=deals, rep=reps, amount=st.integers(1, 9000), won=st.booleans())
    def open_deal(self, rep: int, amount: int, won: bool) -> int:
        return deal_services.create_deal(
            actor=_fresh(self.reps[rep]),
            title="Deal",
            customer=self.customer,
            amount=Decimal(amount) / 4,
            stage="won" if won else "lead",
        ).pk

    @rule(deal=deals, stage=st.sampled_from(["won", "proposal", "won", "lead"]))
    def move_deal(self, deal: int, stage: str) -> None:
        found = Deal.objects.filter(pk=deal).first()
        if found is not None:
            deal_services.move_deal_to_stage(actor=self._admin(), deal=found, stage=stage)

    # --- manual entries -----------------------------------------------------------------------

    @rule(rep=reps, back=st.integers(0, 20), value=st.integers(-3, 9))
    def check_in(self, rep: int, back: int, value: int) -> None:
        metric = next(m for m in self.metrics if m.key == "surveys")
        self._settle(
            lambda: services.log_manual_entry(
                actor=_fresh(self.reps[rep]),
                metric=metric,
                day=self._today() - timedelta(days=back),
                value=value,
            )
        )

    # --- goals ----------------------------------------------------------------------------

    @rule(
        target=goals,
        metric=st.integers(0, 7),
        scope=st.sampled_from(["org", "team", "user"]),
        who=st.integers(0, 3),
        kind=st.sampled_from(["week", "month", "quarter", "year"]),
        back=st.integers(0, 60),
    )
    def create_goal(self, metric: int, scope: str, who: int, kind: str, back: int) -> int:
        period = periods.period_of(self.org, kind, self._today() - timedelta(days=back))
        made: list[Goal] = []
        self._settle(
            lambda: made.append(
                services.create_goal(
                    actor=self._admin(),
                    metric=self.metrics[metric % len(self.metrics)],
                    scope=scope,
                    team=self.teams[who] if scope == "team" else None,
                    user=self.reps[who].user if scope == "user" else None,
                    start=period.start,
                    end=period.last,
                    target=100,
                )
            )
        )
        return made[0].pk

    @rule(
        goal=goals,
        shift=st.integers(-20, 20),
        grow=st.integers(-10, 30),
        new_target=st.integers(1, 500),
    )
    def edit_goal(self, goal: int, shift: int, grow: int, new_target: int) -> None:
        found = Goal.objects.filter(pk=goal).first()
        if found is None or found.parent_id is not None or found.children.exists():
            return
        start = found.start + timedelta(days=shift)
        end = max(start, found.end + timedelta(days=shift + grow))
        self._settle(
            lambda: services.update_goal(
                actor=self._admin(), goal=found, start=start, end=end, target=new_target
            )
        )

    @rule(goal=goals, to=st.sampled_from(["teams", "members"]))
    def cascade(self, goal: int, to: str) -> None:
        found = Goal.objects.filter(pk=goal).first()
        if found is None:
            return
        try:
            self._settle(lambda: services.cascade_goal(actor=self._admin(), goal=found, to=to))
        except (DomainError, Conflict):  # a goal that cannot be split that way (by design)
            return

    @rule(goal=goals)
    def delete_goal(self, goal: int) -> None:
        found = Goal.objects.filter(pk=goal).first()
        if found is not None:
            services.delete_goal(actor=self._admin(), goal=found)

    # --- people and teams ---------------------------------------------------------------------

    @rule(rep=reps, team=st.integers(0, 3))
    def move_rep(self, rep: int, team: int) -> None:
        update_membership(actor=self._admin(), membership=self.reps[rep], team=self.teams[team])
        self.reps[rep].refresh_from_db()

    @rule(parent=st.sampled_from([None, 0, 3]))
    def move_team(self, parent: int | None) -> None:
        """The nested team moves under another parent (or to the top)."""
        nested = self.teams[2]
        nested.refresh_from_db()
        self._settle(
            lambda: update_team(
                actor=self._admin(),
                team=nested,
                parent=None if parent is None else self.teams[parent],
            )
        )

    # --- drains and reconcile -------------------------------------------------------------------

    @rule()
    def drain(self) -> None:
        rollup.drain_all(org_id=self.org.pk)
        assert_progress_exact(self.org.pk)

    @rule(limit=st.integers(1, 3))
    def partial_drain(self, limit: int) -> None:
        rollup.drain(org_id=self.org.pk, limit=limit)

    @rule()
    def rebuild(self) -> None:
        rollup.rebuild_range(org_id=self.org.pk)
        rollup.drain_all(org_id=self.org.pk)
        assert_progress_exact(self.org.pk)


@pytest.mark.django_db
def test_any_sequence_of_changes_keeps_stored_goal_progress_equal_to_a_recompute():
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(ProgressMachine, settings=FAST)


# --- edits, cascades, deletions, closing, idempotence ---------------------------------------------


@pytest.fixture
def cast(org, admin, team, sub_team, member, teammate):
    with time_machine.travel(NOW, tick=False):
        ensure_default_activity_types(org=org)
        services.ensure_default_metrics(org=org)
        sub_rep = MembershipFactory(organization=org, team=sub_team)
        for rep, back, n, kind in [
            (member, 1, 2, "new_visit"),
            (member, 9, 1, "new_visit"),
            (teammate, 3, 4, "call"),
            (sub_rep, 35, 5, "new_visit"),
            (sub_rep, 2, 1, "call"),
        ]:
            day = periods.today(org) - timedelta(days=back)
            log_activity(
                actor=_fresh(rep),
                type=kind,
                occurred_at=datetime.combine(day, time(10), tzinfo=org.tzinfo),
                quantity=n,
            )
        rollup.drain_all(org_id=org.pk)
    return {"org": org, "admin": admin, "team": team, "sub": sub_team, "member": member}


def _make(cast, django_capture_on_commit_callbacks, **fields):
    metric = Metric.objects.for_org(cast["org"]).get(key=fields.pop("metric", "new_visit"))
    with django_capture_on_commit_callbacks(execute=True):
        return services.create_goal(
            actor=_fresh(cast["admin"]),
            metric=metric,
            start=fields.pop("start", date(2026, 4, 1)),
            end=fields.pop("end", date(2026, 6, 30)),
            target=fields.pop("target", 10),
            **fields,
        )


@pytest.mark.django_db
def test_goal_edits_of_period_target_scope_and_metric_keep_progress_equal_to_a_recompute(
    cast, django_capture_on_commit_callbacks
):
    org = cast["org"]
    goal = _make(cast, django_capture_on_commit_callbacks, scope="team", team=cast["team"])
    assert_progress_exact(org.pk)
    assert GoalProgress.objects.get(goal=goal).actual == 8  # 2 + 1 + 5, sub-team included
    with django_capture_on_commit_callbacks(execute=True):
        services.update_goal(
            actor=_fresh(cast["admin"]), goal=goal, start=date(2026, 5, 10), target=7
        )
    assert_progress_exact(org.pk)
    assert GoalProgress.objects.get(goal=goal).actual == 3  # the back-dated visit fell out
    assert not GoalPeriodActual.objects.filter(goal=goal, period_start__lt=date(2026, 5, 10))
    # Scope and metric changes (admin tools write the row; the refresh follows the goal).
    Goal.objects.filter(pk=goal.pk).update(scope="user", team=None, user=cast["member"].user)
    services.refresh_progress(goal_ids=[goal.pk])
    assert GoalProgress.objects.get(goal=goal).actual == 3
    call = Metric.objects.for_org(org).get(key="call")
    Goal.objects.filter(pk=goal.pk).update(scope="org", user=None, metric=call)
    services.refresh_progress(goal_ids=[goal.pk])
    assert GoalProgress.objects.get(goal=goal).actual == 5
    assert_progress_exact(org.pk)


@pytest.mark.django_db
def test_cascades_and_deletions_keep_progress_equal_to_a_recompute(
    cast, django_capture_on_commit_callbacks
):
    org = cast["org"]
    parent = _make(cast, django_capture_on_commit_callbacks, scope="team", team=cast["team"])
    with django_capture_on_commit_callbacks(execute=True):
        children = services.cascade_goal(actor=_fresh(cast["admin"]), goal=parent, to="members")
    assert children
    assert_progress_exact(org.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_goal(actor=_fresh(cast["admin"]), goal=parent)
    assert not GoalProgress.objects.filter(goal__organization=org).exists()
    assert not GoalPeriodActual.objects.filter(goal__organization=org).exists()


@pytest.mark.django_db
def test_refreshing_twice_writes_the_same_rows(cast, django_capture_on_commit_callbacks):
    """R1 / R11 for goal progress: a repeated refresh or drain changes nothing."""
    goal = _make(cast, django_capture_on_commit_callbacks, scope="org")

    def rows():
        return sorted(
            GoalPeriodActual.objects.filter(goal=goal).values_list(
                "grain", "period_start", "actual"
            )
        ), GoalProgress.objects.get(goal=goal).actual

    first = rows()
    services.refresh_progress(goal_ids=[goal.pk, goal.pk])
    services.refresh_progress(goal_ids=[goal.pk])
    assert rollup.drain_all(org_id=cast["org"].pk) == 0
    assert rows() == first
    assert first[1] == 8


@pytest.mark.django_db
def test_closing_ended_goals_is_set_based_and_idempotent(
    cast, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    org = cast["org"]
    reached = _make(
        cast,
        django_capture_on_commit_callbacks,
        scope="org",
        start=date(2026, 4, 1),
        end=date(2026, 4, 30),
        target=5,
    )
    missed = _make(
        cast,
        django_capture_on_commit_callbacks,
        scope="user",
        user=cast["member"].user,
        start=date(2026, 4, 1),
        end=date(2026, 4, 30),
        target=5,
    )
    running = _make(cast, django_capture_on_commit_callbacks, scope="org")
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(12):
        assert services.close_ended_goals(org=org) == 2
    reached.refresh_from_db()
    missed.refresh_from_db()
    running.refresh_from_db()
    assert (reached.result, reached.final_actual) == ("reached", Decimal(5))
    assert (missed.result, missed.final_actual) == ("missed", Decimal(0))
    assert running.closed_at is None
    with time_machine.travel(NOW, tick=False):
        assert services.close_ended_goals(org=org) == 0


@pytest.mark.django_db
def test_moving_a_team_updates_the_team_goals_above_it_old_and_new(
    cast, other_team, django_capture_on_commit_callbacks
):
    org = cast["org"]
    old_parent = _make(cast, django_capture_on_commit_callbacks, scope="team", team=cast["team"])
    new_parent = _make(cast, django_capture_on_commit_callbacks, scope="team", team=other_team)
    assert GoalProgress.objects.get(goal=old_parent).actual == 8  # sub-team's 5 included
    assert GoalProgress.objects.get(goal=new_parent).actual == 0
    with django_capture_on_commit_callbacks(execute=True):
        update_team(actor=_fresh(cast["admin"]), team=cast["sub"], parent=other_team)
    assert GoalProgress.objects.get(goal=old_parent).actual == 3
    assert GoalProgress.objects.get(goal=new_parent).actual == 5
    assert_progress_exact(org.pk)
