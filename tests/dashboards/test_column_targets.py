"""The target of each activity column on the team dashboard: one goal's, for the dates the
column counts, labelled with which goal it is; never a sum of overlapping goals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.services import provision_organization_defaults
from activities import services as activity_services
from activities.rollup import drain_all
from dashboards.selectors import team_dashboard, team_dashboard_page
from goals import services as goal_services
from goals.models import Metric

pytestmark = pytest.mark.django_db

NOW = "2026-12-04T12:00:00+09:00"  # fiscal year from April: Q3 is October-December


@pytest.fixture
def metrics(org, admin, team, manager, member, teammate, time_machine):
    time_machine.move_to(NOW)
    provision_organization_defaults(org=org)
    return {m.key: m for m in Metric.objects.for_org(org)}


def _fresh(membership):
    return Membership.objects.select_related("organization", "user", "team").get(pk=membership.pk)


def _log(membership, day, quantity, type_key="new_visit"):
    org = membership.organization
    moment = datetime(day.year, day.month, day.day, 10, tzinfo=org.tzinfo)
    activity_services.log_activity(
        actor=_fresh(membership), type=type_key, occurred_at=moment, quantity=quantity
    )


def _goal(admin, metric, start, end, target, **scope):
    kind = "user" if "user" in scope else "team"
    return goal_services.create_goal(
        actor=_fresh(admin), metric=metric, scope=kind, start=start, end=end, target=target,
        **scope,
    )  # fmt: skip


MONTH = (date(2026, 12, 1), date(2026, 12, 31))
YEAR = (date(2026, 4, 1), date(2027, 3, 31))


@pytest.fixture
def kaito(org, admin, member, metrics, django_capture_on_commit_callbacks):
    """The issue's example: a December goal of 60 and a fiscal-year goal of 70 new visits;
    140 visits in November and 9 in December."""
    with django_capture_on_commit_callbacks(execute=True):
        _log(member, date(2026, 11, 10), 140)
        _log(member, date(2026, 12, 1), 9)
        month = _goal(admin, metrics["new_visit"], *MONTH, 60, user=member.user)
        year = _goal(admin, metrics["new_visit"], *YEAR, 70, user=member.user)
    with django_capture_on_commit_callbacks(execute=True):
        drain_all(org_id=org.pk)
    return {"month": month, "year": year}


def _row(board, membership):
    return next(row for row in board.members if row.user.pk == membership.user_id)


def test_the_month_view_reads_the_month_goal_not_the_sum_with_the_year_goal(
    org, team, member, kaito
):
    board = team_dashboard(org, team, kind="month", on=date(2026, 12, 4))
    row = _row(board, member)
    chosen = row.targets["new_visit"]
    assert row.activities["new_visit"] == 9
    assert (chosen.target, chosen.basis, chosen.goal) == (Decimal(60), "goal", kaito["month"])
    assert chosen.label == "month goal"
    # No team goal: the team total is the sum of the members' column targets, and says so.
    total = board.team_targets["new_visit"]
    assert (total.target, total.basis, total.goal) == (Decimal(60), "members", None)
    assert "members" in total.label


def test_the_quarter_view_takes_the_year_goals_share_never_a_month_goal(org, team, member, kaito):
    board = team_dashboard(org, team, kind="quarter", on=date(2026, 12, 4))
    row = _row(board, member)
    chosen = row.targets["new_visit"]
    assert row.activities["new_visit"] == 149
    assert (chosen.basis, chosen.goal, chosen.label) == (
        "share",
        kaito["year"],
        "share of year goal",
    )
    assert Decimal(0) < chosen.target < Decimal(70)  # the quarter's months of the year's split


def test_a_quarter_view_with_only_month_goals_shows_no_target(
    org, admin, team, member, metrics, manager, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _log(member, date(2026, 11, 10), 140)
        _log(member, date(2026, 12, 1), 9)
        _goal(admin, metrics["new_visit"], *MONTH, 60, user=member.user)
    with django_capture_on_commit_callbacks(execute=True):
        drain_all(org_id=org.pk)
    page = team_dashboard_page(org, _fresh(manager), team, kind="quarter", on=date(2026, 12, 4))
    line = next(line for line in page.lines if line.row.user.pk == member.user_id)
    cell = {cell.key: cell for cell in line.cells}["new_visit"]
    assert (cell.count, cell.target) == (149, None)  # never "149 / 60"
    assert {cell.key: cell.target for cell in page.total_cells}["new_visit"] is None


def test_the_team_total_reads_the_team_goal_of_the_period(
    org, admin, team, member, teammate, metrics, manager, client_for, kaito,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        _goal(admin, metrics["new_visit"], *YEAR, 700, user=teammate.user)
        team_goal = _goal(admin, metrics["new_visit"], *MONTH, 360, team=team)
    board = team_dashboard(org, team, kind="month", on=date(2026, 12, 4))
    total = board.team_targets["new_visit"]
    assert (total.target, total.basis, total.goal, total.label) == (
        Decimal(360), "goal", team_goal, "team month goal"
    )  # fmt: skip
    assert _row(board, teammate).targets["new_visit"].basis == "share"

    response = client_for(manager).get(
        reverse("dashboards:team_dashboard", kwargs={"org_slug": org.slug, "team_id": team.pk})
    )
    html = response.content.decode()
    assert "/ 60" in html
    assert "/ 130" not in html
    for label in ("month goal", "share of year goal", "team month goal"):
        assert label in html


def test_the_api_gives_each_columns_target_and_its_basis(org, admin, team, member, kaito, api_for):
    body = (
        api_for(_fresh(admin))
        .get(f"/api/v1/orgs/{org.slug}/dashboards/team/{team.pk}/?period=month&date=2026-12-04")
        .json()
    )
    row = next(m for m in body["members"] if m["user"] == member.user_id)
    chosen = row["targets"]["new_visit"]
    assert Decimal(chosen.pop("target")) == 60
    assert chosen == {"basis": "goal", "goal": kaito["month"].pk, "label": "month goal"}
    assert body["team_targets"]["new_visit"]["basis"] == "members"


# --- the weekly attainment chart ------------------------------------------------------------


def test_the_month_view_charts_the_weeks_of_the_month_of_a_year_long_team_goal(
    org, admin, team, member, metrics, django_capture_on_commit_callbacks
):
    from dashboards.charts import team_charts

    with django_capture_on_commit_callbacks(execute=True):
        _goal(admin, metrics["new_visit"], *YEAR, 520, team=team)
        _log(member, date(2026, 12, 1), 6)  # a Tuesday: its week starts on Monday, Nov 30
    with django_capture_on_commit_callbacks(execute=True):
        drain_all(org_id=org.pk)
    board = team_dashboard(org, team, kind="month", on=date(2026, 12, 4))
    ((_line, weeks),) = board.weekly_trend
    assert [week for week, _target, _actual in weeks] == [
        date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14), date(2026, 12, 21),
        date(2026, 12, 28),
    ]  # fmt: skip
    assert weeks[0][2] == 6
    assert all(actual is None for _week, _target, actual in weeks[1:])  # not started yet
    trend = team_charts(board)["trend"]
    assert trend is not None
    data = trend["series"][0]["data"]
    assert data[0] > 0
    assert data[1:] == [None] * 4
    assert board.trend_note is None


def test_a_chart_without_data_says_why(org, admin, team, manager, metrics, client_for):
    _goal(admin, metrics["new_visit"], *YEAR, 520, team=team)
    page_url = reverse(
        "dashboards:team_dashboard", kwargs={"org_slug": org.slug, "team_id": team.pk}
    )
    client = client_for(manager)
    html = client.get(page_url, {"period": "month", "date": "2027-01-10"}).content.decode()
    assert 'data-testid="chart-trend-empty"' in html
    assert "This period has not started yet" in html
    html = client.get(page_url, {"period": "month", "date": "2027-06-10"}).content.decode()
    assert "No team goal covers this period." in html


# --- who needs attention ----------------------------------------------------------------------


def test_who_needs_attention_names_the_goal_and_ranks_what_to_act_on_first(
    org, admin, team, member, teammate, metrics, time_machine, django_capture_on_commit_callbacks
):
    from deals import services as deal_services
    from deals.models import Customer
    from tests.factories import MembershipFactory

    several, old, fresh = (MembershipFactory(organization=org, team=team) for _ in range(3))
    customer = Customer.objects.create(organization=org, name="Aoba")

    def deals(owner, n):
        for i in range(n):
            deal_services.create_deal(
                actor=_fresh(owner), title=f"Deal {i}", customer=customer, amount=10
            )

    time_machine.move_to("2026-10-01T12:00:00+09:00")  # 64 days before: old
    deals(old, 1)
    time_machine.move_to("2026-11-14T12:00:00+09:00")  # 20 days before: stale, not old
    deals(several, 3)
    deals(fresh, 1)
    deals(teammate, 1)
    time_machine.move_to(NOW)
    with django_capture_on_commit_callbacks(execute=True):
        for who in (member, several, old, fresh):
            _log(who, date(2026, 12, 3), 1)
        _goal(admin, metrics["new_visit"], *MONTH, 100, user=member.user)
        # November's goal, missed: history, not a reason to act now
        _goal(admin, metrics["new_visit"], date(2026, 11, 1), date(2026, 11, 30), 50,
              user=several.user)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        drain_all(org_id=org.pk)

    board = team_dashboard(org, team, kind="month", on=date(2026, 12, 4))
    acted_on = {"behind_pace", "no_activity", "stale_deals"}
    ranked = [(a.user.pk, a.kind) for a in board.alerts if a.kind in acted_on]
    assert ranked == [
        (member.user_id, "behind_pace"),  # a current goal behind pace
        (teammate.user_id, "no_activity"),  # nothing logged (their one stale deal is recent)
        (several.user_id, "stale_deals"),  # three stale deals
        (old.user_id, "stale_deals"),  # one deal untouched for 64 days
    ]
    stale = {a.user.pk for a in board.alerts if a.kind == "stale_deals"}
    assert fresh.user_id not in stale  # one recently stale deal
    assert board.alerts[0].detail.startswith("New visit (month goal) at ")
    assert board.alerts[0].detail.endswith("% of pace")
    oldest = [a for a in board.alerts if a.kind == "stale_deals"][1]
    assert oldest.detail == "1 stale deal, untouched for 64 days"
    assert oldest.since == date(2026, 10, 1)
    # motivation's kinds too (no 1:1, no kudos yet), each in its band: no 1:1 above stale
    # deals, no recognition last
    kinds = [a.kind for a in board.alerts]
    assert kinds.index("no_one_on_one") < kinds.index("stale_deals")
    assert set(kinds[-5:]) == {"no_recognition"}
