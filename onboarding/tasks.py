"""Background work for set-up: sending staff invitation e-mails."""

import logging
import smtplib

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from safeguard.emails import send_templated_email

from .models import StaffInvitation
from .tokens import staff_invitation_token

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, OSError),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def send_staff_invitation(self, invitation_id):
    """E-mail the link of ``StaffInvitation`` ``invitation_id`` (int pk), once.

    Claimed with a conditional update on ``sent_at`` (running the task twice sends one e-mail); released if sending
    fails, for Celery to retry with back-off. Written in the school's language and time zone.
    """
    now = timezone.now()
    claimed = StaffInvitation.objects.filter(
        pk=invitation_id, sent_at__isnull=True, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(sent_at=now)
    if claimed != 1:
        logger.info("staff invitation %s already sent, used or revoked; nothing to do", invitation_id)
        return False
    invitation = StaffInvitation.objects.select_related("user", "school", "organisation").get(pk=invitation_id)
    school = invitation.school
    try:
        with timezone.override(school.time_zone if school else "UTC"):
            send_templated_email(
                "staff_invitation",
                to=[invitation.email],
                language=invitation.user.language or (school.default_language if school else None),
                context={
                    "user": invitation.user,
                    "place": invitation.place,
                    "invitation": invitation,
                    "path": reverse("onboarding:invitation_accept", args=[staff_invitation_token(invitation)]),
                },
            )
    except Exception:
        StaffInvitation.objects.filter(pk=invitation_id, sent_at=now).update(sent_at=None)
        raise
    return True
