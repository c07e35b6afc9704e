"""The incident log's PDFs: a pupil's child protection file, the local authority racist incident report and the
online safety log — all rendered by ``safeguard.pdf.render_pdf`` in the school's language and time zone.

The child protection file runs to dozens of pages, so it is built by the worker (issue 18 item 2): ``cp_file_request``
asks for it (kind ``incidents.cp_file`` of ``safeguard.jobs.prepared``), the worker calls ``cp_file_pdf``, and the
file's page and download (``jobs:prepared_file``) write the audit events (``incidents.cp_file.requested`` and
``.downloaded``). ``incidents.services_transfers.file_transfer_record`` keeps the SHA-256 of the file it sends.
"""

import zoneinfo

from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.country_words import school_language
from safeguard.directory.models import Pupil
from safeguard.jobs import prepared as prepared_files
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


# The child protection file, built by the worker --------------------------------------------------------------------

CP_FILE = "incidents.cp_file"
# Raise when the CP file's template or context changes, so files built before are not reused.
CP_FILE_LAYOUT = 2


def _cp_file_pupil(prepared):
    return Pupil.objects.filter(school=prepared.school, public_id=prepared.params.get("pupil")).first()


def may_have_cp_file(user, prepared):
    """The DSL team of the pupil's school (``VIEW_SAFEGUARDING``; KCSIE), asked again at every download."""
    return permissions.can(user, permissions.VIEW_SAFEGUARDING, prepared.school)


def cp_file_inputs(*, school, pupil, actor):
    """What a pupil's child protection file depends on, for reusing a file already built (``safeguard.jobs``): the
    latest change and the number of rows of every table it reads — the pupil, their contacts and professionals,
    the incidents they are involved in with their actions, contacts, sanctions, DSL notes and referrals, and the
    school's categories — and who asks (the file names who generated it). A fixed number of queries (11)."""
    from safeguard.directory.models import Guardian, PupilGuardian

    from .models import (
        Action,
        DSLNote,
        Incident,
        IncidentCategory,
        IncidentPupil,
        ParentContact,
        Professional,
        Referral,
        Sanction,
    )

    incident_ids = IncidentPupil.objects.filter(pupil=pupil).values("incident_id")
    tables = {
        "incidents": Incident.objects.filter(pk__in=incident_ids),
        "involvements": IncidentPupil.objects.filter(incident_id__in=incident_ids),
        "actions": Action.objects.filter(incident_id__in=incident_ids),
        "contacts": ParentContact.objects.filter(incident_id__in=incident_ids),
        "sanctions": Sanction.objects.filter(incident_id__in=incident_ids),
        "notes": DSLNote.objects.filter(incident_id__in=incident_ids),
        "referrals": Referral.objects.filter(incident_id__in=incident_ids),
        "professionals": Professional.objects.filter(pupil=pupil),
        "guardian_links": PupilGuardian.objects.filter(pupil=pupil),
        "guardians": Guardian.objects.filter(pupil_links__pupil=pupil),
        "categories": IncidentCategory.objects.filter(school=school),
    }
    inputs = {name: list(rows.aggregate(n=Count("pk"), at=Max("updated_at")).values()) for name, rows in tables.items()}
    inputs.update(
        layout=CP_FILE_LAYOUT,
        pupil=[pupil.updated_at, pupil.year_group_id, pupil.school_class_id],
        school=[school.updated_at, school.time_zone, school_language(school)],
        actor=[actor.pk, actor.full_name, actor.email],
    )
    return inputs


def cp_file_request(*, school, pupil, actor, ip_address=None, now=None):
    """Ask the worker for ``pupil``'s child protection file on behalf of ``actor`` (DSL team); returns
    ``(PreparedFile, queued)`` as ``safeguard.jobs.prepared.prepare`` does: the same file again when nothing in it
    has changed since the actor last asked. Raises ``DomainError`` when ``actor`` may not have it."""
    return prepared_files.prepare(
        kind=CP_FILE,
        school=school,
        actor=actor,
        params={"pupil": str(pupil.public_id)},
        title=_("Child protection file: %(pupil)s") % {"pupil": pupil.display_name},
        inputs=cp_file_inputs(school=school, pupil=pupil, actor=actor),
        ip_address=ip_address,
        now=now,
    )


def _build_cp_file(prepared):
    pupil = _cp_file_pupil(prepared)
    if pupil is None:
        raise LookupError("the pupil is no longer on this school's records")
    return cp_file_pdf(school=prepared.school, pupil=pupil, actor=prepared.requested_by)


prepared_files.register(
    prepared_files.PreparedKind(
        name=CP_FILE,
        build=_build_cp_file,
        may_have=may_have_cp_file,
        subject=_cp_file_pupil,
        requested_action="incidents.cp_file.requested",
        downloaded_action="incidents.cp_file.downloaded",
        second_factor=True,
    )
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
