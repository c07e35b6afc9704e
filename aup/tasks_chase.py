"""Background e-mails of the office's "remind now" (issue 17 item 4) and of fresh signing links (item 3).

Queued through ``safeguard.jobs.services.enqueue`` by ``services_chase`` and ``services_decline``; sent with
``safeguard.emails.send_templated_email``. Each e-mail is claimed first by a unique row (``ChaseReminderSent``: one
address, one school day; ``FreshLinkSent``: one request, address and school day), so a second chase the same day or
a retried task e-mails nobody twice. A failed send gives the claim back and the task is retried.
"""

import datetime
import zoneinfo

from celery import shared_task
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from safeguard.emails import send_templated_email

from .models import AgreementChase, ChaseReminderSent, FreshLinkSent, ReminderSent, SignatureRequest
from .tasks import MAIL_ERRORS, recipients_by_request, signing_path

OPEN = (SignatureRequest.Status.PENDING, SignatureRequest.Status.PARTLY_SIGNED)


def _claim(model, **fields):
    try:
        with transaction.atomic():
            return model.objects.create(**fields)
    except IntegrityError:
        return None


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_chase(self, chase_id):
    """E-mail the reminders of one ``AgreementChase`` (int pk): one e-mail per address naming each of its requests
    still open and not expired, with the office's message; an address already reminded today gets nothing.
    Returns the number of e-mails sent."""
    chase = AgreementChase.objects.select_related("school", "agreement__version__policy").filter(pk=chase_id).first()
    if chase is None:
        return 0
    now = timezone.now()
    school = chase.school
    today = school.today(now)
    requests = list(
        chase.requests.filter(status__in=OPEN)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("agreement__version__policy", "school", "pupil", "user")
        .order_by("pk")
    )
    by_address = {}
    recipients = recipients_by_request(requests)
    for request in requests:
        for email, guardian, language in recipients[request.pk]:
            entry = by_address.setdefault(email.lower(), {"email": email, "language": language, "items": []})
            entry["items"].append({"request": request, "pupil": request.pupil, "path": signing_path(request, guardian)})
    done = set(
        ChaseReminderSent.objects.filter(school=school, day=today, recipient__in=list(by_address)).values_list(
            "recipient", flat=True
        )
    ) | _reminded_by_the_sweep(school, today, by_address)
    sent = 0
    for address, entry in by_address.items():
        if address in done:
            continue
        items = entry["items"]
        claim = _claim(
            ChaseReminderSent,
            chase=chase,
            school=school,
            recipient=address,
            day=today,
            requests=[str(item["request"].public_id) for item in items],
        )
        if claim is None:
            continue
        try:
            send_templated_email(
                "aup_chase",
                to=[entry["email"]],
                language=entry["language"],
                context={
                    "school": school,
                    "agreement": chase.agreement,
                    "message": chase.message,
                    "items": items,
                    "path": items[0]["path"],
                    "pupil": items[0]["pupil"],
                    "expires_at": min(
                        (item["request"].expires_at for item in items if item["request"].expires_at), default=None
                    ),
                },
            )
        except MAIL_ERRORS:
            ChaseReminderSent.objects.filter(pk=claim.pk).delete()
            raise
        sent += 1
    return sent


def _reminded_by_the_sweep(school, today, addresses):
    """The ``addresses`` (lower-case e-mails) the daily reminder sweep (``aup.tasks.send_agreement_reminders``)
    already reminded about one of ``school``'s agreements on ``today``, the school's local date: "a reminder is
    never sent to the same person twice in the same day" (issue 17 item 4) holds across both kinds of reminder.
    The request e-mail itself (offset 0) is not a reminder."""
    zone = zoneinfo.ZoneInfo(school.time_zone)
    start = datetime.datetime.combine(today, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return set(
        ReminderSent.objects.filter(
            request__school=school,
            offset_days__gt=0,
            created_at__gte=start,
            created_at__lt=end,
            recipient__in=list(addresses),
        ).values_list("recipient", flat=True)
    )


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_fresh_link(self, request_id, reason="expired", only=None):
    """E-mail a fresh signing link for a request (int pk) to its recipients on record — or only to ``only`` (the
    address on record of whoever asked). ``reason``: ``"expired"`` (asked from the expired-link page) or
    ``"reopened"`` (the office reopened a declined request). At most once per address and school day."""
    request = (
        SignatureRequest.objects.select_related("agreement__version__policy", "school", "pupil", "user")
        .filter(pk=request_id, status__in=OPEN)
        .first()
    )
    if request is None:
        return 0
    today = request.school.today()
    sent = 0
    for email, guardian, language in recipients_by_request([request])[request.pk]:
        if only is not None and email.lower() != only.lower():
            continue
        claim = _claim(FreshLinkSent, request=request, recipient=email.lower(), day=today)
        if claim is None:
            continue
        try:
            send_templated_email(
                "aup_fresh_link",
                to=[email],
                language=language,
                context={
                    "request": request,
                    "agreement": request.agreement,
                    "school": request.school,
                    "pupil": request.pupil,
                    "path": signing_path(request, guardian),
                    "reopened": reason == "reopened",
                    "expires_at": request.expires_at,
                },
            )
        except MAIL_ERRORS:
            FreshLinkSent.objects.filter(pk=claim.pk).delete()
            raise
        sent += 1
    SignatureRequest.objects.filter(pk=request.pk, sent_at__isnull=True).update(sent_at=timezone.now())
    return sent
