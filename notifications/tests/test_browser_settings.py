"""The notification settings page in real Chromium: chosen with the keyboard's radio buttons, saved, and checked by
axe-core against WCAG 2.2 AA as shown, after saving and with its error. Skipped with the reason when Chromium or
axe-core is missing."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from notifications.models import Delivery, NotificationPreference
from safeguard.tests.axe_walk import AXE_JS, scan

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}"),
    pytest.mark.skipif(not AXE_JS.exists(), reason=f"axe-core not installed at {AXE_JS}"),
]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]


@pytest.fixture
def browser(monkeypatch):
    """A headless Chromium (Debian's); the live server's second connection is closed at the end."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_teacher_chooses_the_daily_digest(browser, live_server, teacher):
    client = Client()
    client.force_login(teacher)
    context = browser.new_context(bypass_csp=True)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.session.session_key, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(live_server.url + reverse("notifications:settings"))
    violations = scan(page, persona="teacher", url_name="notifications:settings")
    # Sent with nothing chosen (the choice removed in the page): the error summary is shown and checked too.
    page.evaluate("document.querySelectorAll('input[name=delivery]').forEach((radio) => { radio.checked = false; })")
    page.click("main button[type=submit]")
    assert "There is a problem" in page.content()
    violations += scan(page, persona="teacher", url_name="notifications:settings[errors]")
    page.get_by_label("Once a day: one e-mail each morning with my alerts and actions").check()
    page.click("main button[type=submit]")
    assert "Your notification settings are saved." in page.content()
    violations += scan(page, persona="teacher", url_name="notifications:settings[saved]")
    assert NotificationPreference.objects.get(user=teacher).delivery == Delivery.DIGEST
    assert not violations, "\n".join(v.describe() for v in violations)
