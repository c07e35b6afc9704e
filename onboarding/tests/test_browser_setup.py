"""From an empty database with only a superuser, a US district is set up through the pages alone, in real Chromium
(Playwright): the district and its administrator, one campus and its principal, two semesters, K–5 grades, a
teacher invited and a class with that teacher. No ``/admin/`` URL is visited (issue 13, "done when", in part).

Skipped with the reason when Chromium is missing. Uses Debian's Chromium, never a downloaded one.
"""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.db import connections

from safeguard.accounts.models import User
from safeguard.directory.models import AcademicYear, Organisation, Role, School, SchoolClass, StaffRole, YearGroup

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}"),
]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PASSWORD = "maple-syrup-harbour-77"


@pytest.fixture
def browser(monkeypatch):
    """A Chromium browser; each person gets a context (a browser profile) of their own. Every URL requested is kept
    in ``browser.visited``."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        chromium.visited = []
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()


def _person(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("request", lambda request: browser.visited.append(request.url))
    return page


def _link_for(address):
    """The path of the newest invitation link e-mailed to ``address``."""
    messages = [message for message in mail.outbox if message.to == [address]]
    assert messages, f"no e-mail to {address}"
    match = re.search(r"https?://[^/\s]+(/staff-invitation/\S+)", messages[-1].body)
    assert match, messages[-1].body
    return match.group(1)


def _accept(browser, live_server, address, name):
    from playwright.sync_api import expect

    page = _person(browser)
    page.goto(live_server.url + _link_for(address))
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    page.get_by_label("Your full name").fill(name)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_text("Welcome! Your password is set and you are signed in.")).to_be_visible()
    return page


@pytest.mark.django_db(transaction=True)
def test_a_us_district_sets_itself_up_through_the_pages(live_server, browser, celery_eager, mailoutbox, settings):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    User.objects.create_superuser("it@lakeview.example", PASSWORD, full_name="Technology Director")

    # The superuser signs in and is taken to the first-run page.
    page = _person(browser)
    page.goto(live_server.url + "/")
    page.get_by_label("E-mail address").fill("it@lakeview.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page.get_by_role("heading", name="Set up Safeguard")).to_be_visible()
    page.get_by_label("A school district with several campuses").check()
    page.get_by_label("Name of the trust or district").fill("Lakeview Unified School District")
    page.get_by_label("Administrator's full name").fill("Jordan Reyes")
    page.get_by_label("Administrator's e-mail address").fill("jordan@lakeview.example")
    page.get_by_role("button", name="Set up", exact=True).click()
    expect(page.get_by_text("Lakeview Unified School District is set up.")).to_be_visible()

    # The district administrator accepts, adds a campus and invites its principal.
    admin = _accept(browser, live_server, "jordan@lakeview.example", "Jordan Reyes")
    expect(admin.get_by_role("heading", name="Lakeview Unified School District")).to_be_visible()
    admin.get_by_role("link", name="Schools: add, edit, invite heads").click()
    admin.get_by_role("link", name="Add a school").click()
    admin.get_by_label("School name").fill("Maple Elementary")
    admin.get_by_label("Country").select_option("united_states")
    admin.get_by_label("Time zone").select_option("America/Chicago")
    admin.get_by_label("District or campus code").fill("LV-101")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("heading", name="Invite the Principal of Maple Elementary")).to_be_visible()
    admin.get_by_label("Full name").fill("Sam Ortiz")
    admin.get_by_label("E-mail address").fill("sam@lakeview.example")
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_text("Sam Ortiz is now Principal of Maple Elementary.")).to_be_visible()

    # The principal accepts and sets the campus up: two semesters, K–5, a teacher, a class.
    principal = _accept(browser, live_server, "sam@lakeview.example", "Sam Ortiz")
    expect(principal.get_by_role("heading", name="Maple Elementary")).to_be_visible()
    principal.get_by_role("link", name="School set-up").click()
    principal.get_by_role("link", name="Add a year — United States: two semesters").click()
    expect(principal.get_by_label("First semester starts on")).to_be_visible()
    principal.get_by_role("button", name="Add the year").click()
    expect(principal.get_by_text("has been added.")).to_be_visible()
    # Ids, not labels, where the words follow the country ("Grades" for a US school).
    principal.locator("#id_preset").select_option("us_k5")
    principal.locator("form[action$='/year-groups/add/'] button[type=submit]").click()
    expect(principal.get_by_text(re.compile("added: Kindergarten, Grade 1"))).to_be_visible()
    principal.get_by_role("link", name="Staff").first.click()
    principal.get_by_role("link", name="Invite a member of staff").click()
    principal.get_by_label("Full name").fill("Alex Kim")
    principal.get_by_label("E-mail address").fill("alex@lakeview.example")
    principal.get_by_label("Teacher", exact=True).check()
    principal.get_by_label("Job title").fill("Kindergarten teacher")
    principal.get_by_role("button", name="Send invitation").click()
    expect(principal.get_by_text("has not chosen a password yet")).to_be_visible()
    _accept(browser, live_server, "alex@lakeview.example", "Alex Kim")
    principal.goto(live_server.url + "/")
    principal.get_by_role("link", name="School set-up").click()
    principal.get_by_role("link", name="Add a class").click()
    principal.locator("#id_name").fill("K Bluebirds")
    principal.locator("#id_year_group").select_option(label="Kindergarten")
    principal.get_by_label("Alex Kim (alex@lakeview.example)").check()
    principal.get_by_role("button", name="Save").click()
    expect(principal.get_by_role("cell", name="K Bluebirds")).to_be_visible()
    expect(principal.get_by_role("cell", name="Alex Kim")).to_be_visible()

    district = Organisation.objects.get()
    campus = School.objects.get()
    assert (district.kind, campus.organisation, campus.time_zone) == ("district", district, "America/Chicago")
    assert campus.calendar_model == School.CalendarModel.TWO_SEMESTERS
    year = AcademicYear.objects.get(school=campus)
    assert list(year.terms.values_list("kind", flat=True)) == ["semester_1", "semester_2"]
    assert YearGroup.objects.filter(school=campus).count() == 6
    assert StaffRole.objects.get(school=campus, user__email="sam@lakeview.example").role == Role.HEADTEACHER
    klass = SchoolClass.objects.get(school=campus)
    assert [teacher.email for teacher in klass.teachers.all()] == ["alex@lakeview.example"]
    assert User.objects.get(email="alex@lakeview.example").check_password(PASSWORD)
    assert not [url for url in browser.visited if "/admin/" in url]
