"""Session and language middleware for signed-in users."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from .selectors import user_language

SIGNED_IN_AT = "safeguard_signed_in_at"
LANGUAGE_SESSION_KEY = "safeguard_language"


class SessionTimeoutMiddleware:
    """Ends a session ``SESSION_ABSOLUTE_TIMEOUT`` seconds after sign-in, however active it was.

    The idle timeout is Django's own: ``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            now = time.time()
            if signed_in_at is None:
                request.session[SIGNED_IN_AT] = now
            elif now - signed_in_at > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                messages.info(request, _("For your security you have been signed out. Please sign in again."))
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


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
