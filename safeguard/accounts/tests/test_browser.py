"""A parent on a phone: from the invitation link to their child's page, in real Chromium (Playwright).

Skipped with the reason when Chromium is missing (see conftest.py). Uses Debian's Chromium, never a downloaded one.
"""

import os
import re

import pytest
from django.db import connections
from django.urls import reverse

from safeguard.accounts import services
from safeguard.accounts.tokens import invitation_token

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "marmalade-harbour-velvet-3"
SCREENSHOT = "/tmp/parent_home.png"


@pytest.fixture
def phone_page(monkeypatch):
    """A Chromium page the size of a small phone.

    Playwright's sync API runs an event loop in this thread, so Django's guard against database access from async
    code is lifted for the test's own queries. Those queries run in another context (Playwright's greenlet), so
    Django opens them a second connection: it is closed here, or Postgres refuses to drop the test database.
    """
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            connections.close_all()


def _expect_no_sideways_scroll(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {PHONE['width']}px wide"


def test_parent_accepts_invitation_on_a_phone_then_signs_out_and_in_again(live_server, office, guardian, phone_page):
    from playwright.sync_api import expect

    page = phone_page
    invitation = services.invitation_create(actor=office, guardian=guardian)
    link = live_server.url + reverse("accounts:invitation_accept", args=[invitation_token(invitation)])

    page.goto(link)
    expect(page.get_by_role("heading", name="Set up your account")).to_be_visible()
    expect(page.get_by_text(guardian.email)).to_be_visible()
    _expect_no_sideways_scroll(page)
    page.get_by_label("Your full name").fill("Dana Whitfield")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.screenshot(path="/tmp/invitation_accept.png", full_page=True)
    page.get_by_role("button", name="Create my account").click()

    expect(page).to_have_url(live_server.url + reverse("directory:parent_home"))
    expect(page.get_by_text("Welcome! Your account is ready.")).to_be_visible()
    expect(page.get_by_role("link", name="Amara Whitfield")).to_be_visible()
    _expect_no_sideways_scroll(page)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # On a phone the navigation is folded away behind the menu button.
    sign_out = page.get_by_role("button", name=re.compile(r"^Sign out"))
    expect(sign_out).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    sign_out.click()
    expect(page).to_have_url(re.compile(re.escape(live_server.url + reverse("accounts:login")) + r"$"))

    page.get_by_label("E-mail address").fill(guardian.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(live_server.url + reverse("directory:parent_home"))
    expect(page.get_by_role("link", name="Amara Whitfield")).to_be_visible()
    assert os.path.getsize(SCREENSHOT) > 0
