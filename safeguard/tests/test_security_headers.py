"""Headers every response carries (issue 12 item 8): a Content-Security-Policy with no inline script, a
Permissions-Policy, and ``Cache-Control: no-store`` on every page shown to a signed-in person."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.django_db
@pytest.mark.parametrize("url", [reverse("accounts:login"), "/no-such-page/"])
def test_every_response_has_the_policies(client, url):
    response = client.get(url)

    directives = _directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in permissions


@pytest.mark.django_db
def test_signed_in_pages_are_not_stored(client, office, school):
    client.force_login(office)

    for url in (reverse("directory:school_home", args=[school.slug]), reverse("accounts:language")):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store", url


@pytest.mark.django_db
def test_a_page_that_sets_its_own_cache_control_keeps_it(client, office):
    client.force_login(office)

    response = client.get(reverse("accounts:otp_enrol"))  # never_cache

    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_no_template_has_an_inline_script_or_event_handler():
    """script-src 'self' would block them: every script is a static file, every handler bound from one."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
    javascript_url = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.IGNORECASE)
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for pattern in (inline_script, handler, javascript_url):
            found += [f"{path.relative_to(TEMPLATES)}: {match.group(0)[:80]}" for match in pattern.finditer(text)]
    assert found == []
