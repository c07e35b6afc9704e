"""Saved filters of the incident list (issue 16 item 9): save the filter in use under a name, see one's saved
filters, apply one (a link to the list with its values — the list's form checks them again) and remove one.

Private: a saved filter is its owner's only; anyone else's answers 404 exactly like a missing one. Any member of
staff who reads the incident list (``RECORD_INCIDENT``) keeps their own.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeguard import permissions
from safeguard.base import DomainError

from . import selectors, services_saved_filters
from .forms_bulk import SavedFilterForm
from .forms_incidents import IncidentFilterForm
from .services_saved_filters import FILTER_FIELDS
from .views_list_tools import filter_query, list_url


def _school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.RECORD_INCIDENT)


def _with_urls(school, saved_filters):
    base = reverse("incidents:list", args=[school.slug])
    for saved in saved_filters:
        saved.apply_url = f"{base}?{filter_query(saved.filters)}"
    return saved_filters


@login_required
@require_GET
def saved_filters(request, slug):
    """The user's saved filters of this school's incident list, each with a link applying it and a remove button."""
    school = _school(request, slug)
    context = {
        "school": school,
        "saved_filters": _with_urls(school, selectors.saved_filters(owner=request.user, school=school)),
    }
    return render(request, "incidents/saved_filters.html", context)


@login_required
@require_POST
def saved_filter_save(request, slug):
    """Save the filter posted with it (the list's current filter, in hidden fields) under the name given, then
    show the list with it applied. Values the list's form refuses are not saved."""
    school = _school(request, slug)
    posted = {name: request.POST.get(name, "") for name in FILTER_FIELDS}
    back = list_url(school, posted)
    name_form = SavedFilterForm(request.POST)
    filter_form = IncidentFilterForm(
        posted,
        school=school,
        show_concerns=permissions.can(request.user, permissions.VIEW_SAFEGUARDING, school),
        show_voided=permissions.can(request.user, permissions.MANAGE_INCIDENTS, school),
    )
    if not name_form.is_valid():
        messages.error(request, _("Give the filter a name, then save it."))
        return redirect(back)
    if not filter_form.is_valid():
        messages.error(request, _("This filter has a problem. Put it right on the list, then save it."))
        return redirect(back)
    try:
        saved, created = services_saved_filters.saved_filter_save(
            actor=request.user, school=school, name=name_form.cleaned_data["name"], filters=posted
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    except PermissionError:
        raise Http404 from None
    if created:
        messages.success(request, _("Filter saved as “%(name)s”.") % {"name": saved.name})
    else:
        messages.success(request, _("Filter “%(name)s” updated.") % {"name": saved.name})
    return redirect(f"{reverse('incidents:list', args=[school.slug])}?{filter_query(saved.filters)}")


@login_required
@require_POST
def saved_filter_remove(request, slug, filter_id):
    """Remove one of the user's saved filters (someone else's: 404)."""
    school = _school(request, slug)
    saved = permissions.get_saved_filter_for_user(request.user, school, filter_id)
    services_saved_filters.saved_filter_remove(actor=request.user, saved=saved)
    messages.success(request, _("Saved filter “%(name)s” removed.") % {"name": saved.name})
    return redirect("incidents:saved_filters", school.slug)


urlpatterns = [
    path("school/<slug:slug>/incidents/saved-filters/", saved_filters, name="saved_filters"),
    path("school/<slug:slug>/incidents/saved-filters/save/", saved_filter_save, name="saved_filter_save"),
    path(
        "school/<slug:slug>/incidents/saved-filters/<uuid:filter_id>/remove/",
        saved_filter_remove,
        name="saved_filter_remove",
    ),
]
