"""Property tests of the rollup invariant (DESIGN "The rollup pipeline"; QUALITY R1, R12, R13).

A hypothesis state machine drives the real services — log, edit (date, type, quantity,
owner), delete, back-dated entries, CSV imports and team moves — with drains at random
points. Between steps every bucket that is *not* marked dirty must already be exact; after
a final drain the whole rollup equals a from-scratch recompute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
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
from activities import rollup
from activities.models import Activity
from activities.services import (
    ActivityImporter,
    delete_activity,
    ensure_default_activity_types,
    log_activity,
    update_activity,
)
from salesmgmt import periods
from salesmgmt.imports import import_now, read_import
from tests.activities.conftest import assert_rollup_exact, dirty_buckets
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory

NOW = datetime(2026, 5, 20, 3, 0, tzinfo=UTC)
TYPES = ("new_visit", "effective_negotiation", "proposal", "call")
ZONES = (
    "Asia/Tokyo",
    "Pacific/Kiritimati",
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
)
FAST = settings(
    max_examples=40,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

days_back = st.integers(min_value=0, max_value=70)  # today … two months back
local_times = st.sampled_from([time(0, 0), time(0, 30), time(9, 15), time(23, 30), time(23, 59)])
quantities = st.integers(min_value=1, max_value=20)


class RollupMachine(RuleBasedStateMachine):
    """One fresh organisation per run: an admin, three reps, two teams."""

    activities = Bundle("activities")

    @initialize(zone=st.sampled_from(ZONES), week_start=st.integers(0, 6))
    def build_org(self, zone: str, week_start: int) -> None:
        self.org = OrganizationFactory(timezone=zone, week_start=week_start)
        ensure_default_activity_types(org=self.org)
        self.teams = [TeamFactory(organization=self.org) for _ in range(2)]
        self.admin = MembershipFactory(organization=self.org, role=Membership.Role.ADMIN)
        self.reps = [
            MembershipFactory(organization=self.org, team=self.teams[i % 2]) for i in range(3)
        ]

    def _rep(self, index: int) -> Membership:
        return self.reps[index]

    def _moment(self, back: int, at: time) -> datetime:
        day = periods.today(self.org) - timedelta(days=back)
        return datetime.combine(day, at, tzinfo=self.org.tzinfo)

    @rule(
        target=activities,
        rep=st.integers(0, 2),
        kind=st.sampled_from(TYPES),
        back=days_back,
        at=local_times,
        quantity=quantities,
    )
    def log(self, rep: int, kind: str, back: int, at: time, quantity: int) -> int:
        owner = self._rep(rep)
        activity = log_activity(
            actor=owner, type=kind, occurred_at=self._moment(back, at), quantity=quantity
        )
        assert (owner.user_id, activity.local_date) in dirty_buckets(self.org.pk)
        return activity.pk

    @rule(target=activities, rep=st.integers(0, 2), kind=st.sampled_from(TYPES))
    def log_now(self, rep: int, kind: str) -> int:
        return log_activity(actor=self._rep(rep), type=kind).pk

    @rule(activity=activities, back=days_back, at=local_times)
    def move_date(self, activity: int, back: int, at: time) -> None:
        self._edit(activity, occurred_at=self._moment(back, at))

    @rule(activity=activities, kind=st.sampled_from(TYPES))
    def change_type(self, activity: int, kind: str) -> None:
        self._edit(activity, type=kind)

    @rule(activity=activities, quantity=quantities)
    def change_quantity(self, activity: int, quantity: int) -> None:
        self._edit(activity, quantity=quantity)

    @rule(activity=activities, rep=st.integers(0, 2))
    def change_owner(self, activity: int, rep: int) -> None:
        self._edit(activity, user=self.reps[rep].user_id)

    def _edit(self, activity_id: int, **changes: object) -> None:
        activity = Activity.objects.filter(pk=activity_id).first()
        if activity is None:  # deleted meanwhile
            return
        old = (activity.user_id, activity.local_date)
        edited = update_activity(actor=self.admin, activity=activity, **changes)
        assert {old, (edited.user_id, edited.local_date)} <= dirty_buckets(self.org.pk)

    @rule(activity=consumes(activities))
    def delete(self, activity: int) -> None:
        found = Activity.objects.filter(pk=activity).first()
        if found is not None:
            delete_activity(actor=self.admin, activity=found)
            assert (found.user_id, found.local_date) in dirty_buckets(self.org.pk)

    @rule(
        rows=st.lists(
            st.tuples(
                st.integers(0, 2), st.sampled_from(TYPES), days_back, local_times, quantities
            ),
            min_size=1,
            max_size=4,
        )
    )
    def import_csv(self, rows: list[tuple[int, str, int, time, int]]) -> None:
        lines = ["user_email,type,occurred_at,quantity,note"]
        for rep, kind, back, at, quantity in rows:
            moment = self._moment(back, at).isoformat()
            lines.append(f"{self.reps[rep].user.email},{kind},{moment},{quantity},imported")
        table = read_import(ActivityImporter, "\n".join(lines) + "\n")
        result = import_now(ActivityImporter, actor=self.admin, table=table)
        assert result.errors == ()
        assert result.created == len(rows)

    @rule(rep=st.integers(0, 2), team=st.integers(0, 1))
    def move_rep_to_team(self, rep: int, team: int) -> None:
        before = dict(
            Activity.objects.filter(user_id=self.reps[rep].user_id).values_list("pk", "team_id")
        )
        update_membership(actor=self.admin, membership=self.reps[rep], team=self.teams[team])
        self.reps[rep].refresh_from_db()  # as the next request would load it
        after = dict(
            Activity.objects.filter(user_id=self.reps[rep].user_id).values_list("pk", "team_id")
        )
        assert after == before  # history keeps its teams

    @rule()
    def drain(self) -> None:
        rollup.drain_all(org_id=self.org.pk)
        assert_rollup_exact(self.org)

    @rule(limit=st.integers(1, 3))
    def partial_drain(self, limit: int) -> None:
        rollup.drain(org_id=self.org.pk, limit=limit)

    @rule()
    def rebuild_everything(self) -> None:
        rollup.rebuild_range(org_id=self.org.pk)
        assert_rollup_exact(self.org, drained=False)

    @invariant()
    def clean_buckets_are_exact(self) -> None:
        """Every bucket not marked dirty already holds exactly the recomputed counts."""
        if not hasattr(self, "org"):
            return
        dirty = dirty_buckets(self.org.pk)
        stored = rollup.stored_counts(self.org.pk)
        fresh = rollup.recompute_from_scratch(self.org.pk)
        for key in set(stored) | set(fresh):
            user_id, _team_id, _type_id, day = key
            if (user_id, day) not in dirty:
                assert stored.get(key) == fresh.get(key), key
        # The coarse totals follow the daily rows at every commit, dirty buckets or not.
        assert rollup.stored_org_daily(self.org.pk) == rollup.org_daily_from_daily(self.org.pk)

    def teardown(self) -> None:
        if hasattr(self, "org"):
            rollup.drain_all(org_id=self.org.pk)
            assert_rollup_exact(self.org)


@pytest.mark.django_db
def test_any_sequence_of_writes_and_drains_ends_with_the_rollup_equal_to_a_recompute():
    from hypothesis.stateful import run_state_machine_as_test

    with time_machine.travel(NOW, tick=False):
        run_state_machine_as_test(
            RollupMachine,
            settings=settings(FAST, stateful_step_count=10),
        )


# --- R13: late evening, midnight and DST in a random time zone ---------------------------------


ANCHORS = {
    "spring": date(2026, 3, 8),  # US spring forward (Europe: 29 March)
    "autumn": date(2026, 11, 1),  # US fall back (Europe: 25 October)
    "plain": date(2026, 5, 17),
}


@pytest.mark.django_db
@FAST
@given(
    season=st.sampled_from(sorted(ANCHORS)),
    zone=st.sampled_from(ZONES),
    week_start=st.integers(0, 6),
    entries=st.lists(
        st.tuples(
            st.integers(-8, 8),
            st.sampled_from([time(0, 30), time(1, 30), time(2, 30), time(23, 30)]),
            st.integers(0, 1),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_activities_near_midnight_or_dst_count_on_their_local_date_in_any_zone(
    season: str, zone: str, week_start: int, entries: list[tuple[int, time, int]]
):
    org = OrganizationFactory(timezone=zone, week_start=week_start)
    ensure_default_activity_types(org=org)
    rep = MembershipFactory(organization=org, team=TeamFactory(organization=org))
    tz = ZoneInfo(zone)
    expected: dict[date, int] = {}
    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC), tick=False):
        for offset, at, fold in entries:
            day = ANCHORS[season] + timedelta(days=offset)
            moment = datetime.combine(day, at, tzinfo=tz).replace(fold=fold)
            # A wall time inside a DST gap names no instant of its own: expect the date the
            # instant really falls on, as a round trip through UTC gives it.
            local_day = moment.astimezone(UTC).astimezone(tz).date()
            activity = log_activity(actor=rep, type="call", occurred_at=moment)
            assert activity.local_date == local_day
            if at in (time(0, 30), time(23, 30)):  # no zone here changes clocks near midnight
                assert local_day == day
            expected[local_day] = expected.get(local_day, 0) + 1
        rollup.drain_all(org_id=org.pk)
    assert_rollup_exact(org)
    stored = {key[3]: value[0] for key, value in rollup.stored_counts(org.pk).items()}
    assert stored == expected
    for day in expected:
        week = periods.week_of(org, day)
        assert day in week
        assert week.start.weekday() == week_start
