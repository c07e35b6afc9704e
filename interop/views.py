"""OneRoster and CTF import pages: upload → preview with every error or change → confirm (POST only).

Thin views: permission helper → form → service (``interop.services``) → render or redirect with a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeguard import permissions
from safeguard.base import DomainError
from safeguard.directory import pupil_accounts

from . import selectors
from .ctf_export import ctf_export_pupil
from .forms import CtfUploadForm, DistrictImportConfirmForm, ImportConfirmForm, OneRosterUploadForm
from .models import InteropImport
from .services import interop_import_preview, interop_import_queue
from .services_district import district_import_preview, district_import_queue

FORMS = {InteropImport.Kind.ONEROSTER: OneRosterUploadForm, InteropImport.Kind.CTF: CtfUploadForm}
UPLOAD_URLS = {InteropImport.Kind.ONEROSTER: "interop:oneroster_import", InteropImport.Kind.CTF: "interop:ctf_import"}


def _upload(request, slug, kind):
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    form_class = FORMS[kind]
    form = form_class(request.POST, request.FILES) if request.method == "POST" else form_class()
    context = {
        "school": school,
        "kind": kind,
        "form": form,
        "upload_url": UPLOAD_URLS[kind],
        "recent": selectors.recent_imports(school),
        "district": school.organisation
        if school.organisation and permissions.can(request.user, permissions.MANAGE_SCHOOLS, school.organisation)
        else None,
    }
    if request.method != "POST" or not form.is_valid():
        return render(request, "interop/upload.html", context)
    try:
        interop_import, preview = interop_import_preview(
            actor=request.user, school=school, kind=kind, uploaded_file=form.cleaned_data["file"]
        )
    except DomainError as error:
        form.add_error("file", error.message)
        return render(request, "interop/upload.html", context)
    context.update(
        {
            "interop_import": interop_import,
            "preview": preview,
            "plan": preview.plan,
            "counts": preview.counts(),
            "confirm_form": ImportConfirmForm(),
            "upload_form": form_class(),
            # Pupils' own accounts (issue 14 item 1): offered where the school gives them, from a OneRoster file
            # (its users.csv carries students' addresses; a CTF carries none).
            "offers_student_invitations": kind == InteropImport.Kind.ONEROSTER and pupil_accounts.is_on(school),
        }
    )
    return render(request, "interop/preview.html", context)


@login_required
def oneroster_import(request, slug):
    """GET: the upload form. POST: check a OneRoster zip and show the preview (nothing applied)."""
    return _upload(request, slug, InteropImport.Kind.ONEROSTER)


@login_required
def ctf_import(request, slug):
    """GET: the upload form. POST: check a CTF and show the preview (nothing applied)."""
    return _upload(request, slug, InteropImport.Kind.CTF)


REFRESH_SECONDS = 3  # the status page reloads itself while an import is being applied (HTTP Refresh: no script)


def _refreshing(response, record):
    if record.status == InteropImport.Status.APPLYING:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@login_required
@require_GET
def import_detail(request, slug, public_id):
    """The stored report of an import: its counts, every error by file, line and field, and what was applied.
    While the import is being applied it says so and reloads itself every few seconds (``Refresh`` header)."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    interop_import = selectors.import_for_school(school, public_id)
    response = render(
        request,
        "interop/detail.html",
        {
            "school": school,
            "interop_import": interop_import,
            "summary": interop_import.summary,
            "refresh_seconds": REFRESH_SECONDS,
        },
    )
    return _refreshing(response, interop_import)


@login_required
@require_POST
def import_confirm(request, slug, public_id):
    """Confirm a previewed import: it is applied off the request (``services.interop_import_queue``); the report
    page shows "being applied" until it is done, and the person is e-mailed the result."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    interop_import = selectors.import_for_school(school, public_id)
    form = ImportConfirmForm(request.POST)
    form.is_valid()  # optional boxes: always valid
    try:
        interop_import_queue(actor=request.user, interop_import=interop_import, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(UPLOAD_URLS[interop_import.kind], school.slug)
    messages.info(
        request,
        _("The roster is being imported. This page shows the result when it is done, and we e-mail it to you."),
    )
    return redirect("interop:import_detail", school.slug, interop_import.public_id)


def _organisation(request, slug):
    """The trust or district with ``slug`` if the user may manage its schools (``MANAGE_SCHOOLS``); else 404."""
    organisation = permissions.get_organisation_for_user(request.user, slug)
    if not permissions.can(request.user, permissions.MANAGE_SCHOOLS, organisation):
        raise Http404
    return organisation


@login_required
def district_import(request, slug):
    """GET: the district's OneRoster upload form and its recent imports. POST: check the zip against every school
    of the district and show one preview with each school's counts (nothing applied)."""
    organisation = _organisation(request, slug)
    form = OneRosterUploadForm(request.POST, request.FILES) if request.method == "POST" else OneRosterUploadForm()
    context = {
        "organisation": organisation,
        "form": form,
        "recent": selectors.recent_district_imports(organisation),
    }
    if request.method != "POST" or not form.is_valid():
        return render(request, "interop/district_upload.html", context)
    try:
        district_import, preview = district_import_preview(
            actor=request.user, organisation=organisation, uploaded_file=form.cleaned_data["file"]
        )
    except DomainError as error:
        form.add_error("file", error.message)
        return render(request, "interop/district_upload.html", context)
    context.update(
        {
            "district_import": district_import,
            "preview": preview,
            "summary": district_import.summary,
            "confirm_form": DistrictImportConfirmForm(),
            "upload_form": OneRosterUploadForm(),
        }
    )
    return render(request, "interop/district_preview.html", context)


@login_required
@require_GET
def district_import_detail(request, slug, public_id):
    """A district import's report: per-school counts, every error, or "being applied" (reloads itself)."""
    organisation = _organisation(request, slug)
    district_import = selectors.district_import_for_organisation(organisation, public_id)
    response = render(
        request,
        "interop/district_detail.html",
        {
            "organisation": organisation,
            "district_import": district_import,
            "summary": district_import.summary,
            "refresh_seconds": REFRESH_SECONDS,
        },
    )
    return _refreshing(response, district_import)


@login_required
@require_POST
def district_import_confirm(request, slug, public_id):
    """Confirm a previewed district import: applied off the request in one transaction for every school."""
    organisation = _organisation(request, slug)
    district_import = selectors.district_import_for_organisation(organisation, public_id)
    form = DistrictImportConfirmForm(request.POST)
    form.is_valid()
    try:
        district_import_queue(actor=request.user, district_import=district_import, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("interop:district_import", organisation.slug)
    messages.info(
        request,
        _("The district's roster is being imported. This page shows the result when it is done, and we e-mail it."),
    )
    return redirect("interop:district_import_detail", organisation.slug, district_import.public_id)


@login_required
@require_GET
def pupil_ctf(request, slug, public_id):
    """Download a leaver's CTF (XML) to send to their new school; a pupil on roll gets a message instead."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    pupil = selectors.pupil_for_school(school, public_id)
    try:
        content = ctf_export_pupil(actor=request.user, pupil=pupil)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("directory:pupil_detail", school.slug, pupil.public_id)
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="CTF-{pupil.upn or pupil.public_id}.xml"'
    return response


# Scheduled syncs (issue 14 item 3) --------------------------------------------------------------------------------


@login_required
@require_GET
def sync_list(request, slug):
    """The school's scheduled roster syncs, each with its latest run."""
    from .services_sync import school_drop_dir

    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    return render(
        request,
        "interop/sync_list.html",
        {"school": school, "syncs": selectors.syncs_for_school(school), "drop_dir": school_drop_dir(school)},
    )


def _sync_form(request, school, sync=None):
    from .forms import RosterSyncForm
    from .services_sync import roster_sync_save, school_drop_dir

    initial = {} if sync else {"run_at": "06:00", "enabled": True, "name": _("Nightly roster")}
    form = (
        RosterSyncForm(request.POST, instance=sync, school=school)
        if request.method == "POST"
        else RosterSyncForm(instance=sync, initial=initial, school=school)
    )
    if request.method == "POST" and form.is_valid():
        try:
            sync = roster_sync_save(actor=request.user, school=school, data=form.cleaned_data, sync=sync)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Roster sync saved."))
            return redirect("interop:sync_detail", school.slug, sync.public_id)
    return render(
        request,
        "interop/sync_form.html",
        {"school": school, "form": form, "sync": sync, "drop_dir": school_drop_dir(school)},
    )


@login_required
def sync_create(request, slug):
    """GET: the form for a new sync. POST: save it (``services_sync.roster_sync_save``)."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    return _sync_form(request, school)


@login_required
def sync_edit(request, slug, public_id):
    """GET: the sync's settings (never its secret). POST: save them."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    return _sync_form(request, school, selectors.sync_for_school(school, public_id))


@login_required
@require_GET
def sync_detail(request, slug, public_id):
    """A sync's settings and its latest runs, each with its status, counts and report."""
    from .services_sync import school_drop_dir

    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    sync = selectors.sync_for_school(school, public_id)
    runs = selectors.sync_runs(sync)
    leavers_run, leavers = selectors.leavers_waiting(sync, runs)
    return render(
        request,
        "interop/sync_detail.html",
        {
            "school": school,
            "sync": sync,
            "runs": runs,
            "leavers_run": leavers_run,
            "leavers": leavers,
            "drop_dir": school_drop_dir(school),
        },
    )


@login_required
@require_POST
def sync_run(request, slug, public_id):
    """ "Run now": queue the sync at once (``services_sync.roster_sync_request_run``)."""
    from .services_sync import roster_sync_request_run

    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    sync = selectors.sync_for_school(school, public_id)
    if not sync.enabled:
        messages.error(request, _("This sync is turned off. Turn it on to run it."))
    else:
        roster_sync_request_run(actor=request.user, sync=sync)
        messages.success(request, _("The sync will run within a few minutes. Its result appears below."))
    return redirect("interop:sync_detail", school.slug, sync.public_id)


@login_required
@require_POST
def sync_confirm_leavers(request, slug, public_id, run_id):
    """Mark as left the pupils missing from the latest applied file of a sync (``roster_sync_confirm_leavers``)."""
    from .services_sync import roster_sync_confirm_leavers

    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    sync = selectors.sync_for_school(school, public_id)
    run = selectors.run_for_sync(sync, run_id)
    try:
        marked = roster_sync_confirm_leavers(actor=request.user, run=run)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Pupils marked as left: %(count)s.") % {"count": marked})
    return redirect("interop:sync_detail", school.slug, sync.public_id)
