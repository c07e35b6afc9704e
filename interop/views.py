"""OneRoster and CTF import pages: upload → preview with every error or change → confirm (POST only).

Thin views: permission helper → form → service (``interop.services``) → render or redirect with a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeguard import permissions
from safeguard.base import DomainError

from . import selectors
from .ctf_export import ctf_export_pupil
from .forms import CtfUploadForm, ImportConfirmForm, OneRosterUploadForm
from .models import InteropImport
from .services import interop_import_apply, interop_import_preview

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


@login_required
@require_GET
def import_detail(request, slug, public_id):
    """The stored report of an import: its counts, every error by file, line and field, and what was applied."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    interop_import = selectors.import_for_school(school, public_id)
    return render(
        request,
        "interop/detail.html",
        {"school": school, "interop_import": interop_import, "summary": interop_import.summary},
    )


@login_required
@require_POST
def import_confirm(request, slug, public_id):
    """Apply a previewed import once; the service reads the stored file again."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    interop_import = selectors.import_for_school(school, public_id)
    form = ImportConfirmForm(request.POST)
    form.is_valid()  # two optional boxes: always valid
    try:
        counts = interop_import_apply(
            actor=request.user,
            interop_import=interop_import,
            mark_absent_as_left=form.cleaned_data.get("mark_absent_as_left", False),
            invite_guardians=form.cleaned_data.get("invite_guardians", False),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(UPLOAD_URLS[interop_import.kind], school.slug)
    messages.success(
        request,
        _(
            "Roster imported. Pupils: %(pupils_created)s added, %(pupils_updated)s updated, %(pupils_returning)s back "
            "on roll, %(pupils_marked_left)s marked as left, %(pupils_unchanged)s unchanged. Parents and carers: "
            "%(guardians_created)s added, %(guardians_updated)s updated. Year groups added: %(year_groups_created)s. "
            "Class teachers added: %(teachers_added)s. Invitations sent: %(invitations_sent)s."
        )
        % counts,
    )
    return redirect("interop:import_detail", school.slug, interop_import.public_id)


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
