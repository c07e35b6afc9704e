"""Background work for asking families: the request e-mail and the daily reminder sweep.

Each e-mail is claimed by inserting a ``ConsentReminderSent`` row (unique per request, offset and recipient)
before it is sent, so a retried task or a second sweep e-mails nobody twice. Reminders go 7, 14 and 28 days after
the request was sent, only the latest one due (after a missed week, one reminder, not a flood), and stop for a
guardian who has answered since, and for everyone once the pupil's answers are complete.
"""

import logging
import smtplib

from celery import shared_task
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from aup.services import current_academic_year
from safeguard.emails import send_templated_email

from .models import ConsentFormVersion, ConsentReminderSent, ConsentRequest, ConsentResponse
from .selectors import effective_answers
from .selectors_forms import needs_asking

logger = logging.getLogger(__name__)

MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)
REMINDER_OFFSETS = (7, 14, 28)  # days after the request was sent


def _claim(request, offset_days, recipient):
    """Insert the unique record for this e-mail; False if it was already sent (or is being sent)."""
    try:
        with transaction.atomic():
            ConsentReminderSent.objects.create(request=request, offset_days=offset_days, recipient=recipient.lower())
    except IntegrityError:
        return False
    return True


def _release(request, offset_days, recipient):
    ConsentReminderSent.objects.filter(request=request, offset_days=offset_days, recipient=recipient.lower()).delete()


def _guardians(request):
    """The pupil's guardians with parental responsibility and an e-mail address, in contact order."""
    from safeguard.directory.models import PupilGuardian

    links = (
        PupilGuardian.objects.current()
        .filter(pupil=request.pupil, has_parental_responsibility=True)
        .exclude(guardian__email="")
        .select_related("guardian")
        .order_by("contact_order")
    )
    return [link.guardian for link in links]


def _send(request, guardians, *, offset_days, template):
    from .tokens import answer_token

    sent = 0
    school = request.school
    for guardian in guardians:
        if not _claim(request, offset_days, guardian.email):
            continue
        path = reverse("consent:answer_by_link", args=[answer_token(request.pupil, guardian)])
        try:
            send_templated_email(
                template,
                to=[guardian.email],
                language=guardian.preferred_language or school.default_language,
                context={
                    "school": school,
                    "pupil": request.pupil,
                    "form": request.version.form,
                    "version": request.version,
                    "academic_year": request.academic_year,
                    "path": path,
                    "offset_days": offset_days,
                },
            )
        except MAIL_ERRORS:
            _release(request, offset_days, guardian.email)
            raise
        sent += 1
    return sent


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_consent_request(self, request_id):
    """E-mail the answer link of a request (int pk) to each guardian with parental responsibility once; records
    ``sent_at``. A request whose form version was replaced meanwhile is not sent."""
    request = (
        ConsentRequest.objects.select_related("school", "pupil", "version__form", "academic_year")
        .filter(pk=request_id)
        .first()
    )
    if request is None or request.version.status != ConsentFormVersion.Status.PUBLISHED:
        return 0
    sent = _send(request, _guardians(request), offset_days=0, template="consent_request")
    ConsentRequest.objects.filter(pk=request.pk, sent_at__isnull=True).update(sent_at=timezone.now())
    return sent


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_consent_reminders(self, now=None):
    """Daily sweep: remind guardians who have not answered this year's request, 7, 14 and 28 days after it was
    sent. Only requests for the school's current form version and academic year are reminded; a pupil whose
    answers are now complete, or who has left, gets no more reminders, and nor does a guardian who has answered
    since the request was sent. Returns the number of e-mails sent."""
    now = now or timezone.now()
    sent = 0
    pending = list(
        ConsentRequest.objects.filter(
            sent_at__isnull=False,
            sent_at__lte=now,
            version__status=ConsentFormVersion.Status.PUBLISHED,
        )
        .select_related("school", "pupil", "version__form", "academic_year")
        .order_by("school_id", "pk")
    )
    by_school = {}
    for request in pending:
        by_school.setdefault(request.school_id, []).append(request)
    for requests in by_school.values():
        school = requests[0].school
        year = current_academic_year(school, now=now)
        due = []
        for request in requests:
            if year is None or request.academic_year_id != year.pk:
                continue
            offsets = [offset for offset in REMINDER_OFFSETS if offset <= (now - request.sent_at).days]
            if offsets:
                due.append((request, max(offsets)))
        if not due:
            continue
        pupils = [request.pupil for request, _offset in due]
        _purposes, decisions = effective_answers(school=school, pupils=pupils, now=now)
        answered = {}  # pupil pk → [(guardian pk, submitted at)]
        for pupil_id, guardian_id, submitted_at in ConsentResponse.objects.filter(
            pupil__in=pupils, guardian__isnull=False, submitted_at__gte=min(r.sent_at for r, _o in due)
        ).values_list("pupil_id", "guardian_id", "submitted_at"):
            answered.setdefault(pupil_id, []).append((guardian_id, submitted_at))
        for request, offset in due:
            if not needs_asking(decisions[request.pupil_id]):
                continue  # complete, refused, left, or a DSL measure decides
            since = {g for g, at in answered.get(request.pupil_id, ()) if at >= request.sent_at}
            guardians = [g for g in _guardians(request) if g.pk not in since]
            sent += _send(request, guardians, offset_days=offset, template="consent_reminder")
    return sent
