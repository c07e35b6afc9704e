"""Background work for accounts: sending invitation and password-reset e-mails."""

import logging
import smtplib

from celery import shared_task
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from safeguard.emails import send_templated_email

from .models import Invitation, PasswordResetEmail
from .tokens import invitation_token

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, OSError),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def send_invitation(self, invitation_id):
    """E-mail the invitation link for ``invitation_id`` (int pk), once.

    The row is claimed with a conditional update on ``sent_at``, so running the task twice sends one e-mail; if
    sending fails the claim is released and Celery retries with back-off.
    """
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation_id, sent_at__isnull=True, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(sent_at=now)
    if claimed != 1:
        logger.info("invitation %s already sent, used or revoked; nothing to do", invitation_id)
        return False
    invitation = Invitation.objects.select_related("guardian__school", "pupil__school").get(pk=invitation_id)
    school = invitation.school
    path = reverse("accounts:invitation_accept", args=[invitation_token(invitation)])
    try:
        # The expiry time in the e-mail is the school's local time, not the server's.
        with timezone.override(school.time_zone):
            if invitation.pupil_id is not None:
                # A pupil's own invitation (issue 14 item 1): written to the pupil, in the school's language.
                send_templated_email(
                    "student_invitation",
                    to=[invitation.email],
                    language=school.default_language,
                    context={"pupil": invitation.pupil, "school": school, "invitation": invitation, "path": path},
                )
            else:
                guardian = invitation.guardian
                send_templated_email(
                    "invitation",
                    to=[invitation.email],
                    language=guardian.preferred_language or school.default_language,
                    context={"guardian": guardian, "school": school, "invitation": invitation, "path": path},
                )
    except Exception:
        Invitation.objects.filter(pk=invitation_id, sent_at=now).update(sent_at=None)
        raise
    return True


@shared_task(
    bind=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, OSError),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def send_password_reset(self, reset_email_id):
    """E-mail a password-reset link for ``PasswordResetEmail`` ``reset_email_id`` (int pk), once.

    Claimed with a conditional update on ``sent_at`` (running the task twice sends one e-mail); released if sending
    fails, for Celery to retry. The link is made here (Django's token: valid until the password changes or
    ``PASSWORD_RESET_TIMEOUT`` passes) and points at ``SITE_URL``, never at the host the request came from.
    A user made inactive since asking gets nothing.
    """
    now = timezone.now()
    claimed = PasswordResetEmail.objects.filter(pk=reset_email_id, sent_at__isnull=True, user__is_active=True).update(
        sent_at=now
    )
    if claimed != 1:
        logger.info("password reset e-mail %s already sent or its account is inactive", reset_email_id)
        return False
    row = PasswordResetEmail.objects.select_related("user").get(pk=reset_email_id)
    user = row.user
    try:
        send_templated_email(
            "password_reset",
            to=[user.email],
            language=row.language or None,
            context={
                "user": user,
                "path": reverse(
                    "accounts:password_reset_confirm",
                    kwargs={
                        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                        "token": default_token_generator.make_token(user),
                    },
                ),
            },
        )
    except Exception:
        PasswordResetEmail.objects.filter(pk=reset_email_id, sent_at=now).update(sent_at=None)
        raise
    return True
