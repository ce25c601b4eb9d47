"""In a real browser: the API documentation renders its operations under the CSP.

Same harness as test_login_and_members.py (Debian's chromium, console and CSP violations
recorded, screenshot in test-artifacts/e2e-api-docs.png).
"""

from __future__ import annotations

import pytest

from tests.e2e.test_login_and_members import ARTIFACTS, assert_clean, browser_page

__all__ = ["browser_page"]  # fixture used by name below

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_lists_the_api_operations(live_server, browser_page):
    from playwright.sync_api import expect

    page, log = browser_page
    page.goto(f"{live_server.url}/api/v1/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("salesmgmt API")
    expect(
        page.locator(".opblock-summary-path", has_text="/orgs/{org_slug}/deals/").first
    ).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "e2e-api-docs.png"))
    assert_clean(page, log)
