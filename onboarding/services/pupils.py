"""Pupils and their parents and carers, kept in the pages rather than only by import (issue 13 item 5).

Nothing is deleted: a pupil is marked left, a contact link is ended; django-simple-history keeps every change with
who made it (``_history_user``), and each change writes an audit event. Office staff and the headteacher may
(``MANAGE_ROSTER``), as for the roster import.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import Guardian, Pupil, PupilGuardian

PUPIL_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "preferred_first_name",
    "preferred_last_name",
    "date_of_birth",
    "upn",
    "mis_id",
    "year_group",
    "school_class",
    "on_roll_from",
    "is_looked_after",
    "is_previously_looked_after",
    "has_sen",
    "is_eal",
    "is_pupil_premium",
    "sex",
    "email",  # the pupil's own address, for their account invitation (issue 14 item 1)
)
LINK_FIELDS = ("relationship", "has_parental_responsibility", "contact_order")


def _require(actor, school):
    if not permissions.can(actor, permissions.MANAGE_ROSTER, school):
        raise PermissionError("actor may not keep this school's roster")


def _save(instance, actor):
    try:
        instance.full_clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="invalid") from error
    instance._history_user = actor  # simple-history records who made the change
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise DomainError(_("Another record already has this UPN, MIS id or e-mail address."), code="unique") from error


def pupil_save(*, actor, school, fields, pupil=None, ip_address=None):
    """Add a pupil to ``school`` (``pupil`` None) or change one; return ``(pupil, changed field names)``.

    ``fields``: a dict of some of ``PUPIL_FIELDS`` (year group and class of the school). A repeat with the same
    values changes nothing and writes no audit event. Raises ``PermissionError``; ``DomainError`` for invalid values
    (a UPN without its check letter, a UPN or MIS id another pupil has).
    """
    _require(actor, school)
    for name in ("year_group", "school_class"):
        if fields.get(name) is not None and fields[name].school_id != school.pk:
            raise PermissionError("year group or class of another school")
    with transaction.atomic():
        creating = pupil is None
        if creating:
            pupil = Pupil(school=school)
        else:
            if pupil.school_id != school.pk:
                raise PermissionError("pupil of another school")
            pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
        changed = [name for name in PUPIL_FIELDS if name in fields and getattr(pupil, name) != fields[name]]
        if not changed and not creating:
            return pupil, []
        for name in changed:
            setattr(pupil, name, fields[name])
        _save(pupil, actor)
        audit_log(
            actor=actor,
            action="onboarding.pupil.added" if creating else "onboarding.pupil.updated",
            school=school,
            subject=pupil,
            data={"fields": changed},  # names only: no pupil's details in the audit log
            ip_address=ip_address,
        )
    return pupil, changed


def pupil_mark_left(*, actor, pupil, left_on, ip_address=None):
    """Mark ``pupil`` as left on ``left_on`` (a date); return True if that changed anything.

    The pupil and their records stay (BRIEF: nothing is hard-deleted); "pupils who have left may not be used
    without fresh consent" follows from ``left_on``. Raises ``PermissionError``.
    """
    _require(actor, pupil.school)
    with transaction.atomic():
        pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
        if pupil.left_on == left_on:
            return False
        pupil.left_on = left_on
        _save(pupil, actor)
        audit_log(
            actor=actor,
            action="onboarding.pupil.marked_left",
            school=pupil.school,
            subject=pupil,
            data={"left_on": left_on.isoformat() if left_on else None},
            ip_address=ip_address,
        )
    return True


def guardian_link_add(*, actor, pupil, guardian_fields, link_fields, ip_address=None):
    """Link a parent or carer to ``pupil``; return the ``PupilGuardian``.

    Args:
        guardian_fields: dict with first_name, last_name, email, phone. A parent or carer of the school with the same
            e-mail address (any case) is linked rather than copied (siblings share their parents).
        link_fields: dict of ``LINK_FIELDS`` (relationship, has_parental_responsibility, contact_order).

    An ended link to the same person is opened again with the new details. Raises ``PermissionError``;
    ``DomainError`` if the person is already a current contact of the pupil, or for invalid values.
    """
    school = pupil.school
    _require(actor, school)
    with transaction.atomic():
        email = (guardian_fields.get("email") or "").strip().lower()
        guardian = Guardian.objects.filter(school=school, email__iexact=email).first() if email else None
        if guardian is None:
            guardian = Guardian(school=school, **{**guardian_fields, "email": email})
            _save(guardian, actor)
        link = PupilGuardian.objects.select_for_update().filter(pupil=pupil, guardian=guardian).first()
        if link is not None and link.ended_on is None:
            raise DomainError(
                _("%(name)s is already a contact for this pupil.") % {"name": guardian.full_name}, code="linked"
            )
        link = link or PupilGuardian(pupil=pupil, guardian=guardian)
        for name in LINK_FIELDS:
            if name in link_fields:
                setattr(link, name, link_fields[name])
        link.ended_on = None
        _save(link, actor)
        audit_log(
            actor=actor,
            action="onboarding.guardian_link.added",
            school=school,
            subject=pupil,
            data={"guardian": str(guardian.public_id), **{name: getattr(link, name) for name in LINK_FIELDS}},
            ip_address=ip_address,
        )
    return link


def guardian_link_update(*, actor, link, link_fields, ended_on=None, ip_address=None):
    """Change how a parent or carer is linked to a pupil — relationship, parental responsibility, contact order — or
    end the link (``ended_on``, a date); return the names changed (empty on a repeat).

    Parental responsibility decides who may sign and consent ("only a guardian with parental responsibility");
    the change and who made it stay in the link's history. Raises ``PermissionError``.
    """
    school = link.pupil.school
    _require(actor, school)
    with transaction.atomic():
        link = PupilGuardian.objects.select_for_update().select_related("guardian").get(pk=link.pk)
        changed = {
            name: [getattr(link, name), link_fields[name]]
            for name in LINK_FIELDS
            if name in link_fields and getattr(link, name) != link_fields[name]
        }
        if ended_on is not None and link.ended_on is None:
            changed["ended_on"] = [None, ended_on.isoformat()]
            link.ended_on = ended_on
        if not changed:
            return []
        for name in LINK_FIELDS:
            if name in changed:
                setattr(link, name, link_fields[name])
        _save(link, actor)
        audit_log(
            actor=actor,
            action="onboarding.guardian_link.updated",
            school=school,
            subject=link.pupil,
            data={"guardian": str(link.guardian.public_id), "changed": changed},
            ip_address=ip_address,
        )
    return sorted(changed)
