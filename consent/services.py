"""Consent services: publishing a form version, recording answers (online, paper, phone), changes and withdrawals,
and the DSL's photo measures. Evidence is recorded as for agreements (aup.evidence): who, when, how, IP, user agent,
and the SHA-256 of exactly the wording answered.
"""

import contextlib
import contextvars

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aup.evidence import content_sha256
from aup.services import current_academic_year
from safeguard import datacache, permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import PupilGuardian
from safeguard.jobs.services import enqueue

from .models import ConsentAnswer, ConsentFormVersion, ConsentPurpose, ConsentResponse, PhotoMeasure
from .rules import age_on

# Bulk loads (the demo) set this so hundreds of answers do not each queue a teacher notification and a PDF copy.
_quiet = contextvars.ContextVar("consent_quiet", default=False)


@contextlib.contextmanager
def notifications_deferred():
    """Within this block, recording answers or measures queues no e-mail (for bulk loads such as the demo)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


class ConsentError(DomainError):
    """An answer cannot be recorded; ``message`` says why in the respondent's language."""


# The eight questions of the Sigma photography policy's consent form: images and videos × four uses.
DEFAULT_PURPOSES = [
    (
        "images_website",
        "images",
        gettext_lazy("Images on the school website"),
        gettext_lazy("May we use images of your child on the school website?"),
    ),
    (
        "images_social_media",
        "images",
        gettext_lazy("Images on social media"),
        gettext_lazy("May we use images of your child on the school's social media accounts?"),
    ),
    (
        "images_local_press",
        "images",
        gettext_lazy("Images in the local press"),
        gettext_lazy("May we allow images of your child to appear in the local press?"),
    ),
    (
        "images_marketing",
        "images",
        gettext_lazy("Images in marketing material"),
        gettext_lazy("May we use images of your child in the school's marketing material, such as the prospectus?"),
    ),
    (
        "videos_website",
        "videos",
        gettext_lazy("Videos on the school website"),
        gettext_lazy("May we use videos of your child on the school website?"),
    ),
    (
        "videos_social_media",
        "videos",
        gettext_lazy("Videos on social media"),
        gettext_lazy("May we use videos of your child on the school's social media accounts?"),
    ),
    (
        "videos_local_press",
        "videos",
        gettext_lazy("Videos in the local press"),
        gettext_lazy("May we allow videos of your child to appear in the local press?"),
    ),
    (
        "videos_marketing",
        "videos",
        gettext_lazy("Videos in marketing material"),
        gettext_lazy("May we use videos of your child in the school's marketing material?"),
    ),
]


def purpose_wording_sha256(*, label, wording):
    """The hash that identifies a question's wording across versions (hex SHA-256)."""
    return content_sha256({"label": label, "wording": wording})


def form_content(version):
    """Exactly what a respondent is shown for ``version``: form title, introduction, organisations and the
    questions in order (code, label, wording). Hashed into each response's ``content_sha256``."""
    return {
        "form": version.form.title,
        "version": version.number,
        "introduction": version.introduction,
        "organisations": version.organisation_list(),
        "duration": version.duration,
        "purposes": [_purpose_content(p) for p in version.purposes.order_by("order")],
    }


def _purpose_content(purpose):
    """One question as shown. An opt-out question also says so, since the respondent is told what silence means;
    an opt-in question's content is as before, so the fingerprints of forms already answered do not change."""
    content = {"code": purpose.code, "label": purpose.label, "wording": purpose.wording}
    if purpose.if_unanswered == ConsentPurpose.IfUnanswered.OPT_OUT:
        content["if_unanswered"] = purpose.if_unanswered
    return content


def current_version(school):
    """The published ``ConsentFormVersion`` of ``school``'s form, or None."""
    return (
        ConsentFormVersion.objects.filter(form__school=school, status=ConsentFormVersion.Status.PUBLISHED)
        .select_related("form")
        .first()
    )


def purpose_save(
    *,
    actor,
    version,
    code,
    label,
    wording,
    media="images",
    is_publication=True,
    pupils_may_answer=True,
    order=0,
    if_unanswered=ConsentPurpose.IfUnanswered.OPT_IN,
):
    """Add or change a question on a DRAFT version; return the ``ConsentPurpose``.

    ``if_unanswered``: a ``ConsentPurpose.IfUnanswered`` value — opt-in (no answer means no, the default) or opt-out
    (yes unless a parent objects).

    Raises ``PermissionError`` (needs ``MANAGE_CONSENT``) and ``DomainError`` for a published version (publish a
    new version instead: answers to the old wording must not count for a changed question).
    """
    if not permissions.can(actor, permissions.MANAGE_CONSENT, version.form.school):
        raise PermissionError("actor may not edit consent forms")
    if version.status != ConsentFormVersion.Status.DRAFT:
        raise DomainError(_("A published form cannot be changed. Make a new version."), code="published")
    with transaction.atomic():
        purpose, _created = ConsentPurpose.objects.update_or_create(
            version=version,
            code=code,
            defaults={
                "label": label,
                "wording": wording,
                "media": media,
                "is_publication": is_publication,
                "pupils_may_answer": pupils_may_answer,
                "order": order,
                "if_unanswered": if_unanswered,
                "wording_sha256": purpose_wording_sha256(label=label, wording=wording),
            },
        )
        audit_log(
            actor=actor,
            action="consent.purpose.saved",
            school=version.form.school,
            subject=version.form,
            data={"version": version.number, "code": code, "if_unanswered": if_unanswered},
        )
    return purpose


def version_publish(*, actor, version, now=None):
    """Publish a draft version: it becomes the one in use and the previous published version is superseded.

    Raises ``PermissionError`` (``MANAGE_CONSENT``) and ``DomainError`` if it is not a draft or has no questions.
    """
    school = version.form.school
    if not permissions.can(actor, permissions.MANAGE_CONSENT, school):
        raise PermissionError("actor may not publish consent forms")
    if version.status != ConsentFormVersion.Status.DRAFT:
        raise DomainError(_("Only a draft can be published."), code="not_draft")
    if not version.purposes.exists():
        raise DomainError(_("Add at least one question before publishing."), code="empty")
    now = now or timezone.now()
    with transaction.atomic():
        ConsentFormVersion.objects.filter(form=version.form, status=ConsentFormVersion.Status.PUBLISHED).update(
            status=ConsentFormVersion.Status.SUPERSEDED
        )
        datacache.bump(datacache.CONSENT, school.pk)  # the update above sends no signal
        version.status, version.published_at, version.published_by = ConsentFormVersion.Status.PUBLISHED, now, actor
        version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        audit_log(
            actor=actor,
            action="consent.version.published",
            school=school,
            subject=version.form,
            data={"version": version.number},
        )
    return version


def _check_respondent(*, pupil, guardian, answered_by_pupil, version, day):
    if answered_by_pupil:
        if age_on(pupil.date_of_birth, day) < version.pupil_answer_age:
            raise ConsentError(
                _("Pupils answer for themselves from age %(age)s.") % {"age": version.pupil_answer_age},
                code="too_young",
            )
        return
    if guardian is None or guardian.school_id != pupil.school_id:
        raise ConsentError(_("You cannot answer for this child."), code="not_allowed")
    has_responsibility = (
        PupilGuardian.objects.current()
        .filter(pupil=pupil, guardian=guardian, has_parental_responsibility=True)
        .exists()
    )
    if not has_responsibility:
        raise ConsentError(
            _(
                "Only a parent or carer with parental responsibility can answer for this child. Please contact the "
                "school office if our records are wrong."
            ),
            code="no_parental_responsibility",
        )


def consent_response_record(
    *,
    pupil,
    version,
    answers,
    method,
    typed_name,
    shown_sha256,
    guardian=None,
    answered_by_pupil=False,
    kind=ConsentResponse.Kind.ANSWERS,
    signer_user=None,
    recorded_by=None,
    teacher_present=None,
    phone_caller="",
    note="",
    scan=None,
    ip_address=None,
    user_agent="",
    now=None,
):
    """Record a respondent's answers for one pupil; return the ``ConsentResponse``.

    Args:
        pupil: the ``Pupil``; version: the published ``ConsentFormVersion`` shown.
        answers: ``{purpose code: bool}``. A first response ("answers") must answer every question yes or no —
            nothing is assumed (photography policy §4: consent is a positive act); a change or withdrawal may carry
            only the questions that change. A paper or phone record (a written objection) may leave opt-out
            questions unanswered: silence means yes for them.
        method: a ``ConsentResponse.Method``; paper and phone need ``recorded_by`` (office staff, ``MANAGE_CONSENT``)
            and a phone answer needs ``phone_caller``.
        typed_name: the respondent's name as typed (or as written on paper / given on the phone).
        shown_sha256: hash of the form as shown (``content_sha256(form_content(version))``); a form changed while
            open is not recorded.
        guardian / answered_by_pupil: who answers — a guardian with parental responsibility, or the pupil from the
            form's age.
        teacher_present: for method ``CLASS_CODE`` (the pupil's own answer with a class code — ``aup``'s
            ``services_class_codes``, which checks the code): the teacher who opened it (``SUPERVISE_PUPIL_SIGNING`` in
            the pupil's school), recorded as present. That method is for a pupil's own answer only.
    Raises ``ConsentError`` saying what is wrong, ``PermissionError`` for office routes without the right.
    """
    now = now or timezone.now()
    day = pupil.school.today(now)
    if method in (ConsentResponse.Method.PAPER, ConsentResponse.Method.PHONE):
        if recorded_by is None or not permissions.can(recorded_by, permissions.MANAGE_CONSENT, pupil.school):
            raise PermissionError("only office staff record paper and phone answers")
        if method == ConsentResponse.Method.PHONE and not phone_caller.strip():
            raise ConsentError(_("Please note who called."), code="caller")
    if method == ConsentResponse.Method.CLASS_CODE and (
        not answered_by_pupil
        or teacher_present is None
        or not permissions.can(teacher_present, permissions.SUPERVISE_PUPIL_SIGNING, pupil.school)
    ):
        raise ConsentError(_("You cannot answer for this child."), code="not_allowed")
    if version.status != ConsentFormVersion.Status.PUBLISHED or version.form.school_id != pupil.school_id:
        raise ConsentError(
            _("This form has been replaced by a newer one. Please answer the new form."), code="superseded"
        )
    _check_respondent(pupil=pupil, guardian=guardian, answered_by_pupil=answered_by_pupil, version=version, day=day)
    content = form_content(version)
    digest = content_sha256(content)
    if shown_sha256 != digest:
        raise ConsentError(_("The form changed while you were reading it. Please read it again."), code="changed")
    purposes = {p.code: p for p in version.purposes.all()}
    if answered_by_pupil:
        purposes = {code: p for code, p in purposes.items() if p.pupils_may_answer}
    unknown = set(answers) - set(purposes)
    if unknown:
        raise ConsentError(_("Some answers are for questions this form does not ask."), code="unknown")
    required = set(purposes)
    if method in (ConsentResponse.Method.PAPER, ConsentResponse.Method.PHONE):
        # A written or telephoned objection to an opt-out question need not answer the others that are opt-out.
        required = {code for code, p in purposes.items() if p.if_unanswered != ConsentPurpose.IfUnanswered.OPT_OUT}
    if kind == ConsentResponse.Kind.ANSWERS and not required <= set(answers):
        raise ConsentError(_("Please answer every question yes or no."), code="incomplete")
    if not answers:
        raise ConsentError(_("Nothing was answered."), code="empty")
    if kind == ConsentResponse.Kind.WITHDRAWAL and any(answers.values()):
        raise ConsentError(_("A withdrawal can only change answers to no."), code="withdrawal")
    if not (typed_name or "").strip():
        raise ConsentError(_("Please type your full name."), code="name")
    with transaction.atomic():
        response = ConsentResponse(
            version=version,
            school=pupil.school,
            pupil=pupil,
            academic_year=current_academic_year(pupil.school, now=now),
            guardian=None if answered_by_pupil else guardian,
            answered_by_pupil=answered_by_pupil,
            kind=kind,
            method=method,
            signer_user=signer_user,
            typed_name=typed_name.strip(),
            content=content,
            content_sha256=digest,
            submitted_at=now,
            ip_address=ip_address,
            user_agent=(user_agent or "")[:1000],
            recorded_by=recorded_by,
            teacher_present=teacher_present if method == ConsentResponse.Method.CLASS_CODE else None,
            phone_caller=phone_caller.strip(),
            note=note.strip(),
        )
        if scan is not None:
            response.paper_scan = scan
        response.save()
        ConsentAnswer.objects.bulk_create(
            [ConsentAnswer(response=response, purpose=purposes[code], answer=value) for code, value in answers.items()]
        )
        datacache.bump(datacache.CONSENT, response.school_id)  # a bulk insert sends no signal
        audit_log(
            actor=signer_user or recorded_by or teacher_present,
            action=f"consent.response.{kind}",
            school=pupil.school,
            subject=response,
            ip_address=ip_address,
            data={"pupil": str(pupil.public_id), "method": method, "answers": answers},
        )
        if not _quiet.get():
            _after_change(response)
    return response


def consent_answers_from_agreement(
    *,
    pupil,
    guardian,
    answers,
    method,
    typed_name,
    agreement_content,
    agreement_sha256,
    signer_user=None,
    recorded_by=None,
    ip_address=None,
    user_agent="",
    now=None,
):
    """Record the yes a parent gave to photo consent questions by signing an agreement whose permission statements
    answer them (issue 13 item 10: "a parent agreement's permission statements can feed named consent answers");
    return the ``ConsentResponse``, or None when there is nothing to record.

    Args:
        pupil: the ``Pupil`` the agreement is for; guardian: the ``Guardian`` who signed, with parental
            responsibility (checked again here).
        answers: ``{purpose code: True}`` — the questions the ticked statements answer. Codes the school's published
            form does not ask (any more) are left out; with none left nothing is recorded.
        method: a ``ConsentResponse.Method`` — how the agreement was signed (password session, e-mailed link, or paper
            with ``recorded_by`` the office).
        typed_name: the name the signature was typed with; agreement_content / agreement_sha256: exactly what the
            signer was shown (``aup.evidence``), kept as this response's content — what they were told.
    The answer is an ordinary answer of this guardian (same rules, same history): ``consent.rules`` decides with it
    as with any other, and a later change or withdrawal replaces it. Raises ``ConsentError`` for a guardian without
    parental responsibility.
    """
    now = now or timezone.now()
    version = current_version(pupil.school)
    if version is None:
        return None
    _check_respondent(
        pupil=pupil, guardian=guardian, answered_by_pupil=False, version=version, day=pupil.school.today(now)
    )
    purposes = {p.code: p for p in version.purposes.all()}
    answers = {code: bool(value) for code, value in answers.items() if code in purposes}
    if not answers:
        return None
    content = {
        "form": version.form.title,
        "version": version.number,
        "given_by_signing": agreement_content,
        "purposes": [_purpose_content(purposes[code]) for code in sorted(answers, key=lambda c: purposes[c].order)],
    }
    with transaction.atomic():
        response = ConsentResponse.objects.create(
            version=version,
            school=pupil.school,
            pupil=pupil,
            academic_year=current_academic_year(pupil.school, now=now),
            guardian=guardian,
            kind=ConsentResponse.Kind.ANSWERS,
            method=method,
            signer_user=signer_user,
            typed_name=(typed_name or "").strip(),
            content=content,
            content_sha256=content_sha256(content),
            submitted_at=now,
            ip_address=ip_address,
            user_agent=(user_agent or "")[:1000],
            recorded_by=recorded_by,
            note=_("Given by signing “%(agreement)s” (fingerprint %(sha256)s).")
            % {"agreement": agreement_content.get("agreement", ""), "sha256": agreement_sha256[:12]},
        )
        ConsentAnswer.objects.bulk_create(
            [ConsentAnswer(response=response, purpose=purposes[code], answer=value) for code, value in answers.items()]
        )
        datacache.bump(datacache.CONSENT, response.school_id)  # a bulk insert sends no signal
        audit_log(
            actor=signer_user or recorded_by,
            action=f"consent.response.{ConsentResponse.Kind.ANSWERS}",
            school=pupil.school,
            subject=response,
            ip_address=ip_address,
            data={"pupil": str(pupil.public_id), "method": method, "answers": answers, "from_agreement": True},
        )
        if not _quiet.get():
            _after_change(response)
    return response


def _after_change(response):
    """Queue (through the outbox, after commit) the class teachers' notice and the parent's copy."""
    from .tasks import notify_class_teachers, send_consent_copy

    enqueue(notify_class_teachers, response.pupil_id, f"response:{response.pk}")
    if response.method in (ConsentResponse.Method.PASSWORD_SESSION, ConsentResponse.Method.INVITATION_LINK):
        enqueue(send_consent_copy, response.pk)


def photo_measure_set(*, actor, pupil, measure, reason, court_order=False, review_on=None, now=None):
    """Set (or change) the DSL's photo measure for a pupil; the current one, if any, is ended. Returns the new
    ``PhotoMeasure``.

    Args:
        actor: a member of the DSL team or the headteacher (``SET_PHOTO_MEASURES``).
        measure: a ``PhotoMeasure.Measure`` value; court_order: True means no photos at all, whatever the measure.
        reason: why (required; seen by the DSL team only); review_on: a ``datetime.date`` to review it.
    Setting the same measure, court order and reason again changes nothing. Class teachers are told the effect,
    never the reason. Raises ``PermissionError``, ``DomainError`` without a reason.
    """
    if not permissions.can(actor, permissions.SET_PHOTO_MEASURES, pupil.school):
        raise PermissionError("only the DSL team sets photo measures")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the reason (only the DSL team sees it)."), code="reason")
    if measure not in PhotoMeasure.Measure.values:
        raise DomainError(_("Choose a measure."), code="measure")
    now = now or timezone.now()
    with transaction.atomic():
        current = PhotoMeasure.objects.select_for_update().filter(pupil=pupil, ended_at__isnull=True).first()
        if current and (current.measure, current.court_order, current.reason, current.review_on) == (
            measure,
            court_order,
            reason,
            review_on,
        ):
            return current
        if current:
            current.ended_at, current.ended_by = now, actor
            current.save(update_fields=["ended_at", "ended_by", "updated_at"])
        new = PhotoMeasure.objects.create(
            pupil=pupil, measure=measure, court_order=court_order, reason=reason, review_on=review_on, set_by=actor
        )
        audit_log(
            actor=actor,
            action="consent.measure.set",
            school=pupil.school,
            subject=pupil,
            data={"measure": measure, "court_order": court_order},
        )
        if not _quiet.get():
            _notify_measure(pupil.pk, new.pk)
    return new


def photo_measure_end(*, actor, pupil, now=None):
    """Remove the pupil's current measure (consent then decides alone). Ending when none is set changes nothing."""
    if not permissions.can(actor, permissions.SET_PHOTO_MEASURES, pupil.school):
        raise PermissionError("only the DSL team removes photo measures")
    now = now or timezone.now()
    with transaction.atomic():
        current = PhotoMeasure.objects.select_for_update().filter(pupil=pupil, ended_at__isnull=True).first()
        if current is None:
            return None
        current.ended_at, current.ended_by = now, actor
        current.save(update_fields=["ended_at", "ended_by", "updated_at"])
        audit_log(actor=actor, action="consent.measure.ended", school=pupil.school, subject=pupil, data={})
        if not _quiet.get():
            _notify_measure(pupil.pk, f"end-{current.pk}")
    return current


def _notify_measure(pupil_id, key):
    from .tasks import notify_class_teachers

    enqueue(notify_class_teachers, pupil_id, f"measure:{key}")
