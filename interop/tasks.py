"""Background work of scheduled roster syncs: the sweep beat sends every 5 minutes (registered in migration 0003),
one sync's run ("run now"), and the e-mail about a failed run.

All idempotent: a run claims its sync with a conditional UPDATE (``services_sync.roster_sync_run``), and the e-mail
claims ``emailed_at`` the same way, so a task run twice runs once and sends once.
"""

import smtplib

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from safeguard.emails import send_templated_email

from .models import CtfExport, RosterSyncRun

MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)


@shared_task(ignore_result=True)
def sweep_roster_syncs():
    """Start every roster sync that is due (``services_sync.roster_sync_sweep``). Returns how many ran."""
    from .services_sync import roster_sync_sweep

    return len(roster_sync_sweep())


@shared_task(ignore_result=True)
def run_roster_sync(sync_id, trigger="schedule"):
    """Run one roster sync (int pk) if it is due and not running; "run now" queues this."""
    from .services_sync import roster_sync_run

    run = roster_sync_run(sync_id=sync_id, trigger=trigger)
    return run.pk if run is not None else None


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_roster_sync_failed(self, run_id):
    """E-mail the office staff and headteacher of the school that a sync run (int pk) failed, with its report
    (file, line, field, problem; at most 50 rows, the rest on the sync's page). Once per run."""
    from .services_sync import MAX_ERRORS_IN_EMAIL, errors_for_email, failure_recipients

    claimed = RosterSyncRun.objects.filter(
        pk=run_id, status=RosterSyncRun.Status.FAILED, emailed_at__isnull=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return 0
    run = RosterSyncRun.objects.select_related("sync__school").get(pk=run_id)
    school = run.sync.school
    recipients = failure_recipients(school)
    if not recipients:
        return 0
    errors = run.report.get("errors") or []
    try:
        send_templated_email(
            "roster_sync_failed",
            to=recipients,
            language=school.default_language,
            context={
                "school": school,
                "sync": run.sync,
                "run": run,
                "message": run.report.get("message", ""),
                "errors": errors_for_email(run),
                "more_errors": max(0, len(errors) - MAX_ERRORS_IN_EMAIL),
                "error_count": len(errors),
                "path": reverse("interop:sync_detail", args=[school.slug, run.sync.public_id]),
            },
        )
    except MAIL_ERRORS:
        RosterSyncRun.objects.filter(pk=run_id).update(emailed_at=None)
        raise
    return 1


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_leaver_ctf_notice(self, export_id):
    """E-mail the DSL team (``VIEW_SAFEGUARDING`` holders) of the school that a leaver's CTF (``CtfExport`` int pk)
    was exported, so they check whether a child protection file must follow. No pupil name and no detail in the
    e-mail (STYLE: "sign in to view"); the link opens the pupil's transfers page, which asks for the second factor.
    Once per export: claims ``dsl_notified_at`` with a conditional UPDATE. Returns the number of e-mails sent."""
    from django.contrib.auth import get_user_model

    from safeguard import permissions

    claimed = CtfExport.objects.filter(pk=export_id, dsl_notified_at__isnull=True).update(
        dsl_notified_at=timezone.now()
    )
    if not claimed:
        return 0
    export = CtfExport.objects.select_related("school", "pupil").get(pk=export_id)
    school = export.school
    team = permissions.holders(school, permissions.VIEW_SAFEGUARDING)
    emails = sorted(
        get_user_model().objects.filter(pk__in=team, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    if not emails:
        return 0
    try:
        send_templated_email(
            "interop_leaver_ctf",
            to=emails,
            language=school.default_language,
            context={
                "school": school,
                "path": reverse("incidents:pupil_transfers", args=[school.slug, export.pupil.public_id]),
            },
        )
    except MAIL_ERRORS:
        CtfExport.objects.filter(pk=export_id).update(dsl_notified_at=None)
        raise
    return len(emails)


@shared_task(ignore_result=True, acks_late=True)
def apply_interop_import(import_id):
    """Apply a school's confirmed OneRoster or CTF import (``InteropImport`` int pk) off the request. Idempotent: only
    an import still ``applying`` is applied (``services.interop_import_run``)."""
    from .services import interop_import_run

    return interop_import_run(import_id=import_id)


@shared_task(ignore_result=True, acks_late=True)
def apply_district_import(import_id):
    """Apply a district's confirmed OneRoster import (``DistrictImport`` int pk) to all its schools, off the request;
    idempotent as ``apply_interop_import`` (``services_district.district_import_run``)."""
    from .services_district import district_import_run

    return district_import_run(import_id=import_id)


@shared_task(bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=30, retry_backoff_max=1800, max_retries=6)
def send_import_result(self, model_label, import_id):
    """E-mail the person who confirmed an import (``model_label``: "interop.InteropImport" or
    "interop.DistrictImport"; int pk) that it was applied, with the counts, or that it failed and nothing was
    applied, with the reason. No pupil's name. Once per import: claims ``notified_at`` with a conditional UPDATE.
    Returns the number of e-mails sent."""
    from django.apps import apps

    model = apps.get_model(model_label)
    claimed = model.objects.filter(
        pk=import_id, status__in=("applied", "failed"), notified_at__isnull=True, applied_by__isnull=False
    ).update(notified_at=timezone.now())
    if not claimed:
        return 0
    record = model.objects.select_related("applied_by").get(pk=import_id)
    person = record.applied_by
    if not person.email or not person.is_active:
        return 0
    district = model_label == "interop.DistrictImport"
    if district:
        place = record.organisation
        path = reverse("interop:district_import_detail", args=[place.slug, record.public_id])
        language = person.language or None
    else:
        place = record.school
        path = reverse("interop:import_detail", args=[place.slug, record.public_id])
        language = person.language or place.default_language
    try:
        send_templated_email(
            "interop_import_result",
            to=[person.email],
            language=language,
            context={
                "school": None if district else place,
                "place": place,
                "record": record,
                "applied": record.status == "applied",
                "counts": record.summary.get("applied", {}),
                "failure": record.summary.get("failure", ""),
                "path": path,
            },
        )
    except MAIL_ERRORS:
        model.objects.filter(pk=import_id).update(notified_at=None)
        raise
    return 1
