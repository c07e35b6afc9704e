"""Reading links between incidents: those shown on an incident's record, and the incidents offered to link it to.

A link is shown only to someone who may read both incidents (``permissions.incidents_visible_to``); the other
incident is checked in one query for all of the record's links."""

import datetime

from django.db.models import Q

from incidents.models import Incident, IncidentPupil
from safeguard import permissions

from ..models import CaseConcern, IncidentLink

SUGGESTION_DAYS = 14  # incidents this close in time are offered as "the same event" or "follow-on"
SUGGESTION_LIMIT = 40


def visible_links(*, user, incident):
    """The current links of ``incident`` whose other incident ``user`` may read, oldest first, as a list of
    ``IncidentLink`` with ``other`` (the other ``Incident``, its school loaded) set. Two queries."""
    links = list(
        IncidentLink.objects.filter(Q(incident_a=incident) | Q(incident_b=incident), ended_at__isnull=True)
        .select_related("incident_a", "incident_b", "linked_by")
        .order_by("created_at", "pk")
    )
    if not links:
        return []
    others = {link.other(incident).pk for link in links}
    readable = set(
        permissions.incidents_visible_to(user, incident.school).filter(pk__in=others).values_list("pk", flat=True)
    )
    shown = []
    for link in links:
        other = link.other(incident)
        if other.pk in readable:
            other.school = incident.school
            link.other_incident = other
            shown.append(link)
    return shown


def link_candidates(*, user, incident, exclude=()):
    """Incidents ``user`` may read (and so, for those who manage incidents, link) that are likely related to
    ``incident``: not voided, of the same school, about one of the same pupils or within ``SUGGESTION_DAYS`` of it,
    newest first, at most ``SUGGESTION_LIMIT``. ``exclude``: ids already linked. One query."""
    window = datetime.timedelta(days=SUGGESTION_DAYS)
    same_pupils = IncidentPupil.objects.filter(
        pupil_id__in=IncidentPupil.objects.filter(incident=incident).values("pupil_id")
    ).values("incident_id")
    return list(
        permissions.incidents_visible_to(user, incident.school)
        .filter(voided_at__isnull=True)
        .filter(
            Q(pk__in=same_pupils)
            | Q(occurred_at__gte=incident.occurred_at - window, occurred_at__lte=incident.occurred_at + window)
        )
        .exclude(pk__in=[incident.pk, *exclude])
        .prefetch_related("categories")
        .order_by("-occurred_at", "-pk")[:SUGGESTION_LIMIT]
    )


def cases_of_concern(incident):
    """The cases a concern is currently grouped into, as a list of ``Case`` (one query). For the DSL team only."""
    return [
        row.case
        for row in CaseConcern.objects.filter(incident=incident, removed_at__isnull=True)
        .select_related("case")
        .order_by("case__created_at")
    ]


def link_of(school, incident, link_id):
    """The current link ``link_id`` (a UUID) of ``incident``, both incidents loaded, or None."""
    return (
        IncidentLink.objects.filter(
            Q(incident_a=incident) | Q(incident_b=incident), school=school, public_id=link_id, ended_at__isnull=True
        )
        .select_related("school", "incident_a", "incident_b")
        .first()
    )


def incident_by_public_id(school, public_id):
    return Incident.objects.filter(school=school, public_id=public_id).select_related("school").first()
