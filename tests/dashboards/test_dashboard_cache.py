"""Cached dashboards (dashboards/cache.py) equal a fresh computation right after every kind
of change that can move their numbers, and a second read is served from the cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from accounts.models import Membership, Organization, Team
from accounts.services import provision_organization_defaults
from activities import services as activity_services
from activities.models import Activity
from activities.rollup import drain_all
from dashboards import cache as dashboard_cache
from dashboards.api import as_json
from dashboards.selectors import TeamDashboard, team_board, team_dashboard
from deals import services as deal_services
from deals.models import Customer, Deal
from goals import services as goal_services
from goals.models import Goal, Metric
from motivation import services as motivation_services
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NOW = "2026-04-15T12:00:00+09:00"
DAY = date(2026, 4, 15)


def _fresh(membership: Membership) -> Membership:
    return Membership.objects.select_related("organization", "user").get(pk=membership.pk)


def _board(board: TeamDashboard) -> dict[str, Any]:
    """Everything the JSON and the page show of a team dashboard."""
    return {
        **as_json(board),
        "totals": board.totals,
        "team_goals": [
            (line.goal.pk, line.goal.target, line.progress) for line in board.team_goals
        ],
        "trend": [(line.goal.pk, weeks) for line, weeks in board.weekly_trend],
        "funnel": board.funnel,
        "pipeline": board.pipeline,
        "amounts": [(row.user.pk, row.open_amount, row.pace) for row in board.members],
        "teams": [(row.user.pk, row.membership.team_id) for row in board.members],
        "days_off": board.days_off,
    }


@dataclass
class World:
    org: Organization
    admin: Membership
    team: Team
    sub_team: Team
    other_team: Team
    member: Membership
    teammate: Membership
    sub_rep: Membership
    metrics: dict[str, Metric]
    team_goal: Goal
    deal: Deal
    capture: Any

    def settle(self) -> None:
        with self.capture(execute=True):
            drain_all(org_id=self.org.pk)

    def log(self, who: Membership, day: date, quantity: int, key: str = "new_visit") -> Activity:
        moment = datetime(day.year, day.month, day.day, 10, tzinfo=self.org.tzinfo)
        return activity_services.log_activity(
            actor=_fresh(who), type=key, occurred_at=moment, quantity=quantity
        )


@pytest.fixture
def world(
    org, admin, team, sub_team, other_team, member, teammate, time_machine,
    django_capture_on_commit_callbacks,
) -> World:  # fmt: skip
    time_machine.move_to(NOW)
    provision_organization_defaults(org=org)
    metrics = {m.key: m for m in Metric.objects.for_org(org)}
    sub_rep = MembershipFactory(organization=org, team=sub_team, user__username="sue")
    with django_capture_on_commit_callbacks(execute=True):
        team_goal = goal_services.create_goal(
            actor=_fresh(admin), metric=metrics["new_visit"], scope="team", team=team,
            start=date(2026, 4, 1), end=date(2026, 4, 30), target=Decimal(60),
        )  # fmt: skip
        customer = Customer.objects.create(organization=org, name="Aoba")
        deal = deal_services.create_deal(
            actor=_fresh(teammate), title="Pilot", customer=customer, amount=1000,
            next_step_date=date(2026, 4, 20),
        )  # fmt: skip
    world = World(
        org, admin, team, sub_team, other_team, member, teammate, sub_rep, metrics,
        team_goal, deal, django_capture_on_commit_callbacks,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        world.log(member, date(2026, 4, 10), 5)
        world.log(teammate, date(2026, 4, 13), 2, "effective_negotiation")
        world.log(sub_rep, date(2026, 4, 14), 3)
    world.settle()
    return world


def _cached(world: World, team: Team) -> dict[str, Any]:
    return _board(team_board(world.org, team, kind="month", on=DAY))


def _computed(world: World, team: Team) -> dict[str, Any]:
    return _board(team_dashboard(world.org, team, kind="month", on=DAY))


# --- the changes ------------------------------------------------------------------------------


def log_activity(w: World) -> None:
    with w.capture(execute=True):
        w.log(w.sub_rep, date(2026, 4, 15), 4)


def edit_activity(w: World) -> None:
    activity = Activity.objects.get(user=w.member.user)
    with w.capture(execute=True):
        activity_services.update_activity(actor=_fresh(w.member), activity=activity, quantity=9)


def delete_activity(w: World) -> None:
    activity = Activity.objects.get(user=w.sub_rep.user)
    with w.capture(execute=True):
        activity_services.delete_activity(actor=_fresh(w.sub_rep), activity=activity)


def create_goal(w: World) -> None:
    with w.capture(execute=True):
        goal_services.create_goal(
            actor=_fresh(w.admin), metric=w.metrics["new_visit"], scope="user",
            user=w.member.user, start=date(2026, 4, 1), end=date(2026, 4, 30), target=20,
        )  # fmt: skip


def edit_goal(w: World) -> None:
    with w.capture(execute=True):
        goal_services.update_goal(actor=_fresh(w.admin), goal=w.team_goal, target=Decimal(90))


def cascade_goal(w: World) -> None:
    with w.capture(execute=True):
        goal_services.cascade_goal(actor=_fresh(w.admin), goal=w.team_goal, to="members")


def delete_goal(w: World) -> None:
    with w.capture(execute=True):
        goal_services.delete_goal(actor=_fresh(w.admin), goal=w.team_goal)


def create_deal(w: World) -> None:
    with w.capture(execute=True):
        deal_services.create_deal(
            actor=_fresh(w.member), title="Renewal", customer=w.deal.customer, amount=500,
            next_step_date=date(2026, 4, 1),
        )  # fmt: skip


def win_deal(w: World) -> None:
    with w.capture(execute=True):
        deal_services.move_deal_to_stage(actor=_fresh(w.teammate), deal=w.deal, stage="won")
    w.settle()


def reopen_deal(w: World) -> None:
    win_deal(w)
    with w.capture(execute=True):
        deal_services.move_deal_to_stage(
            actor=_fresh(w.admin), deal=Deal.objects.get(pk=w.deal.pk), stage="proposal"
        )
    w.settle()


def move_deal_owner(w: World) -> None:
    with w.capture(execute=True):
        deal_services.update_deal(actor=_fresh(w.admin), deal=w.deal, owner=w.sub_rep.user)


def log_activity_on_deal(w: World) -> None:
    with w.capture(execute=True):
        activity_services.log_activity(
            actor=_fresh(w.teammate), type="call", quantity=1, deal=w.deal,
            occurred_at=datetime(2026, 4, 15, 9, tzinfo=w.org.tzinfo),
        )  # fmt: skip
    w.settle()


def move_member_to_other_team(w: World) -> None:
    with w.capture(execute=True):
        account_services.update_membership(
            actor=_fresh(w.admin), membership=w.member, team=w.other_team
        )


def reparent_team(w: World) -> None:
    with w.capture(execute=True):
        account_services.update_team(actor=_fresh(w.admin), team=w.sub_team, parent=w.other_team)


def add_day_off(w: World) -> None:
    with w.capture(execute=True):
        account_services.add_day_off(actor=_fresh(w.admin), day=date(2026, 4, 16), name="Offsite")


def check_in(w: World) -> None:
    with w.capture(execute=True):
        motivation_services.record_checkin(actor=_fresh(w.member), score=4, note="Fine")


def rename_person(w: World) -> None:
    with w.capture(execute=True):
        account_services.update_profile(user=w.teammate.user, name="Tess Renamed")


CHANGES: list[Callable[[World], None]] = [
    log_activity,
    edit_activity,
    delete_activity,
    create_goal,
    edit_goal,
    cascade_goal,
    delete_goal,
    create_deal,
    win_deal,
    reopen_deal,
    move_deal_owner,
    log_activity_on_deal,
    move_member_to_other_team,
    reparent_team,
    add_day_off,
    check_in,
    rename_person,
]


def _served(world: World, client: Any, api: Any) -> tuple[bytes, Any, bytes]:
    """The team page's partial, the JSON and the overview's partial, as a browser and an
    API client get them."""
    query = "?period=month&date=2026-04-15"
    page = client.get(f"/o/acme/dashboards/team/{world.team.pk}/{query}", HTTP_HX_REQUEST="true")
    body = api.get(f"/api/v1/orgs/acme/dashboards/team/{world.team.pk}/{query}")
    overview = client.get(f"/o/acme/dashboards/{query}", HTTP_HX_REQUEST="true")
    assert (page.status_code, body.status_code, overview.status_code) == (200, 200, 200)
    return page.content, body.json(), overview.content


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_cached_dashboards_equal_a_fresh_computation_after_each_change(
    world, change, client_for, api_for
):
    client, api = client_for(world.admin), api_for(_fresh(world.admin))
    served_before = _served(world, client, api)
    teams = [world.team, world.sub_team, world.other_team]
    before = {team.pk: _cached(world, team) for team in teams}
    # The second read is the cache's: no query at all.
    with CaptureQueriesContext(connection) as queries:
        again = {team.pk: _cached(world, team) for team in teams}
    assert again == before
    assert queries.captured_queries == []

    change(world)

    after = {team.pk: _cached(world, team) for team in teams}
    for team in teams:
        assert after[team.pk] == _computed(world, team), team.name
    assert after != before, "the change moves a number of some team's dashboard"

    # The pages' partials and the JSON as served: what was cached equals a fresh rendering.
    served = _served(world, client, api)
    dashboard_cache.forget_all()
    assert served == _served(world, client, api)
    assert served[:2] != served_before[:2]
    if change in (log_activity, edit_activity, delete_activity, delete_goal, reparent_team):
        assert served[2] != served_before[2]  # the overview's numbers moved too


def test_a_drain_drops_only_the_boards_of_the_teams_it_touches(world, django_assert_num_queries):
    for team in (world.team, world.sub_team, world.other_team):
        _cached(world, team)
    with world.capture(execute=True):
        world.log(world.sub_rep, date(2026, 4, 15), 1)
    world.settle()
    with django_assert_num_queries(0):
        _cached(world, world.other_team)  # Osaka: untouched, still the cache's
    assert _cached(world, world.sub_team) == _computed(world, world.sub_team)
    assert _cached(world, world.team) == _computed(world, world.team)  # the sub-team's parent


def test_a_deal_turning_stale_with_no_write_drops_the_cached_board(world, time_machine):
    stale_days = world.org.stale_deal_days
    time_machine.move_to(datetime.fromisoformat(NOW) - timedelta(days=stale_days, hours=-1))
    with world.capture(execute=True):
        deal_services.create_deal(
            actor=_fresh(world.member), title="Quiet", customer=world.deal.customer, amount=1
        )
    time_machine.move_to(NOW)
    first = _cached(world, world.team)
    row = next(r for r in first["members"] if r["user"] == world.member.user_id)
    assert row["stale_deals"] == 0
    time_machine.move_to(datetime.fromisoformat(NOW) + timedelta(hours=2))  # same day, later
    later = _cached(world, world.team)
    row = next(r for r in later["members"] if r["user"] == world.member.user_id)
    assert row["stale_deals"] == 1
    assert later == _computed(world, world.team)


def test_the_language_is_part_of_the_key(world):
    from django.utils import translation

    goal_services.create_goal(
        actor=_fresh(world.admin), metric=world.metrics["new_visit"], scope="user",
        user=world.member.user, start=date(2026, 4, 1), end=date(2026, 4, 30), target=20,
    )  # fmt: skip
    with translation.override("en"):
        english = _cached(world, world.team)
    with translation.override("ja"):
        japanese = _cached(world, world.team)
        assert japanese == _computed(world, world.team)
    assert english != japanese


def test_a_cache_that_fails_costs_speed_not_the_answer(world, settings, caplog):
    settings.CACHES = {
        **settings.CACHES,
        "dashboards": {  # nothing listens on port 1
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    assert _cached(world, world.team) == _computed(world, world.team)
    create_goal(world)  # the bump fails too, and the write stands
    assert Goal.objects.filter(user=world.member.user).count() == 1
    assert _cached(world, world.team) == _computed(world, world.team)
    assert "dashboard cache: read failed" in caplog.text
