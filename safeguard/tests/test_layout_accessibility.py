"""The page layout helps people who use a keyboard or a screen reader (issue 15 item 2): a skip link to the main
content is the first thing on every page (error pages too), the navigation says which page and which section is the
current one, a page showing a form with errors says "Error:" first in its title (GOV.UK's pattern), and a keyboard
user sees where the focus is (in real Chromium; skipped with the reason when Chromium is missing)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

FIRST_FOCUSABLE = re.compile(r"<body[^>]*>\s*<(a|button|input|select|textarea)\b([^>]*)>", re.S)


def _first_focusable(html):
    match = FIRST_FOCUSABLE.search(html)
    assert match, "nothing focusable at the start of <body>"
    return match.group(1), match.group(2)


def _title(html):
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def _nav_link(html, href):
    """The opening tag of the navigation bar's link to ``href``."""
    nav = html[html.index("<nav") : html.index("</nav>")]
    return re.search(rf'<a [^>]*href="{re.escape(href)}"[^>]*>', nav).group(0)


@pytest.mark.django_db
def test_the_skip_link_comes_first_and_leads_to_the_main_content(client, office, school):
    client.force_login(office)

    html = client.get(reverse("directory:pupil_list", args=[school.slug])).text

    tag, attributes = _first_focusable(html)
    assert tag == "a" and 'href="#main"' in attributes
    assert "Skip to main content" in html
    assert '<main class="container" id="main">' in html


@pytest.mark.django_db
def test_the_error_pages_have_the_skip_link_too(client, settings):
    settings.DEBUG = False

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    tag, attributes = _first_focusable(response.text)
    assert tag == "a" and 'href="#main"' in attributes
    assert 'id="main"' in response.text


@pytest.mark.django_db
def test_the_navigation_marks_the_current_page_and_section(client, office, school):
    client.force_login(office)
    home = reverse("directory:school_home", args=[school.slug])
    language = reverse("accounts:language")

    on_home = client.get(home).text
    on_pupils = client.get(reverse("directory:pupil_list", args=[school.slug])).text
    on_language = client.get(language).text

    assert 'aria-current="page"' in _nav_link(on_home, home)
    assert 'aria-current="true"' in _nav_link(on_pupils, home)  # a page of the school's section
    assert "aria-current" not in _nav_link(on_language, home)
    assert 'aria-current="page"' in _nav_link(on_language, language)
    assert "aria-current" not in _nav_link(on_home, language)


@pytest.mark.django_db
def test_a_form_with_errors_says_error_first_in_the_title(client, school, office):
    sign_in = reverse("accounts:login")

    shown = client.get(sign_in).text
    refused = client.post(sign_in, {"username": office.email, "password": "not the password"}).text

    assert not _title(shown).startswith("Error:")
    assert _title(refused).startswith("Error: ")


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
FOCUS_YELLOW = "rgb(255, 221, 0)"


@pytest.fixture
def page(monkeypatch):
    """A Chromium page at laptop size; Django's guard against database access from async code is lifted for the
    test's own queries (Playwright's sync API runs an event loop), and the extra connection closed at the end."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            browser.close()
            connections.close_all()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}")
def test_a_keyboard_user_skips_to_the_content_and_sees_where_the_focus_is(live_server, page, office, school):
    from playwright.sync_api import expect

    client = Client()
    client.force_login(office)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(live_server.url + reverse("directory:pupil_list", args=[school.slug]))

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    expect(skip).to_have_css("background-color", FOCUS_YELLOW)

    page.keyboard.press("Tab")  # past the skip link: the brand, then the navigation's links, each visibly focused
    page.keyboard.press("Tab")
    school_link = page.locator("#nav").get_by_role("link", name=school.name)
    expect(school_link).to_be_focused()
    expect(school_link).to_have_attribute("aria-current", "true")
    expect(school_link).to_have_css("background-color", FOCUS_YELLOW)  # after Bootstrap's short colour transition

    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), "the next Tab stop is not in the content"
    assert page.url.endswith("#main")

    button = page.locator("main").locator("button, .btn").first
    button.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus from the keyboard, so :focus-visible applies
    expect(button).to_be_focused()
    expect(button).to_have_css("outline-style", "solid")
    expect(button).to_have_css("outline-width", "3px")
    expect(button).to_have_css("outline-color", FOCUS_YELLOW)
