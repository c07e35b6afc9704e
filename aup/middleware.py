"""The staff sign-in gate: staff and governors sign the current staff agreement before they use anything else.

Rule (issue: "taken to it at sign-in and can use nothing else until they sign"; St James AUP: staff sign at
induction, before using school systems). New staff meet it on their first sign-in after their role is created.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from safeguard.country_words import local_date

from . import services

GATE_CLEAR_SESSION_KEY = "aup_staff_gate_clear"

# Pages a held member of staff can still reach: signing itself, the gate, and the ways out.
EXEMPT_VIEWS = {
    "aup": {
        "sign",
        "signed",
        "sign_by_link",
        "signed_by_link",
        "staff_gate",
        "verify",
        "calendar_ics",
        # Declining the agreement the gate asks for, or asking for a new link, must not be held at the gate.
        "decline",
        "decline_by_link",
        "fresh_link",
        "fresh_link_by_link",
    },
    "accounts": {
        "login",
        "logout",
        "language",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "password_change",
        "password_change_done",
        "invitation_accept",
        "invitation_renew",
    },
}
EXEMPT_PATH_PREFIXES = ("/admin/",)


def gate_reopen(request):
    """Forget that the gate was clear, so the next page checks again (after a signature, a new role)."""
    if hasattr(request, "session"):
        request.session.pop(GATE_CLEAR_SESSION_KEY, None)


def gate_clear(request):
    """Remember for this session that nothing is outstanding: later requests cost no queries."""
    request.session[GATE_CLEAR_SESSION_KEY] = True


def _exempt(request):
    path = request.path_info
    if path.startswith(settings.STATIC_URL) or path.startswith(EXEMPT_PATH_PREFIXES):
        return True
    match = request.resolver_match
    return match is not None and match.url_name in EXEMPT_VIEWS.get(match.namespace, ())


class StaffAgreementGateMiddleware:
    """Redirects a signed-in member of staff or governor with an unsigned current staff (or governor) agreement to
    ``aup:staff_gate`` from every page but those in ``EXEMPT_VIEWS``.

    Once nothing is outstanding the session remembers it (``GATE_CLEAR_SESSION_KEY``) until sign-out, so a new
    agreement (or a new role) is met at the next sign-in. Sits after ``UserLanguageMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return None
        if request.session.get(GATE_CLEAR_SESSION_KEY) or _exempt(request):
            return None
        outstanding, to_resign = services.staff_agreements_status(user)
        if outstanding:
            gate = reverse("aup:staff_gate")
            if request.method == "GET":
                gate += "?" + urlencode({"next": request.get_full_path()})
            return redirect(gate)
        for signature_request in to_resign:
            # A new version: the previous signature counts until the re-sign date; say so once per session.
            messages.info(request, resign_prompt(signature_request))
        gate_clear(request)
        return None


def resign_prompt(signature_request):
    """The message asking a person who signed the previous version to sign the new one by its re-sign date (HTML
    with a link to sign)."""
    version = signature_request.agreement.version
    return format_html(
        '{} <a href="{}">{}</a>',
        _(
            "“%(title)s” has a new version %(number)s. Your signature of the previous version stays valid until "
            "%(date)s; please sign the new version by then."
        )
        % {
            "title": signature_request.agreement.title,
            "number": version.number,
            "date": local_date(version.resign_by, "j F Y"),
        },
        reverse("aup:sign", args=[signature_request.public_id]),
        _("Sign it now"),
    )
