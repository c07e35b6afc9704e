"""Middleware of the platform: browser permissions, no caching of signed-in pages, a language chosen by a link.

The Content-Security-Policy itself comes from django-csp (``CONTENT_SECURITY_POLICY`` in settings).
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils import translation

from safeguard.country_words import VARIANTS

LANGUAGE_PARAMETER = "lang"

# Browser features no page of ours uses: a script that got in anyway may not turn them on (an empty allow-list).
# Only features every current browser recognises: an unknown one is logged in the console of every page.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


def offered_language(code):
    """``code`` if it is one of ``settings.LANGUAGES`` or a variant of one (case-insensitive), else None."""
    code = (code or "").lower()
    # A variant the product activates by the school's country (en-us) is offered too: e-mails to a US school's
    # parents link with ?lang=en-us (safeguard.country_words).
    return code if code in dict(settings.LANGUAGES) or code in VARIANTS else None


def with_language(url, language):
    """``url`` (a path with an optional query) with ``?lang=<language>`` set, replacing any ``lang`` it had; ``url``
    unchanged when ``language`` is not one the product offers."""
    language = offered_language(language)
    if not language:
        return url
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != "lang"]
    query.append((LANGUAGE_PARAMETER, language))
    return urlunsplit(parts._replace(query=urlencode(query)))


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy`` to every response (camera, microphone, location … switched off)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in person are never stored by the browser or a proxy (``Cache-Control: no-store``):
    after signing out on a shared computer, Back must not show a pupil's record. A response that sets its own
    ``Cache-Control`` keeps it; static files never reach this middleware (WhiteNoise answers them first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if (signed_in or request.user.is_authenticated) and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response


class QueryLanguageMiddleware:
    """For a visitor who is not signed in, ``?lang=<code>`` (a language the product offers) chooses the page's
    language and is remembered in the language cookie, as Django's ``set_language`` would.

    Links in e-mails carry it (``safeguard.emails``), so a parent of a Turkish school opens their signing link in
    Turkish whatever their browser prefers; the language switch of signed-out pages uses it too. Signed-in people
    have their own setting (``UserLanguageMiddleware``), which this leaves alone. Must come after that middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = None
        if not request.user.is_authenticated:
            language = offered_language(request.GET.get(LANGUAGE_PARAMETER))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
