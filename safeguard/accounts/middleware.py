"""Session and language middleware for signed-in users."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from .selectors import user_language

SIGNED_IN_AT = "safeguard_signed_in_at"
LANGUAGE_SESSION_KEY = "safeguard_language"


class SessionTimeoutMiddleware:
    """Ends a session ``SESSION_ABSOLUTE_TIMEOUT`` seconds after sign-in, however active it was.

    The idle timeout is Django's own: ``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST``. The clock starts
    on the response that signs the user in. An ended session is signed out at once, but the message and redirect
    wait for ``process_view``: this middleware sits before ``MessageMiddleware``, which must have run to take a
    message.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if signed_in_at is not None and time.time() - signed_in_at > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                request.safeguard_session_ended = True
        response = self.get_response(request)
        if request.user.is_authenticated and SIGNED_IN_AT not in request.session:
            request.session[SIGNED_IN_AT] = time.time()
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
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
