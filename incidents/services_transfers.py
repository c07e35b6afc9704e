"""Writing the child protection file's side records: transfers of the file to a new school (sent, receipt confirmed)
and the professionals involved with a pupil (front sheet).

KCSIE: when a pupil moves school, the DSL sends the child protection file to the new school's DSL separately from
the main pupil file, within 5 school days, and obtains confirmation of receipt. All of this is the DSL team's work
(``VIEW_SAFEGUARDING``: DSL, deputies, headteacher). Nothing is deleted: a professional no longer involved is ended.
"""

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from .models import FileTransfer, Professional


def _check_dsl_team(actor, school):
    if not permissions.can(actor, permissions.VIEW_SAFEGUARDING, school):
        raise PermissionError("only the DSL team handles child protection files")


def _required(value, message, code):
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code=code)
    return value


def file_transfer_record(
    *, actor, pupil, destination_school, destination_dsl, method, sent_at, destination_email="", now=None
):
    """Record that ``pupil``'s child protection file was sent to their new school. Returns the ``FileTransfer``.

    Args:
        actor: a member of the DSL team of the pupil's school.
        pupil: the ``Pupil`` whose file was sent.
        destination_school, destination_dsl, method: the new school, its DSL's name, how it was sent (for example
            "secure e-mail", "by hand") — non-empty strings; destination_email: the DSL's address, may be empty.
        sent_at: aware datetime, not in the future.

    The child protection file is generated at that moment (``documents.cp_file_pdf``) and its SHA-256 kept, so the
    file sent can be matched later. Recording the same transfer again (same pupil, new school and time sent)
    returns the existing record and changes nothing. Audit ``incidents.file_transfer.recorded`` (subject: pupil).
    Raises ``PermissionError``; ``DomainError`` (code ``destination_school``, ``destination_dsl``, ``method``,
    ``sent_at``). Rule: KCSIE, transfer of the child protection file.
    """
    from .documents import cp_file_pdf

    school = pupil.school
    _check_dsl_team(actor, school)
    now = now or timezone.now()
    destination_school = _required(destination_school, _("Name the new school."), "destination_school")
    destination_dsl = _required(destination_dsl, _("Name the new school's DSL."), "destination_dsl")
    method = _required(method, _("Say how the file was sent."), "method")
    if sent_at is None:
        raise DomainError(_("Say when the file was sent."), code="sent_at")
    if sent_at > now + datetime.timedelta(minutes=5):
        raise DomainError(_("When the file was sent cannot be in the future."), code="sent_at")
    existing = FileTransfer.objects.filter(pupil=pupil, destination_school=destination_school, sent_at=sent_at).first()
    if existing is not None:
        return existing
    pdf = cp_file_pdf(school=school, pupil=pupil, actor=actor, now=now)
    sha256 = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        transfer = FileTransfer.objects.create(
            pupil=pupil,
            school=school,
            destination_school=destination_school,
            destination_dsl=destination_dsl,
            destination_email=(destination_email or "").strip(),
            method=method,
            sent_at=sent_at,
            sent_by=actor,
            file_sha256=sha256,
        )
        audit_log(
            actor=actor,
            action="incidents.file_transfer.recorded",
            school=school,
            subject=pupil,
            data={"pupil": str(pupil.public_id), "transfer": str(transfer.public_id), "sha256": sha256},
        )
    return transfer


def file_transfer_confirm(*, actor, transfer, confirmed_by, confirmed_at=None, now=None):
    """Record that the new school confirmed receipt of the file. Returns the ``FileTransfer``.

    Args:
        actor: a member of the DSL team of the sending school.
        confirmed_by: who confirmed at the new school (non-empty string).
        confirmed_at: aware datetime, not before the file was sent nor in the future; defaults to now.

    A transfer already confirmed is returned unchanged. Audit ``incidents.file_transfer.confirmed`` (subject:
    pupil). Raises ``PermissionError``; ``DomainError`` (code ``confirmed_by``, ``confirmed_at``).
    """
    _check_dsl_team(actor, transfer.school)
    now = now or timezone.now()
    confirmed_by = _required(confirmed_by, _("Say who confirmed receipt."), "confirmed_by")
    confirmed_at = confirmed_at or now
    if confirmed_at > now + datetime.timedelta(minutes=5):
        raise DomainError(_("Receipt cannot be confirmed in the future."), code="confirmed_at")
    if confirmed_at < transfer.sent_at:
        raise DomainError(_("Receipt cannot be confirmed before the file was sent."), code="confirmed_at")
    if transfer.receipt_confirmed_at is not None:
        return transfer
    with transaction.atomic():
        transfer.receipt_confirmed_at = confirmed_at
        transfer.receipt_confirmed_by = confirmed_by
        transfer.save(update_fields=["receipt_confirmed_at", "receipt_confirmed_by", "updated_at"])
        audit_log(
            actor=actor,
            action="incidents.file_transfer.confirmed",
            school=transfer.school,
            subject=transfer.pupil,
            data={"pupil": str(transfer.pupil.public_id), "transfer": str(transfer.public_id)},
        )
    return transfer


def professional_add(*, actor, pupil, name, role, organisation="", phone="", email=""):
    """Add a professional involved with ``pupil`` (front sheet of the child protection file). Returns the
    ``Professional``.

    Args:
        actor: a member of the DSL team of the pupil's school.
        name, role: non-empty strings (for example "Social worker"); organisation, phone, email: optional strings.

    Audit ``incidents.professional.added`` (subject: pupil). Raises ``PermissionError``; ``DomainError`` (code
    ``name``, ``role``).
    """
    _check_dsl_team(actor, pupil.school)
    name = _required(name, _("Give the professional's name."), "name")
    role = _required(role, _("Give the professional's role."), "role")
    with transaction.atomic():
        professional = Professional.objects.create(
            pupil=pupil,
            name=name,
            role=role,
            organisation=(organisation or "").strip(),
            phone=(phone or "").strip(),
            email=(email or "").strip(),
        )
        audit_log(
            actor=actor,
            action="incidents.professional.added",
            school=pupil.school,
            subject=pupil,
            data={"pupil": str(pupil.public_id), "professional": professional.pk, "role": role[:100]},
        )
    return professional


def professional_end(*, actor, professional, ended_on=None):
    """Record that a professional is no longer involved with the pupil (kept on the front sheet as ended). Returns
    the ``Professional``.

    Args:
        actor: a member of the DSL team of the pupil's school.
        ended_on: a date, not in the future; defaults to the school's today.

    A professional already ended is returned unchanged. Audit ``incidents.professional.ended``. Raises
    ``PermissionError``; ``DomainError`` (code ``ended_on``).
    """
    pupil = professional.pupil
    school = pupil.school
    _check_dsl_team(actor, school)
    today = school.today()
    ended_on = ended_on or today
    if ended_on > today:
        raise DomainError(_("The end date cannot be in the future."), code="ended_on")
    if professional.ended_on is not None:
        return professional
    with transaction.atomic():
        professional.ended_on = ended_on
        professional.save(update_fields=["ended_on", "updated_at"])
        audit_log(
            actor=actor,
            action="incidents.professional.ended",
            school=school,
            subject=pupil,
            data={"pupil": str(pupil.public_id), "professional": professional.pk},
        )
    return professional
