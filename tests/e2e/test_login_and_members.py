"""In a real browser: the demo admin signs in, lands home and browses the member directory.

Debian's chromium runs headless through Playwright's sync API against pytest-django's
live server. Every console message is recorded; any Content-Security-Policy violation,
JavaScript error or failed CSS/JS load fails the test. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.management.commands.seed_demo import ADMIN_EMAIL, DEMO_PASSWORD
from tests.otp import totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
TIMEOUT_MS = 15_000

# Runs before any page script and is not subject to the page's CSP (Playwright injects it).
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@dataclass
class BrowserLog:
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    responses: list[tuple[int, str, str]] = field(default_factory=list)  # status, type, url
    failed_requests: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m or "Refused to" in m]

    def broken_assets(self) -> list[tuple[int, str, str]]:
        return [
            r for r in self.responses if r[1] in ("stylesheet", "script", "font") and r[0] >= 400
        ]

    def loaded_static(self) -> set[str]:
        return {url.split("/static/", 1)[1] for status, _t, url in self.responses
                if "/static/" in url and status < 400}  # fmt: skip


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is not installed"
    if os.environ.get("REQUIRE_SERVICES", "") in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def demo(transactional_db) -> None:
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def browser_page(monkeypatch) -> Iterator[tuple[Any, BrowserLog]]:
    """A fresh headless chromium page whose console and network are recorded."""
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    # Playwright's sync API runs an event loop in this thread; Django would then refuse
    # the test's own (synchronous) database queries as "async-unsafe".
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    log = BrowserLog()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(RECORD_CSP_VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", lambda msg: log.console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
        page.on(
            "response",
            lambda r: log.responses.append((r.status, r.request.resource_type, r.url)),
        )
        page.on("requestfailed", lambda r: log.failed_requests.append(r.url))
        try:
            yield page, log
        finally:
            context.close()
            browser.close()


def assert_clean(page: Any, log: BrowserLog) -> None:
    violations = page.evaluate("window.__cspViolations || []")
    assert violations == [], violations
    assert log.csp_violations() == [], log.console
    assert log.page_errors == [], log.page_errors
    assert log.broken_assets() == [], log.broken_assets()


# Where each role lands after signing in: My day (salespeople), their team's dashboard
# (managers), the organisation overview (admins).
LANDING = r"o/demo/(activities/|dashboards/|dashboards/team/\d+/)"
LANDED = re.compile(rf".*/{LANDING}$")
AFTER_PASSWORD = re.compile(rf".*/({LANDING}|accounts/mfa/(setup|verify)/.*)$")


def authenticator_of(email: str) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user__email=email).order_by("-pk").first()


def pass_second_factor(page: Any, base_url: str, email: str, shots: str = "") -> None:
    """On the set-up or code page after the password: do what the person does with their
    phone, the code computed from the device's key as an authenticator app would."""
    if "/accounts/mfa/setup/" in page.url:
        from playwright.sync_api import expect

        expect(page.get_by_test_id("mfa-qr")).to_be_visible()
        if shots:
            page.screenshot(path=str(ARTIFACTS / f"{shots}-mfa-setup.png"), full_page=True)
        page.get_by_label("6-digit code from the app").fill(totp_code(authenticator_of(email)))
        page.get_by_role("button", name="Turn on two-factor authentication").click()
        page.wait_for_url(f"{base_url}/accounts/mfa/recovery-codes/**")
        expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
        if shots:
            page.screenshot(path=str(ARTIFACTS / f"{shots}-mfa-codes.png"), full_page=True)
        page.get_by_role("link", name="I have saved them: continue").click()
    elif "/accounts/mfa/verify/" in page.url:
        page.get_by_label("Code").fill(totp_code(authenticator_of(email)))
        page.get_by_role("button", name="Verify").click()


def sign_in_with_password(page: Any, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username or e-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(AFTER_PASSWORD)


def sign_in_as_demo_admin(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.screenshot(path=str(ARTIFACTS / "e2e-01-login.png"), full_page=True)
    sign_in_with_password(page, base_url, ADMIN_EMAIL, DEMO_PASSWORD)
    pass_second_factor(page, base_url, ADMIN_EMAIL)
    page.wait_for_url(f"{base_url}/o/demo/dashboards/")  # the organisation overview
    page.get_by_role("link", name="salesmgmt").click()  # the brand: the organisation home
    page.wait_for_url(f"{base_url}/o/demo/")


def test_demo_admin_signs_in_and_browses_the_members(demo, live_server, browser_page):
    page, log = browser_page

    sign_in_as_demo_admin(page, live_server.url)

    assert page.get_by_role("heading", name="Demo Sales Co.").is_visible()
    assert page.get_by_test_id("member-count").inner_text() == "23"
    page.screenshot(path=str(ARTIFACTS / "e2e-02-org-home.png"), full_page=True)
    # Bootstrap's CSS and the scripts really loaded (served from 'self' only).
    navbar_colour = page.eval_on_selector(
        "nav.navbar", "el => getComputedStyle(el).backgroundColor"
    )
    assert navbar_colour == "rgb(33, 37, 41)"
    assert page.evaluate("typeof window.htmx") == "object"
    assert {"css/app.css", "js/app.js", "vendor/htmx/htmx.min.js"} <= log.loaded_static()

    page.get_by_role("link", name="Members", exact=True).click()
    page.wait_for_url(f"{live_server.url}/o/demo/members/")

    table = page.get_by_test_id("member-table")
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 23
    for name in ("Ada Admin", "Kenji Mori", "Naomi Hayashi", "Aiko Sato"):
        assert table.get_by_role("link", name=name).count() == 1, name
    page.screenshot(path=str(ARTIFACTS / "e2e-03-members.png"), full_page=True)

    assert_clean(page, log)


def test_htmx_search_and_team_creation_work_under_the_csp(demo, live_server, browser_page):
    from playwright.sync_api import expect

    page, log = browser_page
    sign_in_as_demo_admin(page, live_server.url)

    page.goto(f"{live_server.url}/o/demo/members/")
    page.get_by_label("Search").fill("Mori")
    rows = page.get_by_test_id("member-table").locator("tbody tr")
    expect(rows).to_have_count(1)  # polls the DOM; wait_for_function would need eval
    assert rows.first.inner_text().startswith("Kenji Mori")
    assert re.search(r"[?&]q=Mori", page.url)  # hx-push-url keeps the filter in the address
    page.screenshot(path=str(ARTIFACTS / "e2e-04-member-search.png"), full_page=True)

    page.goto(f"{live_server.url}/o/demo/teams/")
    page.get_by_label("Name").fill("Nagoya Sales")
    page.get_by_role("button", name="Create team").click()
    page.get_by_test_id("team-tree").get_by_role("link", name="Nagoya Sales").wait_for()
    assert page.url == f"{live_server.url}/o/demo/teams/"  # swapped in place by htmx
    assert page.get_by_text("Team “Nagoya Sales” created.").is_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-05-team-created.png"), full_page=True)

    assert_clean(page, log)


def test_the_demo_admin_sets_up_two_factor_then_enters_a_code_at_the_next_sign_in(
    demo, live_server, browser_page
):
    from playwright.sync_api import expect

    page, log = browser_page
    base = live_server.url

    sign_in_with_password(page, base, ADMIN_EMAIL, DEMO_PASSWORD)
    assert "/accounts/mfa/setup/" in page.url  # first sign-in: nothing else before this
    page.goto(f"{base}/o/demo/members/")
    page.wait_for_url(f"{base}/accounts/mfa/setup/**")
    pass_second_factor(page, base, ADMIN_EMAIL, shots="e2e-06")
    page.wait_for_url(f"{base}/o/demo/members/")

    page.get_by_role("button", name="Settings").click()
    page.get_by_role("link", name="Audit trail").click()
    page.wait_for_url(f"{base}/o/demo/audit/")
    expect(page.get_by_test_id("audit-table")).to_contain_text("Two-factor set up")
    page.screenshot(path=str(ARTIFACTS / "e2e-07-audit-trail.png"), full_page=True)

    page.get_by_role("button", name=re.compile("Ada Admin")).click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/accounts/login/")
    sign_in_with_password(page, base, ADMIN_EMAIL, DEMO_PASSWORD)
    assert "/accounts/mfa/verify/" in page.url
    page.screenshot(path=str(ARTIFACTS / "e2e-08-mfa-verify.png"), full_page=True)
    pass_second_factor(page, base, ADMIN_EMAIL)
    page.wait_for_url(f"{base}/o/demo/dashboards/")

    assert_clean(page, log)
