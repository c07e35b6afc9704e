"""A pupil's chronology, the child protection file (PDF), its transfers to a new school, the professionals involved,
who viewed the pupil's record, and the printable forms (the local authority racist incident report and the St James
online safety log).

Who may open what (``safeguard.permissions`` decides; anyone else gets 404, as for a page that does not exist):
- the chronology: SLT and the DSL team for every pupil, a class teacher for the pupils of their class — each sees
  the incidents ``incidents_visible_to`` allows (concerns and DSL notes: the DSL team only);
- the child protection file (built by the worker: ``jobs:prepared_file``), transfers, professionals and who viewed:
  the DSL team;
- the racist incident report: whoever may read the incident; the online safety log: ``VIEW_ALL_BEHAVIOUR``.

The DSL team always passes the second factor first (``safeguard.accounts.otp``): their chronology holds concerns.
Every view, download and print of a record writes an audit event, which the "who viewed" page lists.
"""

import datetime
import hashlib
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeguard import permissions
from safeguard.accounts import otp
from safeguard.audit.labels import audit_label
from safeguard.audit.services import audit_log, client_ip
from safeguard.base import DomainError
from safeguard.country_words import local_date
from safeguard.directory.models import AcademicYear, Pupil
from safeguard.filter_fields import field_groups
from safeguard.jobs.models import PreparedFile

from . import documents
from . import selectors_chronology as selectors
from .forms_chronology import (
    ChronologyFilterForm,
    DateRangeForm,
    FileTransferForm,
    ProfessionalEndForm,
    ProfessionalForm,
    TransferConfirmForm,
)
from .models import Action, FileTransfer, Incident, IncidentPupil, ParentContact, Professional, Sanction
from .services import concerns_shown_log
from .services_transfers import (
    file_transfer_confirm,
    file_transfer_prepare,
    file_transfer_record,
    professional_add,
    professional_end,
    transfer_file_failed,
)

VIEWERS_PER_PAGE = 50
# Entries of the on-screen chronology a page, as the school's other lists page fifty; the child protection file has
# them all. A page of a hundred entries cost about 35 ms of CPU to read and draw (issue 18 item 6: 30 at most).
CHRONOLOGY_PER_PAGE = 50


def _zone(school):
    return zoneinfo.ZoneInfo(school.time_zone)


def _with_classes(pupil):
    return Pupil.objects.select_related("year_group", "school_class").get(pk=pupil.pk)


def _chronology_pupil(request, slug, public_id):
    """The school and pupil of a chronology URL, or 404 for anyone who may not read this pupil's chronology."""
    school = permissions.get_school_for_user(request.user, slug, permissions.RECORD_INCIDENT)
    pupil = permissions.get_pupil_for_user(request.user, school, public_id)
    if not selectors.can_view_chronology(request.user, school, pupil):
        raise Http404
    return school, _with_classes(pupil)


def _dsl_school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.VIEW_SAFEGUARDING)


def _dsl_pupil(request, slug, public_id):
    school = _dsl_school(request, slug)
    return school, _with_classes(permissions.get_pupil_for_user(request.user, school, public_id))


def _log(request, action, school, subject=None, data=None):
    audit_log(
        actor=request.user, action=action, school=school, subject=subject, data=data, ip_address=client_ip(request)
    )


def _log_concerns(request, action, school, incidents):
    """One audit event per pupil of the safeguarding concerns among ``incidents``, subject the pupil, so the pupil's
    "who viewed" page lists the log that showed them (issue 12 #10)."""
    concerns_shown_log(
        actor=request.user, action=action, school=school, incidents=incidents, ip_address=client_ip(request)
    )


def _pdf_response(pdf, filename):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _filename(*parts):
    return (slugify("-".join(str(part) for part in parts if part)) or "document") + ".pdf"


def _safe_next(request, fallback):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# The chronology -----------------------------------------------------------------------------------------------------


def _chronology_page(entries, number):
    """The page ``number`` (1 = the most recent entries; anything else Django's ``Paginator.get_page`` accepts) of a
    chronology's ``entries`` (a list, oldest first: ``selectors_chronology.EntryKey``), as a ``Page`` whose
    ``object_list`` is still oldest first, with ``first_entry`` and ``last_entry``: the positions (from 1, counting
    from the oldest entry) of the entries it shows — "entries 533–632 of 632" on the first page of 632.

    Pages run backwards in time so that the reader sees the latest entries first and follows "older entries" into
    the past (as CPOMS does), while each page keeps the chronology's order; the child protection file holds it all.
    """
    page = Paginator(entries[::-1], CHRONOLOGY_PER_PAGE).get_page(number)
    page.object_list = page.object_list[::-1]
    total = page.paginator.count
    page.first_entry = total - page.end_index() + 1 if total else 0
    page.last_entry = total - page.start_index() + 1 if total else 0
    return page


def _choice_labels(model, field_name):
    """``{value: label}`` of a choice field, translated now (``get_FOO_display`` translates every label of the field
    each time it is called)."""
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def _person(user):
    return user.full_name or user.email


def _chronology_rows(school, entries):
    """What each of ``entries`` (``selectors_chronology.Entry``, one page of ``school``'s chronology, in the current
    time zone) shows, as dicts for the template: each label translated and each date formatted here, so that the
    template does no look-ups through records, translations or date formatting per entry (a page of a hundred
    entries did thousands of them: 0.4 ms of CPU an entry).

    Each row has ``kind``, ``concern`` (an incident that is a safeguarding concern, or an entry of one), ``day``
    ("j M Y") and ``time`` ("H:i", or "" for an event with only a date), ``role`` and ``role_label`` (the pupil's
    role in the incident), and the text of its kind: an incident ``categories``, ``level``, ``bullying``,
    ``location``, ``location_detail``, ``description``, ``immediate_action``, ``recorded_on`` (backdated: "recorded
    1 Mar 2025"), ``by``, ``closed``, ``url``, ``outcome``, ``rationale``; an action ``title``, ``description``,
    ``by`` ("who, due when"), ``done``, ``note``; a contact ``title`` (how), ``name``, ``summary``, ``by``; a
    sanction ``title``, ``days``, ``reasons``, ``notes``; a DSL note ``text``, ``by``. Labels are those of
    ``get_FOO_display`` (an unknown value shows as itself); sentences keep the template's msgids."""
    kinds = {entry.kind for entry in entries}
    roles = _choice_labels(IncidentPupil, "role")
    if selectors.EntryKind.INCIDENT in kinds:
        locations = _choice_labels(Incident, "location")
        bullying_types = _choice_labels(Incident, "bullying_type")
    if selectors.EntryKind.ACTION in kinds:
        action_kinds = _choice_labels(Action, "kind")
    if selectors.EntryKind.CONTACT in kinds:
        methods = _choice_labels(ParentContact, "method")
    if selectors.EntryKind.SANCTION in kinds:
        sanction_kinds = _choice_labels(Sanction, "kind")
    recorded_by, recorded_on = _("Recorded by %(who)s"), _("recorded %(on)s")
    level, due, school_days = _("level %(level)s"), _("%(who)s, due %(due)s"), _("%(days)s school days")
    days = {}

    def day(value):
        if value not in days:
            days[value] = local_date(value, "j M Y")
        return days[value]

    def sentence(pattern, **values):
        # As {% blocktranslate %}: the translated pattern is trusted, the values are escaped.
        return mark_safe(pattern % {key: conditional_escape(value) for key, value in values.items()})  # noqa: S308

    rows = []
    for entry in entries:
        record, incident = entry.record, entry.incident
        when = timezone.localtime(entry.when) if entry.has_time else entry.when
        row = {
            "kind": entry.kind,
            "concern": incident.is_safeguarding,
            "day": day(when.date() if entry.has_time else when),
            "time": f"{when:%H:%M}" if entry.has_time else "",  # "H:i"
            "role": incident.pupil_role,
            "role_label": roles.get(incident.pupil_role, incident.pupil_role),
        }
        if entry.kind == selectors.EntryKind.INCIDENT:
            row.update(
                categories=", ".join(category.name for category in record.category_list),
                level=sentence(level, level=localize(record.behaviour_level)) if record.behaviour_level else "",
                bullying=bullying_types.get(record.bullying_type, record.bullying_type) if record.bullying_type else "",
                location=locations.get(record.location, record.location),
                location_detail=record.location_detail,
                description=record.description,
                immediate_action=record.immediate_action,
                recorded_on=(
                    sentence(recorded_on, on=day(timezone.localtime(record.created_at).date()))
                    if entry.is_backdated
                    else ""
                ),
                by=sentence(recorded_by, who=_person(record.recorded_by)),
                closed=record.status == Incident.Status.CLOSED,
                url=reverse("incidents:incident_detail", args=[school.slug, record.public_id]),
                outcome=record.outcome,
                rationale=record.outcome_rationale,
            )
        elif entry.kind == selectors.EntryKind.ACTION:
            row.update(
                title=action_kinds.get(record.kind, record.kind),
                description=record.description,
                by=sentence(due, who=_person(record.assignee), due=day(record.due_on)),
                done=record.completed_at is not None,
                note=record.completion_note,
            )
        elif entry.kind == selectors.EntryKind.CONTACT:
            row.update(
                title=methods.get(record.method, record.method),
                name=record.contact_name,
                summary=record.summary,
                by=sentence(recorded_by, who=_person(record.recorded_by)),
            )
        elif entry.kind == selectors.EntryKind.SANCTION:
            row.update(
                title=sanction_kinds.get(record.kind, record.kind),
                days=sentence(school_days, days=floatformat(record.days, "-1")) if record.days else "",
                reasons=", ".join(record.reasons()),
                notes=record.notes,
            )
        elif entry.kind == selectors.EntryKind.NOTE:
            row.update(text=record.text, by=_person(record.author))
        rows.append(row)
    return rows


@login_required
@require_GET
@never_cache
def chronology(request, slug, public_id):
    """A pupil's chronology: incidents, actions, contacts with the family, sanctions and (DSL team) DSL notes in date
    order, filterable; the role the pupil had in each incident. The DSL team passes the second factor first. Each
    view is audited (``incidents.chronology.viewed``, with the page shown).

    ``CHRONOLOGY_PER_PAGE`` entries a page, the most recent first (``?page=2``: the entries before them); the
    filters stay in the URL of every page. The child protection file (``cp_file``) keeps the whole chronology."""
    school, pupil = _chronology_pupil(request, slug, public_id)
    dsl_team = permissions.can(request.user, permissions.VIEW_SAFEGUARDING, school)
    if dsl_team:
        response = otp.second_factor_redirect(request)
        if response is not None:
            return response
    form = ChronologyFilterForm(request.GET or None, show_safeguarding=dsl_team)
    filters = form.cleaned_data if form.is_valid() else {}
    filtered = bool(filters and any(filters.values()))
    with timezone.override(_zone(school)):
        index = selectors.chronology_index(
            user=request.user,
            school=school,
            pupil=pupil,
            kinds=[filters["kind"]] if filters.get("kind") else None,
            group=filters.get("group") or None,
            role=filters.get("role") or None,
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
        page = _chronology_page(index.keys, request.GET.get("page"))
        entries = selectors.chronology_entries(pupil=pupil, keys=page.object_list)
        _log(
            request,
            "incidents.chronology.viewed",
            school,
            pupil,
            {
                "pupil": str(pupil.public_id),
                "safeguarding": index.includes_safeguarding,
                "entries": len(index.keys),
                "filtered": filtered,
                "page": page.number,
            },
        )
        context = {
            "school": school,
            "pupil": pupil,
            "form": form,
            "filter_fields": field_groups(form),
            "chronology": index,
            "page": page,
            "entries": entries,
            "rows": _chronology_rows(school, entries),
            "dsl_team": dsl_team,
            "filtered": filtered,
        }
        return render(request, "incidents/chronology.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def cp_file(request, slug, public_id):
    """The child protection file (DSL team, second factor): front sheet and full chronology, as a PDF built by the
    worker (dozens of pages: too long for a web request). GET shows what it holds and the button; POST asks for it
    (``documents.cp_file_request``, audited ``incidents.cp_file.requested``) and goes to the file's page, which
    says "being prepared" until it is ready; the download there is audited ``incidents.cp_file.downloaded``."""
    school, pupil = _dsl_pupil(request, slug, public_id)
    response = otp.second_factor_redirect(request)
    if response is not None:
        return response
    if request.method == "POST":
        try:
            prepared, _queued = documents.cp_file_request(
                school=school, pupil=pupil, actor=request.user, ip_address=client_ip(request)
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("incidents:cp_file", school.slug, pupil.public_id)
        return redirect("jobs:prepared_file", school.slug, prepared.public_id)
    latest = (
        PreparedFile.objects.filter(
            kind=documents.CP_FILE, school=school, requested_by=request.user, params__pupil=str(pupil.public_id)
        )
        .order_by("-created_at")
        .first()
    )
    context = {
        "school": school,
        "pupil": pupil,
        "heading": _("Child protection file: %(pupil)s") % {"pupil": pupil.display_name},
        "description": _(
            "The front sheet (the child, parents and carers, professionals involved) and the full chronology, with "
            "every safeguarding record, as a PDF. Keep it separately from the main pupil file."
        ),
        "button": _("Prepare the child protection file"),
        "back_url": reverse("incidents:chronology", args=[school.slug, pupil.public_id]),
        "back_label": _("Chronology"),
        "latest": latest,
    }
    return render(request, "jobs/prepare.html", context)


# Transfers of the child protection file ----------------------------------------------------------------------------


def _with_file_state(transfers, user):
    """Mark each of ``transfers`` with what its page says of its file (issue 18 item 2: prepared by the worker):
    ``file_failed`` (failed or lost: the page offers to prepare it again) and ``file_page``, the file's own page
    (``jobs:prepared_file``: progress, then the download) for the person who asked for it, else "". One query."""
    prefetch_related_objects(transfers, "prepared_file")
    now = timezone.now()
    for transfer in transfers:
        prepared = transfer.prepared_file
        transfer.file_failed = transfer_file_failed(transfer, now=now)
        transfer.file_page = ""
        if prepared is not None and prepared.requested_by_id == user.pk and not transfer.file_failed:
            transfer.file_page = reverse("jobs:prepared_file", args=[transfer.school.slug, prepared.public_id])
    return transfers


def _transfers_page(request, school, pupil=None, form=None):
    today = school.today()
    transfers = _with_file_state(selectors.file_transfers(school=school, pupil=pupil, today=today), request.user)
    from interop.selectors import ctf_exports  # the leavers' CTFs the office exported (issue 14 item 2)

    context = {
        "ctf_exports": ctf_exports(school, pupil),
        "school": school,
        "pupil": pupil,
        "form": form,
        "transfers": transfers,
        "overdue": [transfer for transfer in transfers if transfer.is_overdue],
        "confirm_form": TransferConfirmForm(),
        "school_days": selectors.TRANSFER_CONFIRMATION_SCHOOL_DAYS,
    }
    with timezone.override(_zone(school)):
        return render(request, "incidents/transfers.html", context)


@login_required
@require_GET
@never_cache
def transfers(request, slug):
    """Every child protection file transfer of the school, with a warning for those unconfirmed after 5 school
    days, and a form to confirm receipt (DSL team, second factor)."""
    school = _dsl_school(request, slug)
    response = otp.second_factor_redirect(request)
    if response is not None:
        return response
    return _transfers_page(request, school)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def pupil_transfers(request, slug, public_id):
    """A pupil's file transfers, and the form recording that the file was sent to a new school (DSL team, second
    factor). The transfer is recorded at once; the worker prepares the file (``services_transfers``) and its SHA-256
    is kept with the transfer when it is ready — the page says "being prepared" until then."""
    school, pupil = _dsl_pupil(request, slug, public_id)
    response = otp.second_factor_redirect(request)
    if response is not None:
        return response
    with timezone.override(_zone(school)):
        now = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
        form = FileTransferForm(request.POST or None, initial={"sent_at": now})
        if request.method == "POST" and form.is_valid():
            try:
                transfer = file_transfer_record(
                    actor=request.user, pupil=pupil, ip_address=client_ip(request), **form.cleaned_data
                )
            except DomainError as error:
                form.add_error(error.code if error.code in form.fields else None, error.message)
            else:
                if transfer.file_sha256:
                    message = _("The transfer to %(school)s is recorded. SHA-256 of the file: %(sha)s")
                else:
                    message = _(
                        "The transfer to %(school)s is recorded. The child protection file is being prepared; its "
                        "SHA-256 is kept with the transfer when it is ready."
                    )
                messages.success(
                    request, message % {"school": transfer.destination_school, "sha": transfer.file_sha256}
                )
                return redirect("incidents:pupil_transfers", school.slug, pupil.public_id)
    return _transfers_page(request, school, pupil, form)


@login_required
@require_POST
def transfer_confirm(request, slug, public_id):
    """Record that the new school confirmed receipt of a file (DSL team, second factor)."""
    school = _dsl_school(request, slug)
    response = otp.second_factor_redirect(request)
    if response is not None:
        return response
    transfer = FileTransfer.objects.select_related("pupil", "school").filter(school=school, public_id=public_id).first()
    if transfer is None:
        raise Http404
    with timezone.override(_zone(school)):
        form = TransferConfirmForm(request.POST)
        if form.is_valid():
            try:
                file_transfer_confirm(
                    actor=request.user,
                    transfer=transfer,
                    confirmed_by=form.cleaned_data["confirmed_by"],
                    confirmed_at=form.cleaned_data["confirmed_at"],
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Receipt of the file is confirmed."))
        else:
            messages.error(request, _("Say who confirmed receipt, and when."))
    return redirect(_safe_next(request, reverse("incidents:transfers", args=[school.slug])))


@login_required
@require_POST
def transfer_prepare(request, slug, public_id):
    """Ask again for the child protection file of a transfer whose file could not be prepared (DSL team, second
    factor): ``services_transfers.file_transfer_prepare``; back to the pupil's transfers, where it is "being
    prepared" again."""
    school = _dsl_school(request, slug)
    response = otp.second_factor_redirect(request)
    if response is not None:
        return response
    transfer = (
        FileTransfer.objects.select_related("pupil__school", "school", "prepared_file")
        .filter(school=school, public_id=public_id)
        .first()
    )
    if transfer is None:
        raise Http404
    try:
        file_transfer_prepare(actor=request.user, transfer=transfer, ip_address=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The child protection file of this transfer is being prepared again."))
    return redirect("incidents:pupil_transfers", school.slug, transfer.pupil.public_id)


# Professionals involved -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def professionals(request, slug, public_id):
    """The professionals involved with a pupil (front sheet of the child protection file), with forms to add one
    and to say one is no longer involved (DSL team, second factor)."""
    school, pupil = _dsl_pupil(request, slug, public_id)
    response = otp.second_factor_redirect(request)
    if response is not None:
        return response
    form = ProfessionalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            professional_add(actor=request.user, pupil=pupil, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.code if error.code in form.fields else None, error.message)
        else:
            messages.success(request, _("The professional is added to the front sheet."))
            return redirect("incidents:professionals", school.slug, pupil.public_id)
    current = Professional.objects.filter(pupil=pupil, ended_on__isnull=True).order_by("name")
    context = {
        "school": school,
        "pupil": pupil,
        "form": form,
        "end_form": ProfessionalEndForm(professionals=current),
        "professionals": selectors.pupil_professionals(pupil),
    }
    return render(request, "incidents/professionals.html", context)


@login_required
@require_POST
def professional_end_view(request, slug, public_id):
    """Record that a professional is no longer involved with the pupil (DSL team, second factor)."""
    school, pupil = _dsl_pupil(request, slug, public_id)
    response = otp.second_factor_redirect(request)
    if response is not None:
        return response
    form = ProfessionalEndForm(
        request.POST, professionals=Professional.objects.filter(pupil=pupil, ended_on__isnull=True)
    )
    if form.is_valid():
        try:
            professional_end(
                actor=request.user,
                professional=form.cleaned_data["professional"],
                ended_on=form.cleaned_data["ended_on"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The professional is marked as no longer involved."))
    else:
        messages.error(request, _("Choose a professional still involved, and a date that is not in the future."))
    return redirect("incidents:professionals", school.slug, pupil.public_id)


# Who viewed -------------------------------------------------------------------------------------------------------


@login_required
@require_GET
@never_cache
def viewers(request, slug, public_id):
    """Who viewed, downloaded or printed the pupil's record — the chronology, the child protection file, any of the
    pupil's incidents — and when (DSL team, second factor)."""
    school, pupil = _dsl_pupil(request, slug, public_id)
    response = otp.second_factor_redirect(request)
    if response is not None:
        return response
    page = Paginator(selectors.record_views(school=school, pupil=pupil), VIEWERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for event in page:
        event.label = audit_label(event.action)
    with timezone.override(_zone(school)):
        return render(request, "incidents/viewers.html", {"school": school, "pupil": pupil, "page": page})


# Printable forms --------------------------------------------------------------------------------------------------


def _racist_incident(request, slug, public_id):
    school = permissions.get_school_for_user(request.user, slug, permissions.RECORD_INCIDENT)
    incident = permissions.get_incident_for_user(request.user, school, public_id)
    if incident.is_void or not selectors.is_racist_incident(incident):
        raise Http404
    return school, incident


@login_required
@require_GET
@never_cache
def form_racist(request, slug, public_id):
    """The local authority's racist incident report for one prejudice-related incident, as a page to print
    (Westminster §11). Audited as printed."""
    school, incident = _racist_incident(request, slug, public_id)
    if incident.is_safeguarding:
        response = otp.second_factor_redirect(request)
        if response is not None:
            return response
    incident = selectors.racist_incident_report(incident)
    _log(request, "incidents.racist_form.printed", school, incident, {})
    with timezone.override(_zone(school)):
        return render(request, "incidents/forms/racist_incident.html", {"school": school, "incident": incident})


@login_required
@require_GET
@never_cache
def form_racist_pdf(request, slug, public_id):
    """The racist incident report as a PDF. Audited as downloaded."""
    school, incident = _racist_incident(request, slug, public_id)
    if incident.is_safeguarding:
        response = otp.second_factor_redirect(request)
        if response is not None:
            return response
    incident = selectors.racist_incident_report(incident)
    pdf = documents.racist_incident_pdf(incident=incident, actor=request.user)
    _log(request, "incidents.racist_form.downloaded", school, incident, {"sha256": hashlib.sha256(pdf).hexdigest()})
    occurred_on = timezone.localtime(incident.occurred_at, _zone(school)).date().isoformat()
    return _pdf_response(pdf, _filename(_("racist incident report"), occurred_on))


def _online_safety_log(request, slug):
    """School, date range form and incidents of the online safety log, or a redirect for the second factor."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_ALL_BEHAVIOUR)
    if permissions.can(request.user, permissions.VIEW_SAFEGUARDING, school):
        response = otp.second_factor_redirect(request)
        if response is not None:
            return school, None, None, response
    today = school.today()
    if "date_from" in request.GET or "date_to" in request.GET:
        data = request.GET
    else:
        year = AcademicYear.objects.filter(school=school, starts_on__lte=today, ends_on__gte=today).first()
        start = year.starts_on if year else today - datetime.timedelta(days=365)
        data = {"date_from": start.isoformat(), "date_to": today.isoformat()}
    form = DateRangeForm(data)
    incidents = []
    if form.is_valid():
        incidents = selectors.online_safety_log(
            user=request.user,
            school=school,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
    return school, form, incidents, None


@login_required
@require_GET
@never_cache
def form_online_safety_log(request, slug):
    """The online safety log (St James): online safety incidents in a date range — date, time, pupils, what
    happened, action, who recorded, outcome — as a page to print (SLT and DSL team; concerns for the DSL team
    only). Audited as printed."""
    school, form, incidents, response = _online_safety_log(request, slug)
    if response is not None:
        return response
    if form.is_valid():
        _log(
            request,
            "incidents.online_safety_log.printed",
            school,
            None,
            {
                "date_from": form.cleaned_data["date_from"].isoformat(),
                "date_to": form.cleaned_data["date_to"].isoformat(),
                "incidents": [str(incident.public_id) for incident in incidents],
            },
        )
        _log_concerns(request, "incidents.online_safety_log.printed", school, incidents)
    with timezone.override(_zone(school)):
        return render(
            request,
            "incidents/forms/online_safety_log.html",
            {"school": school, "form": form, "incidents": incidents},
        )


@login_required
@require_GET
@never_cache
def form_online_safety_log_pdf(request, slug):
    """The online safety log as a PDF. Audited as downloaded."""
    school, form, incidents, response = _online_safety_log(request, slug)
    if response is not None:
        return response
    if not form.is_valid():
        messages.error(request, _("Choose a valid date range."))
        return redirect("incidents:form_online_safety_log", school.slug)
    date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    pdf = documents.online_safety_log_pdf(
        school=school, incidents=incidents, date_from=date_from, date_to=date_to, actor=request.user
    )
    _log(
        request,
        "incidents.online_safety_log.downloaded",
        school,
        None,
        {
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "incidents": [str(incident.public_id) for incident in incidents],
            "sha256": hashlib.sha256(pdf).hexdigest(),
        },
    )
    _log_concerns(request, "incidents.online_safety_log.downloaded", school, incidents)
    return _pdf_response(pdf, _filename(_("online safety log"), date_from.isoformat(), date_to.isoformat()))


CHRONOLOGY = "school/<slug:slug>/pupils/<uuid:public_id>/chronology/"

urlpatterns = [
    path(CHRONOLOGY, chronology, name="chronology"),
    path(f"{CHRONOLOGY}cp-file/", cp_file, name="cp_file"),
    path(f"{CHRONOLOGY}transfers/", pupil_transfers, name="pupil_transfers"),
    path(f"{CHRONOLOGY}professionals/", professionals, name="professionals"),
    path(f"{CHRONOLOGY}professionals/end/", professional_end_view, name="professional_end"),
    path(f"{CHRONOLOGY}viewers/", viewers, name="viewers"),
    path("school/<slug:slug>/incidents/transfers/", transfers, name="transfers"),
    path("school/<slug:slug>/incidents/transfers/<uuid:public_id>/confirm/", transfer_confirm, name="transfer_confirm"),
    path("school/<slug:slug>/incidents/transfers/<uuid:public_id>/prepare/", transfer_prepare, name="transfer_prepare"),
    path(
        "school/<slug:slug>/incidents/forms/online-safety-log/", form_online_safety_log, name="form_online_safety_log"
    ),
    path(
        "school/<slug:slug>/incidents/forms/online-safety-log.pdf",
        form_online_safety_log_pdf,
        name="form_online_safety_log_pdf",
    ),
    path("school/<slug:slug>/incidents/<uuid:public_id>/forms/racist-incident/", form_racist, name="form_racist"),
    path(
        "school/<slug:slug>/incidents/<uuid:public_id>/forms/racist-incident.pdf",
        form_racist_pdf,
        name="form_racist_pdf",
    ),
]
