"""In a real browser, at a phone's width (390 px) and a laptop's (1366 px): every working page
of each role shows all its data without sideways scrolling or clipped cells.

The demo organisation (seed_demo) gives each page realistic content. On each page the test
asserts that the page itself does not scroll sideways, that no box inside it hides content
behind a scrollbar or a clip (a table cut at its right edge), and that every table cell and
card lies inside the viewport. Key cells are looked for by name (the team dashboard's
"Stale" and "Overdue next steps"). Screenshots of every page at both widths go to
test-artifacts/ (names start with e2e-size-).
"""

from __future__ import annotations

from typing import Any

import pytest

from accounts.management.commands.seed_demo import ADMIN_EMAIL
from tests.e2e.test_dashboards import MANAGER_EMAIL, REP_EMAIL, sign_in
from tests.e2e.test_login_and_members import ARTIFACTS, assert_clean, browser_page, demo

__all__ = ["browser_page", "demo"]  # fixtures used by name below

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
WIDTHS = {"phone": PHONE, "laptop": LAPTOP}
# The team dashboard's columns a manager acts on, cut off at both widths before.
KEY_CELLS = ("Goals", "Pace", "Open deals", "Stale", "Overdue next steps")

# What does not fit: the page wider than the window, a box whose content is wider than the
# box (scrolled or clipped away), a cell or card reaching past either edge of the window.
# Visually hidden text (1 px, clipped on purpose) and canvases (charts draw to their box)
# are not data boxes.
OVERFLOWS = """() => {
  const vw = document.documentElement.clientWidth;
  const found = [];
  const describe = (el) => {
    const tid = el.getAttribute("data-testid");
    const classes = typeof el.className === "string" ? el.className.trim() : "";
    return el.tagName.toLowerCase() + (tid ? "[" + tid + "]" : "")
      + (classes ? "." + classes.split(/\\s+/).join(".") : "");
  };
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  const decorative = (el) => el.closest(
    ".visually-hidden, .visually-hidden-focusable, canvas, .dropdown-menu, .modal, [hidden]");
  const fields = ["PROGRESS", "SELECT", "INPUT", "TEXTAREA"];  // scroll inside by nature
  if (document.documentElement.scrollWidth > vw) {
    found.push("page " + document.documentElement.scrollWidth + " > " + vw);
  }
  for (const el of document.querySelectorAll("main *")) {
    if (decorative(el) || !shown(el)) continue;
    const style = getComputedStyle(el);
    if (el.clientWidth > 1 && ["auto", "scroll", "hidden", "clip"].includes(style.overflowX)
        && el.scrollWidth > el.clientWidth + 1 && !fields.includes(el.tagName)) {
      found.push("clipped " + describe(el) + " " + el.scrollWidth + " > " + el.clientWidth
        + ": " + (el.innerText || "").slice(0, 60).replace(/\\s+/g, " "));
    }
  }
  const outside = new Map();  // one line per table (or card list): how many, the first
  const boxes = "main th, main td, main .card, main li, main dd, main dt";
  for (const el of document.querySelectorAll(boxes)) {
    if (decorative(el) || !shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 || r.left < -1) {
      const box = el.closest("table") || el.parentElement;
      const seen = outside.get(box);
      if (seen) { seen.n += 1; continue; }
      const where = Math.round(r.left) + ".." + Math.round(r.right);
      const text = (el.innerText || "").slice(0, 60).replace(/\\s+/g, " ");
      outside.set(box, {n: 1, first: describe(el) + " " + where + ": " + text});
    }
  }
  for (const [box, seen] of outside) {
    found.push("outside " + seen.n + " in " + describe(box) + ", first " + seen.first);
  }
  return found;
}"""

# Whether a cell or label with this exact text (or a card line led by it: data-label) is shown
# and wholly inside the window; text in a box shrunk to a pixel (visually hidden) does not count.
IN_VIEW = """(text) => {
  const vw = document.documentElement.clientWidth;
  const tiny = (el) => {
    for (let box = el; box && box !== document.body; box = box.parentElement) {
      const r = box.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) return true;
    }
    return false;
  };
  const cells = document.querySelectorAll("main th, main td, main dt, main span, main div");
  const matches = Array.from(cells).filter((el) => el.getAttribute("data-label") === text
      || (el.children.length === 0 && el.textContent.trim() === text));
  return matches.some((el) => {
    const r = el.getBoundingClientRect();
    return !tiny(el) && r.left >= 0 && r.right <= vw + 1;
  });
}"""


def visit_at_both_widths(
    page: Any, url: str, name: str, *, must_see: tuple[str, ...] = ()
) -> list[str]:
    """What does not fit on the page at either width (screenshots taken of both)."""
    problems: list[str] = []
    for size, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        response = page.goto(url)
        assert response is not None, url
        assert response.status == 200, (url, response.status)
        page.wait_for_load_state("load")
        page.screenshot(path=str(ARTIFACTS / f"e2e-size-{name}-{size}.png"), full_page=True)
        problems += [f"{name} at {size}: {p}" for p in page.evaluate(OVERFLOWS)]
        problems += [
            f"{name} at {size}: “{text}” not in view"
            for text in must_see
            if not page.evaluate(IN_VIEW, text)
        ]
    return problems


def first_link(page: Any, url: str, selector: str) -> str:
    page.goto(url)
    href = page.locator(selector).first.get_attribute("href")
    assert href, selector
    return href if href.startswith("http") else url.split("/o/", 1)[0] + href


def test_a_manager_s_pages_fit_a_phone_and_a_laptop(demo, live_server, browser_page):
    from playwright.sync_api import expect

    page, log = browser_page
    base = live_server.url
    problems: list[str] = []
    sign_in(page, base, MANAGER_EMAIL)
    page.wait_for_url(f"{base}/o/demo/dashboards/team/*/")
    team_url = page.url
    org = f"{base}/o/demo"

    problems += visit_at_both_widths(
        page,
        team_url,
        "team-dashboard",
        must_see=KEY_CELLS,
    )
    # The period tabs swap the dashboard in place (htmx): the swapped part fits a phone too.
    page.set_viewport_size(PHONE)
    page.goto(team_url)
    page.get_by_test_id("period-week").click()
    page.wait_for_url("**period=week**")
    expect(page.get_by_test_id("period-week")).to_have_attribute("aria-current", "page")
    page.screenshot(path=str(ARTIFACTS / "e2e-size-team-week-phone.png"), full_page=True)
    problems += [f"team week at phone: {p}" for p in page.evaluate(OVERFLOWS)]
    problems += [f"team week at phone: “{t}” not in view" for t in KEY_CELLS
                 if not page.evaluate(IN_VIEW, t)]  # fmt: skip

    member_url = first_link(page, team_url, "[data-testid=member-row] a")
    problems += visit_at_both_widths(page, member_url, "member-dashboard")
    for path, name in (
        ("/goals/", "my-goals"),
        ("/goals/team/", "team-goals"),
        ("/deals/list/", "deal-list"),
        ("/activities/list/", "activity-list"),
        ("/checkins/", "checkins"),
        ("/talk/", "talk"),
        ("/leaderboard/", "leaderboard"),
        ("/kudos/", "kudos"),
        ("/one-on-ones/", "one-on-ones"),
        ("/evaluations/", "evaluations"),
        ("/feed/", "feed"),
        ("/messages/", "messages"),
        ("/notifications/", "notifications"),
    ):
        problems += visit_at_both_widths(page, org + path, name)
    assert problems == [], "\n".join(problems)
    assert_clean(page, log)


def test_an_admin_s_overview_fits_a_phone_and_a_laptop(demo, live_server, browser_page):
    page, log = browser_page
    base = live_server.url
    problems: list[str] = []
    sign_in(page, base, ADMIN_EMAIL)
    org = f"{base}/o/demo"
    problems += visit_at_both_widths(page, org + "/dashboards/", "org-overview")
    problems += visit_at_both_widths(page, org + "/evaluations/cycles/", "evaluation-cycles")
    problems += visit_at_both_widths(page, org + "/deals/list/", "deal-list-admin")
    assert problems == [], "\n".join(problems)
    assert_clean(page, log)


def test_a_salesperson_s_pages_fit_a_phone_and_a_laptop(demo, live_server, browser_page):
    page, log = browser_page
    base = live_server.url
    problems: list[str] = []
    sign_in(page, base, REP_EMAIL)
    org = f"{base}/o/demo"
    problems += visit_at_both_widths(page, org + "/activities/", "my-day")
    problems += visit_at_both_widths(page, org + "/goals/", "rep-goals")
    problems += visit_at_both_widths(page, org + "/deals/list/", "rep-deal-list")
    problems += visit_at_both_widths(page, org + "/activities/list/", "rep-activity-list")
    problems += visit_at_both_widths(page, org + "/checkins/", "rep-checkins")
    problems += visit_at_both_widths(page, org + "/evaluations/", "rep-evaluations")
    assert problems == [], "\n".join(problems)
    assert_clean(page, log)
