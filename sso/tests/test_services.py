"""``sso.services.sso_configuration_save`` checks its actor itself (tasks and commands call services too)."""

import pytest

from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from sso import services
from sso.models import SsoConfiguration

ARGS = {
    "provider": "oidc",
    "issuer": "https://id.example.org",
    "client_id": "abc",
    "client_secret": "secret-1",
    "allowed_domains": ["example.org"],
    "trust_mfa_claim": False,
    "enabled": True,
}


@pytest.mark.parametrize("persona", ["teacher", "dsl", "office", "trust_admin"])
def test_only_the_head_saves_a_schools_configuration(school, persona, request):
    with pytest.raises(DomainError) as error:
        services.sso_configuration_save(actor=request.getfixturevalue(persona), school=school, **ARGS)

    assert error.value.code == "forbidden"
    assert not SsoConfiguration.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="sso.").exists()


def test_a_head_cannot_save_the_trusts_configuration(trust, head):
    with pytest.raises(DomainError):
        services.sso_configuration_save(actor=head, organisation=trust, **ARGS)


def test_the_head_saves_and_a_repeat_changes_nothing(school, head):
    first = services.sso_configuration_save(actor=head, school=school, **ARGS)
    again = services.sso_configuration_save(actor=head, school=school, **{**ARGS, "client_secret": ""})

    assert first.pk == again.pk and again.client_secret() == "secret-1"
    assert AuditEvent.objects.filter(action__startswith="sso.configuration.").count() == 1


def test_google_mfa_is_refused_by_the_service_too(school, head):
    with pytest.raises(DomainError) as error:
        services.sso_configuration_save(
            actor=head, school=school, **{**ARGS, "provider": "google", "trust_mfa_claim": True}
        )

    assert error.value.code == "mfa_unsupported"


def test_it_cannot_be_enabled_without_a_secret(school, head):
    with pytest.raises(DomainError) as error:
        services.sso_configuration_save(actor=head, school=school, **{**ARGS, "client_secret": ""})

    assert error.value.code == "no_secret"
    assert not SsoConfiguration.objects.exists()
