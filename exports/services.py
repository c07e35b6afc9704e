"""Writes for exports: the audit event of each download, and the full school export's request, build and e-mail.

Rules, with their sources:
- Every export is logged (KCSIE: access to safeguarding records is logged; the school's own data protection duty
  to know what left it). An export of safeguarding concerns writes one event per pupil named in it, as the concern
  lists do (``incidents.services.concerns_shown_log``; issue 12 #10).
- The full school export is school data leaving the school: the headteacher only (issue 14 item 5). It holds the
  safeguarding concerns only when the headteacher had passed the second factor when asking for it; otherwise its
  README says they were left out. Child protection files are never in it: they go from DSL to DSL through the CP
  file transfer (KCSIE), not in a bulk export.
"""

import datetime
import hashlib
import logging
import tempfile
import zipfile

from django.core.files import File
from django.db import IntegrityError, transaction
from django.template.defaultfilters import slugify
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.country_words import school_language
from safeguard.jobs.services import enqueue

from . import selectors
from .models import SchoolExport
from .writing import csv_text

logger = logging.getLogger(__name__)

# The list downloads and the capability each needs (concerns: VIEW_SAFEGUARDING and the second factor, in the view).
LIST_CAPABILITIES = {
    "roster": permissions.EXPORT_ROSTER,
    "carers": permissions.EXPORT_ROSTER,
    "consent": permissions.EXPORT_CONSENT,
    "signatures": permissions.EXPORT_SIGNATURES,
    "behaviour": permissions.EXPORT_BEHAVIOUR,
    "concerns": permissions.VIEW_SAFEGUARDING,
    "policies": permissions.VIEW_POLICIES,
}


# An export still "being prepared" after this long has lost its worker; a new request marks it failed.
STALE_AFTER = datetime.timedelta(hours=6)

# What each CSV download is logged as (names listed in full for ``safeguard.audit.labels``).
LIST_ACTIONS = {
    "roster": "exports.roster.downloaded",
    "carers": "exports.carers.downloaded",
    "consent": "exports.consent.downloaded",
    "signatures": "exports.signatures.downloaded",
    "behaviour": "exports.behaviour.downloaded",
    "concerns": "exports.concerns.downloaded",
}


def list_export_log(*, actor, school, kind, table, incidents=None, ip_address=None):
    """Audit one CSV download: ``exports.<kind>.downloaded`` with the number of rows; for ``kind == "concerns"`` one
    event per pupil named in ``incidents`` (the concerns exported, with ``involvement_list`` loaded) instead — or one
    school event when there were none. Returns the number of events written."""
    from incidents.services import concerns_shown_log

    with transaction.atomic():
        if kind == "concerns":
            written = concerns_shown_log(
                actor=actor,
                action="exports.concerns.downloaded",
                school=school,
                incidents=incidents or [],
                ip_address=ip_address,
                data={"rows": len(table.rows)},
            )
            if written:
                return written
        audit_log(
            actor=actor,
            action=LIST_ACTIONS[kind],
            school=school,
            data={"rows": len(table.rows)},
            ip_address=ip_address,
        )
        return 1


# The full school export -----------------------------------------------------------------------------------------


def school_export_request(*, actor, school, verified, now=None):
    """Ask for a full export of ``school`` on behalf of ``actor`` (the headteacher).

    Args:
        actor: the ``User`` asking; must hold ``EXPORT_SCHOOL`` at ``school``.
        verified: whether ``actor`` passed the second factor in this session (then the concerns are included —
            ``VIEW_SAFEGUARDING`` is needed too).
        now: aware datetime (tests).
    Returns ``(export, created)``: while an export of the school is still being prepared, that one is returned and
    nothing new is queued — unless it has been "being prepared" for longer than ``STALE_AFTER`` (its worker died):
    then it is marked failed and a new one is queued. Raises ``DomainError`` if ``actor`` may not export the school.
    """
    if not permissions.can(actor, permissions.EXPORT_SCHOOL, school):
        raise DomainError(_("Only the headteacher may export the whole school."), code="forbidden")
    from . import tasks

    fixed_clock = now is not None
    now = now or timezone.now()
    include_concerns = bool(verified) and permissions.can(actor, permissions.VIEW_SAFEGUARDING, school)
    with transaction.atomic():
        current = (
            SchoolExport.objects.select_for_update()
            .filter(school=school, status__in=[SchoolExport.Status.PENDING, SchoolExport.Status.BUILDING])
            .first()
        )
        if current is not None and current.created_at < now - STALE_AFTER:
            # Its worker died (a build takes minutes): record that, so the school is not blocked for ever.
            _fail(current, _("The export took too long to prepare and was stopped. Please ask again."))
        elif current is not None:
            return current, False
        try:
            with transaction.atomic():
                export = SchoolExport.objects.create(
                    school=school, requested_by=actor, include_concerns=include_concerns
                )
        except IntegrityError:  # asked twice at the same moment: the unique in-progress row is the other one's
            return SchoolExport.objects.get(school=school, status=SchoolExport.Status.PENDING), False
        if fixed_clock:  # ``created_at`` is set by the database's clock otherwise
            SchoolExport.objects.filter(pk=export.pk).update(created_at=now)
            export.created_at = now
        audit_log(
            actor=actor,
            action="exports.school_export.requested",
            school=school,
            subject=export,
            data={"include_concerns": include_concerns},
        )
        enqueue(tasks.build_school_export, export.pk)
    return export, True


def _readme(*, school, export, files, now, counts):
    lines = [
        _("Full export of %(school)s") % {"school": school.name},
        _("Made at (UTC): %(time)s") % {"time": selectors.iso_utc(now)},
        _("Asked for by: %(name)s") % {"name": export.requested_by.full_name or export.requested_by.email},
        "",
        _("CSV files are UTF-8 with a byte-order mark; dates are ISO 8601 and times UTC."),
        _("A cell that starts with = + - or @ has a ' in front, so that a spreadsheet does not run it as a formula."),
        "",
    ]
    if export.include_concerns:
        lines.append(_("Safeguarding concerns are included (the headteacher had passed the second factor)."))
    else:
        lines.append(
            _(
                "Safeguarding concerns are not included: the headteacher had not passed the second factor when asking "
                "for this export. Ask again after the second factor to include them."
            )
        )
    lines.append(
        _(
            "Child protection files are not included: each goes to the pupil's new school's DSL through the child "
            "protection file transfer."
        )
    )
    lines.append(
        _("Signed agreement PDFs: %(signed)s. Consent copies: %(consent)s.")
        % {"signed": counts["signed"], "consent": counts["consent"]}
    )
    if counts["missing"]:
        lines.append(_("Stored files that could not be found, and are not included:"))
        lines += [f"  {name}" for name in counts["missing"]]
    lines += ["", _("Files and their SHA-256:")]
    lines += [f"{item['sha256']}  {item['name']}" for item in files]
    return "\n".join(lines) + "\n"


def _add(archive, files, name, data, rows=None):
    if isinstance(data, str):
        data = data.encode("utf-8")
    archive.writestr(name, data)
    files.append({"name": name, "sha256": hashlib.sha256(data).hexdigest(), "rows": rows})


def _write_zip(archive, *, school, export, now):
    """Write every file of the export into ``archive``; return ``(files, concern_ids)``."""
    from aup.documents import signed_document_pdf
    from consent.documents import response_pdf

    files = []
    tables = [
        selectors.roster_table(school=school),
        selectors.carers_table(school=school),
        selectors.consent_table(school=school, now=now),
        selectors.signatures_table(school=school),
        selectors.incidents_table(school=school, concerns=False),
        selectors.policies_table(school=school, now=now),
    ]
    concern_ids = []
    if export.include_concerns:
        concerns = selectors.incidents_for_export(school=school, concerns=True)
        concern_ids = [str(incident.public_id) for incident in concerns]
        tables.append(selectors.incidents_table(school=school, concerns=True, incidents=concerns))
    for table in tables:
        _add(archive, files, f"{table.name}.csv", csv_text(table), rows=len(table.rows))
    counts = {"signed": 0, "consent": 0, "missing": []}
    for document in selectors.signed_documents(school):
        name = f"signed-agreements/{slugify(document.request.agreement.title)}-{document.request.public_id}.pdf"
        try:
            document.pdf.open("rb")
            try:
                data = document.pdf.read()
            finally:
                document.pdf.close()
        except FileNotFoundError:  # the stored file is gone: say so rather than fail the whole export
            counts["missing"].append(name)
            continue
        _add(archive, files, name, data)
        counts["signed"] += 1
    for request in selectors.completed_requests_without_document(school):
        name = f"signed-agreements/{slugify(request.agreement.title)}-{request.public_id}.pdf"
        _add(archive, files, name, signed_document_pdf(request))
        counts["signed"] += 1
    for response in selectors.consent_responses(school):
        name = f"consent-copies/{slugify(response.pupil.display_name)}-{response.public_id}.pdf"
        _add(archive, files, name, response_pdf(response=response))
        counts["consent"] += 1
    readme = _readme(school=school, export=export, files=files, now=now, counts=counts)
    archive.writestr("README.txt", readme.encode("utf-8"))
    return files, concern_ids


def school_export_build(*, export_id, now=None):
    """Build the zip of export ``export_id`` (int pk) once: claim it (``pending`` → ``building``, a conditional
    update — a second run finds nothing to claim and returns None), write every CSV and PDF into a temporary file,
    store it under MEDIA_ROOT/private with its SHA-256, mark it ready, log ``exports.school_export.built`` and queue
    the e-mail. The requester must still hold ``EXPORT_SCHOOL`` (checked again: a task runs later); otherwise, or
    on any error, the export is marked failed with the reason. Returns the ``SchoolExport`` or None."""
    now = now or timezone.now()
    claimed = SchoolExport.objects.filter(pk=export_id, status=SchoolExport.Status.PENDING).update(
        status=SchoolExport.Status.BUILDING, started_at=now
    )
    if not claimed:
        return None
    export = SchoolExport.objects.select_related("school", "requested_by").get(pk=export_id)
    school = export.school
    if not permissions.can(export.requested_by, permissions.EXPORT_SCHOOL, school):
        return _fail(export, _("The person who asked for this export is no longer the headteacher."))
    language = school_language(school, export.requested_by.language)
    try:
        with translation.override(language), tempfile.TemporaryFile() as temporary:
            with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                files, concern_ids = _write_zip(archive, school=school, export=export, now=now)
            temporary.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: temporary.read(1024 * 1024), b""):
                digest.update(chunk)
            size = temporary.tell()
            temporary.seek(0)
            name = f"{school.slug}-export-{school.today(now).isoformat()}.zip"
            export.file.save(name, File(temporary, name=name), save=False)
    except Exception as error:  # noqa: BLE001 — any failure is shown on the page, never a silent "being prepared"
        logger.exception("School export %s failed", export_id)
        return _fail(export, f"{error.__class__.__name__}: {error}")
    from . import tasks

    with transaction.atomic():
        stored = export.file.name
        export = SchoolExport.objects.select_for_update().select_related("school").get(pk=export.pk)
        if export.status != SchoolExport.Status.BUILDING:  # marked failed meanwhile (it took too long)
            return None
        export.file.name = stored
        export.sha256 = digest.hexdigest()
        export.size = size
        export.contents = files
        export.concern_ids = concern_ids
        export.status = SchoolExport.Status.READY
        export.finished_at = timezone.now()
        export.save()  # saved, not updated: django-simple-history keeps the change
        audit_log(
            actor=None,
            action="exports.school_export.built",
            school=school,
            subject=export,
            data={"sha256": export.sha256, "files": len(files), "include_concerns": export.include_concerns},
        )
        enqueue(tasks.send_school_export_ready, export.pk)
    return export


def _fail(export, reason):
    with transaction.atomic():
        export.status = SchoolExport.Status.FAILED
        export.error = reason[:2000]
        export.finished_at = timezone.now()
        export.save()
        audit_log(
            actor=None,
            action="exports.school_export.failed",
            school=export.school,
            subject=export,
            data={"error": reason[:200]},
        )
    return export


def school_export_downloaded(*, actor, export, ip_address=None):
    """Audit a download of ``export`` by ``actor``: ``exports.school_export.downloaded`` for the export, and, when it
    holds safeguarding concerns, one event per pupil named in them (as every concern list does). Raises
    ``DomainError`` if ``actor`` may not download it (the view has already answered 404 for that)."""
    from incidents.models import Incident
    from incidents.services import concerns_shown_log

    if not permissions.can(actor, permissions.EXPORT_SCHOOL, export.school):
        raise DomainError(_("Only the headteacher may download the school export."), code="forbidden")
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="exports.school_export.downloaded",
            school=export.school,
            subject=export,
            data={"sha256": export.sha256},
            ip_address=ip_address,
        )
        if export.include_concerns and export.concern_ids:
            concerns = Incident.objects.filter(school=export.school, public_id__in=export.concern_ids)
            concerns_shown_log(
                actor=actor,
                action="exports.school_export.downloaded",
                school=export.school,
                incidents=concerns,
                ip_address=ip_address,
                data={"export": str(export.public_id)},
            )
