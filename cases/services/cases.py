"""Opening and keeping a case (issue 16 item 3): concerns about one child or family grouped together, with an owner
from the DSL team, a status, case notes and its own chronology — as CPOMS and MyConcern do.

Every service here is for the DSL team only (``permissions.can_work_on_cases``: DSL, deputies, headteacher) and
raises ``PermissionError`` for anyone else; rules that say no raise ``DomainError`` with a translated message and a
``code`` naming the form field. Every change is audited (``cases.case.*``, subject the case, the pupils named by
public id so "who viewed" can find it) in the same transaction. Nothing is deleted: a pupil or a concern taken off a
case keeps its row with when and by whom.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from ..models import Case, CaseChange, CaseConcern, CaseNote, CasePupil


def _check_dsl_team(actor, school):
    if not permissions.can_work_on_cases(actor, school):
        raise PermissionError("only the DSL team keeps cases")


def _check_not_closed(case):
    if case.is_closed:
        raise DomainError(_("This case is closed. Reopen it first."), code="closed")


def _check_owner(school, owner):
    """The owner must be a current member of the school's DSL team (DSL, deputy DSL or headteacher)."""
    if owner is None or owner.pk not in permissions.holders(school, permissions.VIEW_SAFEGUARDING):
        raise DomainError(_("Choose a member of the DSL team."), code="owner")


def _check_pupil(school, pupil):
    if pupil is None or pupil.school_id != school.pk:
        raise DomainError(_("Choose a pupil of this school."), code="pupil")


def _check_concern(case, incident):
    if incident is None or incident.school_id != case.school_id or not incident.is_safeguarding:
        raise DomainError(_("Choose a safeguarding concern of this school."), code="incident")
    if incident.is_void:
        raise DomainError(_("This concern was voided; it cannot be added to a case."), code="incident")


def case_pupil_ids(case):
    """The public ids (list of str) of the pupils currently on ``case`` — named in each audit event."""
    return [
        str(public_id)
        for public_id in case.case_pupils.filter(removed_at__isnull=True)
        .order_by("pk")
        .values_list("pupil__public_id", flat=True)
    ]


def _audit(actor, case, action, **data):
    audit_log(
        actor=actor, action=action, school=case.school, subject=case, data={"pupils": case_pupil_ids(case), **data}
    )


def case_open(*, actor, school, title, owner, pupils, concerns=(), note=""):
    """Open a case about one pupil, or a family of several, and return it.

    Args:
        actor: a member of the DSL team of ``school``.
        title: up to 200 characters ("Home situation"). owner: a ``User`` of the school's DSL team.
        pupils: one or more ``Pupil`` of ``school`` (siblings for a family case).
        concerns: safeguarding concerns (``incidents.Incident``) of ``school`` to add at once.
        note: an optional first case note (why the case is opened).

    Writes the case, its pupils, concerns, the opening ``CaseChange`` and audit ``cases.case.opened``. Raises
    ``PermissionError``; ``DomainError`` (code ``title``, ``owner``, ``pupil``, ``incident``).
    """
    _check_dsl_team(actor, school)
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the case a title."), code="title")
    _check_owner(school, owner)
    pupils = list(dict.fromkeys(pupils or []))
    if not pupils:
        raise DomainError(_("Choose the pupil the case is about."), code="pupil")
    for pupil in pupils:
        _check_pupil(school, pupil)
    with transaction.atomic():
        case = Case.objects.create(school=school, title=title[:200], owner=owner, opened_by=actor)
        CasePupil.objects.bulk_create([CasePupil(case=case, pupil=pupil, added_by=actor) for pupil in pupils])
        CaseChange.objects.create(
            case=case, kind=CaseChange.Kind.OPENED, status=case.status, owner=owner, changed_by=actor
        )
        _audit(actor, case, "cases.case.opened", owner=owner.pk)
        for incident in dict.fromkeys(concerns or []):
            case_concern_add(actor=actor, case=case, incident=incident)
        if (note or "").strip():
            case_note_add(actor=actor, case=case, text=note)
    return case


def case_pupil_add(*, actor, case, pupil):
    """Add ``pupil`` (of the case's school) to an open case — a sibling, say. Returns ``(row, created)``; a pupil
    already on the case is left as it is (``created`` False). Audit ``cases.case.pupil_added``. Raises
    ``PermissionError``; ``DomainError`` (code ``pupil``, ``closed``)."""
    _check_dsl_team(actor, case.school)
    _check_pupil(case.school, pupil)
    _check_not_closed(case)
    current = CasePupil.objects.filter(case=case, pupil=pupil, removed_at__isnull=True).first()
    if current is not None:
        return current, False
    try:
        with transaction.atomic():
            row = CasePupil.objects.create(case=case, pupil=pupil, added_by=actor)
            _audit(actor, case, "cases.case.pupil_added", pupil=str(pupil.public_id))
    except IntegrityError:  # added at the same moment by someone else
        return CasePupil.objects.get(case=case, pupil=pupil, removed_at__isnull=True), False
    return row, True


def case_pupil_remove(*, actor, case, pupil, now=None):
    """Take ``pupil`` off an open case (the row stays, with when and by whom). A case keeps at least one pupil.
    Taking off a pupil who is not on it changes nothing. Audit ``cases.case.pupil_removed``. Raises
    ``PermissionError``; ``DomainError`` (code ``pupil``, ``closed``)."""
    _check_dsl_team(actor, case.school)
    _check_not_closed(case)
    with transaction.atomic():
        rows = list(CasePupil.objects.select_for_update().filter(case=case, removed_at__isnull=True))
        row = next((row for row in rows if row.pupil_id == pupil.pk), None)
        if row is None:
            return None
        if len(rows) == 1:
            raise DomainError(_("A case is about at least one pupil."), code="pupil")
        _audit(actor, case, "cases.case.pupil_removed", pupil=str(pupil.public_id))
        row.removed_at, row.removed_by = now or timezone.now(), actor
        row.save(update_fields=["removed_at", "removed_by", "updated_at"])
    return row


def case_concern_add(*, actor, case, incident):
    """Group a safeguarding concern of the case's school into an open case. Returns ``(row, created)``; a concern
    already in the case is left as it is. Audit ``cases.case.concern_added``. Raises ``PermissionError``;
    ``DomainError`` (code ``incident``, ``closed``)."""
    _check_dsl_team(actor, case.school)
    _check_concern(case, incident)
    _check_not_closed(case)
    current = CaseConcern.objects.filter(case=case, incident=incident, removed_at__isnull=True).first()
    if current is not None:
        return current, False
    try:
        with transaction.atomic():
            row = CaseConcern.objects.create(case=case, incident=incident, added_by=actor)
            _audit(actor, case, "cases.case.concern_added", incident=str(incident.public_id))
    except IntegrityError:
        return CaseConcern.objects.get(case=case, incident=incident, removed_at__isnull=True), False
    return row, True


def case_concern_remove(*, actor, case, incident, now=None):
    """Take a concern off an open case (it stays on record, and in the case's history). Taking off one that is not
    in it changes nothing. Audit ``cases.case.concern_removed``. Raises ``PermissionError``; ``DomainError`` (code
    ``closed``)."""
    _check_dsl_team(actor, case.school)
    _check_not_closed(case)
    with transaction.atomic():
        row = (
            CaseConcern.objects.select_for_update()
            .filter(case=case, incident=incident, removed_at__isnull=True)
            .first()
        )
        if row is None:
            return None
        row.removed_at, row.removed_by = now or timezone.now(), actor
        row.save(update_fields=["removed_at", "removed_by", "updated_at"])
        _audit(actor, case, "cases.case.concern_removed", incident=str(incident.public_id))
    return row


def case_note_add(*, actor, case, text):
    """Write a case note — a discussion, a decision and why (KCSIE) — on an open case or one under review. Audit
    ``cases.case.note_added`` (the text is not copied into the audit). Raises ``PermissionError``; ``DomainError``
    (code ``text``, ``closed``)."""
    _check_dsl_team(actor, case.school)
    _check_not_closed(case)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the note."), code="text")
    with transaction.atomic():
        note = CaseNote.objects.create(case=case, author=actor, text=text)
        _audit(actor, case, "cases.case.note_added", note=str(note.public_id))
    return note


def case_status_set(*, actor, case, status, summary="", now=None):
    """Move a case to ``status`` (a ``Case.Status`` value): open, under review, or closed with a closing summary
    (what was done and why the case can close — KCSIE: every decision and the reason for it). From closed, only
    reopening (open or under review) with a reason. Setting the status it already has changes nothing. Writes a
    ``CaseChange``; audit ``cases.case.status_changed``. Raises ``PermissionError``; ``DomainError`` (code
    ``status``, ``summary``)."""
    _check_dsl_team(actor, case.school)
    if status not in Case.Status.values:
        raise DomainError(_("Choose the status."), code="status")
    summary = (summary or "").strip()
    if status == case.status:
        return case
    if status == Case.Status.CLOSED and not summary:
        raise DomainError(_("Write the closing summary: what was done and why the case can close."), code="summary")
    if case.is_closed and not summary:
        raise DomainError(_("Say why the case is reopened."), code="summary")
    with transaction.atomic():
        previous = case.status
        case.status = status
        if status == Case.Status.CLOSED:
            case.closing_summary, case.closed_at, case.closed_by = summary, now or timezone.now(), actor
        else:
            case.closed_at, case.closed_by = None, None
        # The closing summary stays on the case after a reopening: the history and the chronology keep each one.
        case.save(update_fields=["status", "closing_summary", "closed_at", "closed_by", "updated_at"])
        CaseChange.objects.create(
            case=case, kind=CaseChange.Kind.STATUS, status=status, owner=case.owner, note=summary, changed_by=actor
        )
        _audit(actor, case, "cases.case.status_changed", previous=previous, status=status)
    return case


def case_owner_set(*, actor, case, owner):
    """Give the case to ``owner``, a current member of the school's DSL team. Giving it to its owner changes
    nothing. Writes a ``CaseChange``; audit ``cases.case.owner_changed``. Raises ``PermissionError``;
    ``DomainError`` (code ``owner``, ``closed``)."""
    _check_dsl_team(actor, case.school)
    _check_owner(case.school, owner)
    if owner.pk == case.owner_id:
        return case
    _check_not_closed(case)
    with transaction.atomic():
        previous = case.owner_id
        case.owner = owner
        case.save(update_fields=["owner", "updated_at"])
        CaseChange.objects.create(
            case=case, kind=CaseChange.Kind.OWNER, status=case.status, owner=owner, changed_by=actor
        )
        _audit(actor, case, "cases.case.owner_changed", previous=previous, owner=owner.pk)
    return case
