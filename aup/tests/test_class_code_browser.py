"""A teacher opens a class code on their laptop and a pupil signs the pupil agreement with it on a phone 360 px wide —
in real Chromium (Playwright). Skipped with the reason when Chromium is missing; Debian's Chromium, never a downloaded
one."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from aup import services_class_codes
from aup.models import ClassSigningCode, Signature, SignatureRequest
from aup.tests.factories import pupil_agreement
from safeguard.directory.tests import factories

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}"),
]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile "
    "Safari/537.36"
)


@pytest.fixture
def browser(monkeypatch):
    """A Chromium browser. Playwright's sync API runs an event loop in this thread, so Django's guard against
    database access from async code is lifted for the test's own queries; connections are closed at the end."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()


def test_a_teacher_opens_a_class_code_and_a_pupil_signs_with_it_on_a_phone(
    live_server, browser, school, office, teacher
):
    from playwright.sync_api import expect

    year = factories.YearGroupFactory(school=school, code="Y9", name="Year 9", order=9)
    school_class = factories.SchoolClassFactory(school=school, year_group=year, name="9 Elm")
    school_class.teachers.add(teacher)
    maya = factories.PupilFactory(
        school=school,
        school_class=school_class,
        year_group=year,
        legal_first_name="Maya",
        legal_last_name="Okafor",
        date_of_birth=datetime.date(2012, 3, 10),
    )
    factories.PupilFactory(
        school=school, school_class=school_class, year_group=year, date_of_birth=datetime.date(2016, 6, 1)
    )
    agreement = pupil_agreement(school)
    services_class_codes.pupil_self_signing_set(actor=office, school=school, from_age=13)

    # The teacher, signed in on a laptop, opens a code for 9 Elm and the pupil agreement.
    laptop = browser.new_context(viewport={"width": 1280, "height": 900})
    client = Client()
    client.force_login(teacher)
    laptop.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    board = laptop.new_page()
    board.set_default_timeout(15_000)
    board.goto(live_server.url + reverse("aup:class_signing", args=[school.slug]))
    board.get_by_role("link", name="Class codes: older pupils sign on their own devices").click()
    board.get_by_label("Class").select_option(label=str(school_class))
    board.get_by_label("Agreement").select_option(label=agreement.title)
    board.get_by_role("button", name="Open the code").click()
    shown = board.locator("[data-class-code]")
    expect(shown).to_be_visible()
    code_text = shown.inner_text().strip()
    code = ClassSigningCode.objects.get()
    assert code_text == code.code and code.opened_by == teacher

    # The pupil, on a phone with no account, types it (in small letters, with a space), finds her name, confirms
    # her date of birth and signs.
    phone = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=PHONE_USER_AGENT,
    )
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + reverse("aup:class_code_enter"))
    page.get_by_label("Your class code").fill(f"{code_text[:3].lower()} {code_text[3:].lower()}")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Find your name")).to_be_visible()
    assert page.get_by_role("radio").count() == 1  # the younger pupil is not listed
    page.get_by_label("Maya Okafor").check()
    page.locator("select[name=date_of_birth_day]").select_option("10")
    page.locator("select[name=date_of_birth_month]").select_option("3")
    page.locator("select[name=date_of_birth_year]").select_option("2012")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_text("Hello, Maya!")).to_be_visible()
    expect(page.get_by_text(f"Signing with {teacher.get_full_name()} present")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the pupil's signing page scrolls sideways by {overflow}px at 360px wide"
    for statement in agreement.statements.order_by("order"):
        page.get_by_label(statement.text).check()
    page.get_by_label("Write your first and last name").fill("Maya Okafor")
    page.screenshot(path="/tmp/aup_class_code_phone.png", full_page=True)
    page.get_by_role("button", name="I agree — sign").click()

    expect(page.get_by_role("heading", name="All done, Maya!")).to_be_visible()
    signature = Signature.objects.get(signer_pupil=maya)
    assert signature.method == Signature.Method.CLASS_CODE
    assert signature.teacher_present == teacher and signature.class_code == code
    assert signature.user_agent == PHONE_USER_AGENT
    assert signature.request.status == SignatureRequest.Status.PARTLY_SIGNED  # a parent countersigns

    # The finished pupil's session is gone: the next page starts again from the code.
    page.goto(live_server.url + reverse("aup:class_code_agreement"))
    expect(page.get_by_role("heading", name="Type your class code")).to_be_visible()

    # The teacher's page counts her signature; closing the code stops it.
    board.goto(live_server.url + reverse("aup:class_codes", args=[school.slug]))
    expect(board.get_by_text("1 signature")).to_be_visible()
    board.get_by_role("button", name="Close now").click()
    expect(board.get_by_text(f"Code {code.code} is closed.")).to_be_visible()
    page.goto(live_server.url + reverse("aup:class_code_enter"))
    page.get_by_label("Your class code").fill(code_text)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Your teacher has closed this code")).to_be_visible()
    laptop.close()
    phone.close()
