"""Recording an incident or raising a concern: the one-page form, the pupil search behind it, and the page that
tells the member of staff who raised a concern that the DSL team has it.

Thin views: permission helper → form → services → redirect with a message. Any member of staff may record
(``RECORD_INCIDENT``); everyone else gets 404, as for a school that does not exist.
"""

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from safeguard import permissions
from safeguard.accounts.models import User
from safeguard.base import DomainError

from . import services
from .forms_record import FIELD_FOR_ERROR_CODE, RecordForm, pupil_label, pupil_search
from .models import Incident

SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 20


def _school_time_zone(school):
    return zoneinfo.ZoneInfo(school.time_zone)


@login_required
@never_cache
def record(request, slug):
    """The recording form. Saved in one go: the incident (with its alerts, queued after commit) and its files."""
    school = permissions.get_school_for_user(request.user, slug, permissions.RECORD_INCIDENT)
    with timezone.override(_school_time_zone(school)):
        form = RecordForm(request.POST or None, request.FILES or None, school=school, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                incident = services.incident_record(
                    actor=request.user,
                    school=school,
                    attachments=form.cleaned_data["attachments"],
                    **form.service_arguments(),
                )
            except DomainError as error:
                form.add_error(FIELD_FOR_ERROR_CODE.get(error.code), error.message)
            else:
                return _after_recording(request, school, incident)
        context = {
            "school": school,
            "form": form,
            "files_to_choose_again": request.method == "POST" and bool(request.FILES),
            "search_min_length": SEARCH_MIN_LENGTH,
        }
        return render(request, "incidents/record.html", context)


def _after_recording(request, school, incident):
    if incident.is_safeguarding:
        return redirect("incidents:concern_raised", school.slug, incident.public_id)
    alerted = incident.alerts.count()
    messages.success(
        request,
        ngettext(
            "Incident recorded. %(count)s person has been alerted.",
            "Incident recorded. %(count)s people have been alerted.",
            alerted,
        )
        % {"count": alerted},
    )
    try:
        return redirect(reverse("incidents:incident_detail", args=[school.slug, incident.public_id]))
    except NoReverseMatch:  # the incident's page is not installed: back to the school's home page
        return redirect("directory:school_home", school.slug)


@login_required
@require_GET
@never_cache
def pupil_search_json(request, slug):
    """``{"results": [{"id", "name", "class"}]}``: up to 20 pupils on roll matching ``?q=`` (at least 2
    characters), the searcher's own classes first. Staff only; the answer is never cached."""
    school = permissions.get_school_for_user(request.user, slug, permissions.RECORD_INCIDENT)
    query = " ".join(request.GET.get("q", "").split())[:100]
    results = []
    if len(query) >= SEARCH_MIN_LENGTH:
        results = [
            {"id": str(pupil.public_id), "name": pupil.display_name, "class": pupil_label(pupil)}
            for pupil in pupil_search(school, request.user, query, limit=SEARCH_LIMIT)
        ]
    return JsonResponse({"results": results})


@login_required
@require_GET
def concern_raised(request, slug, public_id):
    """For the member of staff who raised a concern: that they raised it, when, and its status — never its
    details, the DSL's notes or actions (issue 6, Confidentiality). Anyone else gets 404."""
    school = permissions.get_school_for_user(request.user, slug, permissions.RECORD_INCIDENT)
    incident = Incident.objects.filter(school=school, public_id=public_id, is_safeguarding=True).first()
    if incident is None or not permissions.can_see_concern_status(request.user, incident):
        raise Http404
    dsl_team = User.objects.filter(
        pk__in=permissions.holders(school, permissions.VIEW_SAFEGUARDING), is_active=True
    ).order_by("full_name")
    team = [str(user) for user in dsl_team]
    with timezone.override(_school_time_zone(school)):
        return render(
            request,
            "incidents/record_concern_raised.html",
            {"school": school, "incident": incident, "dsl_team": team},
        )


urlpatterns = [
    path("school/<slug:slug>/incidents/new/", record, name="record"),
    path("school/<slug:slug>/incidents/pupil-search/", pupil_search_json, name="pupil_search"),
    path("school/<slug:slug>/incidents/<uuid:public_id>/raised/", concern_raised, name="concern_raised"),
]
