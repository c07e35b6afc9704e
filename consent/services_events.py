"""Events (a trip, a performance, a press visit): the office picks the pupils and the planned uses of images; the
staff pages then list who may be photographed and for what, and who may not."""

from django.db import transaction
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError

from .models import PhotoEvent
from .selectors import purposes_of
from .services import current_version


def event_save(*, actor, school, name, happens_on, purpose_codes, pupils, event=None):
    """Create an event (or change ``event``) with its pupils and planned uses; return the ``PhotoEvent``.

    Args:
        actor: office staff, SLT or the headteacher (``MANAGE_CONSENT``).
        name: str; happens_on: ``datetime.date``; purpose_codes: codes of questions on the school's current form.
        pupils: ``Pupil``s of ``school`` taking part (at least one).
    Raises ``PermissionError`` without the right, ``DomainError`` for an empty name, no pupils, a pupil of another
    school or a use the current form does not ask about.
    """
    if not permissions.can(actor, permissions.MANAGE_CONSENT, school):
        raise PermissionError("actor may not manage events")
    if event is not None and event.school_id != school.pk:
        raise PermissionError("event of another school")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Please give the event a name."), code="name")
    pupils = list(pupils)
    if not pupils:
        raise DomainError(_("Choose the pupils taking part."), code="pupils")
    if any(p.school_id != school.pk for p in pupils):
        raise DomainError(_("Some pupils are not on this school's roll."), code="pupils")
    known = {p.code for p in purposes_of(current_version(school))}
    codes = list(dict.fromkeys(purpose_codes))
    if not codes or not set(codes) <= known:
        raise DomainError(_("Choose the planned uses from the current consent form."), code="purposes")
    with transaction.atomic():
        if event is None:
            event = PhotoEvent.objects.create(
                school=school, name=name, happens_on=happens_on, purpose_codes=codes, created_by=actor
            )
            action = "consent.event.created"
        else:
            event.name, event.happens_on, event.purpose_codes = name, happens_on, codes
            event.save(update_fields=["name", "happens_on", "purpose_codes", "updated_at"])
            action = "consent.event.changed"
        event.pupils.set(pupils)
        audit_log(
            actor=actor,
            action=action,
            school=school,
            subject=event,
            data={"pupils": len(pupils), "purposes": codes},
        )
    return event
