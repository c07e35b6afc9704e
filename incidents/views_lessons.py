"""A school's lesson periods and subjects, which incidents may be recorded against (issue 16 item 7): listed, added
and removed by whoever sets the school up (``SETUP_SCHOOL``: the office, the headteacher, a trust admin), because
they are the school's timetable, kept with its calendar, year groups and classes (issue 13). Once a school keeps
either list, the recording and correcting forms offer it and the incident list filters by it; a school that keeps
neither sees no change.

Thin views: permission helper → form → service → redirect with a message. Anyone else gets 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeguard import permissions
from safeguard.base import DomainError

from . import selectors, services
from .forms_lessons import LessonEntryForm

KINDS = ("periods", "subjects")


def _school(request, slug):
    school = permissions.get_school_for_user(request.user, slug)
    if not permissions.can_keep_lesson_lists(request.user, school):
        raise Http404
    return school


def _render(request, school, *, status=200, **bound_forms):
    lists = []
    for kind in KINDS:
        entries = selectors.lesson_entries(school, kind, include_removed=True)
        lists.append(
            {
                "kind": kind,
                "in_use": [entry for entry in entries if not entry.is_removed],
                "removed": [entry for entry in entries if entry.is_removed],
                "form": bound_forms.get(kind) or LessonEntryForm(kind=kind),
            }
        )
    forms_with_errors = [form for form in bound_forms.values() if form.errors]
    context = {"school": school, "lists": lists, "error_form": forms_with_errors[0] if forms_with_errors else None}
    return render(request, "incidents/lessons.html", context, status=status)


@login_required
@require_GET
def lessons(request, slug):
    """The school's lesson periods and subjects, with a form to add each and a button to remove each."""
    return _render(request, _school(request, slug))


@login_required
@require_POST
def lesson_entry_add(request, slug, kind):
    """Add a period or a subject; the page again with the error when the name is missing or too long."""
    school = _school(request, slug)
    if kind not in KINDS:
        raise Http404
    form = LessonEntryForm(request.POST, kind=kind)
    if form.is_valid():
        try:
            entry, created = services.lesson_entry_add(
                actor=request.user, school=school, kind=kind, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            form.add_error("name", error.message)
        except PermissionError:
            raise Http404 from None
        else:
            if created:
                messages.success(request, _("“%(name)s” added.") % {"name": entry.name})
            else:
                messages.info(request, _("“%(name)s” is already on the list.") % {"name": entry.name})
            return redirect("incidents:lessons", school.slug)
    return _render(request, school, status=400, **{kind: form})


@login_required
@require_POST
def lesson_entry_remove(request, slug, kind, entry_id):
    """Stop offering a period or subject; incidents recorded with it keep it."""
    school = _school(request, slug)
    if kind not in KINDS:
        raise Http404
    model = services.LESSON_LISTS[kind]
    entry = model.objects.filter(school=school, public_id=entry_id).select_related("school").first()
    if entry is None:
        raise Http404
    try:
        services.lesson_entry_remove(actor=request.user, entry=entry)
    except PermissionError:
        raise Http404 from None
    messages.success(request, _("“%(name)s” removed. Incidents recorded with it keep it.") % {"name": entry.name})
    return redirect("incidents:lessons", school.slug)


urlpatterns = [
    path("school/<slug:slug>/incidents/lessons/", lessons, name="lessons"),
    path("school/<slug:slug>/incidents/lessons/<str:kind>/", lesson_entry_add, name="lesson_entry_add"),
    path(
        "school/<slug:slug>/incidents/lessons/<str:kind>/<uuid:entry_id>/remove/",
        lesson_entry_remove,
        name="lesson_entry_remove",
    ),
]
