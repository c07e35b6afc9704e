"""Staff single sign-on pages: "Sign in with your school account", the provider's return, and the settings page
of a school (headteacher) or a trust (trust admin). Thin views: the rules live in ``sso.services`` and ``sso.oidc``.

The e-mail form answers with a page that links to the provider rather than a redirect: the sign-in pages' CSP
allows forms to post only to this site (``form-action 'self'``), which browsers also apply to a redirect after the
post. Parents never use single sign-on: only existing staff roles are matched.
"""

import time

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, user_login_failed
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from safeguard import permissions
from safeguard.accounts import otp
from safeguard.audit.services import client_ip
from safeguard.base import DomainError

from . import oidc, selectors, services
from .forms import ConfigurationForm, EmailForm
from .models import SsoConfiguration

FLOWS_SESSION_KEY = "sso_flows"  # state → the pending sign-in's nonce, PKCE verifier, configuration
SIGNED_IN_SESSION_KEY = "sso_signed_in"  # how this session was signed in (provider, time, second factor)
SECOND_FACTOR_BY_SESSION_KEY = "safeguard_otp_verified_by"  # "provider_mfa" when the provider's claim counted
FLOW_MAX_AGE_SECONDS = 10 * 60
FLOWS_KEPT = 5


def redirect_uri():
    """The callback URL to register with the provider: ``SITE_URL`` + ``/sso/callback/``."""
    return settings.SITE_URL + reverse("sso:callback")


def _next_url(request):
    value = request.POST.get("next") or request.GET.get("next") or ""
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return ""


@never_cache
def start(request):
    """Ask for the school e-mail address; its domain picks the school's or trust's provider."""
    form = EmailForm(request.POST or None)
    next_url = _next_url(request)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        configuration = selectors.configuration_for_email(email)
        if configuration is None:
            form.add_error(
                "email",
                _("No school has set up single sign-on for %(domain)s. Sign in with your password instead.")
                % {"domain": selectors.email_domain(email)},
            )
        else:
            try:
                document = oidc.discover(configuration)
            except oidc.ProviderError as error:
                services.sso_sign_in_failed(
                    configuration=configuration, reason=f"discovery: {error}", ip_address=client_ip(request)
                )
                form.add_error(None, _("Your school's sign-in service cannot be reached. Please try again later."))
            else:
                flow = oidc.new_flow()
                flows = dict(request.session.get(FLOWS_SESSION_KEY, {}))
                flows[flow["state"]] = {
                    "configuration": str(configuration.public_id),
                    "nonce": flow["nonce"],
                    "code_verifier": flow["code_verifier"],
                    "token_endpoint": document["token_endpoint"],
                    "jwks_uri": document["jwks_uri"],
                    "next": next_url,
                    "started_at": time.time(),
                }
                # Keep only the latest few (several tabs); older ones are abandoned.
                request.session[FLOWS_SESSION_KEY] = dict(
                    sorted(flows.items(), key=lambda kv: kv[1]["started_at"])[-FLOWS_KEPT:]
                )
                url = oidc.authorization_url(
                    configuration=configuration,
                    document=document,
                    flow=flow,
                    redirect_uri=redirect_uri(),
                    login_hint=email,
                )
                return render(request, "sso/continue.html", {"authorization_url": url, "configuration": configuration})
    return render(request, "sso/start.html", {"form": form, "next": next_url})


def _refuse(request, message, *, email="", status=403):
    if email:
        # django-axes counts it like a failed password: repeated refusals lock the address out.
        user_login_failed.send(sender=__name__, credentials={"username": email}, request=request)
    return render(request, "sso/refused.html", {"message": message}, status=status)


@never_cache
def callback(request):
    """The provider sends the browser back here with ``code`` and ``state``; sign the member of staff in, or
    explain why not."""
    state = request.GET.get("state", "")
    flows = dict(request.session.get(FLOWS_SESSION_KEY, {}))
    flow = flows.pop(state, None) if state else None
    request.session[FLOWS_SESSION_KEY] = flows  # a state is used once, whatever happens next
    if flow is None or time.time() - flow["started_at"] > FLOW_MAX_AGE_SECONDS:
        return _refuse(request, _("This sign-in has expired or was already used. Please start again."), status=400)
    configuration = SsoConfiguration.objects.filter(public_id=flow["configuration"], enabled=True).first()
    if configuration is None:
        return _refuse(request, _("Single sign-on is no longer set up for your school."), status=400)
    ip_address = client_ip(request)
    if request.GET.get("error") or not request.GET.get("code"):
        services.sso_sign_in_failed(
            configuration=configuration,
            reason=f"provider: {request.GET.get('error', 'no code')}",
            ip_address=ip_address,
        )
        return _refuse(request, _("Your school's sign-in service did not sign you in. Please start again."))
    backend = oidc.ConfigurationBackend(
        configuration=configuration, document={"token_endpoint": flow["token_endpoint"], "jwks_uri": flow["jwks_uri"]}
    )
    try:
        claims = backend.exchange_code(
            code=request.GET["code"],
            code_verifier=flow["code_verifier"],
            nonce=flow["nonce"],
            redirect_uri=redirect_uri(),
        )
    except oidc.ProviderError as error:
        services.sso_sign_in_failed(configuration=configuration, reason=f"token: {error}", ip_address=ip_address)
        return _refuse(request, _("Your sign-in could not be verified. Please start again."))
    email = services.claimed_email(configuration, claims)
    if email and AxesProxyHandler.is_locked(request, {"username": email}):
        services.sso_sign_in_failed(configuration=configuration, reason="locked_out", ip_address=ip_address)
        return get_lockout_response(request, credentials={"username": email})  # the same page as a password
    try:
        user, mfa_trusted = services.sso_sign_in_match(
            configuration=configuration, claims=claims, ip_address=ip_address
        )
    except services.SignInRefused as error:
        return _refuse(request, error.message, email=email)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    now = time.time()
    request.session[SIGNED_IN_SESSION_KEY] = {
        "configuration": str(configuration.public_id),
        "provider": configuration.provider,
        "at": now,
        "second_factor_by_provider": mfa_trusted,
    }
    if mfa_trusted:
        # As a typed code does (otp.mark_verified): safeguarding records open for the next hour; the session also
        # says the provider's multi-factor claim was what verified it.
        otp.mark_verified(request, now=now)
        request.session[SECOND_FACTOR_BY_SESSION_KEY] = "provider_mfa"
    return redirect(flow["next"] or "home")


def _settings_page(request, *, school=None, organisation=None):
    configuration = selectors.configuration_of(school=school, organisation=organisation)
    initial = {}
    if configuration is not None:
        initial = {
            "provider": configuration.provider,
            "issuer": configuration.issuer,
            "client_id": configuration.client_id,
            "allowed_domains": " ".join(configuration.domains),
            "trust_mfa_claim": configuration.trust_mfa_claim,
            "enabled": configuration.enabled,
        }
    has_secret = bool(configuration and configuration.client_secret())
    form = ConfigurationForm(request.POST or None, initial=initial, has_secret=has_secret)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sso_configuration_save(
                actor=request.user,
                school=school,
                organisation=organisation,
                provider=data["provider"],
                issuer=data["issuer"],
                client_id=data["client_id"],
                client_secret=data["client_secret"],
                allowed_domains=data["allowed_domains"],
                trust_mfa_claim=data["trust_mfa_claim"],
                enabled=data["enabled"],
                ip_address=client_ip(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Single sign-on settings saved."))
            return redirect(request.path)
    return render(
        request,
        "sso/settings.html",
        {
            "form": form,
            "configuration": configuration,
            "has_secret": has_secret,
            "secret_unreadable": bool(configuration and configuration.has_client_secret and not has_secret),
            "school": school,
            "organisation": organisation,
            "owner": school or organisation,
            "redirect_uri": redirect_uri(),
        },
    )


@never_cache
@login_required
def school_settings(request, slug):
    """A school's single sign-on provider (headteacher)."""
    school = permissions.get_school_for_user(request.user, slug, permissions.SSO_CONFIGURE)
    return _settings_page(request, school=school)


@never_cache
@login_required
def trust_settings(request, slug):
    """A trust's or district's single sign-on provider, for all its schools (trust admin)."""
    organisation = permissions.get_organisation_for_user(request.user, slug)
    if not permissions.can(request.user, permissions.SSO_CONFIGURE, organisation):
        raise Http404
    return _settings_page(request, organisation=organisation)
