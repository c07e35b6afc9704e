"""The incident log's PDFs: a pupil's child protection file, the local authority racist incident report and the
online safety log — all rendered by ``safeguard.pdf.render_pdf`` in the school's language and time zone.

Nothing here is stored or audited: the views that serve these documents write the audit event
(``incidents.cp_file.downloaded``…), and ``incidents.services_transfers.file_transfer_record`` keeps the SHA-256 of
the file it sends.
"""

import zoneinfo

from django.utils import timezone, translation

from safeguard import permissions
from safeguard.country_words import school_language
from safeguard.directory.models import Pupil
from safeguard.pdf import render_pdf

from . import selectors_chronology as selectors


def _render(school, template_name, context):
    with translation.override(school_language(school)), timezone.override(zoneinfo.ZoneInfo(school.time_zone)):
        return render_pdf(template_name, context)


def cp_file_context(*, school, pupil, actor, now=None):
    """What the child protection file shows (also used by its HTML preview): the front sheet — the pupil's name,
    date of birth, UPN, year group and class; people with parental responsibility and other contacts; the
    professionals involved — and the full chronology as the DSL team sees it (concerns, DSL notes, actions with
    what was done, contacts, sanctions, each incident's outcome and rationale). A fixed number of queries."""
    pupil = Pupil.objects.select_related("year_group", "school_class").get(pk=pupil.pk)
    return {
        "school": school,
        "pupil": pupil,
        "contacts": selectors.pupil_contacts(pupil),
        "professionals": selectors.pupil_professionals(pupil),
        "chronology": selectors.pupil_chronology(user=actor, school=school, pupil=pupil),
        "generated_at": now or timezone.now(),
        "generated_by": actor,
    }


def cp_file_pdf(*, school, pupil, actor, now=None):
    """The pupil's child protection file as a PDF (bytes): the front sheet and the full chronology (see
    ``cp_file_context``), "Confidential — child protection" and the page number on every page.

    Args:
        school: the pupil's ``School``; pupil: a ``Pupil`` of it; actor: a member of the DSL team (the file holds
            every safeguarding record of the pupil — KCSIE); now: aware datetime printed as the time generated.
    Raises ``PermissionError`` when ``actor`` is not of the DSL team; whatever ``render_pdf`` raises.
    """
    if pupil.school_id != school.pk or not permissions.can(actor, permissions.VIEW_SAFEGUARDING, school):
        raise PermissionError("only the DSL team may export a child protection file")
    return _render(
        school, "incidents/pdf/cp_file.html", cp_file_context(school=school, pupil=pupil, actor=actor, now=now)
    )


def racist_incident_pdf(*, incident, actor, now=None):
    """The local authority's racist incident report for one incident (bytes); ``incident`` as returned by
    ``selectors_chronology.racist_incident_report``. The caller checks the actor may read the incident."""
    school = incident.school
    context = {"school": school, "incident": incident, "generated_at": now or timezone.now(), "generated_by": actor}
    return _render(school, "incidents/pdf/racist_incident.html", context)


def online_safety_log_pdf(*, school, incidents, date_from, date_to, actor, now=None):
    """The online safety log for a date range (bytes); ``incidents`` from ``selectors_chronology.online_safety_log``
    (already limited to what ``actor`` may read)."""
    context = {
        "school": school,
        "incidents": incidents,
        "date_from": date_from,
        "date_to": date_to,
        "generated_at": now or timezone.now(),
        "generated_by": actor,
    }
    return _render(school, "incidents/pdf/online_safety_log.html", context)


def referral_pdf(*, referral, actor, now=None):
    """A printable summary of one external referral (bytes): the school, the pupils involved, the concern (when,
    where, what happened), the referral (agency, date, reference, who took it, what was referred), its outcome and
    follow-up, and who printed it when — "Confidential — child protection" on every page.

    Args:
        referral: a ``Referral`` with ``incident`` (and the incident's ``school``); actor: a member of the DSL team.
    Raises ``PermissionError`` when ``actor`` is not of the DSL team; whatever ``render_pdf`` raises."""
    from .models import IncidentPupil

    incident = referral.incident
    school = incident.school
    if not permissions.can(actor, permissions.VIEW_SAFEGUARDING, school):
        raise PermissionError("only the DSL team may print a referral")
    context = {
        "school": school,
        "referral": referral,
        "incident": incident,
        "involvements": IncidentPupil.objects.filter(incident=incident).select_related("pupil").order_by("pk"),
        "generated_at": now or timezone.now(),
        "generated_by": actor,
    }
    return _render(school, "incidents/pdf/referral.html", context)
