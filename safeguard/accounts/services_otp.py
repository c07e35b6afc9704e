"""The second factor: enrol an authenticator app (TOTP), verify a code, recovery codes, replace the app.

Rule source: issue 6 "Confidentiality" — viewing any safeguarding record needs a second factor (TOTP via django-otp,
enrolled by QR code, with recovery codes) verified within the last hour. The hour itself is kept in the session by
``safeguard.accounts.otp``; these services own the devices and the limits on guessing.

Wrong codes are limited twice over: django-otp's own per-device back-off (1, 2, 4, 8… seconds after successive
failures) and ``FAILURE_LIMIT`` failures in ``FAILURE_WINDOW``, counted from the audit log so that signing in again,
another worker or a restart does not reset the count.

Recovery codes are credentials, not records: a used code is deleted by django-otp, and regenerating deletes the
unused ones. Devices themselves are never deleted — a replaced app is kept unconfirmed under a "Replaced" name, and
every change is in the audit log.
"""

import re

import django_otp
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.audit.models import AuditEvent
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

# Stored device names (data, so not translated; pages show their own translated labels).
APP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10

FAILURE_LIMIT = 5
FAILURE_WINDOW = timezone.timedelta(minutes=15)

ENROLLED = "accounts.otp.enrolled"
VERIFIED = "accounts.otp.verified"
RECOVERY_CODE_USED = "accounts.otp.recovery_code_used"
FAILED = "accounts.otp.verification_failed"
LOCKED_OUT = "accounts.otp.locked_out"
RECOVERY_CODES_GENERATED = "accounts.otp.recovery_codes_generated"
REMOVED = "accounts.otp.removed"

_TOTP_CODE = re.compile(r"^\d{6}$")


class SecondFactorError(DomainError):
    """A code was not accepted. ``code`` is one of "wrong_code", "throttled" (django-otp's back-off: try again in
    a few seconds), "locked" (``FAILURE_LIMIT`` reached; ``locked_until`` says until when), "no_device",
    "already_enrolled"."""

    def __init__(self, message, *, code, locked_until=None):
        super().__init__(message, code=code)
        self.locked_until = locked_until


def normalise_code(code):
    """A code as typed, without spaces or hyphens and in lower case ("123 456" → "123456", "ABCD-EFGH" →
    "abcdefgh")."""
    return re.sub(r"[\s-]", "", code or "").lower()


# Reads used by the services and the pages ---------------------------------------------------------------------------


def confirmed_app(user):
    """The user's confirmed authenticator app (``TOTPDevice``), or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def _recovery_device(user):
    return StaticDevice.objects.filter(user=user, confirmed=True, name=RECOVERY_NAME).order_by("-id").first()


def second_factor_status(*, user):
    """What the two-factor page shows: a dict with ``device`` (the confirmed ``TOTPDevice`` or None),
    ``enrolled_at`` (aware datetime of the latest enrolment, or None), ``last_used_at`` and ``recovery_codes_left``
    (int)."""
    device = confirmed_app(user)
    if device is None:
        return {"device": None, "enrolled_at": None, "last_used_at": None, "recovery_codes_left": 0}
    enrolled_at = (
        AuditEvent.objects.filter(actor=user, action=ENROLLED).values_list("created_at", flat=True).first()
        or device.created_at
    )
    recovery = _recovery_device(user)
    return {
        "device": device,
        "enrolled_at": enrolled_at,
        "last_used_at": device.last_used_at,
        "recovery_codes_left": recovery.token_set.count() if recovery else 0,
    }


def second_factor_locked_until(*, user, now=None):
    """When ``user`` may try a code again (aware datetime), or None if they may now.

    Counts the failures recorded in the audit log within ``FAILURE_WINDOW`` before ``now`` and since the last
    success; at ``FAILURE_LIMIT`` of them, codes are refused until the oldest of those leaves the window.
    """
    now = now or timezone.now()
    events = AuditEvent.objects.filter(actor=user, created_at__gt=now - FAILURE_WINDOW, created_at__lte=now)
    failures = events.filter(action=FAILED)
    last_success = events.filter(action__in=[VERIFIED, ENROLLED]).values_list("created_at", flat=True).first()
    if last_success is not None:
        failures = failures.filter(created_at__gt=last_success)
    times = list(failures.values_list("created_at", flat=True)[:FAILURE_LIMIT])
    if len(times) < FAILURE_LIMIT:
        return None
    return times[-1] + FAILURE_WINDOW


def _locked_error(locked_until):
    return SecondFactorError(
        _(
            "Too many wrong codes. For your security, codes are not being checked until %(time)s. "
            "If you have lost your phone, ask your school's Safeguard administrator for help."
        )
        % {"time": formats.time_format(timezone.localtime(locked_until), "H:i")},
        code="locked",
        locked_until=locked_until,
    )


def _throttled_error(info):
    seconds = 1
    if info and info.get("locked_until"):
        seconds = max(1, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)
    return SecondFactorError(
        ngettext(
            "Too many attempts in a row: please wait %(seconds)d second and try again.",
            "Too many attempts in a row: please wait %(seconds)d seconds and try again.",
            seconds,
        )
        % {"seconds": seconds},
        code="throttled",
    )


# Writes -------------------------------------------------------------------------------------------------------------


def totp_device_prepare(*, user):
    """The authenticator app ``user`` is setting up: their unconfirmed one, or a new one with a fresh secret.

    Repeat calls return the same device (and secret), so reloading the set-up page changes nothing. Raises
    ``SecondFactorError`` ("already_enrolled") if the user already has a confirmed app: replacing one goes through
    ``totp_device_replace`` after a verification, so a stolen password alone cannot add a second app.
    """
    if confirmed_app(user) is not None:
        raise SecondFactorError(_("Your authenticator app is already set up."), code="already_enrolled")
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False, name=APP_NAME)
            .order_by("-id")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)
    return device


def _replace_recovery_codes(user):
    """Give ``user`` ``RECOVERY_CODE_COUNT`` new recovery codes, invalidating the old ones; return the codes."""
    device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True, name=RECOVERY_NAME).first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    device.token_set.all().delete()
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    device.throttle_reset(commit=True)
    return codes


def totp_device_confirm(*, user, device, code, ip_address=None):
    """Finish setting up an authenticator app: check a code it shows, confirm it, and issue recovery codes.

    Args:
        user: the signed-in ``User``.
        device: the unconfirmed ``TOTPDevice`` from ``totp_device_prepare``.
        code: the six digits the app shows (str; spaces allowed).

    Returns the list of ``RECOVERY_CODE_COUNT`` new recovery codes (str), to be shown once and never again.
    Raises ``SecondFactorError`` ("wrong_code", "throttled", "already_enrolled"). The caller marks the session
    verified. Audit: ``accounts.otp.enrolled``.
    """
    if device.user_id != user.pk or device.confirmed or confirmed_app(user) is not None:
        raise SecondFactorError(_("Your authenticator app is already set up."), code="already_enrolled")
    code = normalise_code(code)
    allowed, info = device.verify_is_allowed()
    if not allowed:
        raise _throttled_error(info)
    if not _TOTP_CODE.match(code) or django_otp.verify_token(user, device.persistent_id, code) is None:
        raise SecondFactorError(
            _(
                "That code is not right. Check the time on your phone is set automatically, and type the code "
                "shown now."
            ),
            code="wrong_code",
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = _replace_recovery_codes(user)
        audit_log(
            actor=user, action=ENROLLED, subject=user, data={"device": device.persistent_id}, ip_address=ip_address
        )
    return codes


def second_factor_verify(*, user, code, now=None, ip_address=None):
    """Check a code from the user's authenticator app, or one of their recovery codes (which is then used up).

    Args:
        user: the signed-in ``User``.
        code: six digits from the app, or an eight-character recovery code (str; spaces, hyphens, any case).
        now: aware datetime for the failure window (tests).

    Returns the device that accepted the code; the caller marks the session verified. Raises ``SecondFactorError``
    ("no_device", "locked", "throttled", "wrong_code"). Audit: ``accounts.otp.verified`` (and
    ``accounts.otp.recovery_code_used``), ``accounts.otp.verification_failed``, ``accounts.otp.locked_out`` when
    a failure reaches ``FAILURE_LIMIT``.
    """
    now = now or timezone.now()
    app = confirmed_app(user)
    if app is None:
        raise SecondFactorError(_("You have not set up an authenticator app yet."), code="no_device")
    locked_until = second_factor_locked_until(user=user, now=now)
    if locked_until is not None:
        raise _locked_error(locked_until)

    code = normalise_code(code)
    method = "totp" if _TOTP_CODE.match(code) else "recovery_code"
    device = app if method == "totp" else _recovery_device(user)
    if device is not None:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            raise _throttled_error(info)
    accepted = device is not None and django_otp.verify_token(user, device.persistent_id, code) is not None

    with transaction.atomic():
        if accepted:
            # Proving yourself one way ends the back-off on the other, so a recovery code lets you in after
            # someone has been guessing at your app's codes.
            for other in (app, _recovery_device(user)):
                if other is not None and other.persistent_id != device.persistent_id:
                    other.throttle_reset(commit=False)
                    other.save(update_fields=["throttling_failure_timestamp", "throttling_failure_count"])
            audit_log(actor=user, action=VERIFIED, subject=user, data={"method": method}, ip_address=ip_address)
            if method == "recovery_code":
                left = device.token_set.count()
                audit_log(
                    actor=user,
                    action=RECOVERY_CODE_USED,
                    subject=user,
                    data={"recovery_codes_left": left},
                    ip_address=ip_address,
                )
        else:
            audit_log(actor=user, action=FAILED, subject=user, data={"method": method}, ip_address=ip_address)
            locked_until = second_factor_locked_until(user=user, now=max(now, timezone.now()))
            if locked_until is not None:
                audit_log(
                    actor=user,
                    action=LOCKED_OUT,
                    subject=user,
                    data={"until": locked_until.isoformat()},
                    ip_address=ip_address,
                )
    if accepted:
        return device
    if locked_until is not None:
        raise _locked_error(locked_until)
    raise SecondFactorError(_("That code is not right. Try the code your app shows now."), code="wrong_code")


def recovery_codes_generate(*, user, ip_address=None):
    """Issue a fresh set of recovery codes for ``user``, invalidating the unused ones; return them (list of str).

    The caller must have checked a recent verification (the two-factor page asks for one). Raises
    ``SecondFactorError`` ("no_device") without an authenticator app. Audit: ``accounts.otp.recovery_codes_generated``.
    """
    if confirmed_app(user) is None:
        raise SecondFactorError(_("You have not set up an authenticator app yet."), code="no_device")
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        audit_log(
            actor=user,
            action=RECOVERY_CODES_GENERATED,
            subject=user,
            data={"count": len(codes)},
            ip_address=ip_address,
        )
    return codes


def totp_device_replace(*, user, now=None, ip_address=None):
    """Retire ``user``'s authenticator app and recovery codes, so they can set up a new phone.

    The devices are kept, unconfirmed and renamed "Replaced <date>" (django-otp ignores unconfirmed devices); the
    unused recovery codes are deleted. The caller must have checked a recent verification, and should forget the
    session's verification afterwards. Raises ``SecondFactorError`` ("no_device"). Audit: ``accounts.otp.removed``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        apps = list(TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True))
        if not apps:
            raise SecondFactorError(_("You have not set up an authenticator app yet."), code="no_device")
        label = f"Replaced {now:%Y-%m-%d %H:%M}"
        for device in apps:
            device.confirmed = False
            device.name = f"{APP_NAME} ({label})"[:64]
            device.save(update_fields=["confirmed", "name"])
        for device in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
            device.token_set.all().delete()
            device.confirmed = False
            device.name = f"{RECOVERY_NAME} ({label})"[:64]
            device.save(update_fields=["confirmed", "name"])
        audit_log(
            actor=user,
            action=REMOVED,
            subject=user,
            data={"devices": [device.persistent_id for device in apps]},
            ip_address=ip_address,
        )
