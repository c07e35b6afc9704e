"""A parent on a phone answers all eight photo and video questions, later withdraws one on the change page, and the
class teacher's grid shows that use as "no" — in real Chromium (Playwright) at 360 × 740 with a touch screen.

Skipped with the reason when Chromium is missing. Uses Debian's Chromium, never a downloaded one.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connections
from django.test import Client
from django.urls import reverse

from consent.models import ConsentResponse
from consent.selectors import effective_answers
from consent.tests.factories import published_form
from safeguard.directory.tests import factories

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
def browser(monkeypatch):
    """A headless Chromium. Playwright's sync API runs an event loop in this thread, so Django's guard against
    database access from async code is lifted for the test's own queries; the extra connection is closed at the
    end, or Postgres refuses to drop the test database."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()


def _phone_context(browser):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, user_agent=PHONE_USER_AGENT
    )
    context.set_default_timeout(15_000)
    return context


def _sign_in(context, live_server, user):
    """The user is already signed in on this device (their session cookie, as after the sign-in page)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def _no_sideways_scroll(page, what):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px at 360px wide"


def test_parent_answers_on_a_phone_withdraws_one_and_the_class_grid_shows_no(
    live_server, browser, school, teacher, pupil, parent, celery_eager
):
    from playwright.sync_api import expect

    factories.AcademicYearFactory(school=school)
    version = published_form(school)
    purposes = list(version.purposes.order_by("order"))
    pupil.school_class.teachers.add(teacher)

    phone = _phone_context(browser)
    _sign_in(phone, live_server, parent)
    page = phone.new_page()
    page.goto(live_server.url + reverse("directory:parent_home"))
    expect(page.get_by_text("Photo consent: not answered yet")).to_be_visible()
    page.get_by_role("link", name="Answer now").click()

    expect(page.get_by_role("heading", name="Photo and video consent")).to_be_visible()
    _no_sideways_scroll(page, "the answer page")
    assert page.locator("input[type=radio]:checked").count() == 0, "an answer was pre-selected"
    page.screenshot(path="/tmp/consent_answer_phone.png", full_page=True)
    for purpose in purposes:
        group = page.get_by_role("group", name=purpose.wording)
        group.get_by_text("Yes" if purpose.code != "videos_marketing" else "No", exact=True).click()
    page.get_by_label("Your full name").fill("Dana Whitfield")
    page.get_by_role("button", name="Send my answers").click()

    expect(page.get_by_role("heading", name="Your answers")).to_be_visible()
    expect(page.get_by_text("A PDF copy is on its way by e-mail.")).to_be_visible()
    answered = ConsentResponse.objects.get(pupil=pupil)
    assert answered.user_agent == PHONE_USER_AGENT and answered.answers.count() == 8
    assert any(m.attachments and m.attachments[0][2] == "application/pdf" for m in mail.outbox)

    # Later, the parent withdraws consent for social media only.
    page.get_by_role("link", name="Change or withdraw my answers").click()
    expect(page.get_by_text("It does not recall images already published.").first).to_be_visible()
    _no_sideways_scroll(page, "the change page")
    social = next(p for p in purposes if p.code == "images_social_media")
    page.locator("#change-form").get_by_role("group", name=social.wording).get_by_text("No", exact=True).click()
    page.locator("#change-form").get_by_label("Your full name").fill("Dana Whitfield")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your changes are saved. They take effect now.")).to_be_visible()
    expect(page.locator('#effective-answers [data-purpose="images_social_media"]')).to_contain_text("No")
    page.screenshot(path="/tmp/consent_change_phone.png", full_page=True)
    phone.close()

    # The class teacher, on their own device, sees the change in the class grid at once.
    staff = _phone_context(browser)
    _sign_in(staff, live_server, teacher)
    grid = staff.new_page()
    grid.goto(
        live_server.url + reverse("consent:class_grid", args=[school.slug]) + f"?school_class={pupil.school_class_id}"
    )
    row = grid.locator("#consent-grid tbody tr", has_text=pupil.display_name)
    cells = row.locator("td")
    index = {p.code: i for i, p in enumerate(purposes)}
    expect(cells.nth(index["images_social_media"])).to_contain_text("No")
    expect(cells.nth(index["images_website"])).to_contain_text("Yes")
    expect(cells.nth(index["videos_marketing"])).to_contain_text("No")
    grid.screenshot(path="/tmp/consent_grid_phone.png", full_page=True)
    staff.close()

    _purposes, decisions = effective_answers(school=school, pupils=[pupil])
    assert decisions[pupil.pk]["images_social_media"].allowed is False
    assert decisions[pupil.pk]["images_website"].allowed is True
