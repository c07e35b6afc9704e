"""Issue 12, platform items: the secret key and e-mail timeout (6), password reset through the outbox (6), the admin
behind the second factor (7), and links in e-mails opening in the recipient's language (22)."""

import re
import runpy
import socket
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

import safeguard
from aup import services as aup_services
from aup.tasks import send_signature_request
from aup.tests.factories import pupil_agreement
from safeguard.accounts import services_otp
from safeguard.accounts.models import PasswordResetEmail, User
from safeguard.accounts.tasks import send_password_reset
from safeguard.accounts.tests.helpers import sign_in_with_second_factor
from safeguard.jobs.models import OutboxTask

SETTINGS = Path(safeguard.__file__).with_name("settings.py")
RESET = reverse("accounts:password_reset")
ADMIN = reverse("admin:index")
LONG_KEY = "k" * 50


@pytest.fixture
def load_settings(monkeypatch, tmp_path):
    """Run the settings module afresh with the given environment; returns its names as a dict."""

    def load(**environment):
        for name in ("REDIS_URL", "DATABASE_URL", "DEBUG", "SECRET_KEY", "EMAIL_TIMEOUT", "EMAIL_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("SAFEGUARD_VAR_DIR", str(tmp_path))
        monkeypatch.setenv("CELERY_BROKER_URL", "memory://")
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS))

    return load


# Item 6: settings -----------------------------------------------------------------------------------------------------


def test_a_secret_key_shorter_than_50_characters_is_refused_with_debug_off(load_settings):
    with pytest.raises(ImproperlyConfigured, match="at least 50"):
        load_settings(DEBUG="false", SECRET_KEY="k" * 49)

    assert load_settings(DEBUG="false", SECRET_KEY=LONG_KEY)["SECRET_KEY"] == LONG_KEY
    assert load_settings(DEBUG="true", SECRET_KEY="short")["SECRET_KEY"] == "short", "the demo may use any key"


def test_email_timeout_defaults_to_ten_seconds_and_follows_the_environment(load_settings):
    assert load_settings()["EMAIL_TIMEOUT"] == 10
    assert load_settings(EMAIL_TIMEOUT="3")["EMAIL_TIMEOUT"] == 3


# Item 6: password reset through the outbox ---------------------------------------------------------------------------


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_password_reset_with_a_dead_mail_server_answers_at_once_and_queues_the_email(
    client, office, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 10

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESET, {"email": office.email}, follow=True)

    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert "Check your e-mail" in response.text
    row = PasswordResetEmail.objects.get(user=office)
    assert row.sent_at is None
    outbox = OutboxTask.objects.get(task_name=send_password_reset.name)
    assert outbox.args == [row.pk]
    assert outbox.dispatched_at is not None, "handed to the (in-memory) broker for the worker"


@pytest.mark.django_db
def test_the_worker_sends_the_reset_email_once_with_a_link_to_the_site_in_the_users_language(
    client, office, settings, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    settings.SITE_URL = "https://safeguard.example.org"
    office.language = "tr"
    office.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET, {"email": office.email})

    assert len(mailoutbox) == 1
    row = PasswordResetEmail.objects.get(user=office)
    assert row.sent_at is not None
    assert send_password_reset.run(row.pk) is False, "a second run sends nothing"
    assert len(mailoutbox) == 1

    match = re.search(r"(https://safeguard\.example\.org)(/accounts/reset/\S+)", mailoutbox[0].body)
    assert match, mailoutbox[0].body
    link = match.group(2)
    assert parse_qs(urlsplit(link).query) == {"lang": ["tr"]}
    page = client.get(link, follow=True, headers={"accept-language": "en"})
    assert page.status_code == 200
    assert 'name="new_password1"' in page.text
    assert page["Content-Language"] == "tr"


# Item 7: the admin asks for the second factor -------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("admin@example.test", full_name="Platform Administrator")


@pytest.mark.django_db
def test_a_superuser_without_an_authenticator_app_is_sent_to_enrol_before_the_admin(client, superuser):
    client.force_login(superuser)

    response = client.get(ADMIN, follow=True)

    final = response.redirect_chain[-1][0]
    assert final.startswith(reverse("accounts:otp_enrol"))
    assert parse_qs(urlsplit(final).query)["next"] == [ADMIN]
    assert "Site administration" not in response.text


@pytest.mark.django_db
def test_a_superuser_with_an_app_must_type_a_code_before_the_admin(client, superuser):
    TOTPDevice.objects.create(user=superuser, name=services_otp.APP_NAME, confirmed=True)
    client.force_login(superuser)

    for url in (ADMIN, reverse("admin:accounts_user_changelist")):
        response = client.get(url, follow=True)
        final = response.redirect_chain[-1][0]
        assert final.startswith(reverse("accounts:otp_verify")), url
        assert parse_qs(urlsplit(final).query)["next"] == [url]


@pytest.mark.django_db
def test_a_superuser_with_a_verified_second_factor_reaches_the_admin(client, superuser):
    sign_in_with_second_factor(client, superuser)

    response = client.get(ADMIN)

    assert response.status_code == 200
    assert "Site administration" in response.text


@pytest.mark.django_db
def test_an_expired_verification_is_asked_again(client, superuser):
    from safeguard.accounts import otp

    sign_in_with_second_factor(client, superuser)
    session = client.session
    session[otp.SESSION_KEY] = time.time() - otp.RECENT_SECONDS - 1
    session.save()

    assert client.get(ADMIN).status_code == 302


# Item 22: links in e-mails open in the recipient's language -----------------------------------------------------------


@pytest.mark.django_db
def test_a_turkish_schools_signing_link_opens_in_turkish_in_an_english_browser(client, school, office, pupil, guardian):
    school.default_language = "tr"
    school.save()
    request, _ = aup_services.signature_request_open(
        actor=office, agreement=pupil_agreement(school), school=school, pupil=pupil
    )
    send_signature_request.run(request.pk)

    message = mail.outbox[-1]
    path = re.search(r"https?://[^/\s]+(/agreements/sign/link/\S+)", message.body).group(1)
    assert parse_qs(urlsplit(path).query) == {"lang": ["tr"]}

    page = client.get(path, headers={"accept-language": "en-GB,en;q=0.9"})

    assert page.status_code == 200
    assert page["Content-Language"] == "tr"
    assert '<html lang="tr">' in page.text
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "tr", "remembered for the next pages"
    later = client.get(reverse("accounts:login"), headers={"accept-language": "en"})
    assert '<html lang="tr">' in later.text


@pytest.mark.django_db
def test_an_unknown_language_in_a_link_is_ignored(client):
    page = client.get(reverse("accounts:login") + "?lang=xx", headers={"accept-language": "en"})

    assert page["Content-Language"] == "en-gb"
    assert django_settings.LANGUAGE_COOKIE_NAME not in client.cookies


@pytest.mark.django_db
def test_a_signed_in_users_own_language_wins_over_a_link(client, office):
    client.force_login(office)

    page = client.get(reverse("accounts:language") + "?lang=tr")

    assert page["Content-Language"] == "en-gb"


@pytest.mark.django_db
def test_the_sign_in_page_has_a_language_switch_that_works(client):
    page = client.get(reverse("accounts:login") + "?next=/x/", headers={"accept-language": "en"})

    assert 'hreflang="tr"' in page.text
    switch = re.search(r'href="([^"]+)" hreflang="tr"', page.text).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(switch).query) == {"next": ["/x/"], "lang": ["tr"]}
    turkish = client.get(switch, headers={"accept-language": "en"})
    assert '<html lang="tr">' in turkish.text
    assert "Giriş yap" in turkish.text  # "Sign in"


@pytest.mark.django_db
def test_the_password_reset_page_has_the_language_switch_too(client):
    page = client.get(RESET)

    assert 'hreflang="tr"' in page.text and 'hreflang="en-gb"' in page.text
