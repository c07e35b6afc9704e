"""Staff single sign-on settings: one OpenID Connect provider per school or per trust (issue 14 item 4).

Library choice — mozilla-django-oidc (5.0.2), not django-allauth (65.21.1): allauth's ``openid_connect`` provider can
hold several servers, but it brings its own account, e-mail and sign-up flows, its own middleware and ``SocialAccount``
rows, and it is built around creating and linking accounts from the provider — the opposite of our rule that a
provider never creates a person or gives a role. mozilla-django-oidc is one backend class with no models; its
settings name one provider, so ``sso.oidc`` builds its backend from a ``SsoConfiguration`` row instead of settings
and keeps the library's token exchange, JWKS look-up, signature and nonce checks (adding audience and issuer checks,
which the library leaves out).
"""

import base64
import hashlib
import re

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safeguard.base import PublicIdModel

GOOGLE_ISSUER = "https://accounts.google.com"
MICROSOFT_ISSUER_PATTERN = re.compile(
    r"^https://login\.microsoftonline\.com/(?P<tenant>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12})/v2\.0$"
)
_TENANT_IN_ISSUER = re.compile(r"/(?P<tenant>[0-9a-fA-F-]{36})/v2\.0/?$")


def _fernet():
    # A key derived from SECRET_KEY: a copy of the database alone does not reveal a school's client secret. Changing
    # SECRET_KEY makes stored secrets unreadable; the head then types the secret again (the page says so).
    digest = hashlib.sha256(b"safeguard.sso.client_secret:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class SsoConfiguration(PublicIdModel):
    """A school's or a trust's OpenID Connect provider for staff sign-in.

    Exactly one of ``school`` and ``organisation`` is set; each has at most one configuration. A trust's covers
    every school of the trust. Staff whose e-mail domain is in ``allowed_domains`` are sent to this provider; the
    provider only proves who they are — they must already hold a current role (``sso.selectors``). The client
    secret is stored encrypted and never shown again, and is left out of the history tables. Edited through
    ``sso.services.sso_configuration_save``; never deleted (``enabled`` off stops it).
    """

    class Provider(models.TextChoices):
        GOOGLE = "google", _("Google Workspace")
        MICROSOFT = "microsoft", _("Microsoft Entra ID (Microsoft 365)")
        OIDC = "oidc", _("Another OpenID Connect provider")

    school = models.ForeignKey(
        "directory.School", on_delete=models.PROTECT, null=True, blank=True, related_name="sso_configurations"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="sso_configurations"
    )
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    issuer = models.URLField(_("issuer URL"), max_length=300)
    client_id = models.CharField(_("client id"), max_length=300)
    client_secret_encrypted = models.TextField(_("client secret (encrypted)"), blank=True)
    allowed_domains = models.CharField(_("allowed e-mail domains"), max_length=1000)
    trust_mfa_claim = models.BooleanField(_("trust the provider's multi-factor claim"), default=False)
    enabled = models.BooleanField(_("enabled"), default=False)
    history = HistoricalRecords(excluded_fields=["client_secret_encrypted"])

    class Meta:
        verbose_name = _("single sign-on configuration")
        verbose_name_plural = _("single sign-on configurations")
        constraints = [
            models.CheckConstraint(
                condition=(Q(school__isnull=False) & Q(organisation__isnull=True))
                | (Q(school__isnull=True) & Q(organisation__isnull=False)),
                name="sso_ssoconfiguration_one_owner",
            ),
            models.UniqueConstraint(
                fields=["school"], condition=Q(school__isnull=False), name="sso_ssoconfiguration_one_per_school"
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(organisation__isnull=False),
                name="sso_ssoconfiguration_one_per_organisation",
            ),
        ]

    def __str__(self):
        return f"{self.get_provider_display()} — {self.owner}"

    @property
    def owner(self):
        """The ``School`` or ``Organisation`` this configuration belongs to."""
        return self.school or self.organisation

    @property
    def domains(self):
        """The allowed e-mail domains, lower case (a list of str)."""
        return [d for d in self.allowed_domains.lower().replace(",", " ").split() if d]

    @property
    def tenant_id(self):
        """Microsoft: the tenant GUID in the issuer URL (lower case), else ""."""
        match = _TENANT_IN_ISSUER.search(self.issuer)
        return match.group("tenant").lower() if match else ""

    @property
    def has_client_secret(self):
        return bool(self.client_secret_encrypted)

    def set_client_secret(self, secret):
        self.client_secret_encrypted = _fernet().encrypt(secret.encode()).decode()

    def client_secret(self):
        """The client secret in clear (str), or "" when none is stored or it cannot be read (SECRET_KEY changed)."""
        if not self.client_secret_encrypted:
            return ""
        try:
            return _fernet().decrypt(self.client_secret_encrypted.encode()).decode()
        except InvalidToken:
            return ""

    @property
    def mfa_claim_supported(self):
        """Google puts no standard multi-factor claim in its ID token, so its claim can never be trusted."""
        return self.provider != self.Provider.GOOGLE
