"""The page layout helps people who use a keyboard or a screen reader (issue 15 item 2): a skip link to the main
content is the first thing on every page (error pages too), the navigation says which page and which section is the
current one, and a page showing a form with errors says "Error:" first in its title (GOV.UK's pattern)."""

import re

import pytest
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
