"""Answering photo and video consent: a parent signed in or from the e-mailed link, a change or withdrawal from the
parent's account, the office's record of a paper form or a phone call, and the pupil's consent record.

Thin views: look-up helper (404 for a pupil the viewer may not answer for or see) → form → service
(``consent.services.consent_response_record``) → redirect with a message.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aup.evidence import content_sha256
from aup.services_library import EXTENSIONS
from safeguard import permissions
from safeguard.audit.services import client_ip
from safeguard.directory.models import Guardian, Pupil, PupilGuardian
from safeguard.forms import person_names

from . import selectors, services
from .forms_answering import AnswerForm, ChangeForm, RecordAnswerForm, WithdrawAllForm
from .models import ConsentResponse
from .rules import REASONS, age_on
from .tokens import parse_answer_token

Method = ConsentResponse.Method

# What a parent is told about the effective answer. A DSL measure shows as a plain "No": parents are not told that
# a measure exists or why (Sigma photography policy §6 — the decision and its reason stay with the DSL team).
PARENT_REASONS = {
    "consented": gettext_lazy("Consent given"),
    "no_response": gettext_lazy("Not answered"),
    "no_objection": gettext_lazy("Not answered: yes unless you object"),
    "refused": gettext_lazy("A parent or carer said no"),
    "guardians_disagree": gettext_lazy("A parent or carer said no"),
    "expired": gettext_lazy("Please answer again"),
    "pupil_refused": gettext_lazy("Your child said no"),
    "left": gettext_lazy("Left the school"),
}


# Reads shared by the pages ----------------------------------------------------------------------------------------


def _answer_rows(purposes, answers):
    return [{"purpose": p, "answer": answers.get(p.code)} for p in purposes]


def _guardian_link_for_user(user, pupil_id):
    """The signed-in parent's link with parental responsibility to the pupil ``pupil_id``; 404 otherwise."""
    link = (
        PupilGuardian.objects.current()
        .filter(pupil__public_id=pupil_id, guardian__user=user, has_parental_responsibility=True)
        .select_related("pupil__school", "pupil__school_class", "guardian")
        .first()
    )
    if link is None or not user.is_active or link.guardian.school_id != link.pupil.school_id:
        raise Http404
    return link


def _record_error(form, error):
    form.add_error(None, error.message)


# A parent answers -------------------------------------------------------------------------------------------------


def _answer(request, *, pupil, guardian, method, signer_user, self_url, by_link):
    """The form for ``guardian`` to answer for ``pupil``; when they already have, their answers and the way to
    change them. POST records the answers and comes back here with the confirmation."""
    version = services.current_version(pupil.school)
    context = {"pupil": pupil, "school": pupil.school, "guardian": guardian, "by_link": by_link}
    if version is None:
        return render(request, "consent/answer_none.html", context)
    purposes = selectors.purposes_of(version)
    answers, latest = selectors.own_answers(version=version, pupil=pupil, guardian=guardian)
    shown = services.form_content(version)
    context.update({"version": version, "shown": shown, "purposes": purposes})
    if purposes and set(answers) >= {p.code for p in purposes}:
        if request.method == "POST":
            messages.info(request, _("You have already answered; nothing was changed."))
            return redirect(self_url)
        context.update(
            {
                "answer_rows": _answer_rows(purposes, answers),
                "answered_at": latest,
                "change_url": reverse("consent:change", args=[pupil.public_id]) if guardian.user_id else None,
            }
        )
        return render(request, "consent/answer_done.html", context)
    sha256 = content_sha256(shown)
    if request.method == "POST":
        form = AnswerForm(
            request.POST, purposes=purposes, expected_names=person_names(guardian=guardian, user=signer_user)
        )
        if form.is_valid():
            try:
                services.consent_response_record(
                    pupil=pupil,
                    version=version,
                    answers=form.answers(),
                    method=method,
                    typed_name=form.cleaned_data["typed_name"],
                    shown_sha256=form.cleaned_data["shown_sha256"],
                    guardian=guardian,
                    signer_user=signer_user,
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except services.ConsentError as error:
                _record_error(form, error)
                if error.code == "changed":
                    form.data = form.data.copy()
                    form.data["shown_sha256"] = sha256
            else:
                message = _("Thank you — your answers are recorded and take effect now.")
                if guardian.email:
                    message += " " + _("A PDF copy is on its way by e-mail.")
                messages.success(request, message)
                return redirect(self_url)
    else:
        form = AnswerForm(initial={"shown_sha256": sha256}, purposes=purposes)
    context.update({"form": form, "sha256": sha256, "partly_answered": bool(answers)})
    return render(request, "consent/answer.html", context)


@login_required
def answer(request, pupil_id):
    """A signed-in parent with parental responsibility answers the school's current form for their child."""
    link = _guardian_link_for_user(request.user, pupil_id)
    return _answer(
        request,
        pupil=link.pupil,
        guardian=link.guardian,
        method=Method.PASSWORD_SESSION,
        signer_user=request.user,
        self_url=reverse("consent:answer", args=[pupil_id]),
        by_link=False,
    )


def answer_by_link(request, token):
    """Answer from the link in the request e-mail, without signing in. The link binds one pupil to one parent or
    carer; an altered link is refused with 400 and nothing is recorded."""
    try:
        pupil_id, guardian_id = parse_answer_token(token)
    except signing.SignatureExpired:
        return render(request, "consent/answer_link_invalid.html", {"expired": True}, status=400)
    except (signing.BadSignature, ValueError, KeyError, TypeError):
        return render(request, "consent/answer_link_invalid.html", status=400)
    try:
        pupil = Pupil.objects.select_related("school", "school_class").filter(public_id=pupil_id).first()
        guardian = Guardian.objects.filter(public_id=guardian_id).first()
    except ValidationError:
        pupil = guardian = None
    if pupil is None or guardian is None or guardian.school_id != pupil.school_id:
        return render(request, "consent/answer_link_invalid.html", status=400)
    has_responsibility = (
        PupilGuardian.objects.current()
        .filter(pupil=pupil, guardian=guardian, has_parental_responsibility=True)
        .exists()
    )
    if not has_responsibility:
        return render(request, "consent/answer_refused.html", {"school": pupil.school}, status=403)
    return _answer(
        request,
        pupil=pupil,
        guardian=guardian,
        method=Method.INVITATION_LINK,
        signer_user=None,
        self_url=reverse("consent:answer_by_link", args=[token]),
        by_link=True,
    )


# A parent changes or withdraws ------------------------------------------------------------------------------------


@login_required
def change(request, pupil_id):
    """The child's effective answers and the parent's own; change any answer, or withdraw all consent. Takes
    effect at once; a withdrawal does not recall what was already published (the page says so)."""
    link = _guardian_link_for_user(request.user, pupil_id)
    pupil, guardian = link.pupil, link.guardian
    self_url = reverse("consent:change", args=[pupil_id])
    version = services.current_version(pupil.school)
    if version is None:
        return render(request, "consent/answer_none.html", {"pupil": pupil, "school": pupil.school})
    answers, latest = selectors.own_answers(version=version, pupil=pupil, guardian=guardian)
    if not answers:
        return redirect("consent:answer", pupil_id)
    purposes = selectors.purposes_of(version)
    sha256 = content_sha256(services.form_content(version))
    change_form = ChangeForm(initial={"shown_sha256": sha256}, purposes=purposes, current_answers=answers)
    withdraw_form = WithdrawAllForm(initial={"shown_sha256": sha256}, prefix="withdraw")
    if request.method == "POST":
        withdrawing = request.POST.get("action") == "withdraw_all"
        if withdrawing:
            withdraw_form = WithdrawAllForm(
                request.POST, prefix="withdraw", expected_names=person_names(guardian=guardian, user=request.user)
            )
            form, kind = withdraw_form, ConsentResponse.Kind.WITHDRAWAL
            changed = {p.code: False for p in purposes if answers.get(p.code) is not False}
        else:
            change_form = ChangeForm(
                request.POST,
                purposes=purposes,
                current_answers=answers,
                expected_names=person_names(guardian=guardian, user=request.user),
            )
            form, kind = change_form, ConsentResponse.Kind.CHANGE
            changed = None
        if form.is_valid():
            if changed is None:
                changed = change_form.changed_answers()
            if not changed:
                messages.info(
                    request,
                    _("All your answers are already no.") if withdrawing else _("Nothing was changed."),
                )
                return redirect(self_url)
            try:
                services.consent_response_record(
                    pupil=pupil,
                    version=version,
                    answers=changed,
                    method=Method.PASSWORD_SESSION,
                    kind=kind,
                    typed_name=form.cleaned_data["typed_name"],
                    shown_sha256=form.cleaned_data["shown_sha256"],
                    guardian=guardian,
                    signer_user=request.user,
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except services.ConsentError as error:
                _record_error(form, error)
            else:
                if withdrawing:
                    message = _("Your consent is withdrawn. This takes effect now.")
                else:
                    message = _("Your changes are saved. They take effect now.")
                if guardian.email:
                    message += " " + _("A PDF copy is on its way by e-mail.")
                messages.success(request, message)
                return redirect(self_url)
    _purposes, decisions = selectors.effective_answers(school=pupil.school, pupils=[pupil])
    effective = []
    for purpose in purposes:
        decision = decisions[pupil.pk].get(purpose.code)
        effective.append(
            {
                "purpose": purpose,
                "allowed": bool(decision and decision.allowed),
                "reason": PARENT_REASONS.get(decision.reason, "") if decision else "",
                "own": answers.get(purpose.code),
            }
        )
    context = {
        "pupil": pupil,
        "school": pupil.school,
        "version": version,
        "effective": effective,
        "answered_at": latest,
        "form": change_form,
        "withdraw_form": withdraw_form,
        "any_yes": any(answers.get(p.code) is not False for p in purposes),
    }
    return render(request, "consent/answer_change.html", context)


# The office records a paper form or a phone call -------------------------------------------------------------------


def _pupil_of(school, pupil_id):
    pupil = Pupil.objects.for_school(school).select_related("school", "school_class").filter(public_id=pupil_id).first()
    if pupil is None:
        raise Http404
    return pupil


@login_required
def record_paper(request, slug, pupil_id):
    """The office records answers given on paper (date, optional scan) or by telephone (who called; who took the
    call is the signed-in member of staff), for a guardian with parental responsibility or the pupil when old
    enough."""
    school = permissions.get_school_for_user(request.user, slug, permissions.MANAGE_CONSENT)
    pupil = _pupil_of(school, pupil_id)
    version = services.current_version(school)
    if version is None:
        return render(request, "consent/answer_none.html", {"pupil": pupil, "school": school, "staff": True})
    purposes = selectors.purposes_of(version)
    links = list(
        PupilGuardian.objects.current()
        .filter(pupil=pupil, has_parental_responsibility=True)
        .select_related("guardian")
        .order_by("contact_order")
    )
    pupil_may_answer = age_on(pupil.date_of_birth, school.today()) >= version.pupil_answer_age
    sha256 = content_sha256(services.form_content(version))
    form_kwargs = {"purposes": purposes, "guardian_links": links, "pupil_may_answer": pupil_may_answer}
    if request.method == "POST":
        form = RecordAnswerForm(request.POST, request.FILES, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            by_pupil = form.answered_by_pupil()
            guardian = None
            if not by_pupil:
                guardian = next(link.guardian for link in links if str(link.guardian.public_id) == data["respondent"])
            note = data["note"]
            scan = None
            if data["method"] == Method.PAPER:
                dated = _("Paper form dated %(date)s.") % {"date": data["paper_date"].isoformat()}
                note = f"{dated} {note}".strip()
                if form.scan_data:
                    content, kind = form.scan_data
                    scan = ContentFile(content, name=f"{uuid.uuid4().hex}.{EXTENSIONS[kind]}")
            try:
                services.consent_response_record(
                    pupil=pupil,
                    version=version,
                    answers=form.answers(form.purposes_asked()),
                    method=data["method"],
                    typed_name=data["typed_name"],
                    shown_sha256=data["shown_sha256"],
                    guardian=guardian,
                    answered_by_pupil=by_pupil,
                    recorded_by=request.user,
                    phone_caller=data["phone_caller"] if data["method"] == Method.PHONE else "",
                    note=note,
                    scan=scan,
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except services.ConsentError as error:
                _record_error(form, error)
            else:
                messages.success(request, _("The answers for %(name)s are recorded.") % {"name": pupil.display_name})
                return redirect("consent:pupil_record", school.slug, pupil.public_id)
    else:
        form = RecordAnswerForm(initial={"shown_sha256": sha256}, **form_kwargs)
    context = {"school": school, "pupil": pupil, "version": version, "form": form, "has_guardians": bool(links)}
    return render(request, "consent/answer_record.html", context)


@login_required
def pupil_record(request, slug, pupil_id):
    """Every response for the pupil with its evidence — how and when consent was given and last changed — and the
    effective answers. For the office, SLT, the headteacher and the DSL team."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_SCHOOL)
    can_manage = permissions.can(request.user, permissions.MANAGE_CONSENT, school)
    if not (can_manage or permissions.can(request.user, permissions.SET_PHOTO_MEASURES, school)):
        raise Http404
    pupil = _pupil_of(school, pupil_id)
    purposes, decisions = selectors.effective_answers(school=school, pupils=[pupil])
    effective = [
        {
            "purpose": purpose,
            "allowed": decisions[pupil.pk][purpose.code].allowed,
            "reason": REASONS.get(decisions[pupil.pk][purpose.code].reason, ""),
        }
        for purpose in purposes
    ]
    history = list(selectors.answer_history(pupil))
    context = {
        "school": school,
        "pupil": pupil,
        "effective": effective,
        "history": history,
        "first_answered_at": history[-1].submitted_at if history else None,
        "last_changed_at": history[0].submitted_at if history else None,
        "record_url": reverse("consent:record_paper", args=[school.slug, pupil.public_id]) if can_manage else None,
    }
    return render(request, "consent/answer_record_history.html", context)


urlpatterns = [
    path("consent/answer/<uuid:pupil_id>/", answer, name="answer"),
    path("consent/answer/link/<str:token>/", answer_by_link, name="answer_by_link"),
    path("consent/change/<uuid:pupil_id>/", change, name="change"),
    path("school/<slug:slug>/consent/pupils/<uuid:pupil_id>/", pupil_record, name="pupil_record"),
    path("school/<slug:slug>/consent/pupils/<uuid:pupil_id>/record/", record_paper, name="record_paper"),
]
