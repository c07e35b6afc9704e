"""The outbox drain, run by beat every minute (schedule registered in migration 0002, editable in the admin), and
the building of prepared files (``safeguard.jobs.prepared``) with the e-mail that says one is ready."""

import smtplib

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def drain_outbox():
    """Publish outbox rows whose after-commit hand-over failed (the broker was down). Returns the count."""
    return services.drain()


MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)


@shared_task(ignore_result=True, acks_late=True)
def build_prepared_file(prepared_id):
    """Build one requested file (``prepared.build``; int pk) once. Returns the pk, or None if there was nothing to
    claim (built already, or failed)."""
    from .prepared import build

    prepared = build(prepared_id=prepared_id)
    return prepared.pk if prepared is not None else None


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_prepared_file_ready(self, prepared_id):
    """E-mail the person who asked for a prepared file (int pk) that it is ready, once (``emailed_at`` claimed by a
    conditional update). The e-mail names no pupil: it says what kind of file is ready and links to its page, where
    sign-in and the right to it are checked."""
    from django.urls import reverse
    from django.utils import timezone

    from safeguard.emails import send_templated_email

    from .models import PreparedFile

    claimed = PreparedFile.objects.filter(
        pk=prepared_id, status=PreparedFile.Status.READY, emailed_at__isnull=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return 0
    prepared = PreparedFile.objects.select_related("school", "requested_by").get(pk=prepared_id)
    user = prepared.requested_by
    if not user.is_active or not user.email:
        return 0
    try:
        send_templated_email(
            "prepared_file_ready",
            to=[user.email],
            language=user.language or prepared.school.default_language,
            context={
                "prepared": prepared,
                "school": prepared.school,
                "user": user,
                "path": reverse("jobs:prepared_file", args=[prepared.school.slug, prepared.public_id]),
            },
        )
    except MAIL_ERRORS:
        PreparedFile.objects.filter(pk=prepared_id).update(emailed_at=None)
        raise
    return 1
