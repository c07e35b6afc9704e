"""Session and language middleware for signed-in users."""

import re
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from safeguard.country_words import VARIANTS, english_variant, is_english
from safeguard.directory.models import Guardian, Pupil, School, StaffRole

from .selectors import user_language

SIGNED_IN_AT = "safeguard_signed_in_at"
LAST_SEEN = "safeguard_last_seen"
LANGUAGE_SESSION_KEY = "safeguard_language"
# The country of the signed-in person's own school (see ``_home_country``), and of each school whose pages they
# opened ({slug: country}): asked once per session, so a page costs no query for it.
HOME_COUNTRY_SESSION_KEY = "safeguard_home_country"
SCHOOL_COUNTRIES_SESSION_KEY = "safeguard_school_countries"
_SCHOOL_PATH = re.compile(r"^/school/(?P<slug>[-\w]+)/")
_TRUST_PATH = re.compile(r"^/trust/(?P<slug>[-\w]+)/")

# How stale the stored "last seen" time (and with it the session's stored expiry and cookie) may get: a request
# within this many seconds of the last refresh writes nothing, so most pages neither save the session nor send a
# cookie. Must stay well under the idle timeout.
ACTIVITY_REFRESH_SECONDS = 60


class SessionTimeoutMiddleware:
    """Ends a signed-in session after ``SESSION_COOKIE_AGE`` seconds without a request (the idle timeout, 30 minutes)
    and ``SESSION_ABSOLUTE_TIMEOUT`` seconds after sign-in however active it was (12 hours).

    Idle timeout: the session keeps the time it was last refreshed (``LAST_SEEN``, seconds since the epoch). A
    request more than ``ACTIVITY_REFRESH_SECONDS`` after that time (or one that changes the session anyway) sets it
    to now, which saves the session: the stored expiry and the cookie's max-age become now + ``SESSION_COOKIE_AGE``.
    Other requests write nothing (``SESSION_SAVE_EVERY_REQUEST`` is off, so they cost no session write). The stored
    time is therefore never more than a minute older than the latest request, and the session ends
    ``SESSION_COOKIE_AGE`` after it -- by the session store's expiry, the browser's cookie, and the check here, which
    signs out a session whose ``LAST_SEEN`` is older than that even if a store still holds it. So no session is
    usable more than 30 minutes after its last request; it may end up to a minute sooner.

    Absolute timeout: the clock (``SIGNED_IN_AT``) starts on the response that signs the user in. An ended session
    is signed out at once, but the message and redirect wait for ``process_view``: this middleware sits before
    ``MessageMiddleware``, which must have run to take a message. A session that went idle is signed out without a
    message, as when its store has already expired it: the page asks for sign-in as for anyone signed out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = time.time()
        if request.user.is_authenticated:
            session = request.session
            signed_in_at = session.get(SIGNED_IN_AT)
            last_seen = session.get(LAST_SEEN)
            if signed_in_at is not None and now - signed_in_at > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                request.safeguard_session_ended = True
            elif last_seen is not None and now - last_seen > settings.SESSION_COOKIE_AGE:
                logout(request)
        response = self.get_response(request)
        if request.user.is_authenticated:
            session = request.session
            if SIGNED_IN_AT not in session:
                session[SIGNED_IN_AT] = now
            last_seen = session.get(LAST_SEEN)
            if session.modified or last_seen is None or now - last_seen >= ACTIVITY_REFRESH_SECONDS:
                session[LAST_SEEN] = now
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(request, "safeguard_session_ended", False):
            return None
        messages.info(request, _("For your security you have been signed out. Please sign in again."))
        if request.method == "GET":
            return redirect_to_login(request.get_full_path())
        return redirect(settings.LOGIN_URL)


class UserLanguageMiddleware:
    """Activates the signed-in user's language: their own choice, else their school's default language.

    Anonymous visitors keep what LocaleMiddleware chose (browser language or the language cookie).

    English follows the school's country (``safeguard.country_words``): American English (``en-us``: students,
    grades, principal …, month-first dates) on the pages of a US school (``/school/<slug>/…``), and on other pages
    for a person whose own school is in the US; British English on the pages of any other school. A page that names
    no school, seen by someone with none, keeps the English it was asked in (``?lang=en-us`` from an e-mail).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            language = request.session.get(LANGUAGE_SESSION_KEY)
            if language is None:
                language = request.session[LANGUAGE_SESSION_KEY] = user_language(request.user)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        country = _page_country(request) if is_english(translation.get_language()) else ""
        if country:
            # Only a known school decides: with none (a signed-out page), an ``?lang=en-us`` link from a US school's
            # e-mail keeps its American English.
            variant = english_variant(translation.get_language(), country)
            if variant != translation.get_language():
                translation.activate(variant)
                request.LANGUAGE_CODE = variant
        elif not request.user.is_authenticated and is_english(translation.get_language()):
            # LocaleMiddleware reads the language cookie only for LANGUAGES; a variant chosen by ``?lang=en-us``
            # (``safeguard.middleware.QueryLanguageMiddleware``) lasts past the redirect after it, as Turkish does.
            remembered = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            if remembered in VARIANTS and remembered != translation.get_language():
                translation.activate(remembered)
                request.LANGUAGE_CODE = remembered
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def _home_country(user):
    """The country of ``user``'s own school: the first where they hold a role, else their first child's, else their
    own as a pupil (as ``user_language`` chooses the school's language); "" when they have none."""
    role = StaffRole.objects.current().filter(user=user).select_related("school").order_by("pk").first()
    if role is not None:
        return role.school.country
    guardian = Guardian.objects.filter(user=user).select_related("school").order_by("pk").first()
    if guardian is not None:
        return guardian.school.country
    pupil = Pupil.objects.filter(user=user).select_related("school").first()  # a pupil's own account
    return pupil.school.country if pupil is not None else ""


def _page_country(request):
    """The country whose words the page uses: the school of the address (``/school/<slug>/…``), or the schools of
    the trust or district of the address (``/trust/<slug>/…``) when they are all in one country, else the signed-in
    person's own school; "" when none is known. A school's and the person's own are remembered in the session."""
    match = _SCHOOL_PATH.match(request.path_info)
    signed_in = request.user.is_authenticated
    if match:
        slug = match["slug"]
        known = request.session.get(SCHOOL_COUNTRIES_SESSION_KEY, {}) if signed_in else {}
        if slug in known:
            return known[slug]
        country = School.objects.filter(slug=slug).values_list("country", flat=True).first()
        if country is None:
            return ""  # no such school: the view answers 404
        if signed_in:
            request.session[SCHOOL_COUNTRIES_SESSION_KEY] = {**known, slug: country}
        return country
    if not signed_in:
        return ""
    trust = _TRUST_PATH.match(request.path_info)
    if trust:
        # A trust's or district's own pages read as its schools do, when they are all in one country (a US
        # district's administrator holds no school role, so their "own school" says nothing).
        countries = set(School.objects.filter(organisation__slug=trust["slug"]).values_list("country", flat=True))
        if len(countries) == 1:
            return countries.pop()
    if HOME_COUNTRY_SESSION_KEY not in request.session:
        request.session[HOME_COUNTRY_SESSION_KEY] = _home_country(request.user)
    return request.session[HOME_COUNTRY_SESSION_KEY]
