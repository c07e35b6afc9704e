"""One OneRoster zip for a whole district or trust (issue 14 item 1): one preview, all schools in one transaction.

The district or trust administrator (``MANAGE_SCHOOLS`` on the organisation) uploads the zip their SIS exports for
the district. It is read and checked once (``oneroster.parse``); every org of type school in ``orgs.csv`` is matched
to a school of the organisation (``match_schools``), and each school's part is previewed and applied exactly as that
school's own OneRoster import would be (``services.build_preview`` / ``services.apply_preview``).

Matching a school, in order: the org's ``sourcedId`` remembered from an earlier import (``ExternalId`` kind school),
its ``identifier`` equal to the school's district or campus code, then its ``name`` equal to the school's name.

An org of type school that matches no school of the organisation is **refused**, not created: the preview names it
(orgs.csv, its line, ``identifier``) and nothing is imported. Creating a school needs what a file does not hold
(its time zone, calendar, phase, headteacher) and a school created by a typo in a SIS would receive real children's
records; the administrator adds the school on the organisation's Schools page, with its code, and uploads again.

Apply runs in a Celery task (``interop.tasks.apply_district_import``) as the administrator who confirmed, in one
transaction for all schools: a problem in any school applies nothing anywhere.
"""

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import datacache, permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import School

from . import services_staff
from .models import DistrictImport, ExternalId, InteropImport
from .readers import oneroster
from .readers.base import ReportError
from .services import APPLY_OPTIONS, apply_preview, build_preview, not_pending_error, read_upload, run_queued


@dataclass
class SchoolPart:
    """One school of the district in the file: the ``school``, its org's ``org_id`` and ``line`` in orgs.csv, how it
    was matched (``matched_by``: "sourcedId", "identifier" or "name") and its ``preview`` (``services.Preview``)."""

    school: School
    org_id: str
    line: int
    matched_by: str
    preview: object = None


@dataclass
class DistrictPreview:
    """What a district zip would do: ``errors`` (``ReportError``; any error refuses the whole file), ``parts``
    (``SchoolPart`` per school, in orgs.csv order) and ``notes`` (per school, prefixed with the school's name)."""

    errors: list = field(default_factory=list)
    parts: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def is_valid(self):
        return not self.errors

    def totals(self):
        """The per-school counts added up (ints)."""
        totals = {}
        for part in self.parts:
            for name, value in part.preview.counts().items():
                totals[name] = totals.get(name, 0) + value
        return totals


def _check_actor(actor, organisation):
    if not permissions.can(actor, permissions.MANAGE_SCHOOLS, organisation):
        raise PermissionError("This user may not import the roster of this district.")


def match_schools(parsed, organisation):
    """Match every active org of type school in ``parsed`` to a school of ``organisation``.

    Returns ``(parts, errors)``: a ``SchoolPart`` per matched org, and a ``ReportError`` (orgs.csv, line, field) per
    org matching no school, or a school matched by two orgs. Reads only.
    """
    schools = list(School.objects.filter(organisation=organisation))
    remembered = {
        link.source_id: link.school_id
        for link in ExternalId.objects.filter(
            school__organisation=organisation, source=ExternalId.Source.ONEROSTER, kind=ExternalId.Kind.SCHOOL
        )
    }
    by_pk = {school.pk: school for school in schools}
    by_code = {school.district_code.casefold(): school for school in schools if school.district_code}
    by_name = {oneroster._fold(school.name): school for school in schools}
    parts, errors, taken = [], [], {}
    for line, row in parsed.school_orgs():
        school, matched_by = by_pk.get(remembered.get(row["sourcedId"])), "sourcedId"
        if school is None and row.get("identifier"):
            school, matched_by = by_code.get(row["identifier"].casefold()), "identifier"
        if school is None:
            school, matched_by = by_name.get(oneroster._fold(row["name"])), "name"
        if school is None:
            errors.append(
                ReportError(
                    "orgs.csv",
                    line,
                    "",
                    "identifier",
                    _(
                        "The school “%(name)s” (identifier “%(code)s”) is not a school of %(organisation)s. Add it on "
                        "the Schools page with this identifier as its district or campus code, or leave it out of "
                        "the export; nothing was imported."
                    )
                    % {"name": row["name"], "code": row.get("identifier", ""), "organisation": organisation.name},
                )
            )
            continue
        if school.pk in taken:
            errors.append(
                ReportError(
                    "orgs.csv",
                    line,
                    "",
                    "sourcedId",
                    _("This is the same school as the org on line %(other)s (%(school)s).")
                    % {"other": taken[school.pk], "school": school.name},
                )
            )
            continue
        taken[school.pk] = line
        parts.append(SchoolPart(school=school, org_id=row["sourcedId"], line=line, matched_by=matched_by))
    if not parts and not errors:
        errors.append(ReportError("orgs.csv", None, "", "type", _("orgs.csv holds no org of type school.")))
    return parts, errors


def build_district_preview(*, actor, organisation, payload, now):
    """Read the district zip ``payload`` (bytes) against every school of ``organisation`` at ``now``. Reads only.

    Each school's part is previewed with the staff roles ``actor`` may give there (``services_staff.allowed_roles``).
    A school's own errors name the school in their ``record``. Returns a ``DistrictPreview``.
    """
    preview = DistrictPreview()
    parsed = oneroster.parse(payload=payload, today=timezone.localdate(now))
    if parsed.errors:
        preview.errors = parsed.errors
        return preview
    preview.parts, preview.errors = match_schools(parsed, organisation)
    if preview.errors:
        return preview
    for part in preview.parts:
        part.preview = build_preview(
            school=part.school,
            kind=InteropImport.Kind.ONEROSTER,
            payload=None,
            today=part.school.today(now),
            allowed=services_staff.allowed_roles(actor, part.school),
            parsed=parsed,
            org=part.org_id,
        )
        for error in part.preview.errors:
            preview.errors.append(
                ReportError(error.file, error.line, error.record or part.school.name, error.field, error.message)
            )
        preview.notes.extend(f"{part.school.name}: {note}" for note in part.preview.notes)
    return preview


def _summary(preview):
    from .services import _staff_summary

    return {
        "errors": [error.as_dict() for error in preview.errors],
        "notes": [str(note) for note in preview.notes],
        "counts": preview.totals() if preview.is_valid else {},
        "schools": [
            {
                "school": str(part.school.public_id),
                "name": part.school.name,
                "slug": part.school.slug,
                "org": part.org_id,
                "matched_by": part.matched_by,
                "counts": part.preview.counts() if part.preview is not None and part.preview.is_valid else {},
                "staff": _staff_summary(part.preview.staff, part.school.country) if part.preview is not None else {},
                "absent_pupils": [str(p.public_id) for p in part.preview.plan.pupils_absent]
                if part.preview is not None and part.preview.plan is not None
                else [],
            }
            for part in preview.parts
        ],
    }


def district_import_preview(*, actor, organisation, uploaded_file, now=None):
    """Check a district's OneRoster zip and store it for confirmation. Writes nothing in any school.

    Args:
        actor: the ``User`` uploading; needs ``MANAGE_SCHOOLS`` on ``organisation``.
        organisation: the trust or district (``Organisation``).
        uploaded_file: a Django ``UploadedFile`` of at most ``services.MAX_UPLOAD_BYTES``.
        now: aware datetime (tests fix the clock).

    Returns ``(district_import, preview)``: ``pending``, or ``rejected`` with every error by file, line and field.
    Earlier pending district imports of the organisation are cancelled. Raises ``PermissionError``; ``DomainError``
    for an empty or too large file.
    """
    _check_actor(actor, organisation)
    payload = read_upload(uploaded_file)
    now = now or timezone.now()
    preview = build_district_preview(actor=actor, organisation=organisation, payload=payload, now=now)
    with transaction.atomic():
        DistrictImport.objects.filter(organisation=organisation, status=InteropImport.Status.PENDING).update(
            status=InteropImport.Status.CANCELLED, updated_at=now
        )
        district_import = DistrictImport.objects.create(
            organisation=organisation,
            uploaded_by=actor,
            original_filename=(uploaded_file.name or "")[-255:],
            payload=payload,
            sha256=hashlib.sha256(payload).hexdigest(),
            status=InteropImport.Status.PENDING if preview.is_valid else InteropImport.Status.REJECTED,
            summary=_summary(preview),
        )
    return district_import, preview


def district_import_queue(*, actor, district_import, now=None, **options):
    """Confirm a pending district import: claim it (``pending`` → ``applying``) and queue
    ``interop.tasks.apply_district_import`` after commit. ``options``: ``services.APPLY_OPTIONS`` (bools).
    Raises ``PermissionError``, and ``DomainError`` when the import is not pending."""
    from safeguard.jobs.services import enqueue

    from .tasks import apply_district_import

    _check_actor(actor, district_import.organisation)
    now = now or timezone.now()
    # Families and pupils are invited by each school's office, never from the district (``INVITE_GUARDIAN``).
    options = {
        name: bool(options.get(name)) for name in APPLY_OPTIONS if name not in ("invite_guardians", "invite_students")
    }
    with transaction.atomic():
        claimed = DistrictImport.objects.filter(pk=district_import.pk, status=InteropImport.Status.PENDING).update(
            status=InteropImport.Status.APPLYING, applied_by=actor, updated_at=now
        )
        if claimed != 1:
            raise not_pending_error()
        district_import.refresh_from_db()
        district_import.summary = {**district_import.summary, "apply_options": options}
        district_import.save(update_fields=["summary", "updated_at"])
        enqueue(apply_district_import, district_import.pk)
    return district_import


def district_import_apply(
    *,
    actor,
    district_import,
    mark_absent_as_left=False,
    invite_staff=False,
    end_staff_roles=False,
    now=None,
    claim_from=InteropImport.Status.APPLYING,
):
    """Apply a district import to every school of the file in one transaction, once.

    Args:
        actor: the ``User`` who confirmed; needs ``MANAGE_SCHOOLS`` on the organisation.
        district_import: a ``DistrictImport`` in status ``claim_from``.
        mark_absent_as_left, invite_staff, end_staff_roles: as ``services.interop_import_apply``, in every school.
            Parents are not invited from a district import (inviting a family is the school's office's step).
        now: aware datetime (tests fix the clock).

    The stored zip is read again and each school's part checked against its records as they are now. Returns
    ``{"totals": counts, "schools": {school public id: counts}}``. Writes per school the audit event
    ``interop.oneroster.imported`` and, for the organisation, ``interop.district_import.applied``; remembers each
    school's org sourcedId. Raises ``PermissionError``; ``DomainError`` (nothing written in any school) when the
    import is not in ``claim_from``, the file no longer passes the checks or a school's leavers changed.
    """
    organisation = district_import.organisation
    _check_actor(actor, organisation)
    now = now or timezone.now()
    # Every school's figures versions are bumped once as the last school's writes end (``datacache.bumps_at_end``), so
    # no school's row is held while the others are written.
    with transaction.atomic(), datacache.bumps_at_end():
        claimed = DistrictImport.objects.filter(pk=district_import.pk, status=claim_from).update(
            status=InteropImport.Status.APPLIED, applied_at=now, updated_at=now
        )
        if claimed != 1:
            raise not_pending_error()
        preview = build_district_preview(
            actor=actor, organisation=organisation, payload=bytes(district_import.payload), now=now
        )
        if not preview.is_valid:
            raise DomainError(
                _("The file no longer passes the checks (a roster changed since the preview). Upload it again."),
                code="invalid",
            )
        seen = {item["school"]: item for item in district_import.summary.get("schools", [])}
        results, totals = {}, {}
        for part in preview.parts:
            school = part.school
            counts = apply_preview(
                actor=actor,
                school=school,
                preview=part.preview,
                today=school.today(now),
                absent_in_preview=seen.get(str(school.public_id), {}).get("absent_pupils", []),
                mark_absent_as_left=mark_absent_as_left,
                invite_staff=invite_staff,
                end_staff_roles=end_staff_roles,
            )
            results[str(school.public_id)] = counts
            for name, value in counts.items():
                totals[name] = totals.get(name, 0) + value
            if not ExternalId.objects.filter(
                school=school, source=ExternalId.Source.ONEROSTER, kind=ExternalId.Kind.SCHOOL, source_id=part.org_id
            ).exists():
                ExternalId.objects.create(
                    school=school,
                    source=ExternalId.Source.ONEROSTER,
                    kind=ExternalId.Kind.SCHOOL,
                    source_id=part.org_id,
                )
            audit_log(
                actor=actor,
                action="interop.oneroster.imported",
                school=school,
                subject=district_import,
                data={"counts": counts, "sha256": district_import.sha256, "district_import": True},
            )
        district_import.refresh_from_db(fields=["status", "applied_at"])
        district_import.summary = {**district_import.summary, "applied": totals, "applied_schools": results}
        district_import.save(update_fields=["summary", "updated_at"])
        audit_log(
            actor=actor,
            action="interop.district_import.applied",
            subject=district_import,
            data={
                "organisation": str(organisation.public_id),
                "schools": len(results),
                "counts": totals,
                "sha256": district_import.sha256,
            },
        )
    return {"totals": totals, "schools": results}


def district_import_run(*, import_id, now=None):
    """The task's work for a district import (``DistrictImport`` int pk): ``services.run_queued`` with
    ``district_import_apply`` as the administrator who confirmed."""

    def apply(record, options, now):
        return district_import_apply(actor=record.applied_by, district_import=record, now=now, **options)

    return run_queued(model=DistrictImport, pk=import_id, apply=apply, now=now)
