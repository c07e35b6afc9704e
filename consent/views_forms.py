"""The school's consent form and its versions, asking families, the new academic year, and coverage.

Thin views: permission helper → form → service → redirect with a message. Everything here needs ``MANAGE_CONSENT``
(office staff, SLT, headteacher); another school's version answers 404 exactly like a missing one.
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aup.services import current_academic_year
from safeguard import permissions
from safeguard.base import DomainError

from . import selectors_forms as selectors
from . import services_forms as services
from .forms_forms import ExtraPurposeForm, PurposeForm, VersionSettingsForm
from .models import ConsentFormVersion
from .services import current_version, version_publish


def _school(request, slug):
    return permissions.get_school_for_user(request.user, slug, permissions.MANAGE_CONSENT)


def _version(school, public_id):
    version = selectors.version_for_school(school, public_id)
    if version is None:
        raise Http404
    return version


def _purpose(version, code):
    purpose = selectors.purpose_of(version, code)
    if purpose is None:
        raise Http404
    return purpose


@login_required
@require_GET
def form_detail(request, slug):
    """The school's consent form: its versions, or a button to start from the Sigma-style default."""
    school = _school(request, slug)
    form = selectors.form_for_school(school)
    versions = list(form.versions.all()) if form else []
    context = {
        "school": school,
        "form": form,
        "versions": versions,
        "published": next((v for v in versions if v.status == ConsentFormVersion.Status.PUBLISHED), None),
        "draft": next((v for v in versions if v.status == ConsentFormVersion.Status.DRAFT), None),
    }
    return render(request, "consent/form.html", context)


@login_required
@require_POST
def form_create_default(request, slug):
    """Create the form with version 1 as a draft holding the eight default questions."""
    school = _school(request, slug)
    version = services.form_create_default(actor=request.user, school=school)
    messages.success(request, _("The consent form is ready as a draft. Check the wording, then publish it."))
    return redirect("consent:version_edit", school.slug, version.public_id)


@login_required
def version_edit(request, slug, public_id):
    """A version's settings and questions; a draft can be changed, a published version is shown as it is."""
    school = _school(request, slug)
    version = _version(school, public_id)
    is_draft = version.status == ConsentFormVersion.Status.DRAFT
    form = VersionSettingsForm(request.POST or None, instance=version)
    if request.method == "POST":
        if not is_draft:
            messages.error(request, _("A published form cannot be changed. Make a new version."))
            return redirect("consent:version_edit", school.slug, version.public_id)
        if form.is_valid():
            services.version_settings_save(actor=request.user, version=version, **form.cleaned_data)
            messages.success(request, _("The draft is saved."))
            return redirect("consent:version_edit", school.slug, version.public_id)
        version.refresh_from_db()
    context = {
        "school": school,
        "version": version,
        "is_draft": is_draft,
        "settings_form": form,
        "purposes": list(version.purposes.order_by("order")),
        "extra_form": ExtraPurposeForm(version=version) if is_draft else None,
    }
    return render(request, "consent/version_edit.html", context)


def _draft(request, school, public_id):
    version = _version(school, public_id)
    if version.status != ConsentFormVersion.Status.DRAFT:
        messages.error(request, _("A published form cannot be changed. Make a new version."))
        return version, redirect("consent:version_edit", school.slug, version.public_id)
    return version, None


@login_required
def purpose_add(request, slug, public_id):
    """Add a question of the school's own to a draft."""
    school = _school(request, slug)
    version, refused = _draft(request, school, public_id)
    if refused:
        return refused
    form = PurposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.purpose_add(actor=request.user, version=version, **form.cleaned_data)
        messages.success(request, _("The question is added."))
        return redirect("consent:version_edit", school.slug, version.public_id)
    context = {"school": school, "version": version, "form": form, "purpose": None}
    return render(request, "consent/version_purpose.html", context)


@login_required
@require_POST
def purpose_add_extra(request, slug, public_id):
    """Add one of the suggested extra questions (eTwinning with faces not shown, first name with image)."""
    school = _school(request, slug)
    version, refused = _draft(request, school, public_id)
    if refused:
        return refused
    form = ExtraPurposeForm(request.POST, version=version)
    if form.is_valid():
        services.purpose_extra_add(actor=request.user, version=version, key=form.cleaned_data["key"])
        messages.success(request, _("The question is added."))
    else:
        messages.error(request, _("Choose a question to add."))
    return redirect("consent:version_edit", school.slug, version.public_id)


@login_required
def purpose_edit(request, slug, public_id, code):
    """Change a draft's question (its code stays, so staff pages keep recognising it)."""
    school = _school(request, slug)
    version, refused = _draft(request, school, public_id)
    if refused:
        return refused
    purpose = _purpose(version, code)
    form = PurposeForm(request.POST or None, instance=purpose)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.purpose_save(
            actor=request.user,
            version=version,
            code=purpose.code,
            label=data["label"].strip(),
            wording=data["wording"].strip(),
            media=data["media"],
            is_publication=data["is_publication"],
            pupils_may_answer=data["pupils_may_answer"],
            order=purpose.order,
            if_unanswered=data["if_unanswered"],
        )
        messages.success(request, _("The question is saved."))
        return redirect("consent:version_edit", school.slug, version.public_id)
    context = {"school": school, "version": version, "form": form, "purpose": purpose}
    return render(request, "consent/version_purpose.html", context)


@login_required
@require_POST
def purpose_remove(request, slug, public_id, code):
    """Take a question off a draft."""
    school = _school(request, slug)
    version, refused = _draft(request, school, public_id)
    if refused:
        return refused
    _purpose(version, code)
    services.purpose_remove(actor=request.user, version=version, code=code)
    messages.success(request, _("The question is removed."))
    return redirect("consent:version_edit", school.slug, version.public_id)


@login_required
@require_POST
def version_new(request, slug):
    """Start a new draft copied from the published version."""
    school = _school(request, slug)
    form = selectors.form_for_school(school)
    if form is None:
        raise Http404
    draft = services.version_new(actor=request.user, form=form)
    messages.success(
        request,
        _(
            "Version %(number)s is a draft. Answers keep counting for the questions you leave unchanged; changed or "
            "new questions need answering again once it is published."
        )
        % {"number": draft.number},
    )
    return redirect("consent:version_edit", school.slug, draft.public_id)


@login_required
@require_POST
def version_publish_view(request, slug, public_id):
    """Publish a draft: it replaces the version in use."""
    school = _school(request, slug)
    version = _version(school, public_id)
    try:
        version_publish(actor=request.user, version=version)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("consent:version_edit", school.slug, version.public_id)
    messages.success(
        request,
        _("Version %(number)s is published. Ask the families who still need to answer from the new year page.")
        % {"number": version.number},
    )
    return redirect("consent:form", school.slug)


@login_required
@require_POST
def requests_send(request, slug):
    """Ask every family whose answers are not complete this year (each family once, however often this is
    pressed)."""
    school = _school(request, slug)
    try:
        counts = services.consent_requests_send(actor=request.user, school=school)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if counts["queued"]:
            messages.success(
                request,
                _(
                    "Requests are on their way to the families of %(queued)s pupils. %(already_sent)s had already "
                    "been asked and %(complete)s have answered."
                )
                % counts,
            )
        else:
            messages.info(
                request,
                _(
                    "Nothing new to send: %(already_sent)s families had already been asked and %(complete)s have "
                    "answered."
                )
                % counts,
            )
    return redirect("consent:coverage" if request.POST.get("next") == "coverage" else "consent:year", school.slug)


@login_required
@require_GET
def year(request, slug):
    """The new academic year: what expires, how many pupils need asking, and the one button to ask them."""
    school = _school(request, slug)
    now = timezone.now()
    version = current_version(school)
    academic_year = current_academic_year(school, now=now)
    to_ask, total = selectors.pupils_to_ask(school=school, now=now)
    context = {
        "school": school,
        "version": version,
        "academic_year": academic_year,
        "to_ask": len(to_ask),
        "total": total,
        "asked": selectors.requests_summary(school=school, version=version, academic_year=academic_year),
    }
    return render(request, "consent/year.html", context)


@login_required
@require_GET
def coverage(request, slug):
    """Per class and for the school: complete answers, no photos at all, guardians still to answer."""
    school = _school(request, slug)
    data = selectors.coverage(school=school)
    context = {
        "school": school,
        "version": current_version(school),
        "total": data["school"],
        "classes": data["classes"],
        "purposes": data["purposes"],
    }
    return render(request, "consent/coverage.html", context)


def _cell(value):
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
@require_GET
def coverage_csv(request, slug):
    """Coverage as CSV: one row per pupil on roll."""
    school = _school(request, slug)
    data = selectors.coverage(school=school)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consent-coverage-{school.slug}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 (Turkish letters) only with a byte-order mark
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Pupil"),
            _("Class"),
            _("All answers in"),
            _("No photos"),
            _("Questions to answer"),
            _("Guardians to answer"),
        ]
    )
    for row in data["pupils"]:
        pupil = row.pupil
        writer.writerow(
            [
                _cell(value)
                for value in [
                    pupil.display_name,
                    pupil.school_class.name if pupil.school_class else "",
                    _("Yes") if row.complete else _("No"),
                    _("Yes") if row.no_photos else _("No"),
                    row.to_answer,
                    row.guardians_not_answered,
                ]
            ]
        )
    return response


urlpatterns = [
    path("school/<slug:slug>/consent/form/", form_detail, name="form"),
    path("school/<slug:slug>/consent/form/create/", form_create_default, name="form_create_default"),
    path("school/<slug:slug>/consent/form/versions/new/", version_new, name="version_new"),
    path("school/<slug:slug>/consent/form/versions/<uuid:public_id>/", version_edit, name="version_edit"),
    path(
        "school/<slug:slug>/consent/form/versions/<uuid:public_id>/publish/",
        version_publish_view,
        name="version_publish",
    ),
    path("school/<slug:slug>/consent/form/versions/<uuid:public_id>/questions/add/", purpose_add, name="purpose_add"),
    path(
        "school/<slug:slug>/consent/form/versions/<uuid:public_id>/questions/extra/",
        purpose_add_extra,
        name="purpose_add_extra",
    ),
    path(
        "school/<slug:slug>/consent/form/versions/<uuid:public_id>/questions/<slug:code>/",
        purpose_edit,
        name="purpose_edit",
    ),
    path(
        "school/<slug:slug>/consent/form/versions/<uuid:public_id>/questions/<slug:code>/remove/",
        purpose_remove,
        name="purpose_remove",
    ),
    path("school/<slug:slug>/consent/send/", requests_send, name="requests_send"),
    path("school/<slug:slug>/consent/new-year/", year, name="year"),
    path("school/<slug:slug>/consent/coverage/", coverage, name="coverage"),
    path("school/<slug:slug>/consent/coverage.csv", coverage_csv, name="coverage_csv"),
]
