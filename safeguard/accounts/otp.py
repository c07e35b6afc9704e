"""The second factor for safeguarding records: a TOTP app (django-otp), enrolled by QR code, with recovery codes.

Viewing any safeguarding record needs a second factor verified within the last hour (issue 6; CPOMS asks for one
before historic records are shown). The verification time is kept in the session (``SESSION_KEY``); signing out
ends it. Views of safeguarding records call ``second_factor_redirect(request)`` and return its response when it is
not None, or use the ``second_factor_required`` decorator for pages that are safeguarding-only.
"""

import functools
import time
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user

SESSION_KEY = "safeguard_otp_verified_at"
RECENT_SECONDS = 60 * 60  # "within the last hour"


def has_device(user):
    """Whether ``user`` has a confirmed TOTP device (recovery codes alone do not count as enrolment)."""
    return any(device.__class__.__name__ == "TOTPDevice" for device in devices_for_user(user, confirmed=True))


def mark_verified(request, *, now=None):
    """Record that the second factor was just verified in this session."""
    request.session[SESSION_KEY] = now if now is not None else time.time()


def clear_verified(request):
    """Forget this session's second-factor verification (after the authenticator app is removed)."""
    request.session.pop(SESSION_KEY, None)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)


def is_recently_verified(request, *, now=None):
    """True if the second factor was verified in this session within ``RECENT_SECONDS``."""
    verified_at = request.session.get(SESSION_KEY)
    if not verified_at:
        return False
    return (now if now is not None else time.time()) - float(verified_at) < RECENT_SECONDS


def second_factor_redirect(request):
    """None if the user may go on; otherwise a redirect to enrolment (no device yet) or to verification, coming
    back to this page afterwards."""
    if is_recently_verified(request):
        return None
    return second_factor_redirect_to(request, request.get_full_path())


def second_factor_redirect_to(request, next_url):
    """A redirect to enrolment (no authenticator app yet) or to verification, going on to ``next_url`` (a path)."""
    name = "accounts:otp_verify" if has_device(request.user) else "accounts:otp_enrol"
    return redirect(f"{reverse(name)}?{urlencode({'next': next_url})}")


def second_factor_required(view):
    """Decorator: the view needs a second factor verified within the last hour (after ``login_required``)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = second_factor_redirect(request)
        if response is not None:
            return response
        return view(request, *args, **kwargs)

    return wrapped
