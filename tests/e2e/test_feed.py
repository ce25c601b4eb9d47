"""In a real browser: a demo salesperson posts a photo action, sees the photo through the
checked view, reacts with htmx, and the bell loads its unread count by itself.

Same harness as test_login_and_members.py: Debian's chromium, every console message and
CSP violation recorded, screenshots in test-artifacts/ (names start with e2e-feed-).
"""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Membership
from messaging import services
from messaging.models import Post
from tests.e2e.test_dashboards import REP_EMAIL, sign_in
from tests.e2e.test_login_and_members import ARTIFACTS, assert_clean, browser_page, demo
from tests.messaging.images import image_bytes

__all__ = ["browser_page", "demo"]  # fixtures used by name below

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHOTO_LOADED = """() => Array.from(document.querySelectorAll("img.post-photo"))
  .map((img) => img.complete && img.naturalWidth > 0)"""


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"e2e-feed-{name}.png"), full_page=True)


def test_a_salesperson_posts_a_photo_action_and_reacts(demo, live_server, browser_page, tmp_path):
    from playwright.sync_api import expect

    page, log = browser_page
    base = live_server.url
    photo = tmp_path / "stand.jpg"
    photo.write_bytes(image_bytes("JPEG", (640, 480), gps=True))
    sign_in(page, base, REP_EMAIL)

    page.locator("#mainnav").get_by_role("link", name="Feed", exact=True).click()
    page.wait_for_url(f"{base}/o/demo/feed/")
    page.get_by_role("link", name="New post").click()
    page.get_by_label("Kind").select_option("photo_action")
    page.get_by_label("Text").fill(
        "Browser check: the fair stand, ask me about the leads @manager1"
    )
    page.set_input_files("#id_photos", str(photo))
    page.get_by_role("button", name="Post").click()
    page.wait_for_url(f"{base}/o/demo/feed/*/")

    expect(page.get_by_text("Browser check: the fair stand")).to_be_visible()
    expect(page.locator("span.mention")).to_have_text("@manager1")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(PHOTO_LOADED) == [True]
    post = Post.objects.get(body__startswith="Browser check")
    assert post.photos.count() == 1

    clap = page.locator(f"#reactions-{post.pk} button").nth(1)
    clap.click()
    expect(page.locator(f"#reactions-{post.pk} button").nth(1)).to_have_attribute(
        "aria-pressed", "true"
    )
    shot(page, "post")

    # A colleague replies: the bell of the author shows it on the next page it opens.
    rep02 = Membership.objects.get(user__email="rep02@demo.example")
    services.add_comment(actor=rep02, post=post, body="Great turnout!")
    page.locator("#mainnav").get_by_role("link", name="Feed", exact=True).click()
    expect(page.get_by_test_id("bell-count")).to_be_visible()
    assert_clean(page, log)
