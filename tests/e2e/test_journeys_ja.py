"""In a real browser, in Japanese: the main journeys of the product, driven by the Japanese
labels the catalogue gives (locale/ja), so a page that only works in English fails here.

The demo people's saved language is set to Japanese before they sign in (their browser
asks for Japanese too, so the sign-in page is Japanese as well). One browser for the
module's tests, one context per person; each person walks two journeys:

- a salesperson logs an activity from My day and moves a deal with the stage picker;
- a manager reads the team dashboard (switching periods) and sets a goal for a member.

Same checks as the other browser tests (no CSP violation, no page error, no broken asset).
Screenshots of each journey's key page at 1366 px and 390 px go to
test-artifacts/e2e-ja-<journey>-<width>.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from accounts.management.commands.seed_demo import DEMO_PASSWORD
from tests.e2e.test_login_and_members import (  # the shared harness
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LANDED,
    RECORD_CSP_VIOLATIONS,
    TIMEOUT_MS,
    BrowserLog,
    _require_chromium,
    assert_clean,
    demo,
)

__all__ = ["demo"]  # fixture used by name below

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MANAGER_EMAIL = "manager1@demo.example"
REP_EMAIL = "rep01@demo.example"
WIDTHS = {1366: 900, 390: 844}
GOAL_TITLE = "ブラウザテストの訪問目標"
DASH = "\u2013"  # between the first and the last day of a period


def ja(message: str) -> str:
    """The Japanese the catalogue gives for an English UI string (and it must give one)."""
    with translation.override("ja"):
        text = translation.gettext(message)
    assert text != message, f"no Japanese translation for {message!r}"
    return text


@pytest.fixture
def chromium(monkeypatch) -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    # Playwright's sync API runs an event loop in this thread (see test_login_and_members).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def japanese_page(browser: Any) -> tuple[Any, Any, BrowserLog]:
    """A page in a Japanese browser whose console and network are recorded."""
    log = BrowserLog()
    context = browser.new_context(
        viewport={"width": 1366, "height": WIDTHS[1366]},
        locale="ja-JP",
        extra_http_headers={"Accept-Language": "ja"},
    )
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("console", lambda msg: log.console.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    page.on("response", lambda r: log.responses.append((r.status, r.request.resource_type, r.url)))
    return context, page, log


def field(page: Any, label: str) -> Any:
    """A form field by its Japanese label (a required one's label ends with " *")."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(ja(label))}(\s*\*)?\s*$"))


def assert_japanese(page: Any) -> None:
    assert page.evaluate("() => document.documentElement.lang") == "ja"


def sign_in_in_japanese(page: Any, base: str, email: str) -> None:
    """The person's saved language is Japanese; the sign-in page speaks the browser's
    (Japanese too). Once signed in, the browser asks for English and the pages stay in
    Japanese: the saved language decides."""
    from accounts.models import User

    assert User.objects.filter(email=email).update(locale="ja") == 1
    page.goto(f"{base}/accounts/login/")
    assert_japanese(page)
    field(page, "Username or e-mail").fill(email)
    field(page, "Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=ja("Sign in"), exact=True).click()
    page.wait_for_url(LANDED)  # where the person's role lands
    assert_japanese(page)
    page.context.set_extra_http_headers({"Accept-Language": "en"})
    page.reload()
    assert_japanese(page)


def shots(page: Any, journey: str) -> None:
    """The page as it stands, on a laptop and on a phone (nothing cut off on the phone)."""
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"e2e-ja-{journey}-{width}.png"), full_page=True)
        if width == 390:
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            assert scroll <= width, (journey, scroll)
    page.set_viewport_size({"width": 1366, "height": WIDTHS[1366]})


def nav_link(page: Any, label: str) -> Any:
    return page.get_by_role("navigation").get_by_role("link", name=ja(label), exact=True)


def _membership(email: str) -> Any:
    from accounts.models import Membership

    return Membership.objects.select_related("organization", "user", "team").get(
        organization__slug="demo", user__email=email
    )


# --- the salesperson ----------------------------------------------------------------------


def _log_an_activity(page: Any, base: str) -> None:
    from playwright.sync_api import expect

    nav_link(page, "My day").click()
    page.wait_for_url(f"{base}/o/demo/activities/")
    assert_japanese(page)
    expect(page.get_by_role("heading", name=ja("Log an activity"))).to_be_visible()
    # Today written the Japanese way ("2026年12月5日(土曜日)"), not "土曜日, 2026年12月5日".
    today = page.get_by_test_id("today-date").inner_text()
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日\(.曜日\)", today), today
    count = page.get_by_test_id("count-new_visit")
    before = int(count.inner_text())

    page.get_by_test_id("log-new_visit").click()

    expect(count).to_have_text(str(before + 1))
    toast = page.get_by_test_id("logged-toast")
    expect(toast).to_be_visible()
    expect(toast.get_by_role("button", name=ja("Undo"), exact=True)).to_be_visible()
    shots(page, "log-activity")


def _an_open_deal_to_move(email: str) -> tuple[Any, Any]:
    """One of the person's open deals and the next open stage of the pipeline."""
    from deals.models import Deal, Stage

    rep = _membership(email)
    open_stages = list(
        Stage.objects.for_org(rep.organization).filter(outcome="open").order_by("order")
    )
    deals = Deal.objects.for_org(rep.organization).filter(
        owner=rep.user, stage__in=open_stages[:-1]
    )
    deal = deals.select_related("stage").order_by("pk").first()
    assert deal is not None, "the demo gives the salesperson open deals"
    following = open_stages[open_stages.index(deal.stage) + 1]
    return deal, following


def _move_a_deal(page: Any, base: str, email: str) -> None:
    from playwright.sync_api import expect

    from deals.models import StageChange

    deal, target = _an_open_deal_to_move(email)
    from_stage = deal.stage
    changes_before = StageChange.objects.filter(deal=deal).count()

    nav_link(page, "Deals").click()
    page.wait_for_url(f"{base}/o/demo/deals/")
    assert_japanese(page)
    expect(page.get_by_role("heading", name=ja("Deal board"), exact=True)).to_be_visible()
    card = page.locator(f"#deal-{deal.pk}")
    expect(card).to_be_visible()
    expect(
        page.get_by_test_id(f"column-{deal.stage.key}").locator(f"#deal-{deal.pk}")
    ).to_be_visible()

    # From the keyboard: the card's stage picker, named in Japanese, then Move (移動).
    with translation.override("ja"):
        picker_name = translation.gettext("Stage of %(title)s") % {"title": deal.title}
    picker = card.get_by_label(picker_name, exact=True)
    picker.focus()
    page.keyboard.press("ArrowDown")  # the next stage of the pipeline
    expect(picker).to_have_value(target.key)
    page.keyboard.press("Tab")
    move = card.get_by_role("button", name=ja("Move"), exact=True)
    expect(move).to_be_focused()
    page.keyboard.press("Enter")

    moved = page.get_by_test_id(f"column-{target.key}").locator(f"#deal-{deal.pk}")
    expect(moved).to_be_visible()
    expect(moved).to_have_attribute("data-stage", target.key)
    shots(page, "move-deal")

    deal.refresh_from_db()
    assert deal.stage_id == target.pk
    changes = StageChange.objects.filter(deal=deal).order_by("-at", "-pk")
    assert changes.count() == changes_before + 1
    last = changes.first()
    assert last is not None
    assert (last.from_stage_id, last.to_stage_id) == (from_stage.pk, target.pk)
    assert last.by.email == email


def test_a_japanese_salesperson_logs_an_activity_and_moves_a_deal(demo, live_server, chromium):
    base = live_server.url
    context, page, log = japanese_page(chromium)
    try:
        sign_in_in_japanese(page, base, REP_EMAIL)
        _log_an_activity(page, base)
        _move_a_deal(page, base, REP_EMAIL)
        assert_clean(page, log)
    finally:
        context.close()


# --- the manager --------------------------------------------------------------------------


def _read_the_team_dashboard(page: Any, base: str) -> None:
    from playwright.sync_api import expect

    # In the managers' "Your teams" menu.
    page.get_by_role("navigation").get_by_role("button", name=ja("Your teams")).click()
    page.get_by_role("link", name=ja("Team dashboard"), exact=True).click()
    page.wait_for_url(f"{base}/o/demo/dashboards/team/*/")
    assert_japanese(page)
    board = page.get_by_test_id("team-dashboard")
    expect(board.get_by_role("heading", name="Tokyo Sales")).to_be_visible()
    rows = page.get_by_test_id("member-row")
    expect(rows.first).to_be_visible()
    members = rows.count()
    assert members >= 5
    expect(page.get_by_test_id("totals-row")).to_be_visible()
    # The weekly chart's weeks (read through its table alternative) are Japanese dates too.
    first_week = page.locator("#trend-chart + .chart-table tbody th").first
    expect(first_week).to_have_text(re.compile(r"\d{1,2}月\d{1,2}日"))

    week = page.get_by_test_id("period-week")
    expect(week).to_have_text(ja("Week"))
    week.click()
    expect(week).to_have_attribute("aria-current", "page")
    page.wait_for_url("**period=week**")
    expect(page.get_by_test_id("member-row")).to_have_count(members)
    label = page.get_by_test_id("period-label").inner_text()
    # The dates written the Japanese way ("11月30日 - 2026年12月6日" with an en dash),
    # not in the English order with Japanese month names ("11月 30 - 12月 6, 2026").
    day = r"\d{1,2}月\d{1,2}日"
    assert re.fullmatch(rf"{day} {DASH} \d{{4}}年{day}", label), label
    page.get_by_role("link", name=ja("Previous period")).click()
    expect(page.get_by_test_id("period-label")).not_to_have_text(label)
    expect(page.get_by_test_id("member-row")).to_have_count(members)
    shots(page, "team-dashboard")


def _set_a_goal(page: Any, base: str) -> None:
    from playwright.sync_api import expect

    from goals.models import Goal, Metric
    from salesmgmt import periods

    manager = _membership(MANAGER_EMAIL)
    org = manager.organization
    member = _membership(REP_EMAIL)
    metric = Metric.objects.for_org(org).get(key="new_visit")

    # The Goals menu of the navigation bar (a toggle: role "button"), then New goal.
    page.get_by_role("navigation").get_by_role("button", name=ja("Goals"), exact=True).click()
    page.get_by_role("link", name=ja("New goal"), exact=True).click()
    page.wait_for_url(f"{base}/o/demo/goals/new/")
    assert_japanese(page)
    expect(page.get_by_role("heading", name=ja("New goal"), exact=True)).to_be_visible()

    field(page, "Metric").select_option(str(metric.pk))
    field(page, "For").select_option(label=ja("Person"))
    field(page, "Person").select_option(label=str(member.user.display_name))
    field(page, "Period").select_option(label=ja("This month"))
    field(page, "Target").fill("37")
    field(page, "Title").fill(GOAL_TITLE)
    shots(page, "set-goal-form")
    page.get_by_role("button", name=ja("Set goal"), exact=True).click()

    page.wait_for_url(f"{base}/o/demo/goals/*/")
    assert_japanese(page)
    expect(page.get_by_text(ja("Goal set."))).to_be_visible()
    expect(page.get_by_role("heading", name=GOAL_TITLE)).to_be_visible()
    month = periods.month_of(periods.today(org))
    dates = f" {DASH} ".join(f"{d.year}年{d.month}月{d.day}日" for d in (month.start, month.last))
    expect(page.get_by_text(dates).first).to_be_visible()
    shots(page, "set-goal")

    goal = Goal.objects.get(organization=org, title=GOAL_TITLE)
    assert goal.scope == Goal.Scope.USER
    assert goal.user_id == member.user_id
    assert goal.metric_id == metric.pk
    assert goal.target == Decimal("37")
    assert (goal.start, goal.end) == (month.start, month.last)


def test_a_japanese_manager_reads_the_team_dashboard_and_sets_a_goal(demo, live_server, chromium):
    base = live_server.url
    context, page, log = japanese_page(chromium)
    try:
        sign_in_in_japanese(page, base, MANAGER_EMAIL)
        _read_the_team_dashboard(page, base)
        _set_a_goal(page, base)
        assert_clean(page, log)
    finally:
        context.close()
