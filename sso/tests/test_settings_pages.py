"""The single sign-on settings pages: the headteacher sets the school's provider, the trust admin the trust's; the
client secret is stored (encrypted) and never shown again; another school's or trust's page is not found."""

import pytest
from django.conf import settings
from django.urls import reverse

from safeguard.audit.models import AuditEvent
from safeguard.directory.tests import factories
from sso.models import SsoConfiguration

SECRET = "very-secret-Value-123"
TENANT = "9b1f3c2e-4d5a-4e6f-8a7b-1c2d3e4f5a6b"


def entra_form(**overrides):
    data = {
        "provider": "microsoft",
        "issuer": f"https://login.microsoftonline.com/{TENANT}/v2.0",
        "client_id": "client-abc",
        "client_secret": SECRET,
        "allowed_domains": "demo-primary.sch.uk, @staff.demo-primary.sch.uk",
        "trust_mfa_claim": "on",
        "enabled": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_head_sets_up_entra_and_the_secret_is_never_shown_again(client, school, head):
    client.force_login(head)
    url = reverse("sso:school_settings", args=[school.slug])

    saved = client.post(url, entra_form())

    assert saved.status_code == 302
    configuration = SsoConfiguration.objects.get(school=school)
    assert configuration.enabled and configuration.trust_mfa_claim
    assert configuration.domains == ["demo-primary.sch.uk", "staff.demo-primary.sch.uk"]
    assert configuration.tenant_id == TENANT
    assert configuration.client_secret() == SECRET
    assert SECRET not in configuration.client_secret_encrypted  # stored encrypted
    page = client.get(url).content.decode()
    assert SECRET not in page
    assert 'id="secret-status">set<' in page
    assert f'<code id="redirect-uri">{settings.SITE_URL}/sso/callback/</code>' in page  # the URI to register
    event = AuditEvent.objects.get(action="sso.configuration.created")
    assert event.actor == head and event.school == school
    assert SECRET not in str(event.data) and event.data["client_secret_changed"] is True
    assert SECRET not in str(list(configuration.history.values()))


def test_saving_without_a_secret_keeps_the_stored_one(client, school, head):
    client.force_login(head)
    url = reverse("sso:school_settings", args=[school.slug])
    client.post(url, entra_form())

    assert client.post(url, entra_form(client_secret="", client_id="client-new")).status_code == 302

    configuration = SsoConfiguration.objects.get(school=school)
    assert configuration.client_id == "client-new" and configuration.client_secret() == SECRET
    updated = AuditEvent.objects.get(action="sso.configuration.updated")
    assert updated.data["changed"] == ["client_id"] and updated.data["client_secret_changed"] is False


def test_a_repeat_save_changes_nothing(client, school, head):
    client.force_login(head)
    url = reverse("sso:school_settings", args=[school.slug])
    client.post(url, entra_form())
    client.post(url, entra_form(client_secret=""))

    assert not AuditEvent.objects.filter(action="sso.configuration.updated").exists()


def test_a_microsoft_issuer_must_name_the_tenant(client, school, head):
    client.force_login(head)

    page = client.post(
        reverse("sso:school_settings", args=[school.slug]),
        entra_form(issuer="https://login.microsoftonline.com/common/v2.0"),
    )

    assert page.status_code == 200
    assert "with your directory (tenant) id" in page.content.decode()
    assert not SsoConfiguration.objects.exists()


def test_googles_mfa_claim_cannot_be_trusted(client, school, head):
    client.force_login(head)

    page = client.post(
        reverse("sso:school_settings", args=[school.slug]),
        entra_form(provider="google", issuer=""),
    )

    assert page.status_code == 200
    assert "Google sends no multi-factor claim" in page.content.decode()
    assert not SsoConfiguration.objects.exists()


def test_google_without_mfa_is_saved_with_googles_issuer(client, school, head):
    client.force_login(head)

    client.post(
        reverse("sso:school_settings", args=[school.slug]),
        entra_form(provider="google", issuer="", trust_mfa_claim=None),
    )

    assert SsoConfiguration.objects.get(school=school).issuer == "https://accounts.google.com"


def test_a_domain_taken_by_another_school_is_refused(client, school, head, other_school):
    other = SsoConfiguration(
        school=other_school,
        provider="google",
        issuer="https://accounts.google.com",
        client_id="x",
        allowed_domains="demo-primary.sch.uk",
        enabled=True,
    )
    other.set_client_secret("y")
    other.save()
    client.force_login(head)

    page = client.post(reverse("sso:school_settings", args=[school.slug]), entra_form())

    assert page.status_code == 200
    assert "already leads to another school" in page.content.decode()
    assert not SsoConfiguration.objects.filter(school=school).exists()


def test_the_trust_admin_sets_the_trusts_provider(client, trust, trust_admin):
    client.force_login(trust_admin)

    assert client.post(reverse("sso:trust_settings", args=[trust.slug]), entra_form()).status_code == 302

    assert SsoConfiguration.objects.get(organisation=trust).enabled


@pytest.mark.parametrize("persona", ["office", "teacher", "dsl", "slt", "trust_admin"])
def test_only_the_head_edits_a_schools_settings(client, school, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.post(reverse("sso:school_settings", args=[school.slug]), entra_form()).status_code == 404
    assert not SsoConfiguration.objects.exists()


def test_another_schools_settings_cannot_be_edited(client, school, head, other_school):
    client.force_login(head)

    assert client.get(reverse("sso:school_settings", args=[other_school.slug])).status_code == 404
    assert client.post(reverse("sso:school_settings", args=[other_school.slug]), entra_form()).status_code == 404
    assert not SsoConfiguration.objects.exists()


def test_another_trusts_settings_cannot_be_edited(client, trust, trust_admin):
    other_trust = factories.OrganisationFactory(slug="other-trust")
    client.force_login(trust_admin)

    assert client.post(reverse("sso:trust_settings", args=[other_trust.slug]), entra_form()).status_code == 404
    assert not SsoConfiguration.objects.exists()


def test_the_head_sees_the_settings_on_the_school_home(client, school, head, teacher):
    link = reverse("sso:school_settings", args=[school.slug])
    client.force_login(head)
    assert link in client.get(reverse("directory:school_home", args=[school.slug])).content.decode()
    client.force_login(teacher)
    assert link not in client.get(reverse("directory:school_home", args=[school.slug])).content.decode()


@pytest.mark.django_db
def test_the_trust_home_links_the_trusts_single_sign_on_page(client, trust, trust_admin):
    client.force_login(trust_admin)
    home = client.get(reverse("directory:trust_home", args=[trust.slug]))
    assert home.status_code == 200
    assert reverse("sso:trust_settings", args=[trust.slug]) in home.text
