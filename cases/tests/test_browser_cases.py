"""The DSL's case pages in real Chromium: a case with a concern, a note and a brother suggested, its list and the
opening form, each checked by axe-core against WCAG 2.2 AA (the matrix's axe walk stops at the second factor, so it
never reaches them). Skipped with the reason when Chromium or axe-core is missing."""

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from cases.services import cases as services
from safeguard.accounts import otp
from safeguard.directory.tests.factories import PupilFactory, PupilGuardianFactory
from safeguard.tests.axe_walk import AXE_JS, scan

from .factories import concern_about

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
def test_the_case_pages_pass_axe(browser, live_server, school, pupil, guardian_link, dsl, teacher):
    brother = PupilFactory(school=school, legal_first_name="Kofi", legal_last_name="Whitfield")
    PupilGuardianFactory(pupil=brother, guardian=guardian_link.guardian)
    concern = concern_about(school, pupil, hours_ago=3, recorded_by=teacher)
    case = services.case_open(
        actor=dsl, school=school, title="Home situation", owner=dsl, pupils=[pupil], concerns=[concern]
    )
    services.case_note_add(actor=dsl, case=case, text="Spoke to mum.")
    client = Client()
    client.force_login(dsl)
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()
    context = browser.new_context(bypass_csp=True)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}])
    page = context.new_page()
    violations = []
    pages = {
        "cases:case_detail": reverse("cases:case_detail", args=[school.slug, case.public_id]),
        "cases:case_list": reverse("cases:case_list", args=[school.slug]),
        "cases:case_open": reverse("cases:case_open", args=[school.slug]) + f"?pupil={pupil.public_id}",
    }
    for name, url in pages.items():
        page.goto(live_server.url + url)
        assert "Home situation" in page.content() or name == "cases:case_open"
        violations += scan(page, persona="dsl", url_name=name)
    # The opening form sent empty: its error summary is checked too.
    page.click("#case-open-form button[type=submit]")
    assert "There is a problem" in page.content()
    violations += scan(page, persona="dsl", url_name="cases:case_open[errors]")
    assert not violations, "\n".join(v.describe() for v in violations)
