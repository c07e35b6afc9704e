"""Background work for agreements: the signed PDF, request e-mails and reminders.

Tasks take ids, load fresh rows and call services or document helpers. Each is idempotent: the PDF is made once
per completion (a stored document for the current completion means done) and each e-mail is claimed by inserting a
``ReminderSent`` row with a unique constraint before it is sent.
"""

import datetime
import logging
import smtplib

from celery import shared_task
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
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
    return recipients_by_request([request])[request.pk]


def recipients_by_request(requests):
    """``{request pk: [(email, guardian or None, language)]}`` for many requests in at most one query: each
    request's person, or its pupil's guardians with parental responsibility who have an e-mail address (in contact
    order). ``requests`` must have ``school`` and ``user`` loaded (select_related)."""
    from safeguard.directory.models import PupilGuardian

    requests = list(requests)
    pupil_ids = {request.pupil_id for request in requests if request.pupil_id}
    guardians = {}
    if pupil_ids:
        links = (
            PupilGuardian.objects.current()
            .filter(pupil_id__in=pupil_ids, has_parental_responsibility=True)
            .exclude(guardian__email="")
            .select_related("guardian")
            .order_by("pupil_id", "contact_order", "pk")
        )
        for link in links:
            guardians.setdefault(link.pupil_id, []).append(link.guardian)
    found = {}
    for request in requests:
        school = request.school
        if request.user_id:
            user = request.user
            found[request.pk] = [(user.email, None, user.language or school.default_language)] if user.email else []
        else:
            found[request.pk] = [
                (guardian.email, guardian, guardian.preferred_language or school.default_language)
                for guardian in guardians.get(request.pupil_id, [])
            ]
    return found


def signing_path(request, guardian):
    """The page a recipient signs ``request`` on: a parent's personal link, or the signed-in signing page."""
    if guardian is not None:
        return reverse("aup:sign_by_link", args=[signing_token(request, guardian)])
    return reverse("aup:sign", args=[request.public_id])


def _send_request_email(request, *, offset_days, template, recipients=None):
    """E-mail ``template`` about ``request`` to each recipient (default ``_recipients``) whose ``ReminderSent`` row
    for ``offset_days`` can be claimed; returns how many were sent."""
    sent = 0
    for email, guardian, language in _recipients(request) if recipients is None else recipients:
        if not _claim(request, offset_days, email):
            continue
        path = signing_path(request, guardian)
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
    closed = (SignatureRequest.Status.COMPLETED, SignatureRequest.Status.CANCELLED, SignatureRequest.Status.DECLINED)
    if request is None or request.status in closed:
        return 0
    sent = _send_request_email(request, offset_days=0, template="aup_request")
    SignatureRequest.objects.filter(pk=request.pk, sent_at__isnull=True).update(sent_at=timezone.now())
    return sent


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_agreement_reminders(self, now=None):
    """Daily sweep: remind non-signers at the agreement's offsets (days after the request was sent).

    Only the latest offset that has come due is sent (after a missed week, one reminder, not a flood); each
    offset is sent at most once per request and recipient; signing, declining or the request's expiry stops the
    reminders, and someone the office reminded today (``ChaseReminderSent``) is not reminded again that day.

    Set-based (issue 18 item 3): the open requests are read as ids and dates, with their agreements' offsets, what
    was already sent at each one's due offset, and the addresses of their recipients (parents with parental
    responsibility, or the person) — five queries whatever the number of requests. Only the requests someone is
    still to be reminded about are loaded whole (in batches, ``_remind_batch``, which also leaves out whoever the
    office reminded today) — so a quiet day reads no request whole, and an INSERT is made only for an e-mail that
    is really sent.
    """
    from safeguard.accounts.models import User
    from safeguard.directory.models import PupilGuardian

    from .models import Agreement

    now = now or timezone.now()
    if isinstance(now, str):
        now = datetime.datetime.fromisoformat(now)
    open_requests = SignatureRequest.objects.filter(
        status__in=[SignatureRequest.Status.PENDING, SignatureRequest.Status.PARTLY_SIGNED], sent_at__isnull=False
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    rows = list(open_requests.order_by("pk").values_list("pk", "agreement_id", "sent_at", "pupil_id", "user_id"))
    offsets_of = {
        agreement.pk: agreement.reminder_offsets()
        for agreement in Agreement.objects.filter(pk__in={row[1] for row in rows}).only("pk", "reminder_days")
    }
    due = {}  # request pk: the latest offset that has come
    for pk, agreement_id, sent_at, _pupil_id, _user_id in rows:
        offsets = [offset for offset in offsets_of[agreement_id] if offset <= (now - sent_at).days]
        if offsets:
            due[pk] = max(offsets)
    if not due:
        return 0
    already = set(
        ReminderSent.objects.filter(request__in=open_requests, offset_days__in=set(due.values())).values_list(
            "request_id", "offset_days", "recipient"
        )
    )
    parents = {}
    for pupil_id, email in (
        PupilGuardian.objects.current()
        .filter(pupil_id__in=open_requests.values("pupil_id"), has_parental_responsibility=True)
        .exclude(guardian__email="")
        .values_list("pupil_id", "guardian__email")
    ):
        parents.setdefault(pupil_id, []).append(email.lower())
    people = dict(
        User.objects.filter(pk__in={row[4] for row in rows if row[4]}).exclude(email="").values_list("pk", "email")
    )

    def addresses(pupil_id, user_id):  # as ``recipients_by_request``: the person, or the pupil's parents
        if user_id:
            return [people[user_id].lower()] if user_id in people else []
        return parents.get(pupil_id, [])

    waiting = [
        pk
        for pk, _agreement_id, _sent_at, pupil_id, user_id in rows
        if pk in due and any((pk, due[pk], email) not in already for email in addresses(pupil_id, user_id))
    ]
    loaded = open_requests.select_related("agreement__version__policy", "school", "pupil", "user").order_by("pk")
    sent = 0
    for start in range(0, len(waiting), REMINDER_BATCH):
        sent += _remind_batch(list(loaded.filter(pk__in=waiting[start : start + REMINDER_BATCH])), now)
    return sent


REMINDER_BATCH = 500


def _remind_batch(batch, now):
    """Send the reminders due for one batch of open requests (see ``send_agreement_reminders``)."""
    from .models import ChaseReminderSent

    due = {}
    for request in batch:
        elapsed_days = (now - request.sent_at).days
        offsets = [offset for offset in request.agreement.reminder_offsets() if offset <= elapsed_days]
        if offsets:
            due[request.pk] = max(offsets)
    if not due:
        return 0
    requests = [request for request in batch if request.pk in due]
    already = set(
        ReminderSent.objects.filter(request_id__in=list(due)).values_list("request_id", "offset_days", "recipient")
    )
    school_ids = {request.school_id for request in requests}
    chased_today = set(
        ChaseReminderSent.objects.filter(
            school_id__in=school_ids, day__gte=(now - datetime.timedelta(days=1)).date()
        ).values_list("school_id", "recipient", "day")
    )
    recipients = recipients_by_request(requests)
    sent = 0
    for request in requests:
        offset, today = due[request.pk], request.school.today(now)
        waiting = [
            (email, guardian, language)
            for email, guardian, language in recipients[request.pk]
            if (request.pk, offset, email.lower()) not in already
            and (request.school_id, email.lower(), today) not in chased_today
        ]
        if waiting:
            sent += _send_request_email(request, offset_days=offset, template="aup_reminder", recipients=waiting)
    return sent


from . import tasks_chase, tasks_reviews  # noqa: E402, F401  (register the chase and policy review tasks with Celery)
