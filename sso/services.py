"""Writes for single sign-on: saving a school's or trust's provider, and completing (or refusing) a sign-in.

The rules (issue 14 item 4): a provider only proves who someone is — they are matched by e-mail to an existing
member of staff and never created or given a role; the second factor for safeguarding records still applies unless
the provider's multi-factor claim is present and the school has chosen to trust it.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from . import selectors
from .models import SsoConfiguration


class SignInRefused(DomainError):
    """The provider said who this is, but they may not sign in here. ``message`` is shown on the refusal page."""


def _check_may_configure(actor, school, organisation):
    target = school if school is not None else organisation
    if target is None or not permissions.can(actor, permissions.SSO_CONFIGURE, target):
        raise DomainError(_("You may not change single sign-on here."), code="forbidden")


def sso_configuration_save(
    *,
    actor,
    school=None,
    organisation=None,
    provider,
    issuer,
    client_id,
    client_secret="",
    allowed_domains,
    trust_mfa_claim,
    enabled,
    ip_address=None,
):
    """Create or update the single sign-on configuration of ``school`` or of ``organisation`` (exactly one).

    Args:
        actor: the headteacher (school) or the trust admin (trust) — ``permissions.SSO_CONFIGURE``.
        provider: a ``SsoConfiguration.Provider`` value; issuer (str URL); client_id (str).
        client_secret: the new secret (str), or "" to keep the stored one.
        allowed_domains: the e-mail domains (a list of lower-case str) whose staff use this provider.
        trust_mfa_claim, enabled: bool.

    Returns the saved ``SsoConfiguration``. Raises ``DomainError`` when the actor may not, Google's multi-factor
    claim is asked to be trusted (Google sends none), it is enabled without a client secret, or another enabled
    configuration already claims one of the domains (a domain must lead to one provider). Writes
    ``sso.configuration.created`` or ``sso.configuration.updated`` (field names changed; never the secret).
    """
    _check_may_configure(actor, school, organisation)
    if trust_mfa_claim and provider == SsoConfiguration.Provider.GOOGLE:
        raise DomainError(
            _("Google does not tell us whether a second step was used, so its sign-in cannot replace the code."),
            code="mfa_unsupported",
        )
    with transaction.atomic():
        configuration = selectors.configuration_of(school=school, organisation=organisation)
        created = configuration is None
        if created:
            configuration = SsoConfiguration(school=school, organisation=organisation)
        else:
            configuration = SsoConfiguration.objects.select_for_update().get(pk=configuration.pk)
        before = {f: getattr(configuration, f) for f in _FIELDS}
        configuration.provider = provider
        configuration.issuer = issuer.rstrip("/")
        configuration.client_id = client_id.strip()
        configuration.allowed_domains = " ".join(allowed_domains)
        configuration.trust_mfa_claim = trust_mfa_claim
        configuration.enabled = enabled
        if client_secret:
            configuration.set_client_secret(client_secret)
        if enabled and not configuration.client_secret():
            raise DomainError(_("Type the client secret before turning single sign-on on."), code="no_secret")
        if enabled:
            clashes = selectors.configurations_claiming(allowed_domains, exclude=configuration)
            if clashes:
                raise DomainError(
                    _("%(domains)s already leads to another school's or trust's single sign-on.")
                    % {"domains": ", ".join(sorted(set(allowed_domains) & set(clashes[0].domains)))},
                    code="domain_taken",
                )
        changed = [f for f in _FIELDS if before[f] != getattr(configuration, f)]
        if not created and not changed and not client_secret:
            return configuration
        configuration.full_clean()
        configuration.save()
        audit_log(
            actor=actor,
            action="sso.configuration.created" if created else "sso.configuration.updated",
            school=school,
            subject=configuration,
            data={
                "provider": provider,
                "enabled": enabled,
                "changed": changed,
                "client_secret_changed": bool(client_secret),
                "organisation": organisation.slug if organisation is not None else "",
            },
            ip_address=ip_address,
        )
    return configuration


_FIELDS = ["provider", "issuer", "client_id", "allowed_domains", "trust_mfa_claim", "enabled"]


def mfa_claim_present(configuration, claims):
    """Whether the ID token says a second factor was used: ``amr`` contains ``mfa`` (RFC 8176; Entra ID sends it).
    Google sends no such claim, so this is always False for Google."""
    if not configuration.mfa_claim_supported:
        return False
    amr = claims.get("amr") or []
    return isinstance(amr, list) and "mfa" in amr


def claimed_email(configuration, claims):
    email = claims.get("email") or ""
    if not email and configuration.provider == SsoConfiguration.Provider.MICROSOFT:
        email = claims.get("preferred_username") or ""  # Entra sends email only as an optional claim
    return email.strip()


def sso_sign_in_match(*, configuration, claims, ip_address=None):
    """Decide who the validated ID token ``claims`` (a dict) signs in, and record it.

    Returns ``(user, mfa_trusted)``: the existing member of staff, and whether the provider's multi-factor claim is
    present and trusted by the school. Raises ``SignInRefused`` (and writes ``sso.sign_in.refused``) when the
    e-mail is unverified (Google, other providers: ``email_verified``), the Entra tenant (``tid``) is not the
    configured one, the domain is not allowed, or no current member of staff of the school or trust has the
    address — a parent, someone never invited, an ended role. Never creates a user. Writes
    ``sso.sign_in.succeeded`` on success.
    """
    email = claimed_email(configuration, claims)
    place = configuration.owner
    reason = ""
    if not email:
        reason = "no_email"
    elif configuration.provider == SsoConfiguration.Provider.MICROSOFT:
        if (claims.get("tid") or "").lower() != configuration.tenant_id:
            reason = "wrong_tenant"
    elif claims.get("email_verified") is not True:
        reason = "email_not_verified"
    if not reason and selectors.email_domain(email) not in configuration.domains:
        reason = "domain_not_allowed"
    user = None if reason else selectors.staff_user_for(configuration, email)
    if user is None and not reason:
        reason = "no_staff_account"
    if reason:
        with transaction.atomic():
            audit_log(
                actor=None,
                action="sso.sign_in.refused",
                school=configuration.school,
                subject=configuration,
                data={"reason": reason, "email": email},
                ip_address=ip_address,
            )
        if reason == "no_staff_account":
            message = _("No staff account for %(email)s in %(place)s: ask the office to invite you.") % {
                "email": email,
                "place": place,
            }
        else:
            message = _("%(place)s's sign-in service did not confirm an address we can accept.") % {"place": place}
        raise SignInRefused(message, code=reason)
    mfa_trusted = configuration.trust_mfa_claim and mfa_claim_present(configuration, claims)
    with transaction.atomic():
        audit_log(
            actor=user,
            action="sso.sign_in.succeeded",
            school=configuration.school,
            subject=configuration,
            data={
                "provider": configuration.provider,
                "mfa_claim": mfa_claim_present(configuration, claims),
                "second_factor_by_provider": mfa_trusted,
            },
            ip_address=ip_address,
        )
    return user, mfa_trusted


def sso_sign_in_failed(*, configuration, reason, ip_address=None):
    """Record a sign-in that failed before we knew who it was (bad state, provider error, token refused):
    ``sso.sign_in.refused`` with ``reason`` (a short str for the log)."""
    with transaction.atomic():
        audit_log(
            actor=None,
            action="sso.sign_in.refused",
            school=configuration.school if configuration else None,
            subject=configuration,
            data={"reason": reason[:500]},
            ip_address=ip_address,
        )
