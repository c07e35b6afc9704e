"""School set-up by the head or office: academic years and terms, year groups, classes, roll-over (item 3)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeguard import permissions
from safeguard.audit.services import client_ip
from safeguard.base import DomainError
from safeguard.directory.models import AcademicYear, SchoolClass, Term, TermBreak, YearGroup

from .. import selectors
from ..forms import AcademicYearForm, RollOverForm, SchoolClassForm, TermBreakForm, YearGroupForm, YearGroupPresetForm
from ..services import calendar as services


def _school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.SETUP_SCHOOL)


def _current_year(school, years):
    today = school.today()
    return next((year for year in years if year.contains(today)), years[0] if years else None)


@login_required
def setup_home(request, slug):
    """The school's set-up at a glance: academic years and terms, year groups, this year's classes."""
    school = _school(request, slug)
    years = selectors.academic_years(school)
    current = _current_year(school, years)
    return render(
        request,
        "onboarding/setup_home.html",
        {
            "school": school,
            "years": years,
            "current_year": current,
            "year_groups": selectors.year_groups(school),
            "classes": selectors.classes(school, current),
            "preset_form": YearGroupPresetForm(choices=services.year_group_presets_for(school)),
            "term_presets": [(key, spec["label"]) for key, spec in services.TERM_PRESETS.items()],
            "can_invite": permissions.can(request.user, permissions.INVITE_STAFF, school),
            "can_set_pupil_accounts": permissions.may_set_pupil_accounts(request.user, school),
        },
    )


@login_required
def academic_year_add(request, slug):
    """GET: a year pre-filled from a preset (``?preset=england|united_states|turkey``, the school's country's by
    default; ``?start=2027`` for the year it starts). POST: create it with its terms."""
    school = _school(request, slug)
    preset = request.GET.get("preset") or services.term_preset_for(school)
    if preset not in services.TERM_PRESETS:
        preset = services.term_preset_for(school)
    latest = AcademicYear.objects.filter(school=school).order_by("-starts_on").first()
    default_start = latest.ends_on.year if latest else school.today().year
    try:
        start_year = int(request.GET.get("start", default_start))
        values = services.academic_year_preset(preset, start_year)
    except (ValueError, OverflowError):
        values = services.academic_year_preset(preset, default_start)
    kinds = [kind for kind, _s, _e in values["terms"]]
    initial = {"name": values["name"], "starts_on": values["starts_on"], "ends_on": values["ends_on"]}
    for kind, starts, ends in values["terms"]:
        initial[f"{kind}_starts_on"], initial[f"{kind}_ends_on"] = starts, ends
    for index, (_name, first, last) in enumerate(values["breaks"]):
        initial[f"break_{index}_starts_on"], initial[f"break_{index}_ends_on"] = first, last
    form = AcademicYearForm(
        request.POST or None, initial=initial, kinds=kinds, breaks=[name for name, _f, _l in values["breaks"]]
    )
    if request.method == "POST" and form.is_valid():
        try:
            year = services.academic_year_create(
                actor=request.user,
                school=school,
                name=form.cleaned_data["name"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                terms=form.terms(),
                breaks=form.breaks(),
                ip_address=client_ip(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Academic year %(name)s has been added.") % {"name": year.name})
            return redirect("onboarding:setup_home", school.slug)
    return render(
        request,
        "onboarding/academic_year_form.html",
        {
            "school": school,
            "form": form,
            "preset": preset,
            "start_year": values["starts_on"].year,
            "term_presets": [(key, spec["label"]) for key, spec in services.TERM_PRESETS.items()],
        },
    )


@login_required
@require_POST
def year_groups_add(request, slug):
    """Add the year groups of a preset that the school does not have yet."""
    school = _school(request, slug)
    form = YearGroupPresetForm(request.POST, choices=services.year_group_presets_for(school))
    if not form.is_valid():
        messages.error(request, _("Choose one of the year group lists."))
        return redirect("onboarding:setup_home", school.slug)
    created = services.year_groups_add_preset(
        actor=request.user, school=school, preset=form.cleaned_data["preset"], ip_address=client_ip(request)
    )
    if created:
        messages.success(
            request, _("Year groups added: %(names)s.") % {"names": ", ".join(group.name for group in created)}
        )
    else:
        messages.info(request, _("The school already has all of these year groups."))
    return redirect("onboarding:setup_home", school.slug)


def _class_page(request, school, school_class=None):
    teachers = selectors.teachers(school)
    if school_class is None:
        years = selectors.academic_years(school)
        current = _current_year(school, years)
        initial = {"academic_year": current.pk if current else None}
    else:
        initial = {
            "name": school_class.name,
            "academic_year": school_class.academic_year_id,
            "year_group": school_class.year_group_id,
            "teachers": list(school_class.teachers.values_list("pk", flat=True)),
        }
    form = SchoolClassForm(request.POST or None, initial=initial, school=school, teachers=teachers)
    if request.method == "POST" and form.is_valid():
        try:
            saved, changed = services.school_class_save(
                actor=request.user,
                school=school,
                school_class=school_class,
                ip_address=client_ip(request),
                **form.cleaned_data,
            )
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            if changed:
                messages.success(request, _("Class %(name)s has been saved.") % {"name": saved.name})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("onboarding:setup_home", school.slug)
    return render(request, "onboarding/class_form.html", {"school": school, "form": form, "school_class": school_class})


@login_required
def class_add(request, slug):
    """GET: the form. POST: add a class with its teachers."""
    return _class_page(request, _school(request, slug))


@login_required
def class_edit(request, slug, pk):
    """GET: the class. POST: change its name, year group or teachers. A class of another school is "not found"."""
    school = _school(request, slug)
    school_class = SchoolClass.objects.filter(school=school, pk=pk).first()
    if school_class is None:
        raise Http404
    return _class_page(request, school, school_class)


@login_required
def roll_over(request, slug):
    """GET: what roll-over does, and the choice of years. POST: roll over once."""
    school = _school(request, slug)
    years = selectors.academic_years(school)
    initial = {}
    if len(years) >= 2:
        initial = {"from_year": years[1].pk, "to_year": years[0].pk}
    form = RollOverForm(request.POST or None, initial=initial, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.year_roll_over(
                actor=request.user,
                school=school,
                from_year=form.cleaned_data["from_year"],
                to_year=form.cleaned_data["to_year"],
                ip_address=client_ip(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Rolled over to %(year)s: %(classes_copied)s classes copied, %(pupils_moved_up)s pupils moved up "
                    "a year group, %(pupils_left)s leavers marked as left."
                )
                % {"year": done.to_year.name, **done.summary},
            )
            return redirect("onboarding:setup_home", school.slug)
    return render(
        request,
        "onboarding/roll_over.html",
        {"school": school, "form": form, "years": years, "today": datetime.date.today()},
    )


@login_required
def academic_year_edit(request, slug, pk):
    """GET: the year and its terms. POST: change their dates. A year of another school is "not found"."""
    school = _school(request, slug)
    year = AcademicYear.objects.filter(school=school, pk=pk).prefetch_related("terms").first()
    if year is None:
        raise Http404
    terms = list(year.terms.all())
    kinds = [term.kind for term in terms] or [
        kind for kind, _s, _e in services.academic_year_preset(services.term_preset_for(school), 2000)["terms"]
    ]
    initial = {"name": year.name, "starts_on": year.starts_on, "ends_on": year.ends_on}
    for term in terms:
        initial[f"{term.kind}_starts_on"], initial[f"{term.kind}_ends_on"] = term.starts_on, term.ends_on
    form = AcademicYearForm(request.POST or None, initial=initial, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.academic_year_update(
                actor=request.user,
                year=year,
                name=form.cleaned_data["name"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                terms=form.terms(),
                ip_address=client_ip(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if changed:
                messages.success(
                    request, _("Academic year %(name)s has been saved.") % {"name": form.cleaned_data["name"]}
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("onboarding:setup_home", school.slug)
    return render(
        request,
        "onboarding/academic_year_form.html",
        {
            "school": school,
            "form": form,
            "year": year,
            "terms": terms,
            "breaks": list(TermBreak.objects.filter(academic_year=year).order_by("starts_on")),
        },
    )


def _year_of(school, pk):
    year = AcademicYear.objects.filter(school=school, pk=pk).first()
    if year is None:
        raise Http404
    return year


def _term_break_page(request, school, year, term_break=None):
    initial = {}
    if term_break is not None:
        initial = {name: getattr(term_break, name) for name in ("kind", "name", "starts_on", "ends_on")}
    form = TermBreakForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved, changed = services.term_break_save(
                actor=request.user,
                year=year,
                term_break=term_break,
                ip_address=client_ip(request),
                **form.cleaned_data,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if changed:
                messages.success(request, _("%(name)s has been saved.") % {"name": saved.name})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("onboarding:academic_year_edit", school.slug, year.pk)
    return render(
        request,
        "onboarding/term_break_form.html",
        {"school": school, "year": year, "form": form, "term_break": term_break},
    )


@login_required
def term_break_add(request, slug, pk):
    """GET: the form. POST: add a half-term, holiday or closure day to the year."""
    school = _school(request, slug)
    return _term_break_page(request, school, _year_of(school, pk))


@login_required
def term_break_edit(request, slug, pk, break_pk):
    """GET: the break. POST: change it. A break of another year or school is "not found"."""
    school = _school(request, slug)
    year = _year_of(school, pk)
    term_break = TermBreak.objects.filter(academic_year=year, pk=break_pk).first()
    if term_break is None:
        raise Http404
    return _term_break_page(request, school, year, term_break)


@login_required
@require_POST
def term_break_remove(request, slug, pk, break_pk):
    """Remove a break: its days are school days again (the row is kept, with its history)."""
    school = _school(request, slug)
    year = _year_of(school, pk)
    term_break = TermBreak.objects.filter(academic_year=year, pk=break_pk).first()
    if term_break is None:
        raise Http404
    if services.term_break_remove(actor=request.user, term_break=term_break, ip_address=client_ip(request)):
        messages.success(request, _("%(name)s has been removed.") % {"name": term_break.name})
    return redirect("onboarding:academic_year_edit", school.slug, year.pk)


@login_required
@require_POST
def term_remove(request, slug, pk, term_pk):
    """Remove a term or semester from the year (the row is kept, with its history)."""
    school = _school(request, slug)
    year = _year_of(school, pk)
    term = Term.objects.filter(academic_year=year, pk=term_pk).first()
    if term is None:
        raise Http404
    try:
        removed = services.term_remove(actor=request.user, term=term, ip_address=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if removed:
            messages.success(request, _("%(term)s has been removed.") % {"term": term.get_kind_display()})
    return redirect("onboarding:academic_year_edit", school.slug, year.pk)


def _year_group_of(school, pk):
    year_group = YearGroup.objects.filter(school=school, pk=pk).first()
    if year_group is None:
        raise Http404
    return year_group


@login_required
def year_group_edit(request, slug, pk):
    """GET: the year group, how many pupils and classes are in it, and whether it can be removed. POST: rename it."""
    school = _school(request, slug)
    year_group = _year_group_of(school, pk)
    form = YearGroupForm(request.POST or None, initial={"name": year_group.name})
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.year_group_rename(
                actor=request.user, year_group=year_group, name=form.cleaned_data["name"], ip_address=client_ip(request)
            )
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            if changed:
                messages.success(
                    request, _("The year group is now called %(name)s.") % {"name": form.cleaned_data["name"].strip()}
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("onboarding:setup_home", school.slug)
    pupils, classes = services.year_group_usage(year_group)
    return render(
        request,
        "onboarding/year_group_form.html",
        {"school": school, "year_group": year_group, "form": form, "pupils": pupils, "classes": classes},
    )


@login_required
@require_POST
def year_group_remove(request, slug, pk):
    """Remove a year group nobody is in; one in use stays, with a message saying why."""
    school = _school(request, slug)
    year_group = _year_group_of(school, pk)
    try:
        removed = services.year_group_remove(actor=request.user, year_group=year_group, ip_address=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("onboarding:year_group_edit", school.slug, year_group.pk)
    if removed:
        messages.success(request, _("%(name)s has been removed.") % {"name": year_group.name})
    return redirect("onboarding:setup_home", school.slug)
