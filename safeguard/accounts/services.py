"""Account services: invitations (parents and carers; pupils where the school gives them accounts) and language.

Each service checks the actor, validates, writes inside a transaction with its audit event, and queues e-mail
with ``transaction.on_commit`` so nothing is sent for a change that rolled back.
"""

import datetime

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import Guardian, Pupil
from safeguard.directory.pupil_accounts import pupil_is_eligible
from safeguard.jobs.services import enqueue

from .models import Invitation, PasswordResetEmail, User


class InvitationError(DomainError):
    """An invitation link cannot be used; ``code`` is one of "expired", "used", "revoked"."""


def _open_invitations(invitee):
    """Unused, unrevoked invitations of ``invitee`` (a ``Guardian`` or a ``Pupil``)."""
    field = "pupil" if isinstance(invitee, Pupil) else "guardian"
    return Invitation.objects.filter(**{field: invitee}, accepted_at__isnull=True, revoked_at__isnull=True)


def _invitee_name(invitee):
    return invitee.display_name if isinstance(invitee, Pupil) else invitee.full_name


def invitation_status(invitation, *, now=None):
    """One of "valid", "expired", "used", "revoked" for ``invitation`` at ``now`` (aware datetime)."""
    now = now or timezone.now()
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= now:
        return "expired"
    return "valid"


# A repeat within this time (a double click, "Send me a new link" pressed twice) gets the invitation just issued
# rather than a second e-mail, whose link would turn the first e-mail's link into "replaced".
REPEAT_WINDOW = datetime.timedelta(minutes=10)


def _issue(*, invitee, actor, now, ip_address, action):
    """Revoke the invitee's (a ``Guardian`` or ``Pupil``) open invitations and create a new one, unless one was
    issued moments ago to the same address. Call inside a transaction holding the invitee's row lock, so simultaneous
    requests queue up here."""
    from .tasks import send_invitation

    if not invitee.email:
        raise DomainError(
            _("%(name)s has no e-mail address on record.") % {"name": _invitee_name(invitee)}, code="no_email"
        )
    email = invitee.email.lower()
    recent = (
        _open_invitations(invitee)
        .filter(email=email, expires_at__gt=now, created_at__gt=now - REPEAT_WINDOW)
        .order_by("-created_at")
        .first()
    )
    if recent is not None:
        return recent
    _open_invitations(invitee).update(revoked_at=now)
    is_pupil = isinstance(invitee, Pupil)
    invitation = Invitation.objects.create(
        guardian=None if is_pupil else invitee,
        pupil=invitee if is_pupil else None,
        email=email,
        expires_at=now + datetime.timedelta(hours=settings.INVITATION_VALID_HOURS),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_log(
        actor=actor,
        action=action,
        school=invitee.school,
        subject=invitation,
        data={"pupil" if is_pupil else "guardian": str(invitee.public_id)},
        ip_address=ip_address,
    )
    enqueue(send_invitation, invitation.pk)
    return invitation


def invitation_create(*, actor, guardian, now=None, ip_address=None):
    """Invite a parent or carer to set up their account; the e-mail goes out after commit (Celery).

    Args:
        actor: the staff ``User`` sending it; needs ``INVITE_GUARDIAN`` in the guardian's school.
        guardian: the ``Guardian`` to invite; must have an e-mail address.
        now: aware datetime for tests; the link expires ``INVITATION_VALID_HOURS`` after it.

    Any earlier unused invitation for the guardian is revoked, so only the newest link works. A repeat within
    ``REPEAT_WINDOW`` to the same address returns the invitation already on its way and sends nothing.
    Raises ``PermissionError`` if the actor may not invite; ``DomainError`` if there is no e-mail address or the
    guardian already has an account.
    """
    if not permissions.can(actor, permissions.INVITE_GUARDIAN, guardian):
        raise PermissionError("actor may not invite guardians in this school")
    with transaction.atomic():
        guardian = Guardian.objects.select_for_update().get(pk=guardian.pk)
        if guardian.user_id is not None:
            raise DomainError(_("%(name)s already has an account.") % {"name": guardian.full_name}, code="has_account")
        return _issue(
            invitee=guardian,
            actor=actor,
            now=now or timezone.now(),
            ip_address=ip_address,
            action="accounts.invitation.created",
        )


def _locked_pupil(pk):
    """The pupil with ``pk``, its row locked (only its own row: the year group may be missing) for this transaction."""
    return Pupil.objects.select_for_update(of=("self",)).select_related("school", "year_group").get(pk=pk)


def _check_pupil_may_have_account(pupil, *, now):
    """Raise ``DomainError`` unless ``pupil`` may have their own account at ``now``: on roll and eligible under the
    school's setting (``pupil_is_eligible``), with no account yet, and their e-mail address belonging to no account
    (a pupil's account is theirs alone, never a parent's or a member of staff's — so it opens nothing else)."""
    today = pupil.school.today(now)
    name = pupil.display_name
    if pupil.user_id is not None:
        raise DomainError(_("%(name)s already has an account.") % {"name": name}, code="has_account")
    if not pupil.is_on_roll(today):
        raise DomainError(_("%(name)s has left the school.") % {"name": name}, code="left")
    if not pupil_is_eligible(pupil, day=today):
        raise DomainError(
            _("The school's setting does not give %(name)s an account (see pupils' own accounts in the set-up).")
            % {"name": name},
            code="not_eligible",
        )
    if pupil.email and User.objects.filter(email__iexact=pupil.email).exists():
        raise DomainError(
            _("%(email)s is already the address of another account. A pupil's account needs their own address.")
            % {"email": pupil.email},
            code="email_taken",
        )


def pupil_invitation_create(*, actor, pupil, now=None, ip_address=None):
    """Invite a pupil to set up their own account, by e-mail to the address on record (``Pupil.email``); the e-mail
    goes out after commit (Celery). Only where the school gives pupils accounts (``directory.PupilAccountSetting``:
    the age rule and its sources — UK GDPR Art. 8 / DPA 2018 s.9, Gillick, COPPA — are on that model).

    Args:
        actor: the staff ``User`` sending it; needs ``permissions.may_invite_pupil`` (office, headteacher).
        pupil: the ``Pupil``; on roll, eligible, with an e-mail address no account uses, and no account yet.
        now: aware datetime for tests; the link expires ``INVITATION_VALID_HOURS`` after it.

    As for parents, an earlier unused invitation is revoked and a repeat within ``REPEAT_WINDOW`` sends nothing.
    Raises ``PermissionError`` if the actor may not invite; ``DomainError`` with code "no_email", "has_account",
    "left", "not_eligible" or "email_taken".
    """
    if not permissions.may_invite_pupil(actor, pupil):
        raise PermissionError("actor may not invite pupils in this school")
    now = now or timezone.now()
    with transaction.atomic():
        pupil = _locked_pupil(pupil.pk)
        _check_pupil_may_have_account(pupil, now=now)
        return _issue(
            invitee=pupil, actor=actor, now=now, ip_address=ip_address, action="accounts.invitation.pupil_created"
        )


def invitation_renew(*, invitation, now=None, ip_address=None):
    """Send a fresh link for an expired or replaced invitation, to the address on record (never one typed in).

    Anyone holding a genuine (signed) link may ask, so nothing is revealed and nothing is sent anywhere new; asking
    again within ``REPEAT_WINDOW`` sends nothing more. Raises ``InvitationError`` ("used") if the invitation was
    accepted, or if the guardian or pupil has since got an account; ``DomainError`` when a pupil may no longer have
    one (left, or the school's setting changed).
    """
    now = now or timezone.now()
    with transaction.atomic():
        if invitation.pupil_id is not None:
            invitee = _locked_pupil(invitation.pupil_id)
        else:
            invitee = Guardian.objects.select_for_update().get(pk=invitation.guardian_id)
        if invitation_status(invitation, now=now) == "used" or invitee.user_id is not None:
            raise InvitationError(_("This invitation has already been used. Please sign in."), code="used")
        if invitation.pupil_id is not None:
            _check_pupil_may_have_account(invitee, now=now)
        return _issue(invitee=invitee, actor=None, now=now, ip_address=ip_address, action="accounts.invitation.renewed")


def invitation_accept(*, invitation, full_name, password, now=None, ip_address=None):
    """Use an invitation: create (or, for a parent, link) the account and set its password; return the ``User``.

    Args:
        invitation: the ``Invitation`` named by a verified link.
        full_name: the name the person gives (str).
        password: the new password; Django's password validators apply.

    The invitation is claimed with a conditional update, so two submissions of the same link create one account.
    A pupil's invitation makes a new account linked to ``Pupil.user``, only while the pupil may still have one
    (on roll, eligible, the address unused). Raises ``InvitationError`` ("expired", "used", "revoked"),
    ``DomainError`` for a pupil who may no longer have an account, and ``django.core.exceptions.ValidationError``
    for a weak password.
    """
    now = now or timezone.now()
    status = invitation_status(invitation, now=now)
    if status != "valid":
        raise InvitationError(_invitation_message(status), code=status)
    with transaction.atomic():
        if invitation.pupil_id is not None:
            pupil = _locked_pupil(invitation.pupil_id)
            if pupil.user_id is None:
                _check_pupil_may_have_account(pupil, now=now)
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(accepted_at=now)
        if claimed != 1:
            raise InvitationError(_invitation_message("used"), code="used")
        if invitation.pupil_id is not None:
            if pupil.user_id is not None:
                raise InvitationError(_invitation_message("used"), code="used")
            user = User(email=invitation.email, full_name=full_name.strip() or pupil.display_name)
            password_validation.validate_password(password, user)
            user.set_password(password)
            user.save()
            pupil.user = user
            pupil.save(update_fields=["user", "updated_at"])
            audit_log(
                actor=user,
                action="accounts.invitation.pupil_accepted",
                school=pupil.school,
                subject=invitation,
                data={"pupil": str(pupil.public_id)},
                ip_address=ip_address,
            )
            invitation.accepted_at = now
            return user
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is None:
            user = User(email=invitation.email, full_name=full_name.strip() or invitation.guardian.full_name)
        password_validation.validate_password(password, user)
        user.set_password(password)
        user.save()
        guardian = invitation.guardian
        guardian.user = user
        guardian.save(update_fields=["user", "updated_at"])
        audit_log(
            actor=user,
            action="accounts.invitation.accepted",
            school=guardian.school,
            subject=invitation,
            data={"guardian": str(guardian.public_id)},
            ip_address=ip_address,
        )
    invitation.accepted_at = now
    return user


def _invitation_message(status):
    return {
        "expired": _("This invitation link has expired."),
        "used": _("This invitation link has already been used."),
        "revoked": _("This invitation link has been replaced by a newer one."),
    }.get(status, _("This invitation link is not valid."))


def password_reset_email_queue(*, user, language=""):
    """Queue the e-mail with a password-reset link for ``user``, asked for on the "forgotten password" page.

    The request never waits for the mail server: a ``PasswordResetEmail`` row and its task go to the outbox
    (``safeguard.jobs``) and the worker sends it (``tasks.send_password_reset``), retrying while the server is down.
    ``language`` is the language to write in (a code from ``LANGUAGES``; "" means the site's default). Returns the
    row. Anyone may ask (the form answers the same for unknown addresses), so there is no actor to check.
    """
    from .tasks import send_password_reset

    with transaction.atomic():
        row = PasswordResetEmail.objects.create(user=user, language=language or "")
        enqueue(send_password_reset, row.pk)
    return row


def user_password_reset(*, user, ip_address=None):
    """Record that ``user`` chose a new password through an e-mailed reset link, and lift their sign-in lockout.

    Django's reset view has saved the password already (which also ends the user's other sessions). The link proved
    the person holds the mailbox, so failures counted against the address by django-axes mean nothing any more —
    and the lockout page offers a reset as the way back in. Attempts are keyed on the lower-cased address, as the
    sign-in form submits it.
    """
    with transaction.atomic():
        audit_log(actor=user, action="accounts.user.password_reset", subject=user, ip_address=ip_address)
        axes_reset(username=user.email.lower())


def user_set_language(*, user, language):
    """Set the language ``user`` sees pages in ("" means the school's language). Raises ``DomainError``
    for a language the product does not offer."""
    if language and language not in dict(settings.LANGUAGES):
        raise DomainError(_("That language is not available."), code="language")
    with transaction.atomic():
        user.language = language
        user.save(update_fields=["language", "updated_at"])
        audit_log(actor=user, action="accounts.user.language_changed", subject=user, data={"language": language})
    return user
