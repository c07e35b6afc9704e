"""The DSL team's photo measures (photography policy §6): looked-after and previously looked-after pupils and any
pupil with a measure, setting, changing and ending a measure, and each pupil's history of measures.

Only ``SET_PHOTO_MEASURES`` (DSL, deputy DSL, headteacher) may open these pages; anyone else gets 404, as for a page
that does not exist. The reason for a measure appears here and nowhere else.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeguard import permissions
from safeguard.base import DomainError
from safeguard.directory.models import Pupil

from .forms_measures import MeasureForm, PupilSearchForm
from .models import PhotoMeasure
from .services import photo_measure_end, photo_measure_set

MAX_MATCHES = 20


def _school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.SET_PHOTO_MEASURES)


def _pupil(school, public_id):
    pupil = Pupil.objects.select_related("school_class", "school").filter(school=school, public_id=public_id).first()
    if pupil is None:
        raise Http404
    return pupil


def _current(queryset):
    return queryset.prefetch_related(
        Prefetch(
            "photo_measures",
            queryset=PhotoMeasure.objects.filter(ended_at__isnull=True),
            to_attr="current_measures",
        )
    ).select_related("school_class")


@login_required
@require_GET
def measure_list(request, slug):
    """Looked-after and previously looked-after pupils first, then any pupil with a measure, each with their current
    measure and review date (overdue reviews highlighted); and a search to find any other pupil."""
    school = _school(request, slug)
    today = school.today()
    pupils = _current(
        Pupil.objects.filter(school=school)
        .on_roll(today)
        .filter(
            Q(is_looked_after=True)
            | Q(is_previously_looked_after=True)
            | Q(pk__in=PhotoMeasure.objects.filter(ended_at__isnull=True).values("pupil_id"))
        )
        .order_by("legal_last_name", "legal_first_name")
    )
    rows = []
    for pupil in pupils:
        measure = pupil.current_measures[0] if pupil.current_measures else None
        rows.append(
            {
                "pupil": pupil,
                "measure": measure,
                "looked_after": pupil.is_looked_after or pupil.is_previously_looked_after,
                "overdue": bool(measure and measure.review_on and measure.review_on < today),
            }
        )
    rows.sort(key=lambda row: not row["looked_after"])  # stable: names stay in order within each group
    search = PupilSearchForm(request.GET or None)
    matches = []
    if search.is_valid() and search.cleaned_data["q"].strip():
        matches = Pupil.objects.filter(school=school).on_roll(today).select_related("school_class")
        for word in search.cleaned_data["q"].split():
            matches = matches.filter(
                Q(legal_first_name__icontains=word)
                | Q(legal_last_name__icontains=word)
                | Q(preferred_first_name__icontains=word)
                | Q(preferred_last_name__icontains=word)
            )
        matches = list(matches.order_by("legal_last_name", "legal_first_name")[:MAX_MATCHES])
    context = {"school": school, "rows": rows, "search": search, "matches": matches, "today": today}
    return render(request, "consent/measure_list.html", context)


@login_required
def measure_set(request, slug, pupil_id):
    """A pupil's current measure with the form to set or change it, and every measure ever set, with who set and
    ended it and why."""
    school = _school(request, slug)
    pupil = _pupil(school, pupil_id)
    today = school.today()
    history = list(
        PhotoMeasure.objects.filter(pupil=pupil).select_related("set_by", "ended_by").order_by("-created_at")
    )
    current = next((m for m in history if m.ended_at is None), None)
    initial = {}
    if current:
        initial = {
            "measure": current.measure,
            "court_order": current.court_order,
            "reason": current.reason,
            "review_on": current.review_on,
        }
    form = MeasureForm(request.POST or None, initial=initial, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            photo_measure_set(
                actor=request.user,
                pupil=pupil,
                measure=form.cleaned_data["measure"],
                court_order=form.cleaned_data["court_order"],
                reason=form.cleaned_data["reason"],
                review_on=form.cleaned_data["review_on"],
            )
        except DomainError as error:
            form.add_error("reason" if error.code == "reason" else None, error.message)
        else:
            messages.success(request, _("The measure is saved. Class teachers see its effect, never the reason."))
            return redirect("consent:measure_set", school.slug, pupil.public_id)
    context = {
        "school": school,
        "pupil": pupil,
        "form": form,
        "current": current,
        "history": history,
        "overdue": bool(current and current.review_on and current.review_on < today),
    }
    return render(request, "consent/measure_form.html", context)


@login_required
@require_POST
def measure_end(request, slug, pupil_id):
    """End the pupil's current measure: consent then decides alone."""
    school = _school(request, slug)
    pupil = _pupil(school, pupil_id)
    if photo_measure_end(actor=request.user, pupil=pupil) is None:
        messages.info(request, _("This pupil has no measure to end."))
    else:
        messages.success(request, _("The measure is ended: the parents' answers decide again."))
    return redirect("consent:measure_set", school.slug, pupil.public_id)


urlpatterns = [
    path("school/<slug:slug>/consent/measures/", measure_list, name="measure_list"),
    path("school/<slug:slug>/consent/measures/<uuid:pupil_id>/", measure_set, name="measure_set"),
    path("school/<slug:slug>/consent/measures/<uuid:pupil_id>/end/", measure_end, name="measure_end"),
]
