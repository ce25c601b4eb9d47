"""Cascades and breakdowns always sum exactly to their parent goal."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership
from goals import selectors, services
from goals.models import Goal, Metric
from salesmgmt.errors import Conflict, DomainError
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


@given(
    total_units=st.integers(1, 10**9),
    weights=st.lists(st.integers(0, 1000), min_size=1, max_size=40),
    places=st.sampled_from([0, 2]),
)
def test_allocate_sums_exactly_and_respects_the_quantum(total_units, weights, places):
    quantum = Decimal(1).scaleb(-places)
    total = Decimal(total_units) * quantum
    parts = services.allocate(total, [Decimal(w) for w in weights], quantum)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    assert all(p == p.quantize(quantum) for p in parts)
    if sum(weights):
        # nobody is off their exact share by a whole quantum or more
        for part, weight in zip(parts, weights, strict=True):
            exact = total * Decimal(weight) / Decimal(sum(weights))
            assert abs(part - exact) < quantum


def test_allocate_gives_the_remainder_to_the_largest_fractions():
    assert services.allocate(Decimal(100), [Decimal(1)] * 3, Decimal(1)) == [34, 33, 33]
    assert services.allocate(Decimal("1000.00"), [Decimal(1)] * 3, Decimal("0.01")) == [
        Decimal("333.34"),
        Decimal("333.33"),
        Decimal("333.33"),
    ]


@pytest.fixture
def metrics(org):
    from accounts.services import provision_organization_defaults

    provision_organization_defaults(org=org)
    return {m.key: m for m in Metric.objects.for_org(org)}


@pytest.fixture
def new_visits(metrics):
    return metrics["new_visit"]


def _team_goal(admin, team, metric, target, start=date(2026, 4, 1), end=date(2026, 6, 30)):
    return services.create_goal(
        actor=admin, metric=metric, scope="team", team=team, start=start, end=end, target=target
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(target=st.integers(1, 100_000), people=st.integers(1, 9))
def test_cascade_to_members_sums_to_the_parent(org, admin, new_visits, target, people):
    team = TeamFactory(organization=org)
    for _ in range(people):
        MembershipFactory(organization=org, team=team)
    goal = _team_goal(admin, team, new_visits, target)
    children = services.cascade_goal(actor=admin, goal=goal, to="members", strategy="even")
    assert sum(c.target for c in children) == goal.target
    assert {c.scope for c in children} == {"user"}
    assert all(c.start == goal.start and c.end == goal.end for c in children)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(target_cents=st.integers(1, 10**10), grain=st.sampled_from(["month", "week", "day"]))
def test_breakdown_sums_to_the_target_along_working_days(org, admin, metrics, target_cents, grain):
    goal = services.create_goal(
        actor=admin,
        metric=metrics["revenue"],
        scope="org",
        start=date(2026, 4, 1),
        end=date(2026, 9, 30),
        # In the metric's currency's minor unit (yen: whole yen).
        target=max(
            (Decimal(target_cents) / 100).quantize(metrics["revenue"].quantum, ROUND_DOWN),
            metrics["revenue"].quantum,
        ),
    )
    rows = selectors.breakdown(goal, grain)
    assert sum(r.target for r in rows) == goal.target
    assert rows[0].start == goal.start
    assert rows[-1].end == goal.end
    if grain == "day":
        weekend = [r for r in rows if r.start.weekday() >= 5]
        assert all(r.target == 0 for r in weekend)


def test_cascade_by_weights_refuses_ids_not_under_the_goal(
    org, admin, team, sub_team, other_team, new_visits
):
    goal = _team_goal(admin, team, new_visits, 100)
    with pytest.raises(DomainError):
        services.cascade_goal(
            actor=admin, goal=goal, to="teams", strategy="weights", weights={str(other_team.pk): 1}
        )
    assert not goal.children.exists()
    children = services.cascade_goal(
        actor=admin, goal=goal, to="teams", strategy="weights", weights={str(sub_team.pk): 3}
    )
    assert [(c.team_id, c.target) for c in children] == [(sub_team.pk, Decimal(100))]


def test_a_goal_cannot_be_cascaded_twice(org, admin, team, member, teammate, new_visits):
    goal = _team_goal(admin, team, new_visits, 10)
    services.cascade_goal(actor=admin, goal=goal, to="members")
    with pytest.raises(Conflict):
        services.cascade_goal(actor=admin, goal=goal, to="members")
    assert goal.children.count() == 2


def test_last_period_share_falls_back_to_even_without_history(
    org, admin, team, member, teammate, new_visits
):
    goal = _team_goal(admin, team, new_visits, 9)
    children = services.cascade_goal(actor=admin, goal=goal, to="members", strategy="last_period")
    assert sorted(c.target for c in children) == [Decimal(4), Decimal(5)]


def test_last_period_share_follows_history(
    org, admin, team, member, teammate, new_visits, time_machine
):
    from activities.rollup import drain_all
    from activities.services import log_activity

    time_machine.move_to("2026-03-15T10:00:00+09:00")
    member_m = Membership.objects.select_related("organization").get(pk=member.pk)
    mate_m = Membership.objects.select_related("organization").get(pk=teammate.pk)
    log_activity(actor=member_m, type="new_visit", quantity=30)
    log_activity(actor=mate_m, type="new_visit", quantity=10)
    drain_all(org_id=org.pk)
    time_machine.move_to("2026-04-02T10:00:00+09:00")
    goal = _team_goal(admin, team, new_visits, 100, start=date(2026, 4, 1), end=date(2026, 4, 30))
    children = {c.user_id: c.target for c in services.cascade_goal(
        actor=admin, goal=goal, to="members", strategy="last_period")}  # fmt: skip
    assert children == {member.user_id: Decimal(75), teammate.user_id: Decimal(25)}


def test_child_period_must_lie_inside_the_parent(org, admin, team, new_visits):
    parent = _team_goal(admin, team, new_visits, 10)
    with pytest.raises(DomainError):
        services.create_goal(
            actor=admin, metric=new_visits, scope="team", team=team, parent=parent,
            start=parent.start - timedelta(days=1), end=parent.end, target=1,
        )  # fmt: skip


@pytest.mark.parametrize("target", [0, -5, "abc", "1.5"])
def test_bad_targets_are_refused(org, admin, team, new_visits, target):
    with pytest.raises(DomainError):
        _team_goal(admin, team, new_visits, target)
    assert not Goal.objects.exists()


def test_members_cannot_set_goals_and_managers_only_for_their_teams(
    org, member, manager, other_team, team, new_visits
):
    with pytest.raises(PermissionDenied):
        _team_goal(member, team, new_visits, 5)
    with pytest.raises(PermissionDenied):
        _team_goal(manager, other_team, new_visits, 5)
    assert _team_goal(manager, team, new_visits, 5).team_id == team.pk


def test_stale_version_is_a_conflict(org, admin, team, new_visits):
    goal = _team_goal(admin, team, new_visits, 10)
    services.update_goal(actor=admin, goal=goal, version=goal.version, target=12)
    with pytest.raises(Conflict):
        services.update_goal(actor=admin, goal=goal, version=goal.version, target=14)
    goal.refresh_from_db()
    assert goal.target == 12


def test_a_template_applies_once_per_period(org, admin, team, member, teammate, new_visits):
    goal = _team_goal(admin, team, new_visits, 10, start=date(2026, 4, 1), end=date(2026, 4, 30))
    services.cascade_goal(actor=admin, goal=goal, to="members")
    template = services.save_cascade_template(
        actor=admin, goal=goal, name="Monthly visits", to="members", strategy="weights"
    )
    made = services.apply_cascade_template(actor=admin, template=template, on=date(2026, 5, 10))
    assert (made.start, made.end) == (date(2026, 5, 1), date(2026, 5, 31))
    assert sum(c.target for c in made.children.all()) == made.target
    with pytest.raises(DomainError):
        services.apply_cascade_template(actor=admin, template=template, on=date(2026, 5, 20))
    assert Goal.objects.filter(start=date(2026, 5, 1), parent=None).count() == 1
