"""The team dashboard: numbers from the rollups, pace, bottlenecks, deals, alerts, and
a query count that does not grow with the team."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from accounts.models import Membership
from accounts.services import provision_organization_defaults
from activities import services as activity_services
from activities.rollup import drain_all
from dashboards.selectors import team_dashboard
from deals import services as deal_services
from deals.models import Customer
from goals import services as goal_services
from goals.models import Metric
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NOW = "2026-04-15T12:00:00+09:00"


@pytest.fixture
def setup(org, admin, team, sub_team, manager, member, teammate, time_machine):
    time_machine.move_to(NOW)
    provision_organization_defaults(org=org)
    return {m.key: m for m in Metric.objects.for_org(org)}


def _fresh(membership):
    return Membership.objects.select_related("organization", "user").get(pk=membership.pk)


def _log(membership, day, quantity, type_key="new_visit"):
    org = membership.organization
    moment = datetime(day.year, day.month, day.day, 10, tzinfo=org.tzinfo)
    activity_services.log_activity(
        actor=_fresh(membership), type=type_key, occurred_at=moment, quantity=quantity
    )


def _settle(org, capture):
    with capture(execute=True):
        drain_all(org_id=org.pk)


def test_dashboard_shows_each_members_activities_goals_deals_and_alerts(
    org, admin, team, member, teammate, setup, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for who, visits, negotiations in ((member, 20, 10), (teammate, 2, 1)):
            _log(who, date(2026, 4, 10), visits)
            _log(who, date(2026, 4, 10), negotiations, "effective_negotiation")
        goal_services.create_goal(
            actor=_fresh(admin), metric=setup["new_visit"], scope="user", user=teammate.user,
            start=date(2026, 4, 1), end=date(2026, 4, 30), target=100,
        )  # fmt: skip
        customer = Customer.objects.create(organization=org, name="Aoba")
        deal_services.create_deal(
            actor=_fresh(teammate), title="Pilot", customer=customer, amount=1000,
            next_step_date=date(2026, 4, 1),
        )  # fmt: skip
    _settle(org, django_capture_on_commit_callbacks)
    board = team_dashboard(org, team, kind="month", on=date(2026, 4, 15))
    rows = {row.user.pk: row for row in board.members}
    assert set(rows) == {member.user_id, teammate.user_id}
    assert rows[member.user_id].activities == {"new_visit": 20, "effective_negotiation": 10}
    assert board.totals["new_visit"] == 22
    slow = rows[teammate.user_id]
    assert [line.progress.status for line in slow.goals] == ["at_risk"]
    assert (slow.open_deals, slow.overdue_next_steps) == (1, 1)
    assert slow.bottleneck == "new_visit"
    kinds = {(a.user.pk, a.kind) for a in board.alerts}
    assert (teammate.user_id, "behind_pace") in kinds
    assert board.alerts[0].user.pk == teammate.user_id  # most behind first
    assert "New visit (month goal) at" in board.alerts[0].detail


def test_team_dashboard_counts_sub_team_activity_but_not_other_teams(
    org, team, sub_team, other_team, setup, django_capture_on_commit_callbacks
):
    sub_rep = MembershipFactory(organization=org, team=sub_team)
    outsider_rep = MembershipFactory(organization=org, team=other_team)
    with django_capture_on_commit_callbacks(execute=True):
        _log(sub_rep, date(2026, 4, 9), 4)
        _log(outsider_rep, date(2026, 4, 9), 7)
    _settle(org, django_capture_on_commit_callbacks)
    board = team_dashboard(org, team, kind="month", on=date(2026, 4, 15))
    assert board.totals.get("new_visit") == 4
    assert sub_rep.user_id in {row.user.pk for row in board.members}


def test_week_and_quarter_periods_follow_the_org_calendar(org, team, setup):
    week = team_dashboard(org, team, kind="week", on=date(2026, 4, 15))
    quarter = team_dashboard(org, team, kind="quarter", on=date(2026, 4, 15))
    assert (week.period.start, week.period.last) == (date(2026, 4, 13), date(2026, 4, 19))
    assert (quarter.period.start, quarter.period.last) == (date(2026, 4, 1), date(2026, 6, 30))


def _populate(org, admin, team, setup, people):
    customer = Customer.objects.create(organization=org, name="Big Co")
    for _ in range(people):
        rep = MembershipFactory(organization=org, team=team)
        _log(rep, date(2026, 4, 8), 3)
        goal_services.create_goal(
            actor=_fresh(admin), metric=setup["new_visit"], scope="user", user=rep.user,
            start=date(2026, 4, 1), end=date(2026, 4, 30), target=50,
        )  # fmt: skip
        deal_services.create_deal(actor=_fresh(rep), title="Deal", customer=customer, amount=10)
    drain_all(org_id=org.pk)


@pytest.mark.parametrize("people", [5, 50])
def test_dashboard_query_count_does_not_grow_with_the_team(
    org, admin, team, setup, people, django_assert_max_num_queries, api_for
):
    _populate(org, admin, team, setup, people)
    with django_assert_max_num_queries(20):
        board = team_dashboard(org, team, kind="month", on=date(2026, 4, 15))
    assert len(board.members) >= people
    with django_assert_max_num_queries(26):
        response = api_for(_fresh(admin)).get(f"/api/v1/orgs/acme/dashboards/team/{team.pk}/")
    assert response.status_code == 200


def test_api_shape_and_period_switch(
    org, admin, team, member, setup, api_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _log(member, date(2026, 4, 14), 2)
    _settle(org, django_capture_on_commit_callbacks)
    client = api_for(_fresh(admin))
    body = client.get(
        f"/api/v1/orgs/acme/dashboards/team/{team.pk}/?period=week&date=2026-04-14"
    ).json()
    assert set(body) == {"team", "period", "members", "team_targets", "alerts"}
    assert body["period"] == {"start": "2026-04-13", "end": "2026-04-19"}
    row = next(m for m in body["members"] if m["user"] == member.user_id)
    assert row["activities"] == {"new_visit": 2}
    assert row["last_checkin"] is None
    assert {"goals", "bottleneck", "open_deals", "stale_deals"} <= set(row)
    bad = client.get(f"/api/v1/orgs/acme/dashboards/team/{team.pk}/?period=decade")
    assert bad.status_code == 400
    assert "period" in bad.json()
    assert (
        client.get(f"/api/v1/orgs/acme/dashboards/team/{team.pk}/?date=yesterday").status_code
        == 400
    )


def test_only_the_teams_managers_and_admins_see_it(
    org, team, member, manager, other_manager, outsider, api_for, setup
):
    url = f"/api/v1/orgs/acme/dashboards/team/{team.pk}/"
    assert api_for(_fresh(manager)).get(url).status_code == 200
    assert api_for(_fresh(other_manager)).get(url).status_code == 403
    assert api_for(_fresh(member)).get(url).status_code == 403
    assert api_for(outsider).get(url).status_code == 404
    assert (
        api_for(_fresh(manager)).get("/api/v1/orgs/acme/dashboards/team/99999/").status_code == 404
    )


def test_each_row_shows_the_latest_check_in_and_the_latest_1_1_held(
    org, admin, team, manager, member, teammate, setup, api_for
):
    from motivation import services as motivation_services

    motivation_services.record_checkin(actor=_fresh(member), score=4, day=date(2026, 4, 6))
    motivation_services.record_checkin(actor=_fresh(member), score=2, day=date(2026, 4, 14))
    motivation_services.hold_one_on_one(
        actor=_fresh(manager), member=_fresh(member), day=date(2026, 4, 10)
    )
    # Planned for next week: not yet held, so not the latest 1:1.
    motivation_services.hold_one_on_one(
        actor=_fresh(manager), member=_fresh(member), day=date(2026, 4, 22)
    )

    body = api_for(_fresh(admin)).get(f"/api/v1/orgs/acme/dashboards/team/{team.pk}/").json()

    rows = {m["user"]: m for m in body["members"]}
    assert rows[member.user_id]["last_checkin"] == "2026-04-14"
    assert rows[member.user_id]["last_one_on_one"] == "2026-04-10"
    assert rows[teammate.user_id]["last_checkin"] is None
    assert rows[teammate.user_id]["last_one_on_one"] is None
