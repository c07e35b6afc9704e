"""Forms for single sign-on: the staff member's e-mail, and the school's or trust's provider settings."""

from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import GOOGLE_ISSUER, MICROSOFT_ISSUER_PATTERN, SsoConfiguration

_LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Your school e-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ConfigurationForm(forms.Form):
    provider = forms.ChoiceField(label=_("Provider"), choices=SsoConfiguration.Provider.choices)
    issuer = forms.URLField(
        label=_("Issuer URL"),
        required=False,
        max_length=300,
        assume_scheme="https",
        help_text=_(
            "Google: leave empty (https://accounts.google.com). Microsoft: "
            "https://login.microsoftonline.com/TENANT_ID/v2.0, with your directory (tenant) id in place of TENANT_ID."
        ),
    )
    client_id = forms.CharField(label=_("Client id"), max_length=300)
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    allowed_domains = forms.CharField(
        label=_("Allowed e-mail domains"),
        max_length=1000,
        help_text=_("Separated by spaces or commas, e.g. school.org.uk staff.school.org.uk"),
    )
    trust_mfa_claim = forms.BooleanField(
        label=_("Trust the provider's multi-factor claim for safeguarding records"),
        required=False,
        help_text=_(
            "Microsoft Entra ID says when a second step (an app prompt, a text) was used at sign-in; if you require "
            "it in Entra, staff need not type our code as well. Google sends no such claim, so with Google staff "
            "always type the code from their authenticator app."
        ),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False)

    def __init__(self, *args, has_secret=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_secret = has_secret
        if has_secret:
            self.fields["client_secret"].help_text = _("Set. Leave empty to keep it; type a new one to replace it.")
        else:
            self.fields["client_secret"].help_text = _("Not set yet.")

    def clean_allowed_domains(self):
        domains = [d for d in self.cleaned_data["allowed_domains"].lower().replace(",", " ").split() if d]
        for domain in domains:
            if domain.startswith("@"):
                domain = domain[1:]
            if "." not in domain or "@" in domain or "/" in domain:
                raise forms.ValidationError(_("%(domain)s is not an e-mail domain."), params={"domain": domain})
        return [d.lstrip("@") for d in domains]

    def clean(self):
        cleaned = super().clean()
        provider = cleaned.get("provider")
        issuer = (cleaned.get("issuer") or "").rstrip("/")
        if provider == SsoConfiguration.Provider.GOOGLE:
            issuer = issuer or GOOGLE_ISSUER
            if cleaned.get("trust_mfa_claim"):
                self.add_error("trust_mfa_claim", _("Google sends no multi-factor claim, so it cannot be trusted."))
        if provider == SsoConfiguration.Provider.MICROSOFT and not MICROSOFT_ISSUER_PATTERN.match(issuer):
            self.add_error(
                "issuer",
                _("Use https://login.microsoftonline.com/<tenant id>/v2.0 with your directory (tenant) id."),
            )
        if provider == SsoConfiguration.Provider.OIDC:
            parts = urlsplit(issuer)
            if not issuer:
                self.add_error("issuer", _("Type the provider's issuer URL."))
            elif parts.scheme != "https" and parts.hostname not in _LOCAL_HOSTS:
                self.add_error("issuer", _("The issuer URL must start with https://."))
        cleaned["issuer"] = issuer
        if cleaned.get("enabled") and not self.has_secret and not cleaned.get("client_secret"):
            self.add_error("client_secret", _("Type the client secret before turning single sign-on on."))
        return cleaned
