"""Staff invitations: the e-mailed link with which an invited person sets their password (issue 13 item 4)."""

import datetime

from django.conf import settings
from django.contrib.auth import password_validation
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.jobs.services import enqueue

from ..models import StaffInvitation

# A repeat within this time (a double click) gets the invitation just issued rather than a second e-mail.
REPEAT_WINDOW = datetime.timedelta(minutes=10)


class StaffInvitationError(DomainError):
    """A staff invitation link cannot be used; ``code`` is one of "expired", "used", "revoked"."""


def staff_invitation_status(invitation, *, now=None):
    """One of "valid", "expired", "used", "revoked" for ``invitation`` at ``now`` (aware datetime)."""
    now = now or timezone.now()
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= now:
        return "expired"
    return "valid"


def _open(user):
    return StaffInvitation.objects.filter(user=user, accepted_at__isnull=True, revoked_at__isnull=True)


def account_for(*, email, full_name):
    """The ``User`` with ``email`` (any case), or a new one with no usable password; returns ``(user, created)``.

    A new account cannot be signed in to until its invitation is accepted. Call inside the service's transaction.
    """
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User(email=email, full_name=full_name.strip())
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user, True


def needs_invitation(user):
    """Whether ``user`` still needs a link to set a password (their account has none yet)."""
    return not user.has_usable_password()


def staff_invitation_issue(*, user, actor, school=None, organisation=None, now=None, ip_address=None):
    """Send ``user`` a link to set their password; return the ``StaffInvitation`` (or None if not needed).

    Args:
        user: the invited ``User``; nothing is sent if they can already sign in (they have a password).
        actor: who invites (None for a renewal asked for from the link itself).
        school / organisation: where they were invited to, named in the e-mail.
        now: aware datetime for tests; the link expires ``INVITATION_VALID_HOURS`` after it.

    Earlier open links of the user are revoked, so only the newest works; a repeat within ``REPEAT_WINDOW`` returns
    the invitation already on its way. Call inside the caller's transaction: the e-mail goes after commit.
    """
    from ..tasks import send_staff_invitation

    if not needs_invitation(user):
        return None
    now = now or timezone.now()
    recent = _open(user).filter(expires_at__gt=now, created_at__gt=now - REPEAT_WINDOW).order_by("-created_at")
    if school is not None:
        recent = recent.filter(school=school)
    if organisation is not None:
        recent = recent.filter(organisation=organisation)
    if recent.exists():
        return recent.first()
    _open(user).update(revoked_at=now)
    invitation = StaffInvitation.objects.create(
        user=user,
        email=user.email,
        school=school,
        organisation=organisation,
        expires_at=now + datetime.timedelta(hours=settings.INVITATION_VALID_HOURS),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_log(
        actor=actor,
        action="onboarding.staff_invitation.created",
        school=school,
        subject=invitation,
        data={"user": str(user.public_id), "organisation": str(organisation.public_id) if organisation else ""},
        ip_address=ip_address,
    )
    enqueue(send_staff_invitation, invitation.pk)
    return invitation


def staff_invitation_renew(*, invitation, now=None, ip_address=None):
    """Send a fresh link for an expired or replaced invitation, to the address on record (never one typed in).

    Raises ``StaffInvitationError`` ("used") if the person can already sign in.
    """
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=invitation.user_id)
        if staff_invitation_status(invitation, now=now) == "used" or not needs_invitation(user):
            raise StaffInvitationError(_message("used"), code="used")
        return staff_invitation_issue(
            user=user,
            actor=None,
            school=invitation.school,
            organisation=invitation.organisation,
            now=now,
            ip_address=ip_address,
        )


def staff_invitation_accept(*, invitation, full_name, password, now=None, ip_address=None):
    """Use a staff invitation: set the account's name and password; return the ``User``.

    Claimed with a conditional update, so two submissions of one link set the password once. Raises
    ``StaffInvitationError`` ("expired", "used", "revoked") and ``django.core.exceptions.ValidationError`` for a
    weak password (Django's validators).
    """
    now = now or timezone.now()
    status = staff_invitation_status(invitation, now=now)
    if status != "valid":
        raise StaffInvitationError(_message(status), code=status)
    with transaction.atomic():
        claimed = StaffInvitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(accepted_at=now)
        user = User.objects.select_for_update().get(pk=invitation.user_id)
        if claimed != 1 or not needs_invitation(user):
            raise StaffInvitationError(_message("used"), code="used")
        if full_name.strip():
            user.full_name = full_name.strip()
        password_validation.validate_password(password, user)
        user.set_password(password)
        user.save()
        audit_log(
            actor=user,
            action="onboarding.staff_invitation.accepted",
            school=invitation.school,
            subject=invitation,
            ip_address=ip_address,
        )
    invitation.accepted_at = now
    return user


def _message(status):
    return {
        "expired": _("This invitation link has expired."),
        "used": _("This invitation link has already been used."),
        "revoked": _("This invitation link has been replaced by a newer one."),
    }.get(status, _("This invitation link is not valid."))
