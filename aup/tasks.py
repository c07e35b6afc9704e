"""Background work for agreements: the signed PDF, request e-mails and reminders.

Tasks take ids, load fresh rows and call services or document helpers. Each is idempotent: the PDF is made once
per completion (a stored document for the current completion means done) and each e-mail is claimed by inserting a
``ReminderSent`` row with a unique constraint before it is sent.
"""

import logging
import smtplib

from celery import shared_task
from django.db import IntegrityError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from safeguard.emails import send_templated_email

from .models import ReminderSent, SignatureRequest
from .tokens import signing_token

logger = logging.getLogger(__name__)

MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)


@shared_task(bind=True, autoretry_for=(OSError, OperationalError), retry_backoff=10, max_retries=5)
def render_signed_document(self, request_id):
    """Render and store the signed PDF of a completed request (int pk), once per completion."""
    from .documents import signed_document_create

    request = SignatureRequest.objects.filter(pk=request_id, status=SignatureRequest.Status.COMPLETED).first()
    if request is None:
        return None
    if request.documents.filter(superseded_at__isnull=True).exists():
        return None
    return signed_document_create(request=request).pk


def _claim(request, offset_days, recipient):
    """Insert the unique record for this e-mail; False if it was already sent (or is being sent)."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(request=request, offset_days=offset_days, recipient=recipient.lower())
    except IntegrityError:
        return False
    return True


def _release(request, offset_days, recipient):
    ReminderSent.objects.filter(request=request, offset_days=offset_days, recipient=recipient.lower()).delete()


def _recipients(request):
    """``[(email, guardian or None, language)]`` for a request: its person, or the pupil's guardians with parental
    responsibility who have an e-mail address."""
    from safeguard.directory.models import PupilGuardian

    school = request.school
    if request.user_id:
        return [(request.user.email, None, request.user.language or school.default_language)]
    links = (
        PupilGuardian.objects.current()
        .filter(pupil=request.pupil, has_parental_responsibility=True)
        .exclude(guardian__email="")
        .select_related("guardian")
        .order_by("contact_order")
    )
    return [
        (link.guardian.email, link.guardian, link.guardian.preferred_language or school.default_language)
        for link in links
    ]


def _send_request_email(request, *, offset_days, template):
    sent = 0
    for email, guardian, language in _recipients(request):
        if not _claim(request, offset_days, email):
            continue
        if guardian is not None:
            path = reverse("aup:sign_by_link", args=[signing_token(request, guardian)])
        else:
            path = reverse("aup:sign", args=[request.public_id])
        try:
            send_templated_email(
                template,
                to=[email],
                language=language,
                context={
                    "request": request,
                    "agreement": request.agreement,
                    "school": request.school,
                    "pupil": request.pupil,
                    "path": path,
                    "offset_days": offset_days,
                },
            )
        except MAIL_ERRORS:
            _release(request, offset_days, email)
            raise
        sent += 1
    return sent


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_signature_request(self, request_id):
    """E-mail the signing link for a request (int pk) to each recipient once; records ``sent_at``."""
    request = (
        SignatureRequest.objects.select_related("agreement__version__policy", "school", "pupil", "user")
        .filter(pk=request_id)
        .first()
    )
    if request is None or request.status in (SignatureRequest.Status.COMPLETED, SignatureRequest.Status.CANCELLED):
        return 0
    sent = _send_request_email(request, offset_days=0, template="aup_request")
    SignatureRequest.objects.filter(pk=request.pk, sent_at__isnull=True).update(sent_at=timezone.now())
    return sent


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_agreement_reminders(self, now=None):
    """Daily sweep: remind non-signers at the agreement's offsets (days after the request was sent).

    Only the latest offset that has come due is sent (after a missed week, one reminder, not a flood); each
    offset is sent at most once per request and recipient; signing stops the reminders.
    """
    now = now or timezone.now()
    sent = 0
    pending = (
        SignatureRequest.objects.filter(
            status__in=[SignatureRequest.Status.PENDING, SignatureRequest.Status.PARTLY_SIGNED], sent_at__isnull=False
        )
        .select_related("agreement__version__policy", "school", "pupil", "user")
        .iterator(chunk_size=500)
    )
    for request in pending:
        elapsed_days = (now - request.sent_at).days
        due = [offset for offset in request.agreement.reminder_offsets() if offset <= elapsed_days]
        if not due:
            continue
        sent += _send_request_email(request, offset_days=max(due), template="aup_reminder")
    return sent


from . import tasks_reviews  # noqa: E402, F401  (register the policy review tasks with Celery)
