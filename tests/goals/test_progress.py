"""Goal progress follows the activity rollup, equals a fresh re-read, and closes at the end."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership
from accounts.services import provision_organization_defaults, update_membership
from activities import services as activity_services
from activities.models import Activity
from activities.rollup import drain_all
from goals import selectors, services
from goals.models import Goal, GoalPeriodActual, GoalProgress, Metric
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

APRIL = (date(2026, 4, 1), date(2026, 4, 30))


@pytest.fixture
def metrics(org):
    provision_organization_defaults(org=org)
    return {m.key: m for m in Metric.objects.for_org(org)}


def _fresh(membership):
    return Membership.objects.select_related("organization", "user").get(pk=membership.pk)


def _log(membership, day, quantity=1, type_key="new_visit"):
    moment = datetime(day.year, day.month, day.day, 11, 0, tzinfo=membership.organization.tzinfo)
    return activity_services.log_activity(
        actor=_fresh(membership), type=type_key, occurred_at=moment, quantity=quantity
    )


def _settle(org, capture):
    with capture(execute=True):
        drain_all(org_id=org.pk)


def _goal(admin, metric, **scope):
    return services.create_goal(
        actor=admin, metric=metric, start=APRIL[0], end=APRIL[1], target=100, **scope
    )


def _actual(goal):
    return GoalProgress.objects.get(goal=goal).actual


@pytest.fixture
def goals(org, admin, team, sub_team, member, metrics, manager, django_capture_on_commit_callbacks):
    nv = metrics["new_visit"]
    with django_capture_on_commit_callbacks(execute=True):
        made = {
            "user": _goal(admin, nv, scope="user", user=member.user),
            "team": _goal(admin, nv, scope="team", team=team),
            "sub": _goal(admin, nv, scope="team", team=sub_team),
            "org": _goal(admin, nv, scope="org"),
        }
    return made


def test_user_goal_counts_only_its_user_and_team_goal_includes_sub_teams(
    org, goals, member, teammate, sub_team, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to("2026-05-02T12:00:00+09:00")
    sub_rep = MembershipFactory(organization=org, team=sub_team)
    with django_capture_on_commit_callbacks(execute=True):
        _log(member, date(2026, 4, 3), 3)
        _log(teammate, date(2026, 4, 4), 2)
        _log(sub_rep, date(2026, 4, 5), 5)
        _log(member, date(2026, 5, 1), 7)  # outside April
    _settle(org, django_capture_on_commit_callbacks)
    assert _actual(goals["user"]) == 3
    assert _actual(goals["sub"]) == 5
    assert _actual(goals["team"]) == 10
    assert _actual(goals["org"]) == 10


def test_weekly_and_monthly_actuals_are_stored(
    org, goals, member, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to("2026-04-20T12:00:00+09:00")
    with django_capture_on_commit_callbacks(execute=True):
        _log(member, date(2026, 4, 1), 2)  # Wednesday: week of Mon 30 March, clipped to 1 April
        _log(member, date(2026, 4, 7), 4)
    _settle(org, django_capture_on_commit_callbacks)
    weeks = dict(
        GoalPeriodActual.objects.filter(goal=goals["user"], grain="week").values_list(
            "period_start", "actual"
        )
    )
    assert weeks == {date(2026, 4, 1): 2, date(2026, 4, 6): 4}
    months = GoalPeriodActual.objects.get(goal=goals["user"], grain="month")
    assert (months.period_start, months.actual) == (date(2026, 4, 1), 6)


def test_moving_a_member_keeps_past_activity_with_the_old_team(
    org, admin, goals, member, other_team, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to("2026-04-20T12:00:00+09:00")
    with django_capture_on_commit_callbacks(execute=True):
        _log(member, date(2026, 4, 3), 3)
        update_membership(actor=_fresh(admin), membership=member, team=other_team)
        _log(member, date(2026, 4, 10), 4)
    _settle(org, django_capture_on_commit_callbacks)
    assert _actual(goals["team"]) == 3
    assert _actual(goals["user"]) == 7


operations = st.lists(
    st.tuples(
        st.sampled_from(["log", "edit_date", "edit_qty", "edit_owner", "delete", "move"]),
        st.integers(0, 40),
        st.integers(1, 9),
        st.booleans(),
    ),
    min_size=1,
    max_size=15,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_progress_equals_a_fresh_recompute_after_any_activity_changes(
    org, admin, goals, member, teammate, other_team, team, ops, django_capture_on_commit_callbacks
):
    start = date(2026, 3, 20)
    with django_capture_on_commit_callbacks(execute=True):
        for op, offset, number, flag in ops:
            day = start + timedelta(days=offset)
            who = member if flag else teammate
            existing = Activity.objects.for_org(org).order_by("id").first()
            if op == "log" or existing is None:
                _log(who, day, number)
            elif op == "edit_date":
                activity_services.update_activity(
                    actor=_fresh(admin), activity=existing,
                    occurred_at=datetime(day.year, day.month, day.day, 9, tzinfo=org.tzinfo),
                )  # fmt: skip
            elif op == "edit_qty":
                activity_services.update_activity(
                    actor=_fresh(admin), activity=existing, quantity=number
                )
            elif op == "edit_owner":
                activity_services.update_activity(
                    actor=_fresh(admin), activity=existing, user=who.user_id
                )
            elif op == "delete":
                activity_services.delete_activity(actor=_fresh(admin), activity=existing)
            else:
                update_membership(
                    actor=_fresh(admin), membership=who, team=other_team if number % 2 else team
                )
    _settle(org, django_capture_on_commit_callbacks)
    for goal in Goal.objects.for_org(org):
        fresh, _weekly = services.compute_actuals(goal)
        assert _actual(goal) == fresh


def test_progress_fields_and_pace(
    org, goals, member, django_capture_on_commit_callbacks, time_machine
):
    # April 2026 in Japan: 21 working days (29 April is a holiday).
    time_machine.move_to("2026-04-15T12:00:00+09:00")
    with django_capture_on_commit_callbacks(execute=True):
        _log(member, date(2026, 4, 14), 20)
    _settle(org, django_capture_on_commit_callbacks)
    goal = Goal.objects.select_related("metric", "progress_row", "organization").get(
        pk=goals["user"].pk
    )
    progress = selectors.progress_of(goal, today=date(2026, 4, 15))
    assert progress.actual == 20
    assert progress.attainment == 0.2
    # 11 of 21 working days have passed by 15 April (inclusive)
    assert progress.expected_to_date == (Decimal(100 * 11) / 21).quantize(Decimal(1))
    assert progress.status == "at_risk"  # 20 against ~52 expected
    assert progress.needed_per_working_day == (Decimal(80) / 11).quantize(Decimal("0.01"))
    assert progress.projected == (Decimal(20) * 21 / 11).quantize(Decimal(1))


def test_ended_goals_close_as_reached_or_missed_even_without_new_activity(
    org, admin, metrics, member, teammate, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to("2026-04-10T12:00:00+09:00")
    nv = metrics["new_visit"]
    with django_capture_on_commit_callbacks(execute=True):
        reached = services.create_goal(actor=admin, metric=nv, scope="user", user=member.user,
                                       start=APRIL[0], end=APRIL[1], target=5)  # fmt: skip
        missed = services.create_goal(actor=admin, metric=nv, scope="user", user=teammate.user,
                                      start=APRIL[0], end=APRIL[1], target=5)  # fmt: skip
        _log(member, date(2026, 4, 9), 6)
        _log(teammate, date(2026, 4, 9), 1)
    _settle(org, django_capture_on_commit_callbacks)
    time_machine.move_to("2026-04-30T23:00:00+09:00")
    assert services.close_ended_goals(org=org) == 0  # the last day is not over yet
    time_machine.move_to("2026-05-01T00:30:00+09:00")
    assert services.close_ended_goals(org=org) == 2
    reached.refresh_from_db()
    missed.refresh_from_db()
    assert (reached.result, reached.final_actual) == ("reached", 6)
    assert (missed.result, missed.final_actual) == ("missed", 1)
    # closed goals keep their final attainment when late activity arrives
    with django_capture_on_commit_callbacks(execute=True):
        _log(teammate, date(2026, 4, 20), 10)
    _settle(org, django_capture_on_commit_callbacks)
    missed.refresh_from_db()
    assert (missed.result, missed.final_actual) == ("missed", 1)
    assert services.close_ended_goals(org=org) == 0
