"""Background work for exports: build the full school export, then e-mail the headteacher that it is ready.

Both are idempotent: the build claims its row with a conditional update (``pending`` → ``building``) and the e-mail
claims ``emailed_at`` the same way, so a task run twice builds once and sends once.
"""

import smtplib

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from safeguard.emails import send_templated_email

from .models import SchoolExport

MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)


@shared_task(ignore_result=True)
def build_school_export(export_id):
    """Build the zip of a ``SchoolExport`` (int pk) once (``services.school_export_build``)."""
    from .services import school_export_build

    export = school_export_build(export_id=export_id)
    return export.pk if export is not None else None


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_school_export_ready(self, export_id):
    """E-mail the requester of a ready export (int pk) that it can be downloaded, once. The e-mail holds no data,
    only a link to the exports page (sign-in and permission checked there)."""
    claimed = SchoolExport.objects.filter(
        pk=export_id, status=SchoolExport.Status.READY, emailed_at__isnull=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return 0
    export = SchoolExport.objects.select_related("school", "requested_by").get(pk=export_id)
    user = export.requested_by
    try:
        send_templated_email(
            "school_export_ready",
            to=[user.email],
            language=user.language or export.school.default_language,
            context={
                "export": export,
                "school": export.school,
                "user": user,
                "path": reverse("exports:index", args=[export.school.slug]),
            },
        )
    except MAIL_ERRORS:
        SchoolExport.objects.filter(pk=export_id).update(emailed_at=None)
        raise
    return 1
