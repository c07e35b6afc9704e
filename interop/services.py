"""Import a OneRoster 1.2 CSV zip or a DfE Common Transfer File: preview (nothing written), then apply once.

Both formats are read (``interop.readers``) into the roster rows of our own CSV import, and
``safeguard.directory.roster`` does the rest: the same matching rules, the same ``RosterPlan``, the same writes
(``write_roster_plan``). Its errors are translated back to the uploaded file's own file, line (or record) and
field, so the office sees "users.csv, line 7, email" rather than a row of a file it never saw.

* ``interop_import_preview`` reads the upload, stores it as an ``InteropImport`` (``pending`` or ``rejected``)
  and returns it with a ``Preview``: the errors, or the changes the file would make.
* ``interop_import_apply`` reads the stored file again (never trusting the preview), and writes everything in
  one transaction or nothing: year groups new to the school (OneRoster grades), classes, parents and carers,
  pupils, links, class teachers (OneRoster), leavers (OneRoster, only when the office ticks the box) and the
  ``ExternalId`` of every OneRoster record. An unchanged file applied again changes nothing and writes no
  history rows (only changed fields are saved).

Permission: ``MANAGE_ROSTER`` in the school (office, headteacher), checked again here. A district's zip is
imported school by school: each school's office imports the same file and gets its own school's records.
"""

import hashlib
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import datacache, permissions
from safeguard.accounts.services import invitation_create
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import Pupil, SchoolClass
from safeguard.directory.roster import (
    RosterPlan,
    _current_academic_year,
    _fold,
    build_roster_plan,
    write_roster_plan,
)

from . import services_staff
from .models import ExternalId, InteropImport
from .readers import ctf, oneroster
from .readers.base import ReportError
from .services_staff import StaffPlan, build_staff_plan, class_teachers_to_add, write_staff_plan

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

logger = logging.getLogger(__name__)


@dataclass
class Preview:
    """What a file would do: ``errors`` (``ReportError``; when any, nothing else is filled), the roster ``plan``,
    year groups and class teachers the file would add, ``notes`` that are not errors, and whether the confirm
    form may offer to mark absent pupils as left (``offers_leavers``: OneRoster yes, CTF no)."""

    kind: str
    errors: list = field(default_factory=list)
    plan: RosterPlan | None = None
    year_groups_created: list = field(default_factory=list)
    teachers_added: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    offers_leavers: bool = True
    conversion: object = None
    staff: StaffPlan | None = None

    @property
    def is_valid(self):
        return not self.errors

    def counts(self):
        counts = self.plan.counts() if self.plan is not None else {}
        counts = {**counts, "errors": len(self.errors)}
        counts["year_groups_created"] = len(self.year_groups_created)
        counts["teachers_added"] = len(self.teachers_added)
        counts.update((self.staff or StaffPlan()).counts())
        if not self.offers_leavers:
            counts["pupils_absent"] = 0
        return counts

    @property
    def has_changes(self):
        return bool(
            (self.plan is not None and self.plan.has_changes)
            or self.year_groups_created
            or self.teachers_added
            or (self.staff is not None and self.staff.has_changes)
        )


def _check_actor(actor, school):
    if not permissions.can(actor, permissions.MANAGE_ROSTER, school):
        raise PermissionError("This user may not import the roster of this school.")


def _translate(conversion, roster_errors, filename):
    """The roster plan's errors, named by the uploaded file's own file, line or record, and field."""
    translated = []
    for error in roster_errors:
        origin = conversion.origin_of(error.row, error.column)
        if origin is None:
            translated.append(ReportError(filename, None, "", error.column, error.message))
        else:
            translated.append(ReportError(origin.file, origin.line, origin.record, origin.field, error.message))
    return translated


def build_preview(*, school, kind, payload, today, filename="", allowed=None, parsed=None, org=None):
    """Read ``payload`` (bytes of a ``kind`` file) against ``school``'s records on ``today``. Reads only.

    ``allowed``: the staff roles a OneRoster file may give (``services_staff.allowed_roles``; teacher and office
    staff when not given). ``parsed``/``org``: a district zip already read and the school's org in it."""
    if kind == InteropImport.Kind.ONEROSTER:
        conversion = oneroster.convert(school=school, payload=payload, today=today, parsed=parsed, org=org)
    else:
        conversion = ctf.convert(school=school, payload=payload, today=today, filename=filename or "CTF")
    preview = Preview(kind=kind, offers_leavers=conversion.offers_leavers, conversion=conversion)
    preview.notes = list(conversion.notes)
    if conversion.errors:
        preview.errors = conversion.errors
        return preview
    plan = build_roster_plan(
        school=school, content=conversion.csv_text(), today=today, extra_year_groups=conversion.new_year_groups
    )
    if not plan.is_valid:
        preview.errors = _translate(conversion, plan.errors, filename)
        return preview
    if not conversion.offers_leavers:
        plan.pupils_absent = []
    preview.plan = plan
    preview.year_groups_created = conversion.new_year_groups
    if kind == InteropImport.Kind.ONEROSTER:
        preview.staff = build_staff_plan(
            school=school,
            facts=conversion.extra.get("staff", []),
            allowed=services_staff.FILE_ROLES if allowed is None else allowed,
        )
        preview.teachers_added = class_teachers_to_add(
            school=school,
            plan=preview.staff,
            teacher_classes=conversion.extra.get("teacher_classes", []),
            academic_year=_current_academic_year(school, today),
        )
        if preview.staff.not_added:
            preview.notes.append(
                _("Staff not added: %(people)s.")
                % {"people": "; ".join(f"{name} ({reason})" for name, reason in preview.staff.not_added)}
            )
    return preview


def _staff_summary(staff, country):
    """Names and roles of the staff a preview adds, updates and ends (kept in the stored report); roles named as a
    school of ``country`` names them (a US headteacher is a principal)."""
    from onboarding.services.people import role_label

    if staff is None:
        return {}

    def people(changes):
        return [
            {
                "name": c.name,
                "email": c.email,
                "job_title": c.job_title,
                "roles": list(c.roles),
                "role_labels": [str(role_label(role, country)) for role in c.roles],
                "kept_labels": [str(role_label(role, country)) for role in c.kept_roles],
            }
            for c in changes
        ]

    return {"created": people(staff.created), "updated": people(staff.updated), "ending": people(staff.ending)}


def _summary(preview, school):
    return {
        "staff": _staff_summary(preview.staff, school.country),
        "counts": preview.counts(),
        "errors": [error.as_dict() for error in preview.errors],
        "notes": [str(note) for note in preview.notes],
        "absent_pupils": [str(pupil.public_id) for pupil in preview.plan.pupils_absent] if preview.plan else [],
    }


def interop_import_preview(*, actor, school, kind, uploaded_file, now=None):
    """Check an uploaded OneRoster zip or CTF and store it for confirmation. Writes no pupil, parent or class.

    Args:
        actor: the ``User`` uploading; needs ``MANAGE_ROSTER`` in ``school``.
        school: the ``School``.
        kind: ``InteropImport.Kind`` (``oneroster`` or ``ctf``).
        uploaded_file: a Django ``UploadedFile`` of at most ``MAX_UPLOAD_BYTES``.
        now: aware datetime (tests fix the clock).

    Returns ``(interop_import, preview)``; the import is ``pending`` or, with errors, ``rejected``. Earlier
    pending imports of the same kind for the school are cancelled. Raises ``PermissionError`` for an actor without
    the capability and ``DomainError`` for an empty or too large file; problems inside the file are the
    preview's ``errors``.
    """
    _check_actor(actor, school)
    payload = read_upload(uploaded_file)
    now = now or timezone.now()
    filename = (uploaded_file.name or "")[-255:]
    preview = build_preview(
        school=school,
        kind=kind,
        payload=payload,
        today=school.today(now),
        filename=filename,
        allowed=services_staff.allowed_roles(actor, school),
    )
    with transaction.atomic():
        InteropImport.objects.filter(school=school, kind=kind, status=InteropImport.Status.PENDING).update(
            status=InteropImport.Status.CANCELLED, updated_at=now
        )
        interop_import = InteropImport.objects.create(
            school=school,
            kind=kind,
            uploaded_by=actor,
            original_filename=filename,
            payload=payload,
            sha256=hashlib.sha256(payload).hexdigest(),
            status=InteropImport.Status.PENDING if preview.is_valid else InteropImport.Status.REJECTED,
            summary=_summary(preview, school),
        )
    return interop_import, preview


def read_upload(uploaded_file):
    """The bytes of ``uploaded_file``; raises ``DomainError`` when it is larger than ``MAX_UPLOAD_BYTES`` or empty."""
    if uploaded_file.size > MAX_UPLOAD_BYTES:
        raise DomainError(
            _("The file is larger than %(max)s MB.") % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}, code="too_large"
        )
    payload = uploaded_file.read()
    if not payload.strip():
        raise DomainError(_("The file is empty."), code="empty")
    return payload


APPLY_OPTIONS = ("mark_absent_as_left", "invite_guardians", "invite_staff", "end_staff_roles", "invite_students")


def not_pending_error():
    return DomainError(
        _(
            "This import can no longer be applied: it has already been applied, it had errors, or a newer "
            "file was uploaded. Upload the file again."
        ),
        code="not_pending",
    )


def interop_import_queue(*, actor, interop_import, now=None, **options):
    """Confirm a pending import: claim it (``pending`` → ``applying``, a conditional UPDATE, so a double submit
    queues once) and queue ``interop.tasks.apply_interop_import`` after commit. The apply runs off the request.

    Args:
        actor: the ``User`` confirming; needs ``MANAGE_ROSTER``. The task applies as this person.
        interop_import: a pending ``InteropImport`` of a school the caller has already checked.
        options: the boxes of the confirm form, ``APPLY_OPTIONS`` (bools), passed to ``interop_import_apply``.

    Raises ``PermissionError``, and ``DomainError`` when the import is not pending.
    """
    from safeguard.jobs.services import enqueue

    from .tasks import apply_interop_import

    _check_actor(actor, interop_import.school)
    now = now or timezone.now()
    options = {name: bool(options.get(name)) for name in APPLY_OPTIONS}
    with transaction.atomic():
        claimed = InteropImport.objects.filter(pk=interop_import.pk, status=InteropImport.Status.PENDING).update(
            status=InteropImport.Status.APPLYING, applied_by=actor, updated_at=now
        )
        if claimed != 1:
            raise not_pending_error()
        interop_import.refresh_from_db()
        interop_import.summary = {**interop_import.summary, "apply_options": options}
        interop_import.save(update_fields=["summary", "updated_at"])
        enqueue(apply_interop_import, interop_import.pk)
    return interop_import


def interop_import_apply(
    *,
    actor,
    interop_import,
    mark_absent_as_left=False,
    invite_guardians=False,
    invite_staff=False,
    end_staff_roles=False,
    invite_students=False,
    now=None,
    claim_from=InteropImport.Status.PENDING,
):
    """Apply an import: every change in one transaction, once.

    Args:
        actor: the ``User`` confirming; needs ``MANAGE_ROSTER`` in the import's school.
        interop_import: an ``InteropImport`` in status ``claim_from`` (``pending`` for a scheduled sync, which runs
            in its own task; ``applying`` for one the office confirmed, from ``interop.tasks``).
        mark_absent_as_left: OneRoster only: give the pupils listed as leaving in the preview (``tobedeleted``,
            or no longer in the bulk file) ``left_on`` = today. Ignored for a CTF (a CTF lists only some pupils).
        invite_guardians: e-mail an account invitation (``accounts.invitation_create``) to every parent or carer
            this import creates who has an e-mail address and parental responsibility.
        invite_staff: OneRoster only: e-mail the staff invitation to every member of staff given a role by this
            import who has no password yet (``services_staff.write_staff_plan``).
        end_staff_roles: OneRoster only: end the roles of the staff marked ``tobedeleted`` (listed in the preview).
        invite_students: OneRoster only: e-mail an account invitation
            (``accounts.services.pupil_invitation_create``) to every student of the file the school's setting for
            pupils' own accounts covers, with an e-mail address and no account or open invitation yet. Students'
            addresses (users.csv ``email``) are recorded on the pupils either way.
        now: aware datetime (tests fix the clock).

    Returns the counts (``Preview.counts`` plus ``pupils_marked_left``, ``invitations_sent``,
    ``staff_invitations_sent``, ``staff_roles_ended`` and ``student_invitations_sent``). Writes the audit event
    ``interop.<kind>.imported``.
    Raises ``PermissionError``; ``DomainError`` when the import is not in ``claim_from``, the stored file no
    longer passes the checks, or the leavers changed since the preview. Nothing is written then.
    """
    school = interop_import.school
    _check_actor(actor, school)
    now = now or timezone.now()
    today = school.today(now)
    with transaction.atomic():
        claimed = InteropImport.objects.filter(pk=interop_import.pk, status=claim_from).update(
            status=InteropImport.Status.APPLIED, applied_at=now, updated_at=now
        )
        if claimed != 1:
            raise not_pending_error()
        preview = build_preview(
            school=school,
            kind=interop_import.kind,
            payload=bytes(interop_import.payload),
            today=today,
            filename=interop_import.original_filename,
            allowed=services_staff.allowed_roles(actor, school),
        )
        counts = apply_preview(
            actor=actor,
            school=school,
            preview=preview,
            today=today,
            absent_in_preview=interop_import.summary.get("absent_pupils", []),
            mark_absent_as_left=mark_absent_as_left,
            invite_guardians=invite_guardians,
            invite_staff=invite_staff,
            end_staff_roles=end_staff_roles,
            invite_students=invite_students,
        )
        interop_import.refresh_from_db(fields=["status", "applied_at"])
        interop_import.summary = {**interop_import.summary, "applied": counts}
        interop_import.save(update_fields=["summary", "updated_at"])
        audit_log(
            actor=actor,
            action=f"interop.{interop_import.kind}.imported",
            school=school,
            subject=interop_import,
            data={"counts": counts, "sha256": interop_import.sha256},
        )
    return counts


@datacache.bumps_at_end()  # the figures' versions once at the end, not on the first pupil's save
def apply_preview(
    *,
    actor,
    school,
    preview,
    today,
    absent_in_preview,
    mark_absent_as_left=False,
    invite_guardians=False,
    invite_staff=False,
    end_staff_roles=False,
    invite_students=False,
):
    """Write a preview built again from the stored file (inside the caller's transaction; the caller checked the
    actor). ``absent_in_preview``: the public ids (str) of the leavers the person saw. Returns the counts; raises
    ``DomainError`` when the file no longer passes the checks or the leavers changed (the caller's transaction
    then writes nothing)."""
    if not preview.is_valid:
        raise DomainError(
            _("The file no longer passes the checks (the roster changed since the preview). Upload it again."),
            code="invalid",
        )
    plan = preview.plan
    mark_absent_as_left = mark_absent_as_left and preview.offers_leavers
    absent_ids = sorted(str(pupil.public_id) for pupil in plan.pupils_absent)
    if mark_absent_as_left and absent_ids != sorted(absent_in_preview):
        raise DomainError(
            _("The pupils leaving have changed since the preview. Upload the file again."), code="absent_changed"
        )
    for year_group in preview.year_groups_created:
        year_group.full_clean(exclude=["school"])
        year_group._history_user = actor
        year_group.save()
    marked_left = write_roster_plan(plan, actor=actor, today=today, mark_absent_as_left=mark_absent_as_left)
    staff_result = {"invitations": 0, "roles_ended": 0}
    student_invitations = 0
    if preview.kind == InteropImport.Kind.ONEROSTER:
        _record_external_ids(school, preview.conversion, today)
        students = _record_student_emails(school, preview.conversion, actor)
        if invite_students:
            student_invitations = _invite_students(actor, school, students)
        if not end_staff_roles:
            preview.staff.ending = []
        staff_result = write_staff_plan(
            plan=preview.staff,
            school=school,
            actor=actor,
            today=today,
            invite=invite_staff,
            class_teachers=preview.teachers_added,
            academic_year=_current_academic_year(school, today),
        )
    invitations = _invite_new_guardians(actor, plan) if invite_guardians else 0
    return {
        **preview.counts(),
        "pupils_marked_left": marked_left,
        "invitations_sent": invitations,
        "staff_invitations_sent": staff_result["invitations"],
        "staff_roles_ended": staff_result["roles_ended"],
        "student_invitations_sent": student_invitations,
    }


def _record_external_ids(school, conversion, today):
    """Remember the sourcedId of every pupil, parent and class of the file (only those not yet recorded)."""
    known = set(
        ExternalId.objects.filter(school=school, source=ExternalId.Source.ONEROSTER).values_list("kind", "source_id")
    )
    pupils = {}
    for pupil in Pupil.objects.filter(school=school):
        if pupil.upn:
            pupils[("upn", pupil.upn)] = pupil
        if pupil.mis_id:
            pupils[("mis_id", pupil.mis_id)] = pupil
    new = []
    guardians_by_pupil = oneroster.guardians_by_pupil(school)
    for values, facts in zip(conversion.rows, conversion.extra.get("students", []), strict=True):
        pupil = pupils.get(("upn", values.get("upn"))) or pupils.get(("mis_id", values.get("mis_id")))
        if pupil is None:
            continue
        if (ExternalId.Kind.PUPIL, facts["sourced_id"]) not in known:
            new.append(ExternalId(kind=ExternalId.Kind.PUPIL, source_id=facts["sourced_id"], pupil=pupil))
            known.add((ExternalId.Kind.PUPIL, facts["sourced_id"]))
        if any((ExternalId.Kind.GUARDIAN, agent_id) not in known for agent_id, *_names in facts["agents"]):
            guardians = guardians_by_pupil.get(pupil.pk, {})
            for agent_id, first, last in facts["agents"]:
                guardian = guardians.get((_fold(first), _fold(last)))
                if guardian is not None and (ExternalId.Kind.GUARDIAN, agent_id) not in known:
                    new.append(ExternalId(kind=ExternalId.Kind.GUARDIAN, source_id=agent_id, guardian=guardian))
                    known.add((ExternalId.Kind.GUARDIAN, agent_id))
    academic_year = _current_academic_year(school, today)
    if academic_year is not None:
        classes = {_fold(c.name): c for c in SchoolClass.objects.filter(school=school, academic_year=academic_year)}
        for title, class_id in conversion.extra.get("classes", {}).items():
            school_class = classes.get(_fold(title))
            if school_class is not None and (ExternalId.Kind.CLASS, class_id) not in known:
                new.append(ExternalId(kind=ExternalId.Kind.CLASS, source_id=class_id, school_class=school_class))
                known.add((ExternalId.Kind.CLASS, class_id))
    for external_id in new:
        external_id.school = school
        external_id.source = ExternalId.Source.ONEROSTER
    ExternalId.objects.bulk_create(new)


def _record_student_emails(school, conversion, actor):
    """Record each student's own address from users.csv (``email``) on their pupil record, matched as
    ``_record_external_ids`` matches them (UPN, else MIS id); a blank address in the file keeps the one recorded.
    Returns the pupils of the file (list), for ``_invite_students``. One save (with history) per changed pupil."""
    pupils = {}
    for pupil in Pupil.objects.filter(school=school).select_related("school", "year_group"):
        if pupil.upn:
            pupils[("upn", pupil.upn)] = pupil
        if pupil.mis_id:
            pupils[("mis_id", pupil.mis_id)] = pupil
    found = []
    for values, facts in zip(conversion.rows, conversion.extra.get("students", []), strict=True):
        pupil = pupils.get(("upn", values.get("upn"))) or pupils.get(("mis_id", values.get("mis_id")))
        if pupil is None:
            continue
        found.append(pupil)
        email = facts.get("email", "")
        if email and email != pupil.email:
            pupil.email = email
            pupil._history_user = actor
            pupil.save(update_fields=["email", "updated_at"])
    return found


def _invite_students(actor, school, pupils):
    """Invite the students of the file old enough under the school's setting (issue 14 item 1) who have an address,
    no account and no open invitation (a re-import sends nothing twice). Returns how many were invited."""
    from safeguard.accounts.models import Invitation
    from safeguard.accounts.services import pupil_invitation_create
    from safeguard.directory.pupil_accounts import pupil_is_eligible, setting_for

    setting = setting_for(school)
    if setting is None or not setting.is_on:
        return 0
    today = school.today()
    invited = set(
        Invitation.objects.filter(
            pupil__school=school, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).values_list("pupil_id", flat=True)
    )
    sent = 0
    for pupil in pupils:
        if not pupil.email or pupil.user_id is not None or pupil.pk in invited or not pupil.is_on_roll(today):
            continue
        if not pupil_is_eligible(pupil, setting=setting, day=today):
            continue
        try:
            pupil_invitation_create(actor=actor, pupil=pupil)
        except (DomainError, PermissionError):
            continue  # e.g. the address is another account's: the office sees it on the pupil page
        sent += 1
    return sent


def _invite_new_guardians(actor, plan):
    """Invite the parents and carers created by this plan who have an e-mail address and parental responsibility."""
    responsible = {id(change.obj.guardian) for change in plan.links_created if change.obj.has_parental_responsibility}
    sent = 0
    for change in plan.guardians_created:
        guardian = change.obj
        if guardian.email and id(guardian) in responsible:
            try:
                invitation_create(actor=actor, guardian=guardian)
            except (DomainError, PermissionError):
                continue
            sent += 1
    return sent


QUEUED_FAILURE = _("An unexpected error stopped the import. Nothing was applied; the administrators have been told.")


def run_queued(*, model, pk, apply, now=None):
    """Apply a confirmed (``applying``) import of ``model`` (``InteropImport`` or ``DistrictImport``, int ``pk``) in
    a Celery task: ``apply(record, options, now)`` does the writes in its own transaction and claims ``applying`` →
    ``applied``. On any error that transaction has rolled back, so nothing is applied: the import is marked
    ``failed`` with the reason, and the person who confirmed is e-mailed either way
    (``interop.tasks.send_import_result``). A record not ``applying`` (already done: a task run twice) is left as it
    is. Returns the status reached, or None."""
    from safeguard.jobs.services import enqueue

    from .tasks import send_import_result

    record = model.objects.filter(pk=pk, status=InteropImport.Status.APPLYING).first()
    if record is None:
        return None
    options = {name: bool(value) for name, value in record.summary.get("apply_options", {}).items()}
    try:
        apply(record, options, now)
    except DomainError as error:
        message = error.message
    except PermissionError:
        message = _("You may no longer import this roster, so nothing was applied.")
    except Exception:
        logger.exception("%s %s failed", model.__name__, pk)
        message = QUEUED_FAILURE
    else:
        message = None
    with transaction.atomic():
        if message is not None:
            record.refresh_from_db()
            model.objects.filter(pk=pk, status=InteropImport.Status.APPLYING).update(
                status=InteropImport.Status.FAILED,
                summary={**record.summary, "failure": str(message)},
                updated_at=timezone.now(),
            )
        enqueue(send_import_result, model._meta.label, pk)
    return model.objects.values_list("status", flat=True).get(pk=pk)


def interop_import_run(*, import_id, now=None):
    """The task's work for a school's import (``InteropImport`` int pk): ``run_queued`` with
    ``interop_import_apply`` as the person who confirmed."""

    def apply(record, options, now):
        return interop_import_apply(
            actor=record.applied_by,
            interop_import=record,
            now=now,
            claim_from=InteropImport.Status.APPLYING,
            **options,
        )

    return run_queued(model=InteropImport, pk=import_id, apply=apply, now=now)
