"""In a real browser: the main pages pass axe-core with no serious or critical violation,
in English and in Japanese, on a laptop (1366 px) and on a phone (390 px).

axe-core (npm devDependency) is injected into each page; the pages' Content-Security-Policy
forbids inline scripts, so these contexts bypass the CSP (the other browser tests keep it).
One browser per language; a demo manager signs in once and reads every page at both widths.
Screenshots go to test-artifacts/e2e-a11y-<page>-<lang>-<width>.png.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.e2e.test_login_and_members import (  # the shared harness
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LANDED,
    TIMEOUT_MS,
    _require_chromium,
    demo,
    pass_second_factor,
    sign_in_with_password,
)

__all__ = ["demo"]  # fixture used by name below

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
MANAGER_EMAIL = "manager1@demo.example"
WIDTHS = {1366: 900, 390: 844}
BLOCKING = ("serious", "critical")

# Every violation with its impact, rule and the first few offending elements.
RUN_AXE = """async () => {
  const result = await window.axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}"""

CHARTS_WITHOUT_TABLE = """() => Array.from(document.querySelectorAll("canvas"))
  .filter((c) => window.Chart && window.Chart.getChart(c))
  .filter((c) => !(c.nextElementSibling && c.nextElementSibling.matches(".chart-table")
    && c.nextElementSibling.querySelectorAll("tbody tr").length > 0))
  .map((c) => c.id)"""

FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""

# The elements sticking out furthest to the right (to name what a phone would cut off).
WIDEST = """() => Array.from(document.querySelectorAll("body *"))
  .map((e) => [Math.round(e.getBoundingClientRect().right), e.tagName + "." + e.className])
  .filter((r) => r[0] > document.documentElement.clientWidth)
  .sort((a, b) => b[0] - a[0]).slice(0, 5)"""


def _pages(base: str) -> dict[str, str]:
    """The main pages of the demo, as the demo manager reaches them (ids from the seed)."""
    from accounts.models import Membership
    from deals.models import Deal

    manager = Membership.objects.select_related("organization", "user", "team").get(
        organization__slug="demo", user__email=MANAGER_EMAIL
    )
    org = manager.organization
    member = (
        Membership.objects.filter(organization=org, team=manager.team)
        .exclude(pk=manager.pk)
        .order_by("pk")
        .first()
    )
    deal = Deal.objects.filter(organization=org).order_by("pk").first()
    assert member is not None
    assert deal is not None
    o = f"{base}/o/{org.slug}"
    return {
        "my-day": f"{o}/activities/",
        "activity-list": f"{o}/activities/list/",
        "team-dashboard": f"{o}/dashboards/team/{manager.team_id}/",
        "member-dashboard": f"{o}/dashboards/member/{member.user_id}/",
        "deal-board": f"{o}/deals/",
        "deal-detail": f"{o}/deals/{deal.pk}/",
        "goals": f"{o}/goals/",
        "feed": f"{o}/feed/",
        "members": f"{o}/members/",
    }


@pytest.fixture
def axe_browser(monkeypatch) -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

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


def _audit(page: Any, url: str, name: str, lang: str, width: int) -> list[dict[str, Any]]:
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    response = page.goto(url)
    assert response is not None, (name, url)
    assert response.status == 200, (name, url)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    # Each chart reads as a table too (built from the chart's own data, visually hidden).
    assert page.evaluate(CHARTS_WITHOUT_TABLE) == [], (name, lang, width)
    page.screenshot(path=str(ARTIFACTS / f"e2e-a11y-{name}-{lang}-{width}.png"), full_page=True)
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    if width == 390:
        # Nothing cut off on a phone: the page itself never scrolls sideways.
        wide = page.evaluate(WIDEST)
        assert overflow <= width, (name, lang, overflow, wide)
    return violations


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_main_pages_have_no_serious_accessibility_violation(
    demo, live_server, axe_browser, lang
):
    from accounts.models import User

    assert AXE.exists(), "run `npm install` (axe-core is a devDependency)"
    base = live_server.url
    report: dict[str, dict[str, int]] = {}
    blocking: list[tuple[str, str, int, dict[str, Any]]] = []

    def audit(page: Any, name: str, url: str) -> None:
        for width in WIDTHS:
            found = _audit(page, url, name, lang, width)
            counts = report.setdefault(f"{name}-{width}", {})
            for v in found:
                counts[v["impact"]] = counts.get(v["impact"], 0) + 1
                if v["impact"] in BLOCKING:
                    blocking.append((name, lang, width, v))

    # Not signed in: the browser's language decides.
    visitor = axe_browser.new_context(
        bypass_csp=True, locale=lang, extra_http_headers={"Accept-Language": lang}
    )
    try:
        page = visitor.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        audit(page, "sign-in", f"{base}/accounts/login/")
        assert page.evaluate("() => document.documentElement.lang") == lang
    finally:
        visitor.close()

    # Signed in: the person's saved language decides (the browser here says English).
    context = axe_browser.new_context(bypass_csp=True, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        User.objects.filter(email=MANAGER_EMAIL).update(locale=lang)
        sign_in_with_password(page, base, MANAGER_EMAIL, _password())
        pass_second_factor(page, base, MANAGER_EMAIL)
        page.wait_for_url(LANDED)
        assert page.evaluate("() => document.documentElement.lang") == lang
        for name, url in _pages(base).items():
            audit(page, name, url)
        # From the keyboard, whatever has the focus shows a ring.
        page.set_viewport_size({"width": 1366, "height": WIDTHS[1366]})
        page.goto(_pages(base)["deal-board"])
        for _ in range(6):
            page.keyboard.press("Tab")
            assert page.evaluate(FOCUS_RING), page.evaluate(
                "() => document.activeElement.outerHTML"
            )
    finally:
        context.close()
        (ARTIFACTS / f"e2e-a11y-axe-{lang}.json").write_text(
            json.dumps({"counts": report, "blocking": blocking}, indent=1, ensure_ascii=False)
        )
    assert blocking == [], json.dumps(blocking, indent=1, ensure_ascii=False)


def _password() -> str:
    from accounts.management.commands.seed_demo import DEMO_PASSWORD

    return DEMO_PASSWORD
