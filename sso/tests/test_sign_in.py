"""Staff single sign-on end to end against a local OpenID Connect provider (``provider.py``) over real HTTP:
the e-mail page, the provider's authorize redirect, the callback with its ID token checks, and what the signed-in
person may then open (issue 14 item 4)."""

import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from incidents.tests.factories import concern
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent
from sso.models import SsoConfiguration
from sso.views import SECOND_FACTOR_BY_SESSION_KEY, SIGNED_IN_SESSION_KEY

from .provider import Provider, new_key

TENANT = str(uuid.UUID("9b1f3c2e-4d5a-4e6f-8a7b-1c2d3e4f5a6b"))


def configure(owner, provider, *, kind=SsoConfiguration.Provider.OIDC, domains="example.test", trust_mfa=False):
    configuration = SsoConfiguration(
        provider=kind,
        issuer=provider.issuer,
        client_id=provider.client_id,
        allowed_domains=domains,
        trust_mfa_claim=trust_mfa,
        enabled=True,
        **({"school": owner} if owner.__class__.__name__ == "School" else {"organisation": owner}),
    )
    configuration.set_client_secret(provider.client_secret)
    configuration.save()
    return configuration


@pytest.fixture
def provider():
    with Provider() as running:
        yield running


@pytest.fixture
def entra():
    """A provider shaped like Microsoft Entra ID: the issuer ends in /<tenant>/v2.0."""
    with Provider(path=f"/{TENANT}/v2.0") as running:
        yield running


def start(client, email):
    """POST the e-mail page; return the provider URL it links to."""
    page = client.post(reverse("sso:start"), {"email": email})
    assert page.status_code == 200, page.content.decode()[:500]
    url = page.context["authorization_url"]
    assert url in page.content.decode().replace("&amp;", "&")  # the "Sign in with …" link
    return url


def through_provider(url):
    """The browser at the provider: it answers /authorize with a redirect back to our callback (path?query)."""
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def sign_in(client, email):
    return client.get(through_provider(start(client, email)))


def signed_in_user(client):
    return client.get(reverse("accounts:language")).wsgi_request.user


# Signing in -------------------------------------------------------------------------------------------------------


def test_a_member_of_staff_signs_in_and_lands_on_their_school_home(client, school, teacher, provider):
    configuration = configure(school, provider)
    provider.claims = {"email": "Teacher@Example.test", "email_verified": True}  # case differs: still matched

    authorize = start(client, "teacher@example.test")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"] and query["nonce"]
    assert query["redirect_uri"] == [settings.SITE_URL + "/sso/callback/"]
    response = client.get(through_provider(authorize))

    assert response.status_code == 302 and response.url == reverse("home")
    home = client.get(response.url, follow=True)
    assert home.redirect_chain[-1][0] == reverse("directory:school_home", args=[school.slug])
    assert home.context["user"] == teacher
    assert "Demo Primary School" in home.content.decode()
    # PKCE: the verifier went to the token endpoint (the provider checked it against the challenge).
    assert provider.token_requests[0]["code_verifier"]
    event = AuditEvent.objects.get(action="sso.sign_in.succeeded")
    assert event.actor == teacher and event.school == school and event.subject_id == str(configuration.public_id)
    assert client.session[SIGNED_IN_SESSION_KEY]["provider"] == "oidc"


def test_an_unknown_address_is_refused_and_no_account_is_made(client, school, teacher, provider):
    configure(school, provider)
    provider.claims = {"email": "newcomer@example.test", "email_verified": True}
    users_before = get_user_model().objects.count()

    response = sign_in(client, "newcomer@example.test")

    assert response.status_code == 403
    assert "No staff account for newcomer@example.test in Demo Primary School: ask the office to invite you." in (
        response.content.decode()
    )
    assert get_user_model().objects.count() == users_before
    assert not get_user_model().objects.filter(email__iexact="newcomer@example.test").exists()
    assert not signed_in_user(client).is_authenticated
    assert AuditEvent.objects.get(action="sso.sign_in.refused").data["reason"] == "no_staff_account"
    assert AccessAttempt.objects.filter(username="newcomer@example.test").exists()  # axes counts it


def test_a_parents_address_is_refused(client, school, parent, provider):
    domain = parent.email.split("@")[1]
    configure(school, provider, domains=domain)
    provider.claims = {"email": parent.email, "email_verified": True}

    response = sign_in(client, parent.email)

    assert response.status_code == 403
    assert f"No staff account for {parent.email}" in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_someone_whose_role_ended_is_refused(client, school, teacher, provider):
    configure(school, provider)
    teacher.staff_roles.update(ended_on="2026-01-01")
    provider.claims = {"email": teacher.email, "email_verified": True}

    assert sign_in(client, teacher.email).status_code == 403
    assert not signed_in_user(client).is_authenticated


def test_staff_of_another_school_are_not_signed_in_by_this_schools_provider(
    client, school, other_school, other_school_dsl, provider
):
    configure(school, provider, domains="elsewhere.test")
    provider.claims = {"email": other_school_dsl.email, "email_verified": True}

    response = sign_in(client, other_school_dsl.email)

    assert response.status_code == 403
    assert "in Demo Primary School" in response.content.decode()


def test_a_trusts_provider_signs_in_staff_of_any_of_its_schools(client, trust, school, head, provider):
    configure(trust, provider)
    provider.claims = {"email": head.email, "email_verified": True}

    response = sign_in(client, head.email)

    assert response.status_code == 302
    assert signed_in_user(client) == head


def test_an_unverified_email_is_refused(client, school, teacher, provider):
    configure(school, provider, kind=SsoConfiguration.Provider.GOOGLE)
    provider.claims = {"email": teacher.email, "email_verified": False}

    assert sign_in(client, teacher.email).status_code == 403
    assert not signed_in_user(client).is_authenticated
    assert AuditEvent.objects.get(action="sso.sign_in.refused").data["reason"] == "email_not_verified"


def test_an_entra_token_from_another_tenant_is_refused(client, school, teacher, entra):
    configure(school, entra, kind=SsoConfiguration.Provider.MICROSOFT)
    entra.claims = {"email": teacher.email, "tid": str(uuid.uuid4())}

    assert sign_in(client, teacher.email).status_code == 403
    assert AuditEvent.objects.get(action="sso.sign_in.refused").data["reason"] == "wrong_tenant"


def test_an_address_with_no_provider_is_told_to_use_the_password(client, school, provider):
    configure(school, provider)

    page = client.post(reverse("sso:start"), {"email": "someone@unknown-school.test"})

    assert page.status_code == 200
    assert "No school has set up single sign-on for unknown-school.test" in page.content.decode()


def test_the_sign_in_page_links_to_single_sign_on(client, db):
    assert reverse("sso:start") in client.get(reverse("accounts:login")).content.decode()


# Tokens that must be refused ----------------------------------------------------------------------------------------


def _wrong_nonce(claims):
    claims["nonce"] = "not-the-nonce"


def _wrong_audience(claims):
    claims["aud"] = "someone-elses-client"


def _expired(claims):
    claims["iat"] = int(time.time()) - 3600
    claims["exp"] = int(time.time()) - 600


def _wrong_issuer(claims):
    claims["iss"] = "https://evil.example"


@pytest.mark.parametrize(
    "tamper", [_wrong_nonce, _wrong_audience, _expired, _wrong_issuer], ids=["nonce", "audience", "expired", "issuer"]
)
def test_a_tampered_id_token_is_refused(client, school, teacher, provider, tamper):
    configure(school, provider)
    provider.claims = {"email": teacher.email, "email_verified": True}
    provider.tamper = tamper

    response = sign_in(client, teacher.email)

    assert response.status_code == 403
    assert "Your sign-in could not be verified" in response.content.decode()
    assert not signed_in_user(client).is_authenticated
    assert AuditEvent.objects.get(action="sso.sign_in.refused").data["reason"].startswith("token:")


def test_a_token_signed_with_another_key_is_refused(client, school, teacher, provider):
    configure(school, provider)
    provider.claims = {"email": teacher.email, "email_verified": True}
    provider.sign_with = new_key()

    assert sign_in(client, teacher.email).status_code == 403
    assert not signed_in_user(client).is_authenticated


def test_a_wrong_or_reused_state_is_refused(client, school, teacher, provider):
    configure(school, provider)
    provider.claims = {"email": teacher.email, "email_verified": True}
    callback = through_provider(start(client, teacher.email))
    forged = callback.replace("state=", "state=x")

    assert client.get(forged).status_code == 400
    assert not signed_in_user(client).is_authenticated
    # The real state still works once, then never again.
    assert client.get(callback).status_code == 302
    client.logout()
    assert client.get(callback).status_code == 400


def test_a_callback_without_a_started_sign_in_is_refused(client, db):
    response = client.get(reverse("sso:callback"), {"code": "abc", "state": "def"})

    assert response.status_code == 400
    assert "This sign-in has expired or was already used" in response.content.decode()


# The second factor --------------------------------------------------------------------------------------------------


def _dsl_signs_in_with_entra(client, school, dsl, entra, *, trust_mfa):
    configure(school, entra, kind=SsoConfiguration.Provider.MICROSOFT, trust_mfa=trust_mfa)
    entra.claims = {"preferred_username": dsl.email, "tid": TENANT, "amr": ["pwd", "mfa"]}
    assert sign_in(client, dsl.email).status_code == 302


def test_a_trusted_mfa_claim_opens_a_concern_without_the_code_prompt(client, school, dsl, teacher, pupil, entra):
    incident = concern(school, pupils=[pupil], recorded_by=teacher)
    _dsl_signs_in_with_entra(client, school, dsl, entra, trust_mfa=True)

    record = client.get(reverse("incidents:incident_detail", args=[school.slug, incident.public_id]))

    assert record.status_code == 200
    assert AuditEvent.objects.filter(action="incidents.concern.viewed", actor=dsl).exists()
    assert client.session[SECOND_FACTOR_BY_SESSION_KEY] == "provider_mfa"
    assert AuditEvent.objects.get(action="sso.sign_in.succeeded").data["second_factor_by_provider"] is True


def test_an_untrusted_mfa_claim_still_asks_for_the_code(client, school, dsl, teacher, pupil, entra):
    incident = concern(school, pupils=[pupil], recorded_by=teacher)
    _dsl_signs_in_with_entra(client, school, dsl, entra, trust_mfa=False)

    record = client.get(reverse("incidents:incident_detail", args=[school.slug, incident.public_id]))

    assert record.status_code == 302
    assert record.url.startswith(reverse("accounts:otp_enrol"))  # no authenticator app yet: set one up
    assert otp.SESSION_KEY not in client.session
    assert not AuditEvent.objects.filter(action="incidents.concern.viewed").exists()


def test_a_trusted_claim_that_is_absent_still_asks_for_the_code(client, school, dsl, teacher, pupil, entra):
    incident = concern(school, pupils=[pupil], recorded_by=teacher)
    configure(school, entra, kind=SsoConfiguration.Provider.MICROSOFT, trust_mfa=True)
    entra.claims = {"email": dsl.email, "tid": TENANT, "amr": ["pwd"]}
    assert sign_in(client, dsl.email).status_code == 302

    record = client.get(reverse("incidents:incident_detail", args=[school.slug, incident.public_id]))

    assert record.status_code == 302 and record.url.startswith(reverse("accounts:otp_enrol"))
    assert otp.SESSION_KEY not in client.session


def test_an_address_locked_out_by_wrong_passwords_is_not_signed_in_by_the_provider(client, school, teacher, provider):
    configure(school, provider)
    provider.claims = {"email": teacher.email, "email_verified": True}
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": teacher.email, "password": "wrong-password-1"})

    response = sign_in(client, teacher.email)

    assert response.status_code == 429
    assert not signed_in_user(client).is_authenticated
    assert AuditEvent.objects.get(action="sso.sign_in.refused").data["reason"] == "locked_out"
