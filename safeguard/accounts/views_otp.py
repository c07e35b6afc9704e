"""The second factor's pages: set up an authenticator app, type a code, manage the app and recovery codes.

Any signed-in person may use them (it is their own account's security; nothing here belongs to a school). The
pages that show a safeguarding record send people here through ``safeguard.accounts.otp.second_factor_redirect``
with ``?next=`` to come back to.
"""

from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from safeguard.audit.services import client_ip

from . import otp, services_otp
from .forms_otp import EnrolForm, VerifyForm
from .services_otp import SecondFactorError


def _next_url(request):
    """The ``next`` page asked for, if it is on this site; else ""."""
    value = request.POST.get("next") or request.GET.get("next") or ""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _with_next(url_name, next_url):
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _recent_verification_redirect(request):
    """None if the user verified a code within the hour; else a redirect to do so, back to the two-factor page."""
    if otp.has_device(request.user) and otp.is_recently_verified(request):
        return None
    messages.info(request, _("Please type a code from your authenticator app first."))
    return redirect(_with_next("accounts:otp_verify", reverse("accounts:otp_manage")))


def _qr_svg(device):
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title=_("QR code for your authenticator app"), svgclass="bg-white"
    )
    # segno's own markup: paths, and our title, which segno escapes.
    return mark_safe(svg)  # noqa: S308


def _grouped(secret):
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def otp_enrol(request):
    """Set up an authenticator app: scan the QR code, type the code it shows, and see the recovery codes once."""
    next_url = _next_url(request)
    try:
        device = services_otp.totp_device_prepare(user=request.user)
    except SecondFactorError:
        messages.info(request, _("Your authenticator app is already set up. To use a new phone, replace it here."))
        return redirect("accounts:otp_manage")
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services_otp.totp_device_confirm(
                user=request.user, device=device, code=form.cleaned_data["code"], ip_address=client_ip(request)
            )
        except SecondFactorError as error:
            if error.code == "already_enrolled":
                return redirect("accounts:otp_manage")
            form.add_error("code", error.message)
        else:
            django_otp.login(request, device)
            otp.mark_verified(request)
            # Shown in this response only: the codes are not kept anywhere a later page could show them again.
            return render(
                request,
                "accounts/otp_recovery_codes.html",
                {"codes": codes, "continue_url": next_url or reverse("home"), "just_enrolled": True},
            )
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device),
            "secret": _grouped(b32encode(device.bin_key).decode()),
            "next": next_url,
        },
    )


@never_cache
@login_required
def otp_verify(request):
    """Type a code from the authenticator app (or a recovery code) to open safeguarding records for an hour."""
    next_url = _next_url(request)
    if not otp.has_device(request.user):
        return redirect(_with_next("accounts:otp_enrol", next_url))
    form = VerifyForm(request.POST or None)
    locked_until = services_otp.second_factor_locked_until(user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            device = services_otp.second_factor_verify(
                user=request.user, code=form.cleaned_data["code"], ip_address=client_ip(request)
            )
        except SecondFactorError as error:
            form.add_error("code", error.message)
            locked_until = error.locked_until
        else:
            django_otp.login(request, device)
            otp.mark_verified(request)
            if device.__class__.__name__ == "StaticDevice":
                messages.warning(
                    request,
                    _(
                        "You used a recovery code; it will not work again. You can make new codes on the "
                        "two-factor page."
                    ),
                )
            return redirect(next_url or "home")
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url, "locked_until": locked_until})


@never_cache
@login_required
def otp_manage(request):
    """Whether an authenticator app is set up and since when; make new recovery codes; replace the app."""
    return render(
        request,
        "accounts/otp_manage.html",
        {
            "status": services_otp.second_factor_status(user=request.user),
            "recently_verified": otp.is_recently_verified(request),
            "verify_url": _with_next("accounts:otp_verify", reverse("accounts:otp_manage")),
        },
    )


@never_cache
@login_required
@require_POST
def otp_recovery_codes(request):
    """Make a new set of recovery codes (the unused old ones stop working) and show them once."""
    response = _recent_verification_redirect(request)
    if response is not None:
        return response
    try:
        codes = services_otp.recovery_codes_generate(user=request.user, ip_address=client_ip(request))
    except SecondFactorError as error:
        messages.error(request, error.message)
        return redirect("accounts:otp_manage")
    return render(
        request,
        "accounts/otp_recovery_codes.html",
        {"codes": codes, "continue_url": reverse("accounts:otp_manage"), "just_enrolled": False},
    )


@login_required
@require_POST
def otp_replace(request):
    """Retire the authenticator app (a lost or new phone) and go straight to setting up the new one."""
    response = _recent_verification_redirect(request)
    if response is not None:
        return response
    try:
        services_otp.totp_device_replace(user=request.user, ip_address=client_ip(request))
    except SecondFactorError as error:
        messages.error(request, error.message)
        return redirect("accounts:otp_manage")
    otp.clear_verified(request)
    messages.success(request, _("Your old authenticator app no longer works. Set up the new one now."))
    return redirect(_with_next("accounts:otp_enrol", reverse("accounts:otp_manage")))


urlpatterns = [
    path("two-factor/", otp_manage, name="otp_manage"),
    path("two-factor/enrol/", otp_enrol, name="otp_enrol"),
    path("two-factor/verify/", otp_verify, name="otp_verify"),
    path("two-factor/recovery-codes/", otp_recovery_codes, name="otp_recovery_codes"),
    path("two-factor/replace/", otp_replace, name="otp_replace"),
]
