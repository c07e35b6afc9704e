"""A visitor signs in at the front desk on the office's tablet (768 × 1024, touch) — name, organisation, role,
every statement ticked, a finger-drawn signature — sees "Thank you" and an empty form, and the office finds the
visit on the front desk list with its signed PDF; in real Chromium (Playwright). Pattern:
``test_browser_signing.py`` (Debian's Chromium; skipped with the reason when it is missing)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from aup.models import Audience, Signature, SignatureRequest
from aup.tests.factories import AgreementFactory
from aup.tests.test_browser_signing import CHROMIUM_ARGS, _draw_with_finger

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}"),
]

TABLET = {"width": 768, "height": 1024}
TABLET_USER_AGENT = (
    "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 "
    "Mobile/15E148 Safari/604.1"
)
STATEMENTS = [
    "I will wear my visitor badge where it can be seen.",
    "I will not take photographs of pupils.",
    "I will tell the designated safeguarding lead if I am worried about a child.",
]


@pytest.fixture
def tablet(monkeypatch):
    """``(context, page)``: a Chromium page the size of a portrait tablet with a touch screen (see
    ``test_browser_signing.phone`` for why the async guard is lifted and connections closed)."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport=TABLET,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            user_agent=TABLET_USER_AGENT,
            accept_downloads=True,
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield context, page
        finally:
            context.close()
            browser.close()
            connections.close_all()


def test_a_visitor_signs_on_the_front_desk_tablet_and_the_next_one_gets_an_empty_form(
    live_server, tablet, school, office
):
    from playwright.sync_api import expect

    context, page = tablet
    agreement = AgreementFactory(
        version__policy__school=school,
        version__policy__title="Safeguarding Policy",
        audience=Audience.VISITOR,
        title="Visitor and volunteer agreement",
        statements=STATEMENTS,
    )
    client = Client()
    client.force_login(office)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    # The office opens the front desk and starts the kiosk.
    page.goto(live_server.url + reverse("aup:front_desk", args=[school.slug]))
    page.get_by_role("link", name="Open the kiosk").click()
    expect(page.get_by_role("heading", name="Visitor and volunteer agreement")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the kiosk scrolls sideways by {overflow}px at 768px wide"

    # Leaving the organisation out gives a clear error and keeps nothing.
    page.get_by_label("Your full name").fill("Priya Natarajan")
    for text in STATEMENTS:
        page.get_by_label(text).check()
    page.get_by_role("button", name="I agree — sign in").click()
    # Said in the error summary at the top (focused) and beside the field.
    expect(page.locator(".error-summary")).to_contain_text("Please type the organisation you are with.")
    expect(page.get_by_text("Please type the organisation you are with.")).to_have_count(2)
    assert not SignatureRequest.objects.filter(agreement=agreement).exists()

    page.get_by_label("Organisation").fill("Riverside Reading Volunteers")
    page.get_by_label("Volunteer").check()
    for text in STATEMENTS:
        page.get_by_label(text).check()
    pad = page.locator("canvas#signature-pad")
    expect(pad, "the pad stays hidden: is the npm package signature_pad installed (npm ci) and served?").to_be_visible()
    pad.scroll_into_view_if_needed()
    _draw_with_finger(context, page, pad.bounding_box())
    assert page.locator("#id_drawn_signature").input_value().startswith("data:image/png;base64,")
    page.screenshot(path="/tmp/aup_front_desk_tablet.png", full_page=True)
    page.get_by_role("button", name="I agree — sign in").click()

    expect(page.get_by_text("Thank you — you are signed in.")).to_be_visible()
    signature = Signature.objects.get(request__agreement=agreement)
    assert signature.method == Signature.Method.FRONT_DESK and signature.front_desk_by == office
    assert signature.request.visitor_organisation == "Riverside Reading Volunteers"
    assert signature.request.visitor_role == Audience.VOLUNTEER
    assert signature.drawn_signature.startswith("data:image/png;base64,")
    assert signature.user_agent == TABLET_USER_AGENT

    # The next visitor: an empty form, nothing ticked, and Back does not bring the last visitor back.
    expect(page.get_by_label("Your full name")).to_have_value("")
    expect(page.get_by_label("Organisation")).to_have_value("")
    for text in STATEMENTS:
        expect(page.get_by_label(text)).not_to_be_checked()
    # Back leads to the refused first attempt, a POST whose page was never stored (no-store): Chromium shows its own
    # "confirm form resubmission" error rather than the visitor's details.
    from playwright.sync_api import Error as PlaywrightError

    try:
        page.go_back()
    except PlaywrightError as error:
        assert "ERR_CACHE_MISS" in str(error)
    page.wait_for_load_state()
    expect(page.locator("html")).not_to_contain_text("Priya Natarajan")
    expect(page.locator("html")).not_to_contain_text("Riverside Reading Volunteers")

    # The office sees today's visitor and downloads the signed PDF.
    page.goto(live_server.url + reverse("aup:front_desk", args=[school.slug]))
    row = page.locator("#front-desk-visitors tbody tr").first
    expect(row).to_contain_text("Priya Natarajan")
    expect(row).to_contain_text("Riverside Reading Volunteers")
    with page.expect_download() as download_info:
        row.get_by_role("link", name="PDF").click()
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
