"""Linking related incidents (issue 16 item 3): two incidents of one school that belong together — the same event
recorded by two people, a follow-on, a pattern — with an optional note, shown on both records.

Whoever manages both incidents links and unlinks them (``permissions.can_link_incidents``); anyone else gets
``PermissionError``. Nothing is deleted: unlinking ends the link (``ended_at``) and it stays in the history. Each
change is audited once per incident (subject the incident), so both records' "who opened or changed" lists show it —
save that a behaviour incident's list never shows a link to a safeguarding concern (``_audit``).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.audit.services import audit_log_each
from safeguard.base import DomainError

from ..models import IncidentLink


def _audit(actor, link, action):
    """One event for each end of ``link``, its subject the incident at that end — except a behaviour incident linked
    to a safeguarding concern: its record's audit trail is read by SLT, who may not know the concern exists, so that
    end's event has the link itself as subject (naming the incident in its data) and stays out of the trail."""
    subjects = []
    for this, other in ((link.incident_a, link.incident_b), (link.incident_b, link.incident_a)):
        data = {"link": str(link.public_id), "other": str(other.public_id)}
        if other.is_safeguarding and not this.is_safeguarding:
            subjects.append((link, {**data, "incident": str(this.public_id)}))
        else:
            subjects.append((this, data))
    audit_log_each(actor=actor, action=action, school=link.school, subjects=subjects)


def current_link_between(incident, other):
    """The current link between two incidents, or None."""
    a, b = sorted([incident, other], key=lambda row: row.pk)
    return IncidentLink.objects.filter(incident_a=a, incident_b=b, ended_at__isnull=True).first()


def incident_link(*, actor, incident, other, note=""):
    """Link ``incident`` to ``other`` (an ``incidents.Incident`` of the same school), with an optional note of up to
    200 characters ("same event", "follow-on"). Returns ``(link, created)``; linking two already linked returns the
    link unchanged (``created`` False). Audit ``cases.incident_link.added`` on each incident.

    Raises ``PermissionError`` (``actor`` does not manage both); ``DomainError`` (code ``other``: the same incident,
    another school's, or a voided one)."""
    if other is None or other.school_id != incident.school_id or other.pk == incident.pk:
        raise DomainError(_("Choose another incident of this school."), code="other")
    if not permissions.can_link_incidents(actor, incident, other):
        raise PermissionError("only someone who manages both incidents links them")
    if incident.is_void or other.is_void:
        raise DomainError(_("A voided incident cannot be linked."), code="other")
    current = current_link_between(incident, other)
    if current is not None:
        return current, False
    a, b = sorted([incident, other], key=lambda row: row.pk)
    try:
        with transaction.atomic():
            link = IncidentLink.objects.create(
                school=incident.school, incident_a=a, incident_b=b, note=(note or "").strip()[:200], linked_by=actor
            )
            _audit(actor, link, "cases.incident_link.added")
    except IntegrityError:  # linked at the same moment by someone else
        return current_link_between(incident, other), False
    return link, True


def incident_unlink(*, actor, link, now=None):
    """End ``link`` (it stays, with when and by whom). Ending one already ended changes nothing. Returns the link.
    Audit ``cases.incident_link.ended`` on each incident. Raises ``PermissionError`` (``actor`` does not manage both
    incidents)."""
    if not permissions.can_link_incidents(actor, link.incident_a, link.incident_b):
        raise PermissionError("only someone who manages both incidents unlinks them")
    with transaction.atomic():
        # Locked, so two people unlinking at once end it once (and audit it once).
        if IncidentLink.objects.select_for_update().filter(pk=link.pk, ended_at__isnull=True).first() is None:
            link.refresh_from_db()
            return link
        link.ended_at, link.ended_by = now or timezone.now(), actor
        link.save(update_fields=["ended_at", "ended_by", "updated_at"])
        _audit(actor, link, "cases.incident_link.ended")
    return link
