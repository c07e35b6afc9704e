"""Signing in and out: e-mail and password, lockout, password reset, session timeouts and language."""

import datetime
import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from safeguard.accounts.middleware import ACTIVITY_REFRESH_SECONDS, LAST_SEEN, SIGNED_IN_AT
from safeguard.accounts.models import User
from safeguard.audit.models import AuditEvent

LOGIN = reverse("accounts:login")
NEW_PASSWORD = "tangerine-quarry-lighthouse-7"
WRONG_LOGIN = "That e-mail address and password do not match an account."


@pytest.fixture(autouse=True)
def _axes_on(settings):
    """Lockout is part of what these tests prove: make sure django-axes is on, with the production limits."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5


def sign_in(client, email, password, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def signed_in_user_id(client):
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


# Signing in -----------------------------------------------------------------------------------------------------------


def test_office_signs_in_and_lands_on_the_school_home(client, office, school):
    response = sign_in(client, office.email, PASSWORD, follow=True)

    assert response.redirect_chain[-1][0] == reverse("directory:school_home", args=[school.slug])
    assert "Roster and requests" in response.content.decode()
    assert signed_in_user_id(client) == office.pk


def test_parent_signs_in_and_sees_their_child(client, parent):
    response = sign_in(client, parent.email, PASSWORD, follow=True)

    assert response.redirect_chain[-1][0] == reverse("directory:parent_home")
    assert "Amara Whitfield" in response.content.decode()


def test_email_address_is_not_case_sensitive(client, office, school):
    response = sign_in(client, "Office@Example.TEST", PASSWORD, follow=True)

    assert response.redirect_chain[-1][0] == reverse("directory:school_home", args=[school.slug])
    assert signed_in_user_id(client) == office.pk


def test_sign_in_goes_back_to_the_page_asked_for(client, office, school):
    pupils = reverse("directory:pupil_list", args=[school.slug])
    response = client.get(pupils)
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={pupils}"

    response = client.post(response.url, {"username": office.email, "password": PASSWORD, "next": pupils})

    assert response.url == pupils


def test_wrong_password_shows_the_error(client, office):
    response = sign_in(client, office.email, "not-the-password")

    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()
    assert signed_in_user_id(client) is None


def test_unknown_address_shows_the_same_error(client, office):
    response = sign_in(client, "nobody@example.test", PASSWORD)

    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()


def test_closed_account_cannot_sign_in(client, office):
    office.is_active = False
    office.save()

    response = sign_in(client, office.email, PASSWORD)

    assert response.status_code == 200
    assert signed_in_user_id(client) is None


def test_signed_in_user_opening_the_login_page_goes_home(client, office, school):
    client.force_login(office)
    response = client.get(LOGIN)
    assert response.status_code == 302


# Lockout (django-axes) ------------------------------------------------------------------------------------------------


def _fail(client, email, times, **extra):
    return [sign_in(client, email, "not-the-password", **extra) for _ in range(times)]


def test_lockout_after_the_failure_limit_shows_the_lockout_page(client, office, settings):
    responses = _fail(client, office.email, settings.AXES_FAILURE_LIMIT)

    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    locked = responses[-1]
    assert locked.status_code == 429
    content = locked.content.decode()
    assert "Too many failed sign-in attempts" in content
    assert "paused after 5 failed attempts" in content
    assert "30 minutes" in content
    assert reverse("accounts:password_reset") in content


def test_correct_password_is_refused_while_locked(client, office, settings):
    _fail(client, office.email, settings.AXES_FAILURE_LIMIT)

    response = sign_in(client, office.email, PASSWORD)

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_lockout_is_per_username_and_address(client, office, teacher, settings):
    _fail(client, office.email, settings.AXES_FAILURE_LIMIT)

    # Another person at the same school connection (same IP) can still sign in…
    other = sign_in(client, teacher.email, PASSWORD)
    assert other.status_code == 302
    assert signed_in_user_id(client) == teacher.pk
    client.logout()

    # …and the locked person can from another connection.
    elsewhere = sign_in(client, office.email, PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == 302
    assert signed_in_user_id(client) == office.pk


def test_changing_the_case_of_the_address_does_not_escape_the_lockout(client, office, settings):
    _fail(client, office.email, settings.AXES_FAILURE_LIMIT)

    response = sign_in(client, office.email.upper(), PASSWORD)

    assert response.status_code == 429


def test_lockout_page_gives_the_configured_wait(client, office, settings):
    settings.AXES_COOLOFF_TIME = 2  # hours

    locked = _fail(client, office.email, settings.AXES_FAILURE_LIMIT)[-1]

    assert locked.status_code == 429
    assert "Please wait 120 minutes and try again" in locked.content.decode()


def test_failures_below_the_limit_are_forgotten_after_a_success(client, office, settings):
    _fail(client, office.email, settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(client, office.email, PASSWORD).status_code == 302
    client.logout()

    responses = _fail(client, office.email, settings.AXES_FAILURE_LIMIT - 1)

    assert {r.status_code for r in responses} == {200}


# Password reset -------------------------------------------------------------------------------------------------------


@pytest.fixture
def ask_reset(client, celery_eager, django_capture_on_commit_callbacks):
    """Ask for a reset link on the "forgotten password" page; the queued e-mail is sent at once (as the worker
    would)."""

    def ask(email, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("accounts:password_reset"), {"email": email}, **extra)

    return ask


def _reset_link(mailoutbox):
    match = re.search(r"https?://[^/\s]+(/accounts/reset/[^/\s]+/[^/\s]+/)", mailoutbox[-1].body)
    assert match, mailoutbox[-1].body
    return match.group(1)


def _set_new_password(client, link, password=NEW_PASSWORD):
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    return client.post(form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}, follow=True)


def test_password_reset_email_lets_you_set_a_new_password_and_sign_in(client, office, school, mailoutbox, ask_reset):
    response = ask_reset("Office@example.test", follow=True)
    assert "Check your e-mail" in response.content.decode()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [office.email]
    assert mailoutbox[0].subject == "Reset your Safeguard password"

    done = _set_new_password(client, _reset_link(mailoutbox))
    assert "Your new password is saved." in done.content.decode()

    assert sign_in(client, office.email, PASSWORD).status_code == 200, "the old password no longer works"
    response = sign_in(client, office.email, NEW_PASSWORD, follow=True)
    assert response.redirect_chain[-1][0] == reverse("directory:school_home", args=[school.slug])


def test_password_reset_link_works_once(client, office, mailoutbox, ask_reset):
    ask_reset(office.email)
    link = _reset_link(mailoutbox)
    _set_new_password(client, link)

    again = client.get(link, follow=True)

    content = again.content.decode()
    assert "This link cannot be used" in content
    assert 'name="new_password1"' not in content
    office.refresh_from_db()
    assert office.check_password(NEW_PASSWORD)


def test_resetting_the_password_lifts_the_lockout(client, office, school, settings, mailoutbox, ask_reset):
    """The lockout page offers a password reset: it must let the person back in at once."""
    _fail(client, office.email, settings.AXES_FAILURE_LIMIT)
    ask_reset(office.email)

    _set_new_password(client, _reset_link(mailoutbox))
    response = sign_in(client, office.email, NEW_PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == office.pk


def test_password_reset_writes_an_audit_event(client, office, mailoutbox, ask_reset):
    ask_reset(office.email)
    _set_new_password(client, _reset_link(mailoutbox))

    event = AuditEvent.objects.get(action="accounts.user.password_reset")
    assert event.actor == office
    assert event.subject_id == str(office.public_id)


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, office, mailoutbox, ask_reset):
    response = ask_reset("nobody@example.test", follow=True)

    assert "Check your e-mail" in response.content.decode()
    assert mailoutbox == []


# Signing out and session limits ---------------------------------------------------------------------------------------


def test_sign_out_is_post_only_and_ends_the_session(client, office, school):
    sign_in(client, office.email, PASSWORD)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in_user_id(client) == office.pk

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == LOGIN
    assert signed_in_user_id(client) is None
    after = client.get(reverse("directory:school_home", args=[school.slug]))
    assert after.status_code == 302
    assert after.url.startswith(LOGIN)


def _stored_expiry_in(session_key):
    """Seconds until the database row of the session expires."""
    return (Session.objects.get(session_key=session_key).expire_date - timezone.now()).total_seconds()


def _set_last_seen(client, seconds_ago):
    session = client.session
    session[LAST_SEEN] = time.time() - seconds_ago
    session.save()
    return session


def test_idle_timeout_is_thirty_minutes_from_sign_in(client, office, school, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60

    response = sign_in(client, office.email, PASSWORD)

    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == settings.SESSION_COOKIE_AGE
    assert client.session[LAST_SEEN] == pytest.approx(time.time(), abs=60)
    remaining = _stored_expiry_in(client.session.session_key)
    assert settings.SESSION_COOKIE_AGE - 60 < remaining <= settings.SESSION_COOKIE_AGE


def test_activity_more_than_a_minute_later_extends_the_session_by_thirty_minutes(client, office, school, settings):
    sign_in(client, office.email, PASSWORD)
    session = _set_last_seen(client, ACTIVITY_REFRESH_SECONDS + 1)
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=5)
    )

    response = client.get(reverse("directory:school_home", args=[school.slug]))

    assert response.status_code == 200
    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == settings.SESSION_COOKIE_AGE
    assert client.session[LAST_SEEN] == pytest.approx(time.time(), abs=60)
    remaining = _stored_expiry_in(session.session_key)
    assert settings.SESSION_COOKIE_AGE - 60 < remaining <= settings.SESSION_COOKIE_AGE


def test_activity_within_a_minute_of_the_last_refresh_writes_no_session(client, office, school, settings):
    sign_in(client, office.email, PASSWORD)
    page = reverse("directory:school_home", args=[school.slug])
    client.get(page)  # the first page remembers the language and the agreement gate
    session = _set_last_seen(client, 10)
    stored = Session.objects.get(session_key=session.session_key)

    response = client.get(page)

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.get(session_key=session.session_key).expire_date == stored.expire_date
    assert client.session[LAST_SEEN] == session[LAST_SEEN]


def test_session_idle_for_thirty_minutes_is_signed_out_even_while_still_stored(client, office, school, settings):
    sign_in(client, office.email, PASSWORD)
    _set_last_seen(client, settings.SESSION_COOKIE_AGE + 1)  # saving also pushes the stored expiry forward

    response = client.get(reverse("directory:school_home", args=[school.slug]))

    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
    assert signed_in_user_id(client) is None


def test_session_idle_just_under_thirty_minutes_is_still_signed_in(client, office, school, settings):
    sign_in(client, office.email, PASSWORD)
    _set_last_seen(client, settings.SESSION_COOKIE_AGE - 30)

    assert client.get(reverse("directory:school_home", args=[school.slug])).status_code == 200
    assert signed_in_user_id(client) == office.pk


def test_idle_session_is_no_longer_signed_in(client, office, school):
    sign_in(client, office.email, PASSWORD)
    session_key = client.session.session_key
    Session.objects.filter(session_key=session_key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    cache.delete(cached_db.KEY_PREFIX + session_key)  # with Redis, its copy expires at the same time

    response = client.get(reverse("directory:school_home", args=[school.slug]))

    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


@pytest.fixture
def cached_sessions(settings):
    """Sessions as production keeps them when Redis is configured: read from the cache, written to both."""
    settings.SESSION_ENGINE = "safeguard.accounts.sessions"


def test_cached_session_survives_losing_the_cache(client, office, school, cached_sessions):
    sign_in(client, office.email, PASSWORD)
    session_key = client.session.session_key
    cache.delete(cached_db.KEY_PREFIX + session_key)  # as after a Redis restart

    response = client.get(reverse("directory:school_home", args=[school.slug]))

    assert response.status_code == 200
    assert signed_in_user_id(client) == office.pk


def test_signing_out_ends_a_cached_session_in_the_cache_and_the_database(
    client, office, school, settings, cached_sessions
):
    sign_in(client, office.email, PASSWORD)
    page = reverse("directory:school_home", args=[school.slug])
    assert client.get(page).status_code == 200
    session_key = client.session.session_key
    assert cache.get(cached_db.KEY_PREFIX + session_key) is not None

    client.post(reverse("accounts:logout"))

    assert cache.get(cached_db.KEY_PREFIX + session_key) is None
    assert not Session.objects.filter(session_key=session_key).exists()
    # The old cookie, sent again (another tab, a copied cookie), signs no one in.
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    response = client.get(page)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_absolute_timeout_signs_you_out_with_a_message(client, office, school, settings):
    sign_in(client, office.email, PASSWORD)
    page = reverse("directory:school_home", args=[school.slug])
    assert client.get(page).status_code == 200
    session = client.session
    assert session[SIGNED_IN_AT] == pytest.approx(time.time(), abs=60)

    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_TIMEOUT - 1
    session.save()
    response = client.get(page, follow=True)

    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "For your security you have been signed out. Please sign in again." in response.content.decode()
    assert signed_in_user_id(client) is None
    # Signing in again starts a new absolute limit and returns to the page.
    again = client.post(response.redirect_chain[-1][0], {"username": office.email, "password": PASSWORD, "next": page})
    assert again.status_code == 302
    assert client.get(page).status_code == 200


def test_absolute_timeout_starts_at_sign_in(client, office):
    response = sign_in(client, office.email, PASSWORD)

    assert response.status_code == 302
    assert client.session[SIGNED_IN_AT] == pytest.approx(time.time(), abs=60)


def test_active_session_within_the_absolute_limit_stays_signed_in(client, office, school, settings):
    sign_in(client, office.email, PASSWORD)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_TIMEOUT + 60
    session.save()

    assert client.get(reverse("directory:school_home", args=[school.slug])).status_code == 200


# Language -------------------------------------------------------------------------------------------------------------


def test_pages_are_in_the_schools_language(client, teacher, school):
    school.default_language = "tr"
    school.save()
    client.force_login(teacher)

    response = client.get(reverse("directory:school_home", args=[school.slug]))

    assert response.status_code == 200
    assert response["Content-Language"] == "tr"
    assert '<html lang="tr">' in response.content.decode()


def test_pages_are_in_british_english_by_default(client, teacher, school):
    client.force_login(teacher)

    response = client.get(reverse("directory:school_home", args=[school.slug]))

    assert response["Content-Language"] == "en-gb"


def test_parent_sees_pages_in_their_schools_language(client, parent, school):
    school.default_language = "tr"
    school.save()
    client.force_login(parent)

    response = client.get(reverse("directory:parent_home"))

    assert response["Content-Language"] == "tr"


def test_choosing_a_language_changes_the_pages(client, office, school):
    client.force_login(office)
    page = reverse("directory:school_home", args=[school.slug])
    assert client.get(page)["Content-Language"] == "en-gb"

    response = client.post(reverse("accounts:language"), {"language": "tr", "next": page})

    assert response.status_code == 302
    assert response.url == page
    assert User.objects.get(pk=office.pk).language == "tr"
    assert client.get(page)["Content-Language"] == "tr"

    client.post(reverse("accounts:language"), {"language": ""})
    assert client.get(page)["Content-Language"] == "en-gb"


def test_language_choice_refuses_a_language_not_offered(client, office):
    client.force_login(office)

    response = client.post(reverse("accounts:language"), {"language": "xx"})

    assert response.status_code == 200
    assert User.objects.get(pk=office.pk).language == ""


def test_language_choice_does_not_redirect_off_site(client, office):
    client.force_login(office)

    response = client.post(reverse("accounts:language"), {"language": "tr", "next": "https://evil.example/"})

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_language_page_needs_sign_in(client):
    response = client.get(reverse("accounts:language"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


@pytest.fixture
def redis_unreachable(settings):
    """The session cache is a Redis nobody answers on (a closed local port): as during a Redis outage."""
    settings.CACHES = {
        **settings.CACHES,
        "sessions-down": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    settings.SESSION_CACHE_ALIAS = "sessions-down"


def test_staff_sign_in_and_use_pages_while_redis_is_down(client, office, school, cached_sessions, redis_unreachable):
    sign_in(client, office.email, PASSWORD)

    response = client.get(reverse("directory:school_home", args=[school.slug]))

    assert response.status_code == 200
    assert signed_in_user_id(client) == office.pk


def test_signing_out_while_redis_is_down_fails_visibly_and_keeps_the_session_whole(
    client, office, school, cached_sessions, redis_unreachable
):
    sign_in(client, office.email, PASSWORD)
    session_key = client.session.session_key
    client.raise_request_exception = False

    response = client.post(reverse("accounts:logout"))

    # The cache copy could not be removed: the sign-out is refused rather than half done (a stale Redis copy could
    # otherwise bring the session back once Redis returns).
    assert response.status_code == 500
    assert Session.objects.filter(session_key=session_key).exists()
