"""A member of staff signs in through the local OpenID Connect provider in real Chromium (Playwright) and reaches
their school's home (issue 14, "done when"). Skipped with the reason when Chromium is missing."""

from pathlib import Path

import pytest
from django.db import connections

from safeguard.audit.models import AuditEvent
from sso.models import SsoConfiguration

from .provider import Provider

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}"),
]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.set_default_timeout(15_000)
            yield page
        finally:
            chromium.close()
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_teacher_signs_in_with_the_schools_provider_and_reaches_the_school_home(
    live_server, page, settings, school, teacher
):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    with Provider() as provider:
        configuration = SsoConfiguration(
            school=school,
            provider=SsoConfiguration.Provider.OIDC,
            issuer=provider.issuer,
            client_id=provider.client_id,
            allowed_domains="example.test",
            enabled=True,
        )
        configuration.set_client_secret(provider.client_secret)
        configuration.save()
        provider.claims = {"email": teacher.email, "email_verified": True}

        page.goto(live_server.url + "/accounts/login/")
        page.get_by_role("link", name="Sign in with your school's Google or Microsoft account").click()
        page.get_by_label("Your school e-mail address").fill(teacher.email)
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("link", name="Sign in with Another OpenID Connect provider").click()

        page.wait_for_url(f"{live_server.url}/school/{school.slug}/")
        expect(page.get_by_role("heading", name="Demo Primary School")).to_be_visible()
    assert AuditEvent.objects.filter(action="sso.sign_in.succeeded", actor=teacher).exists()
