"""The second factor for safeguarding records: enrolment by QR code, codes, recovery codes, limits, expiry.

A page guarded by ``second_factor_required`` (``otp_urls.protected``) stands in for a safeguarding record.
"""

import time
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.tests.factories import concern
from safeguard.accounts import otp, services_otp
from safeguard.audit.models import AuditEvent

RECORD = "/otp-test/record/"
ENROL = reverse("accounts:otp_enrol")
VERIFY = reverse("accounts:otp_verify")
MANAGE = reverse("accounts:otp_manage")


@pytest.fixture(autouse=True)
def _record_page(settings):
    settings.ROOT_URLCONF = "safeguard.accounts.tests.otp_urls"


def code_for(device, steps_ahead=0):
    """The code the user's phone shows now (or ``steps_ahead`` 30-second steps later)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead):06d}"


def wrong_code_for(device):
    accepted = {code_for(device, step) for step in (-1, 0, 1)}
    return next(code for code in (f"{n:06d}" for n in range(123456, 999999)) if code not in accepted)


def with_next(url, next_url):
    return f"{url}?{urlencode({'next': next_url})}"


def verified_at(client, seconds_ago):
    session = client.session
    session[otp.SESSION_KEY] = time.time() - seconds_ago
    session.save()


def is_verified(client):
    return otp.SESSION_KEY in client.session and time.time() - client.session[otp.SESSION_KEY] < 5


@pytest.fixture
def app(dsl):
    """The DSL's phone: a confirmed authenticator app."""
    return TOTPDevice.objects.create(user=dsl, name=services_otp.APP_NAME, confirmed=True)


@pytest.fixture
def recovery_codes(dsl, app):
    return services_otp.recovery_codes_generate(user=dsl)


@pytest.fixture
def dsl_client(client, dsl):
    client.force_login(dsl)
    return client


# Enrolment ------------------------------------------------------------------------------------------------------------


def test_dsl_enrols_by_qr_code_sees_recovery_codes_once_and_opens_the_record(dsl_client, dsl):
    page = dsl_client.get(with_next(ENROL, RECORD))

    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "QR code for your authenticator app" in html
    device = TOTPDevice.objects.get(user=dsl)
    assert not device.confirmed
    assert dsl_client.get(ENROL).context["secret"] == page.context["secret"]  # reloading keeps the same secret
    assert TOTPDevice.objects.filter(user=dsl).count() == 1

    response = dsl_client.post(ENROL, {"code": code_for(device), "next": RECORD})

    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert set(StaticToken.objects.filter(device__user=dsl).values_list("token", flat=True)) == set(codes)
    html = response.content.decode()
    assert all(code in html for code in codes)
    assert f'href="{RECORD}"' in html  # "Continue" goes back to the record
    assert is_verified(dsl_client)
    assert AuditEvent.objects.filter(actor=dsl, action="accounts.otp.enrolled").count() == 1
    assert dsl_client.get(RECORD).content == b"The safeguarding record"

    again = dsl_client.get(ENROL, follow=True)
    assert again.redirect_chain[-1][0] == MANAGE
    assert not any(code in again.content.decode() for code in codes)
    assert "already set up" in again.content.decode()
    assert TOTPDevice.objects.filter(user=dsl).count() == 1  # no second app behind the first one's back


def test_a_wrong_code_at_enrolment_is_refused(dsl_client, dsl):
    dsl_client.get(ENROL)
    device = TOTPDevice.objects.get(user=dsl)

    response = dsl_client.post(ENROL, {"code": wrong_code_for(device)})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticToken.objects.filter(device__user=dsl).exists()
    assert otp.SESSION_KEY not in dsl_client.session


# The guarded page -----------------------------------------------------------------------------------------------------


def test_without_an_app_the_record_sends_you_to_set_one_up_and_back(dsl_client):
    response = dsl_client.get(RECORD)

    assert response.status_code == 302
    assert response.url == with_next(ENROL, RECORD)


def test_with_an_app_but_no_code_yet_the_record_asks_for_one(dsl_client, app):
    response = dsl_client.get(RECORD)

    assert response.status_code == 302
    assert response.url == with_next(VERIFY, RECORD)


def test_a_code_typed_59_minutes_ago_still_opens_the_record(dsl_client, app):
    verified_at(dsl_client, 59 * 60)

    assert dsl_client.get(RECORD).status_code == 200


def test_a_code_typed_61_minutes_ago_has_expired(dsl_client, app):
    verified_at(dsl_client, 61 * 60)

    response = dsl_client.get(RECORD)

    assert response.status_code == 302
    assert response.url == with_next(VERIFY, RECORD)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (RECORD, ENROL, VERIFY, MANAGE):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login") + "?next="), url
    for name in ("accounts:otp_recovery_codes", "accounts:otp_replace"):
        response = client.post(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_signing_out_ends_the_verification(dsl_client, dsl, app):
    verified_at(dsl_client, 60)
    assert dsl_client.get(RECORD).status_code == 200

    dsl_client.post(reverse("accounts:logout"))
    dsl_client.force_login(dsl)

    response = dsl_client.get(RECORD)
    assert response.status_code == 302
    assert response.url == with_next(VERIFY, RECORD)


# Verifying ------------------------------------------------------------------------------------------------------------


def test_a_code_from_the_app_opens_the_record_for_an_hour(dsl_client, dsl, app):
    page = dsl_client.get(with_next(VERIFY, RECORD))
    assert page.status_code == 200

    response = dsl_client.post(VERIFY, {"code": code_for(app), "next": RECORD})

    assert response.status_code == 302
    assert response.url == RECORD
    assert is_verified(dsl_client)
    assert dsl_client.get(RECORD).status_code == 200
    assert AuditEvent.objects.filter(actor=dsl, action="accounts.otp.verified", data__method="totp").exists()


def test_verify_without_an_app_goes_to_set_one_up(dsl_client):
    response = dsl_client.get(with_next(VERIFY, RECORD))

    assert response.url == with_next(ENROL, RECORD)


def test_a_wrong_code_is_refused_and_recorded(dsl_client, dsl, app):
    response = dsl_client.post(VERIFY, {"code": wrong_code_for(app), "next": RECORD})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert otp.SESSION_KEY not in dsl_client.session
    assert dsl_client.get(RECORD).status_code == 302
    assert AuditEvent.objects.filter(actor=dsl, action="accounts.otp.verification_failed").count() == 1


def test_a_recovery_code_works_once(dsl_client, dsl, recovery_codes):
    code = recovery_codes[3]

    response = dsl_client.post(VERIFY, {"code": code.upper(), "next": RECORD}, follow=True)

    assert response.redirect_chain[-1][0] == RECORD
    assert is_verified(dsl_client)
    assert AuditEvent.objects.filter(
        actor=dsl, action="accounts.otp.recovery_code_used", data__recovery_codes_left=9
    ).exists()
    assert AuditEvent.objects.filter(actor=dsl, action="accounts.otp.verified", data__method="recovery_code").exists()

    dsl_client.post(reverse("accounts:logout"))
    dsl_client.force_login(dsl)
    again = dsl_client.post(VERIFY, {"code": code, "next": RECORD})

    assert again.status_code == 200
    assert "That code is not right" in again.content.decode()
    assert otp.SESSION_KEY not in dsl_client.session


def test_a_recovery_code_gets_in_while_the_app_is_backing_off(dsl_client, dsl, app, recovery_codes):
    dsl_client.post(VERIFY, {"code": wrong_code_for(app)})

    blocked = dsl_client.post(VERIFY, {"code": code_for(app)})  # at once: django-otp wants a second's pause
    assert "please wait" in blocked.content.decode()
    assert otp.SESSION_KEY not in dsl_client.session
    # The pause is not a wrong code: only the first attempt counts towards the limit.
    assert AuditEvent.objects.filter(actor=dsl, action="accounts.otp.verification_failed").count() == 1

    dsl_client.post(VERIFY, {"code": recovery_codes[0]})
    assert is_verified(dsl_client)
    app.refresh_from_db()
    assert app.throttling_failure_count == 0


def test_five_wrong_codes_pause_checking_for_fifteen_minutes(dsl_client, dsl, app, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own seconds-long back-off is tested above
    for _ in range(4):
        response = dsl_client.post(VERIFY, {"code": wrong_code_for(app)})
        assert "That code is not right" in response.content.decode()

    fifth = dsl_client.post(VERIFY, {"code": wrong_code_for(app)})
    assert "Too many wrong codes" in fifth.content.decode()

    right = dsl_client.post(VERIFY, {"code": code_for(app), "next": RECORD})
    assert right.status_code == 200
    assert "Too many wrong codes" in right.content.decode()
    assert otp.SESSION_KEY not in dsl_client.session
    page = dsl_client.get(VERIFY)
    assert "codes are not being checked until" in page.content.decode()
    assert AuditEvent.objects.filter(actor=dsl, action="accounts.otp.verification_failed").count() == 5
    assert AuditEvent.objects.filter(actor=dsl, action="accounts.otp.locked_out").count() == 1

    # A new session does not reset the count; the end of the window does.
    dsl_client.post(reverse("accounts:logout"))
    dsl_client.force_login(dsl)
    assert "Too many wrong codes" in dsl_client.post(VERIFY, {"code": code_for(app)}).content.decode()
    later = timezone.now() + services_otp.FAILURE_WINDOW + timezone.timedelta(minutes=1)
    assert services_otp.second_factor_locked_until(user=dsl, now=later) is None
    assert services_otp.second_factor_verify(user=dsl, code=code_for(app), now=later) == app


def test_a_success_clears_earlier_wrong_codes(dsl, app, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    for _ in range(4):
        with pytest.raises(services_otp.SecondFactorError):
            services_otp.second_factor_verify(user=dsl, code=wrong_code_for(app))
    services_otp.second_factor_verify(user=dsl, code=code_for(app))

    with pytest.raises(services_otp.SecondFactorError) as error:
        services_otp.second_factor_verify(user=dsl, code=wrong_code_for(app))

    assert error.value.code == "wrong_code"
    assert services_otp.second_factor_locked_until(user=dsl) is None


def test_a_next_page_on_another_site_is_ignored(dsl_client, app):
    response = dsl_client.post(VERIFY, {"code": code_for(app), "next": "https://evil.example/steal"})

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_a_next_page_on_another_site_is_ignored_at_enrolment(dsl_client, dsl):
    dsl_client.get(ENROL)
    device = TOTPDevice.objects.get(user=dsl)

    response = dsl_client.post(ENROL, {"code": code_for(device), "next": "//evil.example/"})

    assert response.context["continue_url"] == reverse("home")
    assert "evil.example" not in response.content.decode()


# Acceptance 2 (issue 6) -----------------------------------------------------------------------------------------------


def test_a_dsl_enrols_a_second_factor_opens_a_concern_and_the_view_is_in_its_audit_list(
    dsl_client, dsl, school, pupil, teacher
):
    incident = concern(school, pupils=[pupil], recorded_by=teacher)
    detail = reverse("incidents:incident_detail", args=[school.slug, incident.public_id])

    first = dsl_client.get(detail)
    assert first.url == with_next(ENROL, detail)
    assert not AuditEvent.objects.filter(action="incidents.concern.viewed").exists()  # nothing shown, nothing logged

    dsl_client.get(first.url)
    device = TOTPDevice.objects.get(user=dsl)
    codes_page = dsl_client.post(ENROL, {"code": code_for(device), "next": detail})
    assert codes_page.context["continue_url"] == detail

    record = dsl_client.get(codes_page.context["continue_url"])

    assert record.status_code == 200
    viewed = AuditEvent.objects.get(action="incidents.concern.viewed")
    assert viewed.actor == dsl and viewed.school == school
    assert viewed.subject_id == str(incident.public_id)
    assert str(pupil.public_id) in viewed.data["pupils"]
    html = record.content.decode()
    assert 'id="audit-trail"' in html and "Opened the concern" in html


# Managing -------------------------------------------------------------------------------------------------------------


def test_manage_shows_whether_an_app_is_set_up(dsl_client, dsl):
    page = dsl_client.get(MANAGE)
    assert "You have not set up an authenticator app yet" in page.content.decode()

    services_otp.totp_device_prepare(user=dsl)
    device = TOTPDevice.objects.get(user=dsl)
    services_otp.totp_device_confirm(user=dsl, device=device, code=code_for(device))

    page = dsl_client.get(MANAGE)
    html = page.content.decode()
    assert "Set up" in html and f"since {dateformat.format(timezone.localdate(), 'j F Y')}" in html
    assert page.context["status"]["recovery_codes_left"] == 10
    assert "To make new recovery codes or replace your app, first type a code from it." in html


def test_new_recovery_codes_need_a_recent_code_and_replace_the_old_ones(dsl_client, dsl, recovery_codes):
    response = dsl_client.post(reverse("accounts:otp_recovery_codes"))
    assert response.url == with_next(VERIFY, MANAGE)
    assert set(StaticToken.objects.filter(device__user=dsl).values_list("token", flat=True)) == set(recovery_codes)

    verified_at(dsl_client, 60)
    response = dsl_client.post(reverse("accounts:otp_recovery_codes"))

    assert response.status_code == 200
    new_codes = response.context["codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(recovery_codes)
    assert all(code in response.content.decode() for code in new_codes)
    assert AuditEvent.objects.filter(actor=dsl, action="accounts.otp.recovery_codes_generated").exists()
    with pytest.raises(services_otp.SecondFactorError):
        services_otp.second_factor_verify(user=dsl, code=recovery_codes[0])
    assert dsl_client.get(MANAGE).context["status"]["recovery_codes_left"] == 10


def test_replacing_the_app_retires_it_and_starts_a_new_enrolment(dsl_client, dsl, app, recovery_codes):
    assert dsl_client.post(reverse("accounts:otp_replace")).url == with_next(VERIFY, MANAGE)
    app.refresh_from_db()
    assert app.confirmed

    verified_at(dsl_client, 60)
    response = dsl_client.post(reverse("accounts:otp_replace"))

    assert response.url == with_next(ENROL, MANAGE)
    app.refresh_from_db()
    assert not app.confirmed and app.name.startswith("Authenticator app (Replaced ")
    assert not StaticDevice.objects.filter(user=dsl, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=dsl).exists()
    assert AuditEvent.objects.filter(actor=dsl, action="accounts.otp.removed").exists()
    assert dsl_client.get(RECORD).url == with_next(ENROL, RECORD)  # no app, no verification

    dsl_client.get(ENROL)
    new_device = TOTPDevice.objects.get(user=dsl, confirmed=False, name=services_otp.APP_NAME)
    assert new_device.pk != app.pk and new_device.key != app.key
    dsl_client.post(ENROL, {"code": code_for(new_device)})
    assert dsl_client.get(RECORD).status_code == 200


# Who may use these pages ----------------------------------------------------------------------------------------------

PERSONAS = [
    "office",
    "teacher",
    "dsl",
    "deputy_dsl",
    "slt",
    "head",
    "governor",
    "parent",
    "trust_admin",
    "other_school_dsl",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_signed_in_person_can_set_up_a_second_factor(client, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    assert client.get(ENROL).status_code == 200
    assert client.get(MANAGE).status_code == 200
    assert client.get(VERIFY).url == ENROL  # nothing to verify with yet

    TOTPDevice.objects.filter(user=user).update(confirmed=True)
    assert client.get(VERIFY).status_code == 200
