"""In a real browser: the demo manager reads the team dashboard and switches periods (htmx,
charts drawn again after each swap); a demo salesperson logs an activity from my day.

Same harness as test_login_and_members.py: Debian's chromium, every console message and
CSP violation recorded, screenshots in test-artifacts/ (names start with e2e-dash-).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from accounts.management.commands.seed_demo import ADMIN_EMAIL, DEMO_PASSWORD
from tests.e2e.test_login_and_members import (  # the shared fixtures and checks
    ARTIFACTS,
    LANDED,
    TIMEOUT_MS,
    assert_clean,
    browser_page,
    demo,
    pass_second_factor,
    sign_in_with_password,
)

__all__ = ["browser_page", "demo"]  # fixtures used by name below

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MANAGER_EMAIL = "manager1@demo.example"
REP_EMAIL = "rep01@demo.example"
PHONE = {"width": 390, "height": 844}
GOAL_TITLE = "Browser-test visits"  # a goal of the salesperson's own, added by the test

# Every chart canvas on the page: drawn by Chart.js and laid out with a non-zero size.
CHARTS_STATE = """() => Array.from(document.querySelectorAll("canvas[data-chart]")).map((c) => ({
  id: c.id,
  chart: Boolean(window.Chart && window.Chart.getChart(c)),
  width: c.getBoundingClientRect().width,
  height: c.getBoundingClientRect().height,
}))"""


def sign_in(page: Any, base_url: str, email: str) -> None:
    sign_in_with_password(page, base_url, email, DEMO_PASSWORD)
    pass_second_factor(page, base_url, email)  # the demo admin sets it up at first sign-in
    page.wait_for_url(LANDED)


def drawn_charts(page: Any, expected: set[str]) -> list[dict[str, Any]]:
    """Wait until the expected canvases all carry a Chart with a real size (polling here:
    `wait_for_function` would need eval, which the page's CSP forbids)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        state = page.evaluate(CHARTS_STATE)
        ready = {c["id"] for c in state if c["chart"] and c["width"] > 0 and c["height"] > 0}
        if expected <= ready or time.monotonic() > deadline:
            assert expected <= ready, state
            return state
        time.sleep(0.1)


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"e2e-dash-{name}.png"), full_page=True)


def test_the_demo_manager_reads_the_team_dashboard_and_switches_periods(
    demo, live_server, browser_page
):
    from playwright.sync_api import expect

    page, log = browser_page
    base = live_server.url
    sign_in(page, base, MANAGER_EMAIL)
    page.wait_for_url(f"{base}/o/demo/dashboards/team/*/")  # a manager lands on their team

    page.goto(f"{base}/o/demo/")
    page.get_by_role("button", name="Your teams").click()
    page.get_by_test_id("your-teams").get_by_role("link", name="Tokyo Sales").click()
    page.wait_for_url(f"{base}/o/demo/dashboards/team/*/")
    board = page.get_by_test_id("team-dashboard")
    expect(board.get_by_role("heading", name="Tokyo Sales")).to_be_visible()
    rows = page.get_by_test_id("member-row")
    expect(rows.first).to_be_visible()
    members = rows.count()
    assert members >= 5  # Tokyo Sales and Tokyo Enterprise
    expect(page.get_by_test_id("totals-row")).to_be_visible()
    expect(page.get_by_test_id("alerts").or_(page.get_by_test_id("alerts-empty"))).to_be_visible()
    all_charts = {"trend-chart", "funnel-chart", "pipeline-chart"}
    drawn_charts(page, all_charts)
    shot(page, "01-team-month")

    # The tabs swap the dashboard in place (no page load) and push the address.
    page.evaluate("() => { window.__samePage = true; }")
    page.get_by_test_id("period-week").click()
    expect(page.get_by_test_id("period-week")).to_have_attribute("aria-current", "page")
    page.wait_for_url("**period=week**")
    assert page.evaluate("() => window.__samePage === true")
    expect(page.get_by_test_id("member-row")).to_have_count(members)
    week_label = page.get_by_test_id("period-label").inner_text()
    drawn_charts(page, {"funnel-chart", "pipeline-chart"} & _present(page))
    shot(page, "02-team-week")

    page.get_by_test_id("period-previous").click()
    expect(page.get_by_test_id("period-label")).not_to_have_text(week_label)
    drawn_charts(page, _present(page))

    page.get_by_test_id("period-month").click()
    expect(page.get_by_test_id("period-month")).to_have_attribute("aria-current", "page")
    page.wait_for_url("**period=month**")
    assert page.evaluate("() => window.__samePage === true")
    expect(page.get_by_test_id("member-row")).to_have_count(members)
    drawn_charts(page, _present(page))
    shot(page, "03-team-back-to-month")

    # Back in history: htmx restores the previous dashboard, charts drawn again.
    page.go_back()
    page.wait_for_url("**period=week**")
    drawn_charts(page, _present(page))

    # Drill down into the first member.
    page.get_by_test_id("member-row").first.get_by_role("link").first.click()
    page.wait_for_url(f"{base}/o/demo/dashboards/member/*/**")
    expect(page.get_by_test_id("member-dashboard")).to_be_visible()
    drawn_charts(page, {"weekly-chart"})
    shot(page, "04-member")

    # Readable on a phone: the same dashboard in a narrow viewport.
    page.set_viewport_size(PHONE)
    page.go_back()
    page.wait_for_url(f"{base}/o/demo/dashboards/team/*/**")
    expect(page.get_by_test_id("member-row").first).to_be_visible()
    drawn_charts(page, _present(page))
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page itself must not scroll sideways on a phone"
    shot(page, "05-team-phone")

    assert_clean(page, log)


def _give_a_goal_for_this_month(email: str, *, title: str) -> None:
    """A personal new-visit goal with a title of its own (whatever goals the demo gives)."""
    from accounts.models import Membership
    from goals import services as goal_services
    from goals.models import Metric
    from salesmgmt import periods

    rep = Membership.objects.select_related("organization", "user").get(
        organization__slug="demo", user__email=email
    )
    admin = Membership.objects.select_related("organization", "user").get(
        organization=rep.organization, user__email=ADMIN_EMAIL
    )
    month = periods.month_of(periods.today(rep.organization))
    goal_services.create_goal(
        actor=admin,
        metric=Metric.objects.for_org(rep.organization).get(key="new_visit"),
        scope="user",
        user=rep.user,
        start=month.start,
        end=month.last,
        target=200,
        title=title,
    )


def _present(page: Any) -> set[str]:
    return set(
        page.evaluate("""() => Array.from(document.querySelectorAll("canvas[data-chart]"),
        (c) => c.id)""")
    )


def test_the_demo_admin_sees_the_organisation_overview(demo, live_server, browser_page):
    from playwright.sync_api import expect

    page, log = browser_page
    base = live_server.url
    sign_in(page, base, ADMIN_EMAIL)

    page.get_by_role("link", name="Overview").click()
    page.wait_for_url(f"{base}/o/demo/dashboards/")
    rows = page.get_by_test_id("overview-row")
    expect(rows.first).to_be_visible()
    assert rows.count() == 3  # Tokyo Sales, Tokyo Enterprise, Osaka Sales
    drawn_charts(page, {"attainment-chart"})
    shot(page, "06-overview")
    assert_clean(page, log)


def test_a_demo_salesperson_logs_an_activity_from_my_day_and_sees_the_count_change(
    demo, live_server, browser_page
):
    from playwright.sync_api import expect

    page, log = browser_page
    base = live_server.url
    _give_a_goal_for_this_month(REP_EMAIL, title=GOAL_TITLE)
    sign_in(page, base, REP_EMAIL)

    page.get_by_role("link", name="My day").click()
    page.wait_for_url(f"{base}/o/demo/activities/")
    count = page.get_by_test_id("count-new_visit")
    before = int(count.inner_text())
    target = page.get_by_test_id("target-row").filter(has_text=GOAL_TITLE)
    done_today = target.get_by_test_id("today-done")
    done_before = int(done_today.inner_text())
    shot(page, "07-my-day-before")

    page.get_by_test_id("log-new_visit").click()

    expect(count).to_have_text(str(before + 1))
    expect(page.get_by_test_id("logged-toast")).to_be_visible()
    expect(done_today).to_have_text(str(done_before + 1))  # the targets panel follows
    shot(page, "08-my-day-logged")
    assert_clean(page, log)
