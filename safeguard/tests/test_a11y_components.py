"""What a person on a phone (360 CSS px wide) or on a keyboard notices of issue 15, items 3 to 6, in real Chromium:

- the error summary takes focus when a form comes back, and its links move focus to the field (item 3);
- every checkbox and radio of the incident form, the breadcrumbs and "Forgotten your password?" are at least
  24 × 24 px (item 5), and "also alert" is a checkbox list that a search box narrows (item 5);
- the consent grid scrolls sideways from the keyboard, its pupil column stays in view, and an answer shows an icon
  with its word (item 6);
- a dashboard chart holds no link, is never drawn narrower than its own width (so its text is at least 12 px), and
  takes the card's width on a wide screen (item 4).

Uses Debian's Chromium, never a downloaded one; skipped with the reason when it is missing.
"""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consent.tests.factories import published_form
from incidents import services as incident_services
from incidents.tests.factories import category
from safeguard.directory.models import Role
from safeguard.directory.tests import factories

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}"),
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
MINIMUM = 24  # CSS px, WCAG 2.2 success criterion 2.5.8 (target size, minimum)


@pytest.fixture
def browser(monkeypatch):
    """A headless Chromium (see incidents/tests/test_browser_record.py for why async-unsafe access is allowed)."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()


def new_page(browser, live_server, user=None, viewport=PHONE):
    context = browser.new_context(viewport=viewport, has_touch=viewport is PHONE)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def small_targets(page, selector):
    """``[(description, width, height)]`` of the visible elements matching ``selector`` smaller than 24 × 24."""
    return page.eval_on_selector_all(
        selector,
        """(elements, minimum) => elements
            .map((e) => [e, e.getBoundingClientRect()])
            .filter(([e, box]) => box.width > 0 && box.height > 0)
            .filter(([e, box]) => box.width < minimum || box.height < minimum)
            .map(([e, box]) => [e.id || e.textContent.trim(), box.width, box.height])""",
        MINIMUM,
    )


def colleague(school, email, name):
    user = factories.UserFactory(email=email, full_name=name)
    factories.StaffRoleFactory(user=user, school=school, role=Role.TEACHER)
    return user


@pytest.fixture
def colleagues(school):
    return [
        colleague(school, "olive@example.test", "Olive Oakley"),
        colleague(school, "adam@example.test", "Adam Ashby"),
        colleague(school, "zeynep@example.test", "Zeynep Öztürk"),
    ]


def test_on_a_phone_the_incident_forms_targets_are_24_px_and_also_alert_is_a_searchable_list(
    live_server, browser, school, teacher, colleagues
):
    from playwright.sync_api import expect

    page = new_page(browser, live_server, teacher)
    page.goto(live_server.url + reverse("incidents:record", args=[school.slug]))
    expect(page.get_by_role("heading", name="Record an incident or concern")).to_be_visible()

    # each section is a group named by its legend (a screen reader says "When and where, group")
    for section in ("When and where", "Pupils involved *", "What kind of incident *", "Who else should know"):
        expect(page.get_by_role("group", name=section, exact=True)).to_have_count(1)

    checkboxes = page.locator('input[name="categories"]')
    assert checkboxes.count() > 5
    assert small_targets(page, 'input[name="categories"], input[name="behaviour_level"]') == []
    assert page.locator('input[name="behaviour_level"]').count() == 5
    assert small_targets(page, 'input[name="alert_users"], input[name="slt_requested"]') == []
    assert small_targets(page, ".breadcrumb-item a") == []

    # "Also alert": a list of checkboxes, narrowed by typing (accents and case do not matter)
    assert page.locator('select[name="alert_users"]').count() == 0
    options = page.locator("#id_alert_users-options .form-check")
    assert options.count() == 3
    page.get_by_label("Adam Ashby").check()
    page.get_by_label("Find a colleague").fill("ozturk")
    expect(page.get_by_label("Zeynep Öztürk")).to_be_visible()
    expect(page.get_by_label("Olive Oakley")).to_be_hidden()
    expect(page.get_by_label("Adam Ashby")).to_be_visible()  # ticked names stay in view
    expect(page.locator("#id_alert_users-count")).to_have_text("2 of 3 shown")
    page.get_by_label("Find a colleague").press("Enter")  # Enter in the search box does not send the form
    expect(page.get_by_role("heading", name="Record an incident or concern")).to_be_visible()
    assert page.locator("[data-error-summary]").count() == 0


def test_the_error_summary_takes_focus_and_its_links_move_focus_to_the_fields(live_server, browser, school, teacher):
    from playwright.sync_api import expect

    page = new_page(browser, live_server, teacher)
    page.goto(live_server.url + reverse("incidents:record", args=[school.slug]))
    page.locator("#id_occurred_date").fill("")
    page.get_by_role("button", name="Save and alert").click()  # the browser does not stop it: the server answers

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()

    summary.get_by_role("link", name="Describe what happened.").click()
    expect(page.locator("#id_description")).to_be_focused()
    # its label is in view too, not hidden above the top of the screen
    label_box = page.locator("label[for=id_description]").bounding_box()
    assert 0 <= label_box["y"] < PHONE["height"]

    page.keyboard.press("Shift+Tab")  # back towards the summary, then to the categories link by keyboard
    summary.focus()
    summary.get_by_role("link", name="Choose at least one category.").focus()
    page.keyboard.press("Enter")
    first_category = page.locator('input[name="categories"]').first
    expect(first_category).to_be_focused()
    assert first_category.get_attribute("aria-invalid") == "true"


def test_forgotten_your_password_is_a_24_px_target(live_server, browser):
    from playwright.sync_api import expect

    page = new_page(browser, live_server)
    page.goto(live_server.url + reverse("accounts:login"))
    link = page.get_by_role("link", name="Forgotten your password?")
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert box["height"] >= MINIMUM and box["width"] >= MINIMUM, box


def test_the_consent_grid_scrolls_by_keyboard_keeps_the_pupil_in_view_and_shows_icons(
    live_server, browser, school, office, pupil
):
    factories.AcademicYearFactory(school=school)
    published_form(school)
    page = new_page(browser, live_server, office)
    page.goto(live_server.url + reverse("consent:class_grid", args=[school.slug]) + "?school_class=")

    region = page.get_by_role("region", name="Photo and video consent: each pupil and each use")
    region.focus()
    assert page.evaluate("document.activeElement.classList.contains('consent-grid-scroll')")
    sizes = region.evaluate("(e) => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] > sizes[1], "at 360 px the grid should scroll sideways"
    name_cell = page.locator("#consent-grid tbody th.pupil-col").first
    left_before = name_cell.bounding_box()["x"]
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    # The browser scrolls smoothly, after the key presses return: wait for it rather than read at once.
    page.wait_for_function("(e) => e.scrollLeft > 0", arg=region.element_handle(), timeout=10_000)
    assert abs(name_cell.bounding_box()["x"] - left_before) < 1  # sticky: the pupil's name stays in view

    # Nobody has answered: every cell says no, with a dash before the word (not colour alone) that sets "no answer"
    # apart from a parent's no (a cross)
    cell = page.locator("#consent-grid td.cell strong").first
    assert cell.inner_text().strip() == "No"
    icon = cell.evaluate("(e) => getComputedStyle(e, '::before').content")
    assert "–" in icon


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1366"])
def test_a_dashboard_chart_has_no_link_inside_and_12_px_text(live_server, browser, school, slt, pupil, viewport):
    incident_services.incident_record(
        actor=slt,
        school=school,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        location="classroom",
        location_detail="",
        categories=[category(school, "low-level-disruption")],
        pupils=[(pupil, "subject")],
        description="Called out repeatedly.",
        behaviour_level=1,
    )
    page = new_page(browser, live_server, slt, viewport=viewport)
    page.goto(live_server.url + reverse("reports:incident_dashboard", args=[school.slug]))
    charts = page.locator("svg.report-chart")
    assert charts.count() >= 1
    assert page.locator("svg.report-chart a").count() == 0
    for index in range(charts.count()):
        chart = charts.nth(index)
        scale = chart.evaluate("(svg) => svg.getScreenCTM().a")
        assert scale >= 0.99, f"chart {index} is drawn at {scale:.2f}: its 12-unit text is below 12 px"
        assert chart.get_attribute("font-size") == "12"
        frame = chart.locator("xpath=..")
        card = chart.locator("xpath=ancestor::div[contains(@class, 'card-body')][1]")
        frame_width = frame.evaluate("(e) => e.clientWidth")
        card_width = card.evaluate("(e) => e.clientWidth - parseFloat(getComputedStyle(e).paddingLeft) * 2")
        assert frame_width >= card_width - 2, "the chart's frame takes the card's width"
        if viewport is DESKTOP:
            assert chart.bounding_box()["width"] >= card_width - 2, "on a wide screen the chart fills the card"
