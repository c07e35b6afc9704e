"""Background work for asking families: the request e-mail and the daily reminder sweep.

Each e-mail is claimed by inserting a ``ConsentReminderSent`` row (unique per request, offset and recipient)
before it is sent, so a retried task or a second sweep e-mails nobody twice. Reminders go 7, 14 and 28 days after
the request was sent, only the latest one due (after a missed week, one reminder, not a flood), and stop for a
guardian who has answered since, and for everyone once the pupil's answers are complete.

The sweep is set-based (issue 18 item 3): it reads the guardians of every due request in one query, what was
already sent in one, and what is already queued in one (the outbox), and queues one ``send_consent_reminder`` per
e-mail still to send — so a quiet day costs the same statements however many requests were reminded before, a sweep
run twice before the queue drains queues nothing twice, and one bad address holds up nobody else.
"""

import dataclasses
import datetime
import logging
import smtplib

from celery import shared_task
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from aup.services import current_academic_year
from safeguard.emails import send_templated_email
from safeguard.jobs.services import enqueue, queued_since

from .models import ConsentFormVersion, ConsentReminderSent, ConsentRequest, ConsentResponse
from .selectors import effective_answers
from .selectors_forms import needs_asking

logger = logging.getLogger(__name__)

MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)
REMINDER_OFFSETS = (7, 14, 28)  # days after the request was sent
# A reminder is sent on its day or, if the worker was down, within this many days after it; later than that it would
# arrive weeks late, so the sweep leaves it (the office's "Remind now" covers a parent added late). It also keeps the
# daily sweep from re-reading every request of the year once its last reminder day has passed (issue 18 item 3).
REMINDER_CATCH_UP_DAYS = 7
# A reminder queued within this long counts as on its way; the next day's sweep (24 hours on) may queue it again.
QUEUED_WINDOW = datetime.timedelta(hours=20)


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


def _guardians_of(pupil_ids):
    """``{pupil pk: [(guardian pk, e-mail address in lower case), …]}``: the guardians with parental responsibility
    and an e-mail address of each pupil of ``pupil_ids`` (ids, or a subquery of them), in contact order — one query
    reading three columns, not whole rows: at trust scale the sweep reads every family's, every day."""
    from safeguard.directory.models import PupilGuardian

    guardians = {}
    links = (
        PupilGuardian.objects.current()
        .filter(pupil_id__in=pupil_ids, has_parental_responsibility=True)
        .exclude(guardian__email="")
        .order_by("pupil_id", "contact_order", "pk")
        .values_list("pupil_id", "guardian_id", "guardian__email")
    )
    for pupil_id, guardian_id, email in links:
        guardians.setdefault(pupil_id, []).append((guardian_id, email.lower()))
    return guardians


@dataclasses.dataclass(frozen=True)
class _Due:
    """A request whose reminder at ``offset`` days has come: its ids and when it was sent (no model rows)."""

    pk: int
    school_id: int
    pupil_id: int
    sent_at: datetime.datetime
    offset: int


def _sent_requests(now):
    """The requests of published form versions sent by ``now``: the due requests are among them (a subquery for the
    sweep's other reads, cheaper than sending thousands of ids back to the database)."""
    return ConsentRequest.objects.filter(
        sent_at__isnull=False, sent_at__lte=now, version__status=ConsentFormVersion.Status.PUBLISHED
    )


def _due_requests(now):
    """``[_Due]``: requests of each school's current form version and academic year whose latest reminder offset has
    come (``REMINDER_OFFSETS`` days after it was sent) no more than ``REMINDER_CATCH_UP_DAYS`` days ago, in school and
    request order. One query for the requests (five columns each, only those sent within the last offset and its
    catch-up days), one for their schools and one per school for its academic year."""
    from safeguard.directory.models import School

    oldest = now - datetime.timedelta(days=max(REMINDER_OFFSETS) + REMINDER_CATCH_UP_DAYS + 1)
    pending = list(
        _sent_requests(now)
        .filter(sent_at__gte=oldest)
        .order_by("school_id", "pk")
        .values_list("pk", "school_id", "pupil_id", "academic_year_id", "sent_at")
    )
    schools = School.objects.in_bulk({row[1] for row in pending})
    years, due = {}, []
    for pk, school_id, pupil_id, academic_year_id, sent_at in pending:
        if school_id not in years:
            year = current_academic_year(schools[school_id], now=now)
            years[school_id] = year.pk if year else None
        if years[school_id] is None or academic_year_id != years[school_id]:
            continue
        age = (now - sent_at).days
        offsets = [offset for offset in REMINDER_OFFSETS if offset <= age <= offset + REMINDER_CATCH_UP_DAYS]
        if offsets:
            due.append(_Due(pk, school_id, pupil_id, sent_at, max(offsets)))
    return due


@shared_task(ignore_result=True)
def send_consent_reminders(now=None):
    """Daily sweep: queue a reminder for each guardian who has not answered this year's request, 7, 14 and 28 days
    after it was sent (``send_consent_reminder``, one task per e-mail; a reminder missed by more than
    ``REMINDER_CATCH_UP_DAYS`` is left to the office). Only requests for the school's current form
    version and academic year are reminded; a pupil whose answers are now complete, or who has left, gets no more
    reminders, and nor does a guardian who has answered since the request was sent. ``now``: aware datetime or ISO
    string (tests). Returns the number of e-mails queued: nothing already sent, nothing already queued.

    Reads ids and dates, not whole rows (issue 18 item 3: at trust scale every request of the year is due every day
    once its 28 days have passed): the requests, the guardians, what was sent at each request's offset, what is
    queued, and who has answered since — then the effective answers (``effective_answers``, a fixed handful of
    queries per school) only of the pupils someone is still to be reminded about."""
    from safeguard.directory.models import Pupil, School

    if isinstance(now, str):
        now = datetime.datetime.fromisoformat(now)
    now = now or timezone.now()
    due = _due_requests(now)
    if not due:
        return 0
    sent_requests = _sent_requests(now)
    guardians = _guardians_of(sent_requests.values("pupil_id"))
    sent = set(
        ConsentReminderSent.objects.filter(
            request__in=sent_requests.values("pk"), offset_days__in={request.offset for request in due}
        ).values_list("request_id", "offset_days", "recipient")
    )
    queued = queued_since(send_consent_reminder, timezone.now() - QUEUED_WINDOW)  # the outbox keeps real times
    candidates = [
        (request, guardian_id)
        for request in due
        for guardian_id, email in guardians.get(request.pupil_id, ())
        if (request.pk, request.offset, email) not in sent and (request.pk, request.offset, guardian_id) not in queued
    ]
    if not candidates:
        return 0  # a quiet day: nothing more is read
    since = {}  # (pupil pk, guardian pk): when they answered, since the earliest of these requests was sent
    for pupil_id, guardian_id, submitted_at in ConsentResponse.objects.filter(
        pupil_id__in=sent_requests.values("pupil_id"),
        guardian__isnull=False,
        submitted_at__gte=min(request.sent_at for request, _g in candidates),
    ).values_list("pupil_id", "guardian_id", "submitted_at"):
        since.setdefault((pupil_id, guardian_id), []).append(submitted_at)
    candidates = [
        (request, guardian_id)
        for request, guardian_id in candidates
        if not any(at >= request.sent_at for at in since.get((request.pupil_id, guardian_id), ()))
    ]  # this guardian has answered since
    if not candidates:
        return 0
    by_school = {}
    for request, guardian_id in candidates:
        by_school.setdefault(request.school_id, []).append((request, guardian_id))
    schools = School.objects.in_bulk(list(by_school))
    count = 0
    for school_id, rows in by_school.items():
        pupils = Pupil.objects.filter(pk__in={request.pupil_id for request, _g in rows}).only(
            "pk", "date_of_birth", "left_on"
        )
        _purposes, decisions = effective_answers(school=schools[school_id], pupils=pupils, now=now)
        answered = set()  # (request pk, guardian pk) queued by this run
        for request, guardian_id in rows:
            if not needs_asking(decisions[request.pupil_id]):
                continue  # complete, refused, left, or a DSL measure decides
            if (request.pk, guardian_id) in answered:
                continue
            answered.add((request.pk, guardian_id))
            enqueue(send_consent_reminder, request.pk, request.offset, guardian_id)
            count += 1
    return count


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_consent_reminder(self, request_id, offset_days, guardian_id):
    """E-mail one reminder of request ``request_id`` (int pk), ``offset_days`` after it was sent, to guardian
    ``guardian_id`` (int pk), once (claimed by ``ConsentReminderSent``). Nothing is sent if the form version was
    replaced or the guardian no longer has parental responsibility. Returns the number sent (0 or 1)."""
    request = (
        ConsentRequest.objects.select_related("school", "pupil", "version__form", "academic_year")
        .filter(pk=request_id)
        .first()
    )
    if request is None or request.version.status != ConsentFormVersion.Status.PUBLISHED:
        return 0
    guardians = [guardian for guardian in _guardians(request) if guardian.pk == guardian_id]
    return _send(request, guardians, offset_days=offset_days, template="consent_reminder")
