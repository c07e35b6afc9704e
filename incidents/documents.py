"""The incident log's PDFs: a pupil's child protection file, the local authority racist incident report and the
online safety log — all rendered by ``safeguard.pdf.render_pdf`` in the school's language and time zone.

The child protection file runs to dozens of pages, so it is built by the worker (issue 18 item 2): ``cp_file_request``
asks for it (kind ``incidents.cp_file`` of ``safeguard.jobs.prepared``), the worker calls ``cp_file_pdf``, and the
file's page and download (``jobs:prepared_file``) write the audit events (``incidents.cp_file.requested`` and
``.downloaded``). ``cp_file_pdf`` lays the file out in parts, so the worker's memory follows one part, not the whole
file. ``incidents.services_transfers.file_transfer_record`` asks for the file the same way and keeps its SHA-256 on
the transfer when it is ready.
"""

import contextlib
import gc
import io
import zoneinfo

from django.conf import settings
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safeguard import permissions
from safeguard.country_words import school_language
from safeguard.directory.models import Pupil
from safeguard.jobs import prepared as prepared_files
from safeguard.pdf import BASE_CSS, SafeURLFetcher, render_pdf

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


def cp_file_parts(entries, *, per_part):
    """``entries`` (a chronology's, oldest first) cut into consecutive lists of at most ``per_part`` incidents each
    (int ≥ 1): a part ends just before the incident that would be one too many, so the actions, contacts and notes
    that follow an incident in time stay with the entries around them. Always at least one list (maybe empty);
    joined together they are ``entries`` in the same order."""
    parts, current, incidents = [], [], 0
    for entry in entries:
        if entry.kind == selectors.EntryKind.INCIDENT:
            if incidents == per_part:
                parts.append(current)
                current, incidents = [], 0
            incidents += 1
        current.append(entry)
    parts.append(current)
    return parts


# A part's own layout is freed before the next is laid out, so the worker's memory follows the part, not the file:
# about a dozen pages. 300 incidents (scripts/bench_cp_file.py, issue 18 item 2): laid out whole, 6.9 s of CPU and
# +148 MB; in parts of 60, 5.7 s and +49 MB (parts of 40: +33 MB, for 0.3 s more CPU).
CP_FILE_PART_INCIDENTS = 60
# The parts are laid out without page numbers; "page / pages" is set afterwards across the whole file, in the
# place, font and size ``safeguard.pdf.BASE_CSS`` gives it.
_NO_PAGE_NUMBER_CSS = "@page { @bottom-right { content: none; } }"


def _layout_part(html):
    """One part's PDF (bytes), without page numbers; WeasyPrint's layout of it is dropped before returning."""
    from weasyprint import CSS, HTML

    base_url = str(settings.BASE_DIR).rstrip("/") + "/"
    # WeasyPrint makes millions of objects and little cyclic garbage while it lays a part out: no automatic
    # collection meanwhile (each walked every object of the part: 0.6 s of CPU on 300 incidents, for 1 MB), one
    # after it — the layout boxes hold reference cycles, freed here before the next part is laid out.
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = HTML(string=html, base_url=base_url, url_fetcher=SafeURLFetcher()).render(
            stylesheets=[CSS(string=BASE_CSS), CSS(string=_NO_PAGE_NUMBER_CSS)]
        )
        data = document.write_pdf()
        del document
    finally:
        if collecting:
            gc.enable()
    gc.collect()
    return data


def _page_numbers(total):
    """A PDF of ``total`` blank A4 pages with only "page / pages" (``BASE_CSS``'s footer), to lay over the parts."""
    from weasyprint import CSS, HTML

    html = '<div style="break-before: page"></div>' * (total - 1)
    return HTML(string=f"<!doctype html><html><body><div></div>{html}</body></html>").write_pdf(
        stylesheets=[CSS(string=BASE_CSS)]
    )


def join_pdf_parts(parts):
    """One PDF (bytes) of ``parts`` (PDFs as bytes, in order, laid out without page numbers), its pages numbered
    "page / pages" across the whole file as ``safeguard.pdf.render_pdf`` numbers them. The first part gives the
    document's title, language and bookmarks."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter()
    first = None
    for data in parts:
        reader = PdfReader(io.BytesIO(data))
        writer.append(reader)
        if first is None:
            first = reader
    if first.metadata:
        writer.add_metadata(dict(first.metadata))
    language = first.trailer["/Root"].get("/Lang")
    if language is not None:
        writer.root_object[NameObject("/Lang")] = language
    numbers = PdfReader(io.BytesIO(_page_numbers(len(writer.pages))))
    for page, number in zip(writer.pages, numbers.pages, strict=True):
        page.merge_page(number)
        page.compress_content_streams()
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def cp_file_pdf(*, school, pupil, actor, now=None, part_incidents=None):
    """The pupil's child protection file as a PDF (bytes): the front sheet and the full chronology (see
    ``cp_file_context``), "Confidential — child protection", the pupil's name and the page number ("page / pages")
    on every page.

    The chronology is laid out in parts of ``part_incidents`` incidents (default ``CP_FILE_PART_INCIDENTS``), one
    after the other, each freed before the next, and the parts joined (``join_pdf_parts``): a file of hundreds of
    incidents then takes the memory of one part (issue 18 item 2: 120 MB for 300 incidents). Each later part starts
    on a new page, its table under the same column headings.

    Args:
        school: the pupil's ``School``; pupil: a ``Pupil`` of it; actor: a member of the DSL team (the file holds
            every safeguarding record of the pupil — KCSIE); now: aware datetime printed as the time generated;
            part_incidents: int ≥ 1 (tests use small parts).
    Raises ``PermissionError`` when ``actor`` is not of the DSL team; whatever WeasyPrint or pypdf raise.
    """
    if pupil.school_id != school.pk or not permissions.can(actor, permissions.VIEW_SAFEGUARDING, school):
        raise PermissionError("only the DSL team may export a child protection file")
    context = cp_file_context(school=school, pupil=pupil, actor=actor, now=now)
    chunks = cp_file_parts(context["chronology"].entries, per_part=part_incidents or CP_FILE_PART_INCIDENTS)
    parts = []
    with (
        translation.override(school_language(school)),
        timezone.override(zoneinfo.ZoneInfo(school.time_zone)),
        _collections_walk_new_objects_only(),
    ):
        for index, entries in enumerate(chunks):
            html = render_to_string(
                "incidents/pdf/cp_file.html", {**context, "part": {"first": index == 0, "entries": entries}}
            )
            parts.append(_layout_part(html))
            del html
    return join_pdf_parts(parts)


@contextlib.contextmanager
def _collections_walk_new_objects_only():
    """While the parts are laid out, keep what was alive before (Django, the app, the file's records) out of the
    garbage collector's way (``gc.freeze``): the collection after each part then walks only the objects made since
    (a full collection after each of the 8 parts of 300 incidents took 1.4 s of CPU; scripts/bench_cp_file.py).
    A process that froze its own start-up objects (``safeguard.wsgi``) is left as it is."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# The child protection file, built by the worker --------------------------------------------------------------------

CP_FILE = "incidents.cp_file"
# Raise when the CP file's template or context changes, so files built before are not reused.
CP_FILE_LAYOUT = 3


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


def _cp_file_ready(prepared):
    from .services_transfers import file_transfers_file_ready

    file_transfers_file_ready(prepared)


prepared_files.register(
    prepared_files.PreparedKind(
        name=CP_FILE,
        build=_build_cp_file,
        may_have=may_have_cp_file,
        subject=_cp_file_pupil,
        requested_action="incidents.cp_file.requested",
        downloaded_action="incidents.cp_file.downloaded",
        second_factor=True,
        on_ready=_cp_file_ready,  # a transfer waiting for its file keeps the file's SHA-256
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
