"""Background work for consent: telling class teachers their list changed, and a PDF copy for the parent."""

import logging
import smtplib

from celery import shared_task
from django.db import IntegrityError, transaction
from django.urls import reverse

from safeguard.emails import send_templated_email

from .models import ConsentNotificationSent, ConsentResponse

logger = logging.getLogger(__name__)
MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def notify_class_teachers(self, pupil_id, change_key):
    """E-mail the class teachers of the pupil's class that its do-not-photograph list changed — once per change
    and teacher (unique ``ConsentNotificationSent``). The e-mail names no pupil and gives no reason."""
    from safeguard.directory.models import Pupil

    pupil = Pupil.objects.select_related("school", "school_class").filter(pk=pupil_id).first()
    if pupil is None or pupil.school_class is None:
        return 0
    sent = 0
    for teacher in pupil.school_class.teachers.filter(is_active=True):
        try:
            with transaction.atomic():
                ConsentNotificationSent.objects.create(change_key=change_key, recipient=teacher.email.lower())
        except IntegrityError:
            continue
        path = reverse("consent:do_not_photograph", args=[pupil.school.slug]) + f"?school_class={pupil.school_class_id}"
        try:
            send_templated_email(
                "consent_list_changed",
                to=[teacher.email],
                language=teacher.language or pupil.school.default_language,
                context={"school": pupil.school, "school_class": pupil.school_class, "path": path},
            )
        except MAIL_ERRORS:
            ConsentNotificationSent.objects.filter(change_key=change_key, recipient=teacher.email.lower()).delete()
            raise
        sent += 1
    return sent


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_consent_copy(self, response_id):
    """E-mail the respondent a PDF copy of what they answered (once per response)."""
    from .documents import response_pdf

    response = (
        ConsentResponse.objects.select_related("guardian", "pupil__school", "version__form")
        .filter(pk=response_id)
        .first()
    )
    if response is None or response.guardian is None or not response.guardian.email:
        return 0
    try:
        with transaction.atomic():
            ConsentNotificationSent.objects.create(
                change_key=f"copy:{response.pk}", recipient=response.guardian.email.lower()
            )
    except IntegrityError:
        return 0
    pdf = response_pdf(response=response)
    try:
        send_templated_email(
            "consent_copy",
            to=[response.guardian.email],
            language=response.guardian.preferred_language or response.school.default_language,
            context={"response": response, "school": response.school, "pupil": response.pupil},
            attachments=[(f"consent-{str(response.public_id)[:8]}.pdf", pdf, "application/pdf")],
        )
    except MAIL_ERRORS:
        ConsentNotificationSent.objects.filter(change_key=f"copy:{response.pk}").delete()
        raise
    return 1


from . import tasks_requests  # noqa: E402, F401  (register the request and reminder tasks with Celery)
