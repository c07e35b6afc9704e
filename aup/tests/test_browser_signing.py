"""A parent on a phone signs from the e-mailed link, drawing a signature with a finger and a mouse, and downloads the
signed PDF once the pupil has signed in class — in real Chromium (Playwright) at 360 × 740.

Skipped with the reason when Chromium is missing. Uses Debian's Chromium, never a downloaded one. The signature pad
library comes from the npm package ``signature_pad`` (``npm ci``); without it the pad stays hidden and this test
fails at the drawing step, saying so.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from aup import services
from aup.evidence import agreement_content, content_sha256
from aup.models import Signature, SignatureRequest
from aup.tests.factories import pupil_agreement
from aup.tokens import signing_token

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}"),
]

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
SCREENSHOT = "/tmp/aup_sign_phone.png"
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile "
    "Safari/537.36"
)


@pytest.fixture
def guardian_link(guardian_link):
    """The pupil's mother, Dana Whitfield: the name the tests type to sign (it is checked against the record)."""
    guardian = guardian_link.guardian
    guardian.first_name, guardian.last_name = "Dana", "Whitfield"
    guardian.save(update_fields=["first_name", "last_name"])
    return guardian_link


@pytest.fixture
def phone(monkeypatch):
    """``(context, page)``: a Chromium page the size of a small phone with a touch screen.

    Playwright's sync API runs an event loop in this thread, so Django's guard against database access from async
    code is lifted for the test's own queries; the second connection that opens is closed at the end, or Postgres
    refuses to drop the test database.
    """
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            user_agent=PHONE_USER_AGENT,
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


def _sign_in(context, live_server, user):
    """The parent is already signed in on their phone (their session cookie, as after the sign-in page)."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _draw_with_mouse(page, box):
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 21):
        x = box["x"] + box["width"] * (0.1 + 0.04 * step)
        y = box["y"] + box["height"] * (0.6 - 0.25 * ((step % 4) / 3))
        page.mouse.move(x, y, steps=2)
    page.mouse.up()


def _draw_with_finger(context, page, box):
    """A finger stroke: touch events from the (emulated) touch screen, which Chromium turns into pointer events."""
    cdp = context.new_cdp_session(page)
    y = box["y"] + box["height"] * 0.75
    points = [(box["x"] + box["width"] * (0.15 + 0.035 * i), y - (i % 3) * 6) for i in range(20)]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": y}]})
    for x, point_y in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": point_y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_parent_signs_on_a_phone_by_link_draws_a_signature_and_downloads_the_signed_pdf(
    live_server, phone, school, office, teacher, pupil, parent, guardian_link, celery_eager
):
    from playwright.sync_api import expect

    context, page = phone
    agreement = pupil_agreement(school)
    request, _ = services.signature_request_open(actor=office, agreement=agreement, school=school, pupil=pupil)
    link = live_server.url + reverse("aup:sign_by_link", args=[signing_token(request, guardian_link.guardian)])
    _sign_in(context, live_server, parent)

    page.goto(link)
    expect(page.get_by_role("heading", name="Pupil acceptable use agreement")).to_be_visible()
    expect(page.get_by_text(content_sha256(agreement_content(agreement)))).to_be_visible()
    pad = page.locator("canvas#signature-pad")
    expect(pad, "the pad stays hidden: is the npm package signature_pad installed (npm ci) and served?").to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the signing page scrolls sideways by {overflow}px at 360px wide"
    page.screenshot(path=SCREENSHOT, full_page=True)

    for statement in agreement.statements.order_by("order"):
        checkbox = page.get_by_label(statement.text)
        expect(checkbox).not_to_be_checked()
        checkbox.check()
    page.get_by_label("Your full name").fill("Dana Whitfield")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    _draw_with_finger(context, page, box)
    _draw_with_mouse(page, box)
    drawn = page.locator("#id_drawn_signature").input_value()
    assert drawn.startswith("data:image/png;base64,"), "the pad did not write the drawing to the form"
    page.screenshot(path="/tmp/aup_sign_phone_filled.png", full_page=False)
    page.get_by_role("button", name="Sign", exact=True).click()

    expect(page.get_by_role("heading", name="Signed — thank you")).to_be_visible()
    expect(page.get_by_text("Waiting for your child to sign in class")).to_be_visible()
    signature = Signature.objects.get(request=request, party=Signature.Party.PARENT)
    assert signature.method == Signature.Method.INVITATION_LINK
    assert signature.drawn_signature.startswith("data:image/png;base64,")
    assert signature.user_agent == PHONE_USER_AGENT

    # The pupil signs in class with the teacher present; the PDF renders at once (eager Celery).
    content = agreement_content(agreement)
    services.signature_record(
        request=request,
        party=Signature.Party.PUPIL,
        method=Signature.Method.TEACHER_PRESENT,
        teacher_present=teacher,
        typed_name="Amara Whitfield",
        statements_confirmed=[s["number"] for s in content["statements"]],
        shown_sha256=content_sha256(content),
    )
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.COMPLETED

    page.reload()
    download_button = page.get_by_role("link", name="Download the signed PDF")
    expect(download_button).to_be_visible()
    page.screenshot(path="/tmp/aup_signed_phone.png", full_page=True)
    with page.expect_download() as download_info:
        download_button.click()
    download = download_info.value
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.suggested_filename.endswith(".pdf")
