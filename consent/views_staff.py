"""What staff see: the class grid (pupils × purposes), "may I use this child's photo for …?", the do-not-photograph
list (page and PDF) and events.

Every answer shown comes from ``consent.selectors.effective_answers``, computed per request, so the pages are
always current. A DSL measure shows only its effect ("No photos", "Internal use only"), never its reason. Reading
needs ``VIEW_CONSENT`` (every member of staff); creating an event needs ``MANAGE_CONSENT``. Another school's
event answers 404 exactly like a missing one.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from safeguard import permissions
from safeguard.base import DomainError
from safeguard.directory.models import Pupil
from safeguard.filter_fields import field_groups

from .documents_staff import do_not_photograph_list, do_not_photograph_pdf, naming_summary
from .forms_staff import ClassChoiceForm, EventForm, GridFilterForm, MayIForm
from .models import PhotoEvent
from .selectors import current_form, effective_answers, purposes_of
from .selectors_naming import naming_for_pupils
from .services import current_version
from .services_events import event_save

MAX_MATCHES = 20
GRID_PAGE_SIZE = 50  # pupils per page of the class grid, as in the school's pupil list


def _school(request, slug, capability=permissions.VIEW_CONSENT):
    return permissions.get_school_for_user(request.user, slug, capability)


def _pupils(school, day):
    return (
        Pupil.objects.filter(school=school)
        .on_roll(day)
        .select_related("school_class", "year_group")
        .order_by("legal_last_name", "legal_first_name", "pk")
    )


def _own_class(user, school):
    """The first class ``user`` teaches at ``school``, if any (the default of the grid and the list)."""
    return user.classes_taught.filter(school=school).order_by("name").first()


def _with_default_class(request, school):
    """The query with the user's own class filled in when the page is opened without choosing a class."""
    data = request.GET.copy()
    if "school_class" not in data:
        own = _own_class(request.user, school)
        if own is not None:
            data["school_class"] = str(own.pk)
    return data


def one_line(decision):
    """ "Yes — consent given", "No — no response", "No — internal use only": the answer in one line."""
    label = str(decision.label)
    # Lower-casing the first letter reads naturally in English; in Turkish "İ".lower() would leave a stray dot.
    reason = label if translation.get_language() == "tr" else label[:1].lower() + label[1:]
    if decision.allowed:
        return _("Yes — %(reason)s") % {"reason": reason}
    return _("No — %(reason)s") % {"reason": reason}


# The class grid ---------------------------------------------------------------------------------------------------


def _grid_pupils(school, day):
    """The on-roll pupils of the grid with only what it shows and the rules read (names, class name, date of birth,
    leaving date): a whole school is 400 rows, and whole rows with their class and year group cost more to load
    than the grid takes to compute."""
    return (
        Pupil.objects.filter(school=school)
        .on_roll(day)
        .select_related("school_class")
        .only(
            "legal_first_name",
            "legal_last_name",
            "preferred_first_name",
            "preferred_last_name",
            "date_of_birth",
            "left_on",
            "school_class__name",
        )
        .order_by("legal_last_name", "legal_first_name", "pk")
    )


def _grid_cell(decision):
    """One cell of the grid: yes or no with its reason, in the colour of the answer (safe HTML).

    Built here rather than in the template because a whole school is thousands of cells with a handful of distinct
    answers: each distinct cell is made once per request, as Django's admin builds its change list cells."""
    # Not answered is still a no under opt-in (photography policy §4.10), but marked apart from a parent's no.
    kind = "cell-no cell-none" if decision.reason == "no_response" else "cell-no"
    if decision.allowed:
        kind = "cell-yes"
    return format_html(
        '<td class="cell {}"><strong>{}</strong><br><span class="small">{}</span></td>',
        kind,
        _("Yes") if decision.allowed else _("No"),
        decision.label,
    )


@login_required
@require_GET
def class_grid(request, slug):
    """Pupils × purposes of a class (or a year group, or the school), each cell yes or no with its reason.

    Filters: class (default: the teacher's own class), year group, one purpose, only pupils with any no. Pages of
    ``GRID_PAGE_SIZE`` pupils, like the school's other pupil lists: a class fits on one page, the whole school is
    several. A fixed number of queries whatever the number of pupils."""
    school = _school(request, slug)
    now = timezone.now()
    day = school.today(now)
    consent_form = current_form(school)
    form = GridFilterForm(_with_default_class(request, school), school=school, purposes=consent_form[1])
    filters = form.cleaned_data if form.is_valid() else {}
    pupils = _grid_pupils(school, day)
    if filters.get("school_class"):
        pupils = pupils.filter(school_class=filters["school_class"])
    if filters.get("year_group"):
        pupils = pupils.filter(year_group=filters["year_group"])
    purposes = consent_form[1]
    if filters.get("purpose"):
        purposes = [p for p in purposes if p.code == filters["purpose"]]
    codes = [p.code for p in purposes]
    if filters.get("only_no"):
        # Who has a no is known only once every pupil's answers are decided: decide for all, then page the rows.
        _purposes, decisions = effective_answers(school=school, pupils=pupils, now=now, form=consent_form)
        pupils = [pupil for pupil in pupils if not all(decisions[pupil.pk][code].allowed for code in codes)]
        page = Paginator(pupils, GRID_PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        page = Paginator(pupils, GRID_PAGE_SIZE).get_page(request.GET.get("page"))
        _purposes, decisions = effective_answers(school=school, pupils=page.object_list, now=now, form=consent_form)
    cells = {}  # Decision → its cell's HTML, made once per request
    rows = []
    for pupil in page.object_list:
        html = []
        for code in codes:
            decision = decisions[pupil.pk][code]
            cell = cells.get(decision)
            if cell is None:
                cell = cells[decision] = _grid_cell(decision)
            html.append(cell)
        rows.append({"pupil": pupil, "cells": mark_safe("".join(html))})  # noqa: S308 — joined format_html output
    context = {
        "school": school,
        "form": form,
        "filter_fields": field_groups(form),
        "purposes": purposes,
        "page": page,
        "rows": rows,
        "has_form": bool(consent_form[1]),
        "school_class": filters.get("school_class"),
    }
    return render(request, "consent/grid.html", context)


# May I? -----------------------------------------------------------------------------------------------------------


def _search(school, name, day):
    """On-roll pupils of ``school`` whose legal or preferred names contain every word of ``name``."""
    pupils = _pupils(school, day)
    for word in name.split():
        pupils = pupils.filter(
            Q(legal_first_name__icontains=word)
            | Q(legal_last_name__icontains=word)
            | Q(preferred_first_name__icontains=word)
            | Q(preferred_last_name__icontains=word)
        )
    return pupils


@login_required
@require_GET
def may_i(request, slug):
    """ "May I use this child's photo for …?": a name and a purpose → one line per matching pupil."""
    school = _school(request, slug)
    now = timezone.now()
    purposes = purposes_of(current_version(school))
    form = MayIForm(request.GET or None, purposes=purposes)
    results, more, purpose = [], False, None
    if form.is_valid():
        pupils = _search(school, form.cleaned_data["name"], school.today(now))
        if form.cleaned_data.get("pupil"):
            pupils = pupils.filter(public_id=form.cleaned_data["pupil"])
        pupils = list(pupils[: MAX_MATCHES + 1])
        more = len(pupils) > MAX_MATCHES
        pupils = pupils[:MAX_MATCHES]
        _purposes, decisions = effective_answers(school=school, pupils=pupils, now=now)
        naming = naming_for_pupils(school=school, pupils=pupils)
        purpose = next(p for p in purposes if p.code == form.cleaned_data["purpose"])
        for pupil in pupils:
            decision = decisions[pupil.pk][purpose.code]
            results.append(
                {"pupil": pupil, "decision": decision, "line": one_line(decision), "naming": naming[pupil.pk]}
            )
    context = {
        "school": school,
        "form": form,
        "purpose": purpose,
        "results": results,
        "more": more,
        "has_form": bool(purposes),
        "searched": form.is_bound,
    }
    return render(request, "consent/may_i.html", context)


# The do-not-photograph list ---------------------------------------------------------------------------------------


def _dnp_selection(request, school, day):
    form = ClassChoiceForm(_with_default_class(request, school), school=school)
    school_class = form.cleaned_data.get("school_class") if form.is_valid() else None
    pupils = _pupils(school, day)
    if school_class is not None:
        pupils = pupils.filter(school_class=school_class)
    return form, school_class, pupils


@login_required
@require_GET
def do_not_photograph(request, slug):
    """The pupils of a class (or the whole school) who may not be photographed or published for some or every
    purpose — computed now, so always current — and the naming and image rules: the school's bands and the pupils
    whose parent chose a stricter level."""
    school = _school(request, slug)
    now = timezone.now()
    form, school_class, pupils = _dnp_selection(request, school, school.today(now))
    pupils = list(pupils)
    context = {
        "school": school,
        "form": form,
        "school_class": school_class,
        "listing": do_not_photograph_list(school=school, pupils=pupils, now=now),
        "naming": naming_summary(school=school, pupils=pupils),
        "generated_at": now,
    }
    return render(request, "consent/dnp.html", context)


def _pdf_response(pdf, name, day):
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"do-not-photograph-{slugify(name) or 'list'}-{day.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def do_not_photograph_pdf_view(request, slug):
    """The do-not-photograph list as a PDF to print, with the date and time it was made."""
    school = _school(request, slug)
    now = timezone.now()
    _form, school_class, pupils = _dnp_selection(request, school, school.today(now))
    title = school_class.name if school_class else _("Whole school")
    pdf = do_not_photograph_pdf(school=school, title=title, pupils=pupils, now=now)
    return _pdf_response(pdf, title, school.today(now))


# Events -----------------------------------------------------------------------------------------------------------


def _event(school, public_id):
    event = PhotoEvent.objects.filter(school=school, public_id=public_id).first()
    if event is None:
        raise Http404
    return event


@login_required
@require_GET
def event_list(request, slug):
    """The school's events, newest first, with how many pupils take part."""
    school = _school(request, slug)
    events = PhotoEvent.objects.filter(school=school).annotate(pupil_count=Count("pupils")).order_by("-happens_on")
    context = {
        "school": school,
        "events": events,
        "can_manage": permissions.can(request.user, permissions.MANAGE_CONSENT, school),
    }
    return render(request, "consent/event_list.html", context)


@login_required
def event_create(request, slug):
    """The office picks an event's pupils (by class, year group or one by one) and its planned uses."""
    school = _school(request, slug, permissions.MANAGE_CONSENT)
    purposes = purposes_of(current_version(school))
    if not purposes:
        messages.error(request, _("Publish a consent form first: an event's planned uses are its questions."))
        return redirect("consent:event_list", school.slug)
    form = EventForm(request.POST or None, school=school, purposes=purposes, day=school.today())
    if request.method == "POST" and form.is_valid():
        try:
            event = event_save(
                actor=request.user,
                school=school,
                name=form.cleaned_data["name"],
                happens_on=form.cleaned_data["happens_on"],
                purpose_codes=form.cleaned_data["purpose_codes"],
                pupils=form.chosen_pupils(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The event is saved."))
            return redirect("consent:event_detail", school.slug, event.public_id)
    return render(request, "consent/event_form.html", {"school": school, "form": form})


def _event_pupils(event):
    return event.pupils.select_related("school_class", "year_group").order_by("legal_last_name", "legal_first_name")


@login_required
@require_GET
def event_detail(request, slug, public_id):
    """Who may be photographed at the event and for which planned uses, and who may not (by purpose)."""
    school = _school(request, slug)
    event = _event(school, public_id)
    now = timezone.now()
    pupils = list(_event_pupils(event))
    purposes, decisions = effective_answers(school=school, pupils=pupils, now=now)
    planned = [p for p in purposes if p.code in set(event.purpose_codes)]
    missing = [code for code in event.purpose_codes if code not in {p.code for p in purposes}]
    by_purpose = []
    for purpose in planned:
        refused = [
            {"pupil": pupil, "line": one_line(decisions[pupil.pk][purpose.code])}
            for pupil in pupils
            if not decisions[pupil.pk][purpose.code].allowed
        ]
        by_purpose.append({"purpose": purpose, "refused": refused})
    rows = []
    for pupil in pupils:
        allowed = [p.label for p in planned if decisions[pupil.pk][p.code].allowed]
        refused = [p.label for p in planned if not decisions[pupil.pk][p.code].allowed]
        rows.append({"pupil": pupil, "allowed": allowed, "refused": refused})
    context = {
        "school": school,
        "event": event,
        "planned": planned,
        "missing": missing,
        "by_purpose": by_purpose,
        "rows": rows,
        "may_all": sum(1 for row in rows if not row["refused"]),
    }
    return render(request, "consent/event_detail.html", context)


@login_required
@require_GET
def event_pdf(request, slug, public_id):
    """The do-not-photograph list of an event's pupils for its planned uses, as a PDF to print."""
    school = _school(request, slug)
    event = _event(school, public_id)
    now = timezone.now()
    pupils = _event_pupils(event)
    title = f"{event.name} · {event.happens_on:%d/%m/%Y}"
    pdf = do_not_photograph_pdf(school=school, title=title, pupils=pupils, purpose_codes=event.purpose_codes, now=now)
    return _pdf_response(pdf, event.name, school.today(now))


urlpatterns = [
    path("school/<slug:slug>/consent/grid/", class_grid, name="class_grid"),
    path("school/<slug:slug>/consent/may-i/", may_i, name="may_i"),
    path("school/<slug:slug>/consent/do-not-photograph/", do_not_photograph, name="do_not_photograph"),
    path(
        "school/<slug:slug>/consent/do-not-photograph.pdf",
        do_not_photograph_pdf_view,
        name="do_not_photograph_pdf",
    ),
    path("school/<slug:slug>/consent/events/", event_list, name="event_list"),
    path("school/<slug:slug>/consent/events/new/", event_create, name="event_create"),
    path("school/<slug:slug>/consent/events/<uuid:public_id>/", event_detail, name="event_detail"),
    path("school/<slug:slug>/consent/events/<uuid:public_id>/do-not-photograph.pdf", event_pdf, name="event_pdf"),
]
