"""Writing a pupil's safeguarding flags (issue 16 item 4): a child protection plan, a child in need plan, early help,
a young carer, a case open to children's social care (Working Together to Safeguard Children 2023). The DSL team
starts and ends them (``VIEW_SAFEGUARDING``: DSL, deputies, headteacher); nothing is deleted — an ended flag stays in
the pupil's history with who ended it, when and why.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from .models import PupilFlag


def _check_dsl_team(actor, school):
    if not permissions.can(actor, permissions.VIEW_SAFEGUARDING, school):
        raise PermissionError("only the DSL team keeps safeguarding flags")


def pupil_flag_start(*, actor, pupil, kind, starts_on, note="", now=None):
    """Flag ``pupil`` from ``starts_on``. Returns ``(flag, created)``.

    Args:
        actor: a member of the DSL team of the pupil's school.
        kind: a ``PupilFlag.Kind`` value. starts_on: ``datetime.date``, not after today (the school's date).
        note: optional, up to 300 characters (for example the local authority's plan category).

    A pupil holds at most one current flag of a kind: starting one that is already current returns it unchanged
    (``created`` False). Audit ``incidents.pupil_flag.started`` (subject: the pupil). Raises ``PermissionError``;
    ``DomainError`` (code ``kind``, ``starts_on``).
    """
    school = pupil.school
    _check_dsl_team(actor, school)
    if kind not in PupilFlag.Kind.values:
        raise DomainError(_("Choose the flag."), code="kind")
    if not isinstance(starts_on, datetime.date):
        raise DomainError(_("Say when it started."), code="starts_on")
    if starts_on > school.today(now or timezone.now()):
        raise DomainError(_("The start cannot be in the future."), code="starts_on")
    current = PupilFlag.objects.filter(pupil=pupil, kind=kind, ends_on__isnull=True).first()
    if current is not None:
        return current, False
    try:
        with transaction.atomic():
            flag = PupilFlag.objects.create(
                school=school, pupil=pupil, kind=kind, starts_on=starts_on, note=(note or "").strip(), started_by=actor
            )
            audit_log(
                actor=actor,
                action="incidents.pupil_flag.started",
                school=school,
                subject=pupil,
                data={"kind": kind, "starts_on": starts_on.isoformat()},
            )
    except IntegrityError:  # started at the same moment by someone else: theirs is the current one
        return PupilFlag.objects.get(pupil=pupil, kind=kind, ends_on__isnull=True), False
    return flag, True


def pupil_flag_end(*, actor, flag, ends_on, reason="", now=None):
    """End a current flag on ``ends_on`` (``datetime.date``, not before it started nor after today), with an
    optional reason ("plan ended at review conference"). The flag stays, ended, in the pupil's history. Ending one
    already ended changes nothing. Returns the flag. Audit ``incidents.pupil_flag.ended`` (subject: the pupil).
    Raises ``PermissionError``; ``DomainError`` (code ``ends_on``)."""
    school = flag.school
    _check_dsl_team(actor, school)
    if flag.ends_on is not None:
        return flag
    if not isinstance(ends_on, datetime.date):
        raise DomainError(_("Say when it ended."), code="ends_on")
    if ends_on < flag.starts_on:
        raise DomainError(_("It cannot end before it started."), code="ends_on")
    if ends_on > school.today(now or timezone.now()):
        raise DomainError(_("The end cannot be in the future."), code="ends_on")
    with transaction.atomic():
        if not PupilFlag.objects.filter(pk=flag.pk, ends_on__isnull=True).exists():
            flag.refresh_from_db()
            return flag
        flag.ends_on, flag.ended_by, flag.end_reason = ends_on, actor, (reason or "").strip()[:300]
        flag.save(update_fields=["ends_on", "ended_by", "end_reason", "updated_at"])
        audit_log(
            actor=actor,
            action="incidents.pupil_flag.ended",
            school=school,
            subject=flag.pupil,
            data={"kind": flag.kind, "ends_on": ends_on.isoformat()},
        )
    return flag
