"""Writing the child protection file's side records: transfers of the file to a new school (sent, receipt confirmed)
and the professionals involved with a pupil (front sheet).

KCSIE: when a pupil moves school, the DSL sends the child protection file to the new school's DSL separately from
the main pupil file, within 5 school days, and obtains confirmation of receipt. All of this is the DSL team's work
(``VIEW_SAFEGUARDING``: DSL, deputies, headteacher). Nothing is deleted: a professional no longer involved is ended.
"""

import datetime

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


def _transfer_file_request(*, actor, pupil, ip_address=None):
    """Ask the worker for ``pupil``'s child protection file for a transfer: ``(PreparedFile, sha256 or "")``."""
    from .documents import cp_file_request

    prepared, _queued = cp_file_request(school=pupil.school, pupil=pupil, actor=actor, ip_address=ip_address)
    return prepared, prepared.sha256 if prepared.status == prepared.Status.READY else ""


def file_transfer_record(
    *,
    actor,
    pupil,
    destination_school,
    destination_dsl,
    method,
    sent_at,
    destination_email="",
    ip_address=None,
    now=None,
):
    """Record that ``pupil``'s child protection file was sent to their new school. Returns the ``FileTransfer``.

    Args:
        actor: a member of the DSL team of the pupil's school.
        pupil: the ``Pupil`` whose file was sent.
        destination_school, destination_dsl, method: the new school, its DSL's name, how it was sent (for example
            "secure e-mail", "by hand") — non-empty strings; destination_email: the DSL's address, may be empty.
        sent_at: aware datetime, not in the future.
        ip_address: the actor's address, for the audit event of the file's request.

    The transfer is recorded at once; the child protection file is prepared by the worker as ``actor`` asks for it
    (``documents.cp_file_request``: the file ``actor`` already prepared when nothing in it changed since, so the
    file sent can be matched) and linked as ``prepared_file``. Its SHA-256 is kept on the transfer when it is ready
    — at once for a file already built, else when the worker finishes (``file_transfers_file_ready``). If the
    worker fails, the transfer stays and the DSL team asks again (``file_transfer_prepare``).
    Recording the same transfer again (same pupil, new school and time sent) returns the existing record and
    changes nothing. Audit ``incidents.file_transfer.recorded`` (subject: pupil; with the file's id and SHA-256,
    "" while it is being prepared) and the file's ``incidents.cp_file.requested``.
    Raises ``PermissionError``; ``DomainError`` (code ``destination_school``, ``destination_dsl``, ``method``,
    ``sent_at``). Rule: KCSIE, transfer of the child protection file.
    """
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
    with transaction.atomic():
        # Asked for first, in the same transaction: the worker starts only after commit, and finds the transfer
        # linked to the file when it finishes.
        prepared, sha256 = _transfer_file_request(actor=actor, pupil=pupil, ip_address=ip_address)
        transfer = FileTransfer(
            pupil=pupil,
            school=school,
            destination_school=destination_school,
            destination_dsl=destination_dsl,
            destination_email=(destination_email or "").strip(),
            method=method,
            sent_at=sent_at,
            sent_by=actor,
            prepared_file=prepared,
            file_sha256=sha256,
        )
        transfer._history_user = actor
        transfer.save()
        audit_log(
            actor=actor,
            action="incidents.file_transfer.recorded",
            school=school,
            subject=pupil,
            ip_address=ip_address,
            data={
                "pupil": str(pupil.public_id),
                "transfer": str(transfer.public_id),
                "file": str(prepared.public_id),
                "sha256": sha256,
            },
        )
    return transfer


def transfer_file_failed(transfer, now=None):
    """Whether ``transfer``'s file will not come without asking again: no SHA-256 and no request for it, or its
    request failed, or it has been "being prepared" longer than a worker ever takes (``prepared.STALE_AFTER``: the
    worker was lost)."""
    from safeguard.jobs.prepared import STALE_AFTER

    if transfer.file_sha256:
        return False
    prepared = transfer.prepared_file
    if prepared is None or prepared.status == prepared.Status.FAILED:
        return True
    return prepared.in_progress and prepared.created_at < (now or timezone.now()) - STALE_AFTER


def file_transfer_prepare(*, actor, transfer, ip_address=None, now=None):
    """Ask again for the child protection file of a transfer whose file could not be prepared (``transfer_file_failed``:
    the worker failed or was lost). Returns the ``FileTransfer``, linked to the new request (its SHA-256 kept when
    ready, as for ``file_transfer_record``).

    The file is prepared as the pupil's records stand now, for ``actor``. A transfer whose file is ready or still
    being prepared is returned unchanged (asking twice queues one file). Audit: the file's
    ``incidents.cp_file.requested``; the transfer's history keeps the change, with ``actor``.
    Raises ``PermissionError`` when ``actor`` is not of the DSL team of the transfer's school."""
    _check_dsl_team(actor, transfer.school)
    with transaction.atomic():
        transfer = FileTransfer.objects.select_for_update().get(pk=transfer.pk)  # its file, pupil: read after
        if not transfer_file_failed(transfer, now=now):
            return transfer
        prepared, sha256 = _transfer_file_request(actor=actor, pupil=transfer.pupil, ip_address=ip_address)
        transfer.prepared_file, transfer.file_sha256 = prepared, sha256
        transfer._history_user = actor
        transfer.save(update_fields=["prepared_file", "file_sha256", "updated_at"])
    return transfer


def file_transfers_file_ready(prepared):
    """Keep the SHA-256 of ``prepared`` (a ``PreparedFile`` of kind ``incidents.cp_file``, just marked ready) on the
    transfers waiting for it. Called by the worker (``safeguard.jobs.prepared``'s ``on_ready``) inside the
    transaction that marks the file ready; a transfer that has its SHA-256 already keeps it. The transfers' history
    records the change, by the person who asked for the file."""
    waiting = FileTransfer.objects.select_for_update().filter(prepared_file=prepared, file_sha256="")
    for transfer in waiting:
        transfer.file_sha256 = prepared.sha256
        transfer._history_user = prepared.requested_by
        transfer.save(update_fields=["file_sha256", "updated_at"])


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
