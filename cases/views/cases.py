"""The DSL team's cases (issue 16 item 3): the list, opening a case, and a case's page with its chronology, notes,
concerns, pupils, status and owner.

Every page is the DSL team's only (``permissions.get_case_for_user`` / ``can_work_on_cases``: 404 for anyone else,
and for another school's case) and needs the second factor, as a concern's record does: a GET is sent to verify it,
a POST without it goes back to the case with a message. Each view of a case or of the list is audited with one event
per pupil shown (subject the pupil), so "who viewed" a pupil's record can list it.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeguard import permissions
from safeguard.accounts import otp
from safeguard.audit.services import audit_log, audit_log_each, client_ip
from safeguard.base import DomainError
from safeguard.directory.models import Pupil

from ..forms import (
    CaseConcernForm,
    CaseListFilterForm,
    CaseNoteForm,
    CaseOpenForm,
    CaseOwnerForm,
    CasePupilForm,
    CaseStatusForm,
)
from ..selectors import cases as selectors
from ..services import cases as services


def _dsl_school(request, slug):
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_SAFEGUARDING)
    if not permissions.can_work_on_cases(request.user, school):
        raise Http404
    return school


def _case_url(case):
    return reverse("cases:case_detail", args=[case.school.slug, case.public_id])


def _pupil_of(school, public_id):
    """The pupil ``public_id`` (a UUID string, from the query) of ``school``, or None (also for a malformed id)."""
    try:
        public_id = uuid.UUID(public_id or "")
    except ValueError:
        return None
    return Pupil.objects.filter(school=school, public_id=public_id).select_related("school", "school_class").first()


@login_required
@require_GET
@never_cache
def case_list(request, slug):
    """The school's cases: those open or under review by default; closed or all on request; only one's own; only a
    pupil's (``?pupil=<public id>``, from the pupil's page)."""
    school = _dsl_school(request, slug)
    refused = otp.second_factor_redirect(request)
    if refused is not None:
        return refused
    form = CaseListFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    pupil = _pupil_of(school, request.GET.get("pupil"))
    cases = list(
        selectors.case_list(
            school=school,
            status=filters.get("status", ""),
            pupil=pupil,
            owner=request.user if filters.get("mine") else None,
        )[:200]
    )
    _audit_list(request, school, pupil, cases)
    context = {"school": school, "cases": cases, "form": form, "pupil": pupil}
    return render(request, "cases/case_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def case_open(request, slug):
    """Open a case: its title, owner (the DSL team) and pupil; from a pupil's page (``?pupil=``), their brothers and
    sisters (who share a parent or carer) and their concerns are offered too."""
    school = _dsl_school(request, slug)
    refused = otp.second_factor_redirect(request)
    if refused is not None:
        return refused
    pupil = _pupil_of(school, request.GET.get("pupil"))
    with timezone.override(school.time_zone):
        form = CaseOpenForm(request.POST or None, school=school, pupil=pupil, initial={"owner": request.user.pk})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            pupils = [pupil or data["pupil"], *data.get("siblings", [])]
            try:
                case = services.case_open(
                    actor=request.user,
                    school=school,
                    title=data["title"],
                    owner=data["owner"],
                    pupils=pupils,
                    concerns=list(data.get("concerns", [])),
                    note=data.get("note", ""),
                )
            except DomainError as error:
                field = {"incident": "concerns"}.get(error.code, error.code)
                form.add_error(field if field in form.fields else None, error.message)
            else:
                messages.success(request, _("The case is opened."))
                return redirect(_case_url(case))
        return render(request, "cases/case_open.html", {"school": school, "form": form, "pupil": pupil})


def _audit_list(request, school, pupil, cases):
    """Audit the list: one event per pupil it names (subject the pupil, data the cases naming them), so each pupil's
    "who viewed" can list it; one event without a pupil when it names none. One insert."""
    named = {}
    for case in cases:
        for row in case.pupil_list:
            named.setdefault(row.pupil.pk, (row.pupil, []))[1].append(str(case.public_id))
    if not named:
        audit_log(
            actor=request.user,
            action="cases.case_list.viewed",
            school=school,
            subject=pupil,
            data={"cases": []},
            ip_address=client_ip(request),
        )
        return
    audit_log_each(
        actor=request.user,
        action="cases.case_list.viewed",
        school=school,
        subjects=[(named_pupil, {"cases": ids}) for named_pupil, ids in named.values()],
        ip_address=client_ip(request),
    )


def _audit_view(request, case):
    """Audit a view of the case: one event on the case (naming its pupils) and one on each of its pupils (naming the
    case), so the case's history and each pupil's "who viewed" list it (KCSIE: access is logged). One insert."""
    pupils = [row.pupil for row in case.pupil_list]
    subjects = [(case, {"pupils": [str(pupil.public_id) for pupil in pupils]})]
    subjects += [(pupil, {"case": str(case.public_id)}) for pupil in pupils]
    audit_log_each(
        actor=request.user,
        action="cases.case.viewed",
        school=case.school,
        subjects=subjects,
        ip_address=client_ip(request),
    )


def _render_case(request, school, case, *, status=200, **bound_forms):
    """The case's page, with any bound form (carrying its errors) in place of the empty one."""
    selectors.case_record(case)
    _audit_view(request, case)
    pupils = [row.pupil for row in case.pupil_list]
    open_case = not case.is_closed

    def form(name, build, allowed=True):
        if not allowed:
            return None
        return bound_forms.get(name) or build()

    with timezone.override(school.time_zone):
        concerns = selectors.concerns_of_pupils(school, pupils, exclude_case=case)
        context = {
            "school": school,
            "case": case,
            "chronology": selectors.case_chronology(case),
            "siblings": selectors.suggested_siblings(pupils) if open_case else [],
            "note_form": form("note_form", CaseNoteForm, open_case),
            "status_form": form("status_form", lambda: CaseStatusForm(initial={"status": case.status})),
            "owner_form": form(
                "owner_form", lambda: CaseOwnerForm(school=school, initial={"owner": case.owner_id}), open_case
            ),
            "pupil_form": form(
                "pupil_form", lambda: CasePupilForm(school=school, exclude=[p.pk for p in pupils]), open_case
            ),
            "concern_form": form(
                "concern_form",
                lambda: CaseConcernForm(concerns=concerns),
                open_case and ("concern_form" in bound_forms or concerns.exists()),
            ),
        }
        return render(request, "cases/case_detail.html", context, status=status)


@login_required
@require_GET
@never_cache
def case_detail(request, slug, public_id):
    """A case: its pupils, owner and status, its chronology (concerns, their notes, actions and referrals, case notes
    and changes, oldest first) and the forms to keep it (DSL team, second factor; audited)."""
    school = _dsl_school(request, slug)
    case = permissions.get_case_for_user(request.user, school, public_id)
    refused = otp.second_factor_redirect(request)
    if refused is not None:
        return refused
    return _render_case(request, school, case)


def _case_post(request, slug, public_id):
    """``(school, case, refusal)`` for a POST on a case: 404 as for the page; without a recent second factor, a
    redirect to the case (which asks for it)."""
    school = _dsl_school(request, slug)
    case = permissions.get_case_for_user(request.user, school, public_id)
    if not otp.is_recently_verified(request):
        messages.error(request, _("Confirm your second factor, then try again."))
        return school, case, redirect(_case_url(case))
    return school, case, None


def _submit(request, school, case, *, form_name, form, perform, done):
    """Validate ``form`` and call ``perform(cleaned_data)`` (a service); on success back to the case with ``done``,
    otherwise the case again with the form's errors (a ``DomainError`` on its field, if the form has it)."""
    with timezone.override(school.time_zone):
        valid = form.is_valid()
    if valid:
        try:
            perform(form.cleaned_data)
        except DomainError as error:
            form.add_error(error.code if error.code in form.fields else None, error.message)
        except PermissionError:
            raise Http404 from None
        else:
            messages.success(request, done)
            return redirect(_case_url(case))
    return _render_case(request, school, case, status=400, **{form_name: form})


@login_required
@require_POST
def case_note_add(request, slug, public_id):
    """Write a case note."""
    school, case, refused = _case_post(request, slug, public_id)
    if refused is not None:
        return refused
    return _submit(
        request,
        school,
        case,
        form_name="note_form",
        form=CaseNoteForm(request.POST),
        perform=lambda data: services.case_note_add(actor=request.user, case=case, text=data["text"]),
        done=_("Note added."),
    )


@login_required
@require_POST
def case_status(request, slug, public_id):
    """Change the status: open, under review, or closed with a closing summary."""
    school, case, refused = _case_post(request, slug, public_id)
    if refused is not None:
        return refused
    return _submit(
        request,
        school,
        case,
        form_name="status_form",
        form=CaseStatusForm(request.POST),
        perform=lambda data: services.case_status_set(
            actor=request.user, case=case, status=data["status"], summary=data["summary"]
        ),
        done=_("The case's status is saved."),
    )


@login_required
@require_POST
def case_owner(request, slug, public_id):
    """Give the case to another member of the DSL team."""
    school, case, refused = _case_post(request, slug, public_id)
    if refused is not None:
        return refused
    return _submit(
        request,
        school,
        case,
        form_name="owner_form",
        form=CaseOwnerForm(request.POST, school=school),
        perform=lambda data: services.case_owner_set(actor=request.user, case=case, owner=data["owner"]),
        done=_("The case's owner is saved."),
    )


@login_required
@require_POST
def case_pupil_add(request, slug, public_id):
    """Add a pupil to the case (a brother or sister, for a family case)."""
    school, case, refused = _case_post(request, slug, public_id)
    if refused is not None:
        return refused
    return _submit(
        request,
        school,
        case,
        form_name="pupil_form",
        form=CasePupilForm(request.POST, school=school),
        perform=lambda data: services.case_pupil_add(actor=request.user, case=case, pupil=data["pupil"]),
        done=_("The pupil is added to the case."),
    )


@login_required
@require_POST
def case_pupil_remove(request, slug, public_id, pupil_id):
    """Take a pupil off the case (kept in its history)."""
    school, case, refused = _case_post(request, slug, public_id)
    if refused is not None:
        return refused
    pupil = Pupil.objects.filter(school=school, public_id=pupil_id).first()
    if pupil is None:
        raise Http404
    try:
        services.case_pupil_remove(actor=request.user, case=case, pupil=pupil)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The pupil is taken off the case."))
    return redirect(_case_url(case))


@login_required
@require_POST
def case_concern_add(request, slug, public_id):
    """Add a concern about one of the case's pupils."""
    school, case, refused = _case_post(request, slug, public_id)
    if refused is not None:
        return refused
    selectors.case_record(case)
    concerns = selectors.concerns_of_pupils(school, [row.pupil for row in case.pupil_list], exclude_case=case)
    return _submit(
        request,
        school,
        case,
        form_name="concern_form",
        form=CaseConcernForm(request.POST, concerns=concerns),
        perform=lambda data: services.case_concern_add(actor=request.user, case=case, incident=data["incident"]),
        done=_("The concern is added to the case."),
    )


@login_required
@require_POST
def case_concern_remove(request, slug, public_id, incident_id):
    """Take a concern off the case (it stays on record, and in the case's history)."""
    school, case, refused = _case_post(request, slug, public_id)
    if refused is not None:
        return refused
    row = case.case_concerns.filter(incident__public_id=incident_id, removed_at__isnull=True).select_related("incident")
    row = row.first()
    if row is None:
        raise Http404
    try:
        services.case_concern_remove(actor=request.user, case=case, incident=row.incident)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The concern is taken off the case. It stays on record."))
    return redirect(_case_url(case))


CASE = "school/<slug:slug>/cases/<uuid:public_id>/"

urlpatterns = [
    path("school/<slug:slug>/cases/", case_list, name="case_list"),
    path("school/<slug:slug>/cases/open/", case_open, name="case_open"),
    path(CASE, case_detail, name="case_detail"),
    path(f"{CASE}notes/", case_note_add, name="case_note_add"),
    path(f"{CASE}status/", case_status, name="case_status"),
    path(f"{CASE}owner/", case_owner, name="case_owner"),
    path(f"{CASE}pupils/", case_pupil_add, name="case_pupil_add"),
    path(f"{CASE}pupils/<uuid:pupil_id>/remove/", case_pupil_remove, name="case_pupil_remove"),
    path(f"{CASE}concerns/", case_concern_add, name="case_concern_add"),
    path(f"{CASE}concerns/<uuid:incident_id>/remove/", case_concern_remove, name="case_concern_remove"),
]
