"""Background work for accounts: sending invitation e-mails."""

import logging
import smtplib

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from safeguard.emails import send_templated_email

from .models import Invitation
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
    invitation = Invitation.objects.select_related("guardian__school").get(pk=invitation_id)
    guardian = invitation.guardian
    try:
        # The expiry time in the e-mail is the school's local time, not the server's.
        with timezone.override(guardian.school.time_zone):
            send_templated_email(
                "invitation",
                to=[invitation.email],
                language=guardian.preferred_language or guardian.school.default_language,
                context={
                    "guardian": guardian,
                    "school": guardian.school,
                    "invitation": invitation,
                    "path": reverse("accounts:invitation_accept", args=[invitation_token(invitation)]),
                },
            )
    except Exception:
        Invitation.objects.filter(pk=invitation_id, sent_at=now).update(sent_at=None)
        raise
    return True
