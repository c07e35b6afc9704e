"""Roster import pages: upload → preview with every row's errors or the changes → confirm (POST only).

Thin views: permission helper → form → service (``safeguard.directory.roster``) → render or redirect with a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeguard import permissions
from safeguard.base import DomainError

from .forms_roster import RosterConfirmForm, RosterUploadForm
from .models import RosterImport
from .roster import COLUMN_DOCS, MAX_CONTACTS, roster_import_apply, roster_import_preview, roster_template_csv


def _get_import_for_school(school, public_id):
    """A roster import of ``school`` (already checked for ``MANAGE_ROSTER``); another school's is "not found"."""
    roster_import = RosterImport.objects.filter(school=school, public_id=public_id).first()
    if roster_import is None:
        raise Http404
    return roster_import


def _upload_page(request, school, form):
    context = {"school": school, "form": form, "columns": COLUMN_DOCS, "max_contacts": MAX_CONTACTS}
    return render(request, "directory/roster_import.html", context)


@login_required
def roster_import(request, slug):
    """GET: the upload form and the column list. POST: check the file and show the preview (nothing applied)."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    if request.method != "POST":
        return _upload_page(request, school, RosterUploadForm())
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, school, form)
    try:
        roster_import, plan = roster_import_preview(
            actor=request.user, school=school, uploaded_file=form.cleaned_data["file"]
        )
    except DomainError as error:
        form.add_error("file", error.message)
        return _upload_page(request, school, form)
    context = {
        "school": school,
        "roster_import": roster_import,
        "plan": plan,
        "counts": plan.counts(),
        "confirm_form": RosterConfirmForm(initial={"import_id": roster_import.public_id}),
        "upload_form": RosterUploadForm(),
    }
    return render(request, "directory/roster_preview.html", context)


@login_required
@require_POST
def roster_import_confirm(request, slug):
    """Apply a previewed import once; the service checks the stored file again."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    form = RosterConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("There was no import to confirm. Upload the file again."))
        return redirect("directory:roster_import", school.slug)
    roster_import = _get_import_for_school(school, form.cleaned_data["import_id"])
    try:
        counts = roster_import_apply(
            actor=request.user,
            roster_import=roster_import,
            mark_absent_as_left=form.cleaned_data["mark_absent_as_left"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("directory:roster_import", school.slug)
    messages.success(
        request,
        _(
            "Roster imported. Pupils: %(pupils_created)s added, %(pupils_updated)s updated, %(pupils_returning)s back "
            "on roll, %(pupils_marked_left)s marked as left, %(pupils_unchanged)s unchanged. Parents and carers: "
            "%(guardians_created)s added, %(guardians_updated)s updated. Contact links: %(links_created)s added, "
            "%(links_updated)s updated, %(links_ended)s ended."
        )
        % counts,
    )
    return redirect("directory:pupil_list", school.slug)


@login_required
@require_GET
def roster_template(request, slug):
    """A CSV with the column headings and one example row of fictional data, to fill in or compare against."""
    permissions.get_school_for_user(request.user, slug, permissions.MANAGE_ROSTER)
    response = HttpResponse(roster_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="roster-template.csv"'
    return response
