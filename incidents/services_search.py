"""The incident log's free-text search: keeping each incident's search text in step, and auditing each search.

PostgreSQL full-text search (``django.contrib.postgres.search``) in the school's language — 'english' for schools in
England, the rest of the UK and the United States, 'turkish' for Türkiye — over a stored ``tsvector`` with a GIN
index; on SQLite (the laptop demo and the test suite) a plain ``icontains`` on the same stored text. Which incidents
a search may return is decided by ``safeguard.permissions.incidents_visible_to`` (``incidents.selectors``), never
here.
"""

from django.contrib.postgres.search import SearchVector
from django.db import connections
from django.db.models import Value

from safeguard.audit.services import audit_log
from safeguard.directory.models import School

from .models import Action, DSLNote, Incident, IncidentSearchDocument, ParentContact, school_year_key

# PostgreSQL text search configurations by country (``School.Country``); anything not listed reads as English.
SEARCH_CONFIGS = {School.Country.TURKEY: "turkish"}
DEFAULT_SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 100


def search_config(school):
    """The PostgreSQL text search configuration (str) for ``school``'s language, from its country."""
    return SEARCH_CONFIGS.get(school.country, DEFAULT_SEARCH_CONFIG)


def uses_full_text_search(using="default"):
    """True on PostgreSQL (``tsvector``/``tsquery``); False on SQLite, where the search is a plain ``icontains``."""
    return connections[using].vendor == "postgresql"


def search_text(incident):
    """The words a search looks in for ``incident`` (one string, parts separated by blank lines): see
    ``IncidentSearchDocument``. DSL notes only while the incident is a safeguarding concern — the record page shows
    them only then. Four queries."""
    parts = [
        incident.description,
        incident.immediate_action,
        incident.reported_by,
        incident.location_detail,
        incident.outcome,
        incident.outcome_rationale,
    ]
    for description, note in Action.objects.filter(incident=incident).values_list("description", "completion_note"):
        parts += [description, note]
    for name, summary in ParentContact.objects.filter(incident=incident).values_list("contact_name", "summary"):
        parts += [name, summary]
    if incident.is_safeguarding:
        parts += DSLNote.objects.filter(incident=incident).values_list("text", flat=True)
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def search_document_refresh(incident):
    """Rebuild ``incident``'s search text (and, on PostgreSQL, its ``tsvector`` in the school's language) from what
    the record holds now. Called by every service that writes one of those texts, inside its transaction; safe to
    call any number of times. Returns the ``IncidentSearchDocument``."""
    text = search_text(incident)
    document, _created = IncidentSearchDocument.objects.update_or_create(
        incident=incident,
        defaults={
            "text": text,
            "school_id": incident.school_id,
            "school_year": school_year_key(incident.school_id, incident.occurred_at),
        },
    )
    if uses_full_text_search(IncidentSearchDocument.objects.db):
        config = search_config(incident.school)
        IncidentSearchDocument.objects.filter(pk=incident.pk).update(vector=SearchVector(Value(text), config=config))
    return document


def search_documents_rebuild(*, school=None, batch_size=500):
    """Rebuild the search text of every incident (of ``school``, or of all schools): for incidents written without
    the services (bulk-loaded benchmark data, imports). Returns the number rebuilt."""
    incidents = Incident.objects.select_related("school").order_by("pk")
    if school is not None:
        incidents = incidents.filter(school=school)
    count = 0
    for incident in incidents.iterator(chunk_size=batch_size):
        search_document_refresh(incident)
        count += 1
    return count


def incident_search_log(*, actor, school, query, concerns_included, results, more_results=False, ip_address=None):
    """Audit a free-text search of the incident log (``incidents.incident_log.searched``): who searched, in which
    school, for what (the words, up to 100 characters), whether safeguarding concerns were searched, and how many
    records matched (``results``, an int; with ``more_results`` True, more than ``results`` matched: the list
    counts a search's matches only so far — "More than 1,000 incidents" — and the audit says the same).

    The words are kept for every search, not only the DSL team's: a search of behaviour records is a search about
    children too ("who looked for this pupil's name, or for 'self-harm'?"), and the audit log is where the school
    answers that (KCSIE: access to records about children is logged). Returns the ``AuditEvent``."""
    return audit_log(
        actor=actor,
        action="incidents.incident_log.searched",
        school=school,
        subject=None,
        data={
            "query": query[:MAX_QUERY_LENGTH],
            "concerns_included": bool(concerns_included),
            "results": results,
            **({"more_results": True} if more_results else {}),
        },
        ip_address=ip_address,
    )
