"""OpenID Connect for one ``SsoConfiguration``: discovery, the authorization request (PKCE, state, nonce) and the
code exchange with ID-token validation, built on mozilla-django-oidc's ``OIDCAuthenticationBackend``.

The library reads one provider from settings; here the backend is built from the school's row and its discovery
document, and keeps the library's token request, JWKS key match, signature check and nonce check. The library does
not check the audience or the issuer (``verify_aud: False``), so ``_verify_jws`` is replaced with a decode that
checks signature, ``iss``, ``aud``, ``exp`` and ``iat`` (one minute of clock skew), RS256 only.
"""

import base64
import hashlib
import secrets
from urllib.parse import urlencode

import jwt
import requests
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from .models import GOOGLE_ISSUER, SsoConfiguration

TIMEOUT_SECONDS = 10
ALGORITHM = "RS256"
CLOCK_SKEW_SECONDS = 60


class ProviderError(Exception):
    """The provider could not be reached, or answered something we cannot accept. ``str(error)`` is for the log
    and the audit event, not for the page."""


def discover(configuration):
    """The provider's discovery document (a dict with at least ``authorization_endpoint``, ``token_endpoint`` and
    ``jwks_uri``), fetched from ``<issuer>/.well-known/openid-configuration``. Raises ``ProviderError`` when it
    cannot be fetched or names another issuer (OpenID Connect Discovery 1.0 §4.3)."""
    url = configuration.issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderError(f"discovery failed: {error}") from error
    if document.get("issuer", "").rstrip("/") not in _issuers(configuration):
        raise ProviderError(f"discovery names issuer {document.get('issuer')!r}")
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not document.get(k)]
    if missing:
        raise ProviderError(f"discovery lacks {', '.join(missing)}")
    return document


def _issuers(configuration):
    issuer = configuration.issuer.rstrip("/")
    if configuration.provider == SsoConfiguration.Provider.GOOGLE and issuer == GOOGLE_ISSUER:
        return [issuer, GOOGLE_ISSUER.removeprefix("https://")]  # Google's tokens carry either form
    return [issuer]


def new_flow():
    """Fresh secrets for one sign-in: ``state``, ``nonce`` and the PKCE ``code_verifier`` (RFC 7636, 43+ chars)."""
    return {
        "state": secrets.token_urlsafe(32),
        "nonce": secrets.token_urlsafe(32),
        "code_verifier": secrets.token_urlsafe(48),
    }


def code_challenge(code_verifier):
    """The S256 PKCE challenge for ``code_verifier`` (RFC 7636 §4.2)."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(*, configuration, document, flow, redirect_uri, login_hint=""):
    """The URL that sends the browser to the provider (authorization code flow with PKCE, state and nonce)."""
    params = {
        "response_type": "code",
        "client_id": configuration.client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid email profile",
        "state": flow["state"],
        "nonce": flow["nonce"],
        "code_challenge": code_challenge(flow["code_verifier"]),
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    if configuration.provider == SsoConfiguration.Provider.GOOGLE and len(configuration.domains) == 1:
        params["hd"] = configuration.domains[0]  # Google: offer only the school's Workspace accounts
    separator = "&" if "?" in document["authorization_endpoint"] else "?"
    return document["authorization_endpoint"] + separator + urlencode(params)


class ConfigurationBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend for one school's provider. Not in ``AUTHENTICATION_BACKENDS``: the callback
    view calls ``exchange_code`` and then ``sso.services`` decides who (if anyone) is signed in — the library's
    ``get_or_create_user`` (which can create users) is never used."""

    def __init__(self, *, configuration, document):
        # Not super().__init__(): it reads a single provider from settings.
        self.configuration = configuration
        self.OIDC_OP_TOKEN_ENDPOINT = document["token_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = document["jwks_uri"]
        self.OIDC_OP_USER_ENDPOINT = document.get("userinfo_endpoint")
        self.OIDC_RP_CLIENT_ID = configuration.client_id
        self.OIDC_RP_CLIENT_SECRET = configuration.client_secret()
        self.OIDC_RP_SIGN_ALGO = ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = get_user_model()

    def get_settings(self, attr, *args):
        fixed = {"OIDC_TIMEOUT": TIMEOUT_SECONDS, "OIDC_USE_NONCE": True, "OIDC_VERIFY_SSL": True}
        if attr in fixed:
            return fixed[attr]
        return import_from_settings(attr, *args)

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != ALGORITHM:
            raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}, not {ALGORITHM}")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[ALGORITHM],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=_issuers(self.configuration),
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from error

    def exchange_code(self, *, code, code_verifier, nonce, redirect_uri):
        """Trade the authorization ``code`` for tokens and return the validated ID token's claims (a dict).

        Raises ``ProviderError`` when the token request fails, and for an ID token whose signature (JWKS), issuer,
        audience, expiry or nonce is wrong."""
        payload = {
            "client_id": self.OIDC_RP_CLIENT_ID,
            "client_secret": self.OIDC_RP_CLIENT_SECRET,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        try:
            tokens = self.get_token(payload)
            id_token = tokens.get("id_token")
            if not id_token:
                raise ProviderError("no ID token in the token response")
            return self.verify_token(id_token, nonce=nonce)
        except (requests.RequestException, ValueError, SuspiciousOperation, jwt.PyJWTError, KeyError) as error:
            raise ProviderError(str(error)) from error
