"""The school's consent form and its versions, and asking families to answer it.

A form starts as version 1 with the eight questions of the Sigma photography policy's form, in the school's
language. A version is edited while it is a draft and frozen once published; changing the wording or adding a
question means a new version, copied from the published one. Answers to the old version keep counting for the
questions whose code and wording did not change (``consent.rules`` compares wording hashes).

Asking: ``consent_requests_send`` opens a ``ConsentRequest`` for every pupil on roll whose answers are not complete
this academic year and queues its e-mails after commit; each e-mail is claimed by a unique ``ConsentReminderSent``
row, so pressing the button twice e-mails nobody twice.
"""

import dataclasses

from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aup.services import current_academic_year
from safeguard import permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.country_words import school_language
from safeguard.jobs.services import enqueue

from .models import ConsentForm, ConsentFormVersion, ConsentPurpose, ConsentRequest
from .selectors_forms import pupils_to_ask
from .services import DEFAULT_PURPOSES, current_version, purpose_save


@dataclasses.dataclass(frozen=True)
class ExtraPurpose:
    code: str
    media: str
    label: object
    wording: object
    is_publication: bool = True


# Questions a school may add to the eight (issue 4: "eTwinning projects, faces not shown", "first name shown with
# image" — the Sigma form asks separately before a name is published with an image).
EXTRA_PURPOSES = {
    "etwinning_faces_hidden": ExtraPurpose(
        "etwinning_faces_hidden",
        "images",
        gettext_lazy("eTwinning projects, faces not shown"),
        gettext_lazy(
            "May we share images of your child's activities with our partner schools in eTwinning projects, with "
            "faces not shown?"
        ),
    ),
    "first_name_with_image": ExtraPurpose(
        "first_name_with_image",
        "images",
        gettext_lazy("First name shown with image"),
        gettext_lazy(
            "May we show your child's first name with their image, for example when they win an award? We never "
            "show a surname."
        ),
    ),
}


def _check(actor, school):
    if not permissions.can(actor, permissions.MANAGE_CONSENT, school):
        raise PermissionError("actor may not manage consent forms in this school")


def _draft_only(version):
    if version.status != ConsentFormVersion.Status.DRAFT:
        raise DomainError(_("A published form cannot be changed. Make a new version."), code="published")


def default_form_text(school):
    """Title, introduction and organisations of a new form, in the school's default language (a dict)."""
    organisations = [school.organisation.name] if school.organisation_id else []
    with translation.override(school_language(school)):
        organisations.append(_("Local newspapers and their websites"))
        return {
            "title": _("Photo and video consent"),
            "introduction": _(
                "Images and videos of pupils are used in school displays to celebrate school life and pupils' "
                "achievements, and to tell families and the community about the school. Without your consent we "
                "will not use images or videos of your child. We never publish a pupil's full name, address or "
                "contact details with an image. You can change or withdraw your answers at any time; a withdrawal "
                "does not recall what was already published."
            ),
            "organisations": "\n".join(organisations),
        }


def form_create_default(*, actor, school, now=None):
    """Create the school's consent form with version 1 as a draft holding the eight default questions, worded in
    the school's default language; return the version.

    If the school already has a form, nothing is created and its newest version is returned. Raises
    ``PermissionError`` without ``MANAGE_CONSENT``.
    """
    _check(actor, school)
    with transaction.atomic():
        existing = ConsentForm.objects.select_for_update().filter(school=school).first()
        if existing is not None:
            return existing.versions.order_by("-number").first()
        text = default_form_text(school)
        form = ConsentForm.objects.create(school=school, title=text["title"])
        version = ConsentFormVersion.objects.create(
            form=form, number=1, introduction=text["introduction"], organisations=text["organisations"]
        )
        with translation.override(school_language(school)):
            for order, (code, media, label, wording) in enumerate(DEFAULT_PURPOSES):
                purpose_save(
                    actor=actor,
                    version=version,
                    code=code,
                    label=str(label),
                    wording=str(wording),
                    media=media,
                    order=order,
                )
        audit_log(actor=actor, action="consent.form.created", school=school, subject=form, data={"version": 1})
    return version


def version_settings_save(
    *, actor, version, introduction, organisations, duration, pupil_answer_age, whose_answer_counts
):
    """Save a draft's introduction, organisations (one per line), how long an answer lasts, the age from which
    pupils answer for themselves (years) and whose answer counts. Raises ``PermissionError``, ``DomainError`` for a
    published version."""
    school = version.form.school
    _check(actor, school)
    _draft_only(version)
    with transaction.atomic():
        version.introduction = introduction.strip()
        version.organisations = "\n".join(line.strip() for line in organisations.splitlines() if line.strip())
        version.duration = duration
        version.pupil_answer_age = pupil_answer_age
        version.whose_answer_counts = whose_answer_counts
        version.save()
        audit_log(
            actor=actor,
            action="consent.version.saved",
            school=school,
            subject=version.form,
            data={"version": version.number, "duration": duration, "pupil_answer_age": pupil_answer_age},
        )
    return version


def _next_order(version):
    top = version.purposes.aggregate(top=Max("order"))["top"]
    return 0 if top is None else top + 1


def _unique_code(version, label):
    base = slugify(label).replace("-", "_")[:50] or "question"
    taken = set(version.purposes.values_list("code", flat=True))
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def purpose_add(
    *,
    actor,
    version,
    label,
    wording,
    media="images",
    is_publication=True,
    pupils_may_answer=True,
    if_unanswered=ConsentPurpose.IfUnanswered.OPT_IN,
):
    """Add a question at the end of a draft; its code is made from the label. Returns the ``ConsentPurpose``.
    ``if_unanswered``: opt-in (no answer means no) or opt-out (yes unless a parent objects)."""
    _check(actor, version.form.school)
    _draft_only(version)
    return purpose_save(
        actor=actor,
        version=version,
        code=_unique_code(version, label),
        label=label.strip(),
        wording=wording.strip(),
        media=media,
        is_publication=is_publication,
        pupils_may_answer=pupils_may_answer,
        order=_next_order(version),
        if_unanswered=if_unanswered,
    )


def purpose_extra_add(*, actor, version, key):
    """Add one of ``EXTRA_PURPOSES`` (worded in the school's language) to a draft; adding it twice changes nothing.
    Raises ``DomainError`` for an unknown key."""
    extra = EXTRA_PURPOSES.get(key)
    if extra is None:
        raise DomainError(_("Choose a question to add."), code="unknown")
    existing = version.purposes.filter(code=extra.code).first()
    if existing is not None:
        _check(actor, version.form.school)
        return existing
    with translation.override(school_language(version.form.school)):
        label, wording = str(extra.label), str(extra.wording)
    return purpose_save(
        actor=actor,
        version=version,
        code=extra.code,
        label=label,
        wording=wording,
        media=extra.media,
        is_publication=extra.is_publication,
        order=_next_order(version),
    )


def purpose_remove(*, actor, version, code):
    """Remove a question from a draft (answers are never attached to a draft, so nothing is lost)."""
    school = version.form.school
    _check(actor, school)
    _draft_only(version)
    with transaction.atomic():
        deleted, _rows = ConsentPurpose.objects.filter(version=version, code=code, answers__isnull=True).delete()
        if deleted:
            audit_log(
                actor=actor,
                action="consent.purpose.removed",
                school=school,
                subject=version.form,
                data={"version": version.number, "code": code},
            )
    return bool(deleted)


def version_new(*, actor, form):
    """A new draft copied from the published version (number + 1; the same questions, codes and wording, so
    answers keep counting for whatever is not changed). If a draft already exists, it is returned instead."""
    school = form.school
    _check(actor, school)
    with transaction.atomic():
        ConsentForm.objects.select_for_update().filter(pk=form.pk).first()
        draft = form.versions.filter(status=ConsentFormVersion.Status.DRAFT).first()
        if draft is not None:
            return draft
        source = form.versions.filter(status=ConsentFormVersion.Status.PUBLISHED).first()
        if source is None:
            source = form.versions.order_by("-number").first()
        number = (form.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        draft = ConsentFormVersion.objects.create(
            form=form,
            number=number,
            introduction=source.introduction if source else "",
            organisations=source.organisations if source else "",
            duration=source.duration if source else ConsentFormVersion.Duration.ACADEMIC_YEAR,
            pupil_answer_age=source.pupil_answer_age if source else 13,
            whose_answer_counts=source.whose_answer_counts if source else ConsentFormVersion.WhoseAnswerCounts.STRICTER,
        )
        if source is not None:
            ConsentPurpose.objects.bulk_create(
                [
                    ConsentPurpose(
                        version=draft,
                        code=p.code,
                        media=p.media,
                        label=p.label,
                        wording=p.wording,
                        wording_sha256=p.wording_sha256,
                        order=p.order,
                        is_publication=p.is_publication,
                        pupils_may_answer=p.pupils_may_answer,
                        if_unanswered=p.if_unanswered,
                    )
                    for p in source.purposes.all()
                ]
            )
        audit_log(
            actor=actor,
            action="consent.version.created",
            school=school,
            subject=form,
            data={"version": number, "copied_from": source.number if source else None},
        )
    return draft


def consent_requests_send(*, actor, school, now=None):
    """Ask every family whose answers are not complete this academic year: open a ``ConsentRequest`` per pupil and
    queue its e-mails (to each guardian with parental responsibility and an e-mail address) after commit.

    A pupil needs asking when any question of the current form has no answer or only an expired one (a past
    academic year, or changed wording). Requests already e-mailed are not sent again. Returns
    ``{"opened": int, "queued": int, "already_sent": int, "complete": int}``. Raises ``PermissionError`` and
    ``DomainError`` when there is no published form or no academic year covering today.
    """
    from .tasks_requests import send_consent_request

    _check(actor, school)
    now = now or timezone.now()
    version = current_version(school)
    if version is None:
        raise DomainError(_("Publish the consent form before asking families."), code="no_form")
    year = current_academic_year(school, now=now)
    if year is None:
        raise DomainError(_("Set up this academic year's dates before asking families."), code="no_year")
    to_ask, total = pupils_to_ask(school=school, now=now)
    counts = {"opened": 0, "queued": 0, "already_sent": 0, "complete": total - len(to_ask)}
    with transaction.atomic():
        existing = {
            r.pupil_id: r for r in ConsentRequest.objects.filter(version=version, academic_year=year, pupil__in=to_ask)
        }
        for pupil in to_ask:
            request = existing.get(pupil.pk)
            if request is None:
                request, created = ConsentRequest.objects.get_or_create(
                    version=version, pupil=pupil, academic_year=year, defaults={"school": school}
                )
                counts["opened"] += int(created)
            if request.sent_at is not None:
                counts["already_sent"] += 1
                continue
            request_id = request.pk
            enqueue(send_consent_request, request_id)
            counts["queued"] += 1
        audit_log(
            actor=actor,
            action="consent.requests.sent",
            school=school,
            subject=version.form,
            data={"version": version.number, "academic_year": year.name, **counts},
        )
    return counts
