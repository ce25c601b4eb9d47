"""The dashboard pages as people use them: the team dashboard with its period switch, a
member's numbers over time, the organisation overview and the targets panel of my day."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership
from accounts.services import provision_organization_defaults
from activities import services as activity_services
from activities.rollup import drain_all
from dashboards import cache as dashboard_cache
from deals import services as deal_services
from deals.models import Customer
from goals import services as goal_services
from goals.models import Metric
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db

NOW = "2026-04-15T12:00:00+09:00"  # a Wednesday
HTMX = {"HTTP_HX_REQUEST": "true"}
SCRIPT_NAME = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def metrics(org, admin, team, sub_team, manager, member, teammate, time_machine):
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


def _goal(admin, metric, *, start=date(2026, 4, 1), end=date(2026, 4, 30), target=100, **scope):
    kind = "user" if "user" in scope else "team"
    return goal_services.create_goal(
        actor=_fresh(admin), metric=metric, scope=kind, start=start, end=end, target=target,
        **scope,
    )  # fmt: skip


def _deal(owner, org, *, next_step_date=None, amount=1000, title="Pilot"):
    customer, _ = Customer.objects.get_or_create(organization=org, name="Aoba")
    return deal_services.create_deal(
        actor=_fresh(owner), title=title, customer=customer, amount=amount,
        next_step_date=next_step_date,
    )  # fmt: skip


def url(name, org, **kwargs):
    return reverse(f"dashboards:{name}", kwargs={"org_slug": org.slug, **kwargs})


def text(response) -> str:
    return response.content.decode()


def templates(response) -> list[str]:
    return [t.name for t in response.templates]


@pytest.fixture
def busy_team(org, admin, team, member, teammate, metrics, django_capture_on_commit_callbacks):
    """April 2026 in `team`: visits and negotiations, goals for a person and the team, deals."""
    with django_capture_on_commit_callbacks(execute=True):
        for who, visits, negotiations in ((member, 20, 10), (teammate, 2, 1)):
            _log(who, date(2026, 4, 10), visits)
            _log(who, date(2026, 4, 10), negotiations, "effective_negotiation")
        _goal(admin, metrics["new_visit"], user=teammate.user)
        _goal(admin, metrics["new_visit"], team=team, target=300)
        _deal(teammate, org, next_step_date=date(2026, 4, 1))
    with django_capture_on_commit_callbacks(execute=True):
        drain_all(org_id=org.pk)
    return team


# --- the team dashboard ---------------------------------------------------------------------


def test_the_manager_sees_each_member_the_team_totals_who_needs_attention_and_the_charts(
    org, manager, member, teammate, busy_team, client_for
):
    response = client_for(manager).get(url("team_dashboard", org, team_id=busy_team.pk))

    assert response.status_code == 200
    assert "dashboards/team_dashboard.html" in templates(response)
    html = text(response)
    assert html.count('data-testid="member-row"') == 2
    page = response.context["page"]
    lines = {line.row.user.pk: line for line in page.lines}
    visits = {cell.key: cell for cell in lines[teammate.user_id].cells}["new_visit"]
    assert (visits.count, visits.target.target) == (2, Decimal(100))  # the member's goal
    assert {cell.key: cell.count for cell in page.total_cells}["new_visit"] == 22
    assert (page.open_deals, page.overdue_next_steps) == (1, 1)
    assert 'data-testid="totals-row"' in html
    assert page.board.alerts[0].user.pk == teammate.user_id
    assert "New visit (month goal) at" in html  # the reason in words, naming the goal
    for chart in ("trend", "funnel", "pipeline"):
        assert f'data-chart="{chart}-data"' in html
        # inside a <template>: htmx drops script elements (JSON too) from swapped content
        assert f'<template class="chart-data"><script id="{chart}-data"' in html
    assert url("member_dashboard", org, user_id=teammate.user_id) in html


def test_a_weekly_view_shows_the_weeks_share_of_a_monthly_goal(
    org, manager, teammate, busy_team, client_for
):
    response = client_for(manager).get(
        url("team_dashboard", org, team_id=busy_team.pk), {"period": "week", "date": "2026-04-15"}
    )
    page = response.context["page"]
    line = next(line for line in page.lines if line.row.user.pk == teammate.user_id)
    chosen = {cell.key: cell.target for cell in line.cells}["new_visit"]
    target = chosen.target
    assert (chosen.basis, chosen.label) == ("share", "share of month goal")
    # April 2026 in Japan has 21 working days (Showa Day is a holiday); Apr 13-17 has 5.
    assert Decimal(0) < target < Decimal(100)
    assert (page.nav.period.start, page.nav.period.last) == (date(2026, 4, 13), date(2026, 4, 19))


def test_switching_the_period_with_htmx_returns_only_the_dashboard_partial(
    org, manager, busy_team, client_for
):
    client = client_for(manager)
    address = url("team_dashboard", org, team_id=busy_team.pk)

    response = client.get(address, {"period": "week", "date": "2026-04-15"}, **HTMX)

    assert response.status_code == 200
    assert "dashboards/_team_dashboard.html" in templates(response)
    assert "base.html" not in templates(response)
    html = text(response)
    assert html.lstrip().startswith('<div id="team-dashboard"')
    assert "Apr 13 \u2013 Apr 19, 2026" in html
    assert 'hx-push-url="true"' in html
    assert "HX-Request" in response["Vary"]
    # previous/next move by whole periods of the same kind
    assert "?period=week&amp;date=2026-04-06" in html
    assert "?period=week&amp;date=2026-04-20" in html
    restore = client.get(
        address, {"period": "week"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "base.html" in templates(restore)


def test_quarter_and_previous_month_follow_the_organisations_calendar(
    org, manager, busy_team, client_for
):
    client = client_for(manager)
    address = url("team_dashboard", org, team_id=busy_team.pk)
    quarter = client.get(address, {"period": "quarter"}).context["page"].nav
    march = client.get(address, {"period": "month", "date": "2026-03-01"}).context["page"].nav
    assert (quarter.period.start, quarter.period.last) == (date(2026, 4, 1), date(2026, 6, 30))
    assert (march.previous, march.next, march.is_current) == (
        date(2026, 2, 1),
        date(2026, 4, 1),
        False,
    )


@pytest.mark.parametrize("query", [{"period": "decade"}, {"date": "yesterday"}])
def test_an_unknown_period_or_date_is_a_bad_request(org, manager, team, metrics, client_for, query):
    response = client_for(manager).get(url("team_dashboard", org, team_id=team.pk), query)
    assert response.status_code == 400


def test_only_the_teams_managers_and_admins_open_its_dashboard(
    org, team, sub_team, member, manager, other_manager, admin, outsider, metrics, client_for
):
    address = url("team_dashboard", org, team_id=team.pk)
    assert client_for(manager).get(address).status_code == 200
    assert client_for(admin).get(address).status_code == 200
    assert client_for(member).get(address).status_code == 403
    assert client_for(other_manager).get(address).status_code == 403
    assert client_for(outsider).get(address).status_code == 404
    # a manager leads the sub-teams of their team too; another org's id is "missing"
    assert (
        client_for(manager).get(url("team_dashboard", org, team_id=sub_team.pk)).status_code == 200
    )
    assert client_for(manager).get(url("team_dashboard", org, team_id=987654)).status_code == 404


def test_the_team_switcher_lists_only_the_teams_the_person_may_open(
    org, team, sub_team, other_team, manager, admin, metrics, client_for
):
    managers = client_for(manager).get(url("team_dashboard", org, team_id=team.pk))
    admins = client_for(admin).get(url("team_dashboard", org, team_id=team.pk))
    assert {t.pk for t in managers.context["page"].teams} == {team.pk, sub_team.pk}
    assert {t.pk for t in admins.context["page"].teams} == {team.pk, sub_team.pk, other_team.pk}
    assert url("team_dashboard", org, team_id=other_team.pk) not in text(managers)


def test_team_home_opens_the_managers_own_team_and_keeps_the_period(
    org, team, other_team, manager, other_manager, member, metrics, client_for
):
    response = client_for(manager).get(url("team_home", org), {"period": "week"})
    assert response.status_code == 302
    assert response["Location"] == url("team_dashboard", org, team_id=team.pk) + "?period=week"
    other = client_for(other_manager).get(url("team_home", org))
    assert other["Location"] == url("team_dashboard", org, team_id=other_team.pk)
    assert client_for(member).get(url("team_home", org)).status_code == 403


def test_a_manager_without_a_team_gets_an_explanation_not_an_error(org, metrics, client_for):
    lonely = MembershipFactory(organization=org, role=Membership.Role.MANAGER)
    response = client_for(lonely).get(url("team_home", org))
    assert response.status_code == 200
    assert 'data-testid="empty-state"' in text(response)


def test_a_team_without_members_or_activity_shows_empty_states(org, admin, metrics, client_for):
    empty = TeamFactory(organization=org, name="Nagoya")
    response = client_for(admin).get(url("team_dashboard", org, team_id=empty.pk))
    assert response.status_code == 200
    html = text(response)
    assert 'data-testid="empty-state"' in html
    for chart in ("trend", "funnel", "pipeline"):
        assert f'data-testid="chart-{chart}-empty"' in html
        assert f'data-chart="{chart}-data"' not in html
    assert 'data-testid="alerts-empty"' in html


def test_hostile_names_are_escaped_on_every_dashboard(
    org, admin, manager, team, metrics, client_for, django_capture_on_commit_callbacks
):
    rep = MembershipFactory(organization=org, team=team, user__name=SCRIPT_NAME)
    hostile_team = TeamFactory(organization=org, name=SCRIPT_NAME, parent=team)
    _goal(admin, metrics["new_visit"], user=rep.user, title=SCRIPT_NAME)
    with django_capture_on_commit_callbacks(execute=True):
        drain_all(org_id=org.pk)
    pages = [
        client_for(manager).get(url("team_dashboard", org, team_id=team.pk)),
        client_for(manager).get(url("member_dashboard", org, user_id=rep.user_id)),
        client_for(admin).get(url("org_overview", org)),
        client_for(admin).get(url("team_dashboard", org, team_id=team.pk), {"period": "week"}),
        client_for(admin).get(url("team_dashboard", org, team_id=hostile_team.pk)),
    ]
    for response in pages:
        html = text(response)
        assert response.status_code == 200
        assert SCRIPT_NAME not in html
        assert SCRIPT_ESCAPED in html or "\\u003Cscript\\u003E" in html


def _populate(org, admin, team, metrics, people):
    customer = Customer.objects.create(organization=org, name="Big Co")
    for _ in range(people):
        rep = MembershipFactory(organization=org, team=team)
        _log(rep, date(2026, 4, 8), 3)
        _log(rep, date(2026, 4, 9), 1, "effective_negotiation")
        _goal(admin, metrics["new_visit"], user=rep.user, target=50)
        deal_services.create_deal(actor=_fresh(rep), title="Deal", customer=customer, amount=10)
    _goal(admin, metrics["new_visit"], team=team, target=50 * people)
    drain_all(org_id=org.pk)


@pytest.mark.parametrize("people", [5, 50])
def test_the_team_page_runs_a_constant_number_of_queries_for_5_or_50_members(
    org, admin, manager, team, metrics, people, client_for, django_assert_max_num_queries
):
    _populate(org, admin, team, metrics, people)
    client = client_for(manager)
    client.get(url("team_dashboard", org, team_id=team.pk))  # warm the session
    dashboard_cache.forget_all()  # computed, not served from the cache (dashboards/cache.py)
    with django_assert_max_num_queries(30):
        response = client.get(url("team_dashboard", org, team_id=team.pk))
    assert response.status_code == 200
    assert len(response.context["page"].lines) == people + 2  # with member and teammate
    with django_assert_max_num_queries(10):  # the same page again: the cache's
        assert client.get(url("team_dashboard", org, team_id=team.pk)).status_code == 200
    partial = client.get(url("team_dashboard", org, team_id=team.pk), **HTMX)
    dashboard_cache.forget_all()
    assert client.get(url("team_dashboard", org, team_id=team.pk), **HTMX).content == (
        partial.content
    )
    with django_assert_max_num_queries(30):
        client.get(url("team_dashboard", org, team_id=team.pk), {"period": "week"}, **HTMX)


def test_the_team_page_runs_the_same_queries_for_5_and_50_members(
    org, admin, manager, team, other_team, metrics, client_for
):
    _populate(org, admin, team, metrics, 5)
    _populate(org, admin, other_team, metrics, 50)
    client = client_for(admin)
    client.get(url("team_dashboard", org, team_id=team.pk))
    counts = []
    for which in (team, other_team):
        caches[
            "dashboards"
        ].clear()  # the board computed, not served from the cache (dashboards/cache.py)
        with CaptureQueriesContext(connection) as queries:
            client.get(url("team_dashboard", org, team_id=which.pk))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_weekly_trend_is_the_goal_breakdown_and_last_activity_the_latest_logged_day(
    org, member, teammate, busy_team
):
    from dashboards.selectors import team_dashboard
    from goals.selectors import breakdown

    board = team_dashboard(org, busy_team, kind="month", on=date(2026, 4, 15))
    ((line, weeks),) = board.weekly_trend
    expected = [
        (row.start, row.target, row.actual if row.start <= date(2026, 4, 15) else None)
        for row in breakdown(line.goal, "week")
        if date(2026, 4, 1) <= row.start < date(2026, 5, 1)
    ]
    assert weeks == expected
    assert sum(actual or 0 for _week, _target, actual in weeks) == 22  # new visits: 20 + 2
    assert {row.user.pk: row.last_activity for row in board.members} == {
        member.user_id: date(2026, 4, 10),
        teammate.user_id: date(2026, 4, 10),
    }


# --- a member over time ---------------------------------------------------------------------


def test_a_member_sees_their_own_numbers_over_twelve_weeks(
    org, member, teammate, busy_team, client_for
):
    response = client_for(member).get(url("member_dashboard", org, user_id=member.user_id))

    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert len(dashboard.weeks) == 12
    assert dashboard.weeks[-1] == date(2026, 4, 13)
    visits = next(s for s in dashboard.weekly if s.key == "new_visit")
    assert visits.counts[-2] == 20  # the week of April 6
    assert sum(visits.counts) == 20
    html = text(response)
    assert "My numbers" in html
    assert 'data-chart="weekly-data"' in html


def test_the_member_page_compares_the_funnel_with_the_team_median_and_lists_deals(
    org, manager, teammate, busy_team, client_for
):
    response = client_for(manager).get(url("member_dashboard", org, user_id=teammate.user_id))
    dashboard = response.context["dashboard"]
    steps = {step.key: step for step in dashboard.funnel}
    assert steps["new_visit"].count == 2
    assert steps["new_visit"].team_median == 11  # median of 20 and 2
    assert steps["new_visit"].is_bottleneck
    assert dashboard.bottleneck_text
    assert [deal.title for deal in dashboard.deals] == ["Pilot"]
    assert [line.progress.status for line in dashboard.goals] == ["at_risk"]


def test_a_member_may_not_open_a_teammates_numbers_and_outsiders_get_404(
    org, member, teammate, manager, other_manager, admin, outsider, metrics, client_for
):
    address = url("member_dashboard", org, user_id=teammate.user_id)
    assert client_for(member).get(address).status_code == 403
    assert client_for(other_manager).get(address).status_code == 403
    assert client_for(manager).get(address).status_code == 200
    assert client_for(admin).get(address).status_code == 200
    assert client_for(teammate).get(address).status_code == 200
    assert client_for(outsider).get(address).status_code == 404
    unknown = url("member_dashboard", org, user_id=outsider.user_id)  # not in acme
    assert client_for(admin).get(unknown).status_code == 404


def test_the_member_page_switches_period_with_htmx(org, member, busy_team, client_for):
    response = client_for(member).get(
        url("member_dashboard", org, user_id=member.user_id), {"period": "quarter"}, **HTMX
    )
    assert "dashboards/_member_dashboard.html" in templates(response)
    assert "base.html" not in templates(response)
    assert "Apr 1 \u2013 Jun 30, 2026" in text(response)


# --- the organisation overview --------------------------------------------------------------


def test_admins_see_every_team_against_the_goals_cascaded_to_it(
    org, admin, team, sub_team, other_team, member, metrics, client_for,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        company = goal_services.create_goal(
            actor=_fresh(admin), metric=metrics["new_visit"], scope="org",
            start=date(2026, 4, 1), end=date(2026, 4, 30), target=200, title="April visits",
        )  # fmt: skip
        goal_services.cascade_goal(actor=_fresh(admin), goal=company, to="teams")
        _log(member, date(2026, 4, 10), 7)
    with django_capture_on_commit_callbacks(execute=True):
        drain_all(org_id=org.pk)

    response = client_for(admin).get(url("org_overview", org))

    assert response.status_code == 200
    overview = response.context["overview"]
    assert [row.team.pk for row in overview.rows] == [other_team.pk, team.pk, sub_team.pk]
    assert overview.columns[0].title == "April visits"
    tokyo = next(row for row in overview.rows if row.team.pk == team.pk)
    assert [line.goal.target for line in tokyo.cells[0].lines] == [Decimal(100)]
    assert tokyo.cells[0].lines[0].progress.actual == Decimal(7)
    visits = [k for k, _name in overview.type_columns].index("new_visit")
    assert tokyo.activities[visits] == 7
    assert overview.activity_totals[visits] == 7
    assert 'data-chart="attainment-data"' in text(response)


def test_managers_see_only_their_teams_in_the_overview_and_members_none(
    org, team, sub_team, other_team, manager, member, metrics, client_for
):
    response = client_for(manager).get(url("org_overview", org))
    assert [row.team.pk for row in response.context["overview"].rows] == [team.pk, sub_team.pk]
    assert other_team.name not in text(response)
    assert client_for(member).get(url("org_overview", org)).status_code == 403


def test_the_navigation_links_managers_to_the_team_dashboard_and_admins_to_the_overview(
    org, admin, manager, member, metrics, client_for
):
    home = reverse("accounts:org_home", kwargs={"org_slug": org.slug})
    overview = f'href="{url("org_overview", org)}"'
    team_home = f'href="{url("team_home", org)}"'
    admins, managers, members = (text(client_for(m).get(home)) for m in (admin, manager, member))
    assert overview in admins
    assert team_home in admins
    assert team_home in managers
    assert overview not in managers
    assert team_home not in members
    assert overview not in members


# --- my day ---------------------------------------------------------------------------------


def _my_day(org):
    return reverse("activities:my_day", kwargs={"org_slug": org.slug})


@pytest.mark.django_db(transaction=True)
def test_my_day_shows_todays_and_this_weeks_targets_and_updates_them_on_a_log(
    org, admin, member, metrics, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _goal(admin, metrics["new_visit"], user=member.user, target=210, title="April visits")
        _log(member, date(2026, 4, 13), 4)
    with django_capture_on_commit_callbacks(execute=True):
        drain_all(org_id=org.pk)
    client = client_for(member)

    panel = client.get(_my_day(org)).context["day_panel"]

    (line,) = panel.targets
    assert line.goal.title == "April visits"
    assert (line.today_target, line.today_done) == (Decimal(10), Decimal(0))  # 210 / 21 days
    assert (line.week_target, line.week_done) == (Decimal(50), Decimal(4))
    # A real commit (transaction=True): the eager rollup runs before the view renders.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_my_day(org), {"type": "new_visit"}, **HTMX)
    html = text(response)
    assert 'id="my-day-targets"' in html
    assert 'hx-swap-oob="true"' in html
    (line,) = response.context["day_panel"].targets
    assert (line.today_done, line.week_done) == (Decimal(1), Decimal(5))


def test_my_day_lists_my_open_deals_whose_next_step_is_due(
    org, member, teammate, metrics, client_for
):
    _deal(member, org, next_step_date=date(2026, 4, 14), title="Overdue call")
    _deal(member, org, next_step_date=date(2026, 4, 15), title="Due today")
    _deal(member, org, next_step_date=date(2026, 4, 20), title="Next week")
    _deal(teammate, org, next_step_date=date(2026, 4, 1), title="Not mine")

    response = client_for(member).get(_my_day(org))

    due = [deal.title for deal in response.context["day_panel"].deals_due]
    assert due == ["Overdue call", "Due today"]
    assert 'data-testid="deals-due"' in text(response)


def test_my_day_without_goals_or_due_deals_shows_no_panel(org, member, metrics, client_for):
    html = text(client_for(member).get(_my_day(org)))
    assert 'id="my-day-targets"' in html
    assert "Your targets" not in html


@pytest.mark.parametrize("goals", [1, 6])
def test_my_day_query_count_does_not_grow_with_goals(
    org, admin, member, metrics, goals, client_for, django_assert_max_num_queries
):
    for n in range(goals):
        _goal(admin, metrics["new_visit"], user=member.user, target=10 + n)
    client = client_for(member)
    client.get(_my_day(org))
    with django_assert_max_num_queries(22):
        response = client.get(_my_day(org))
    assert len(response.context["day_panel"].targets) == goals
