"""Reads for class codes (issue 13 item 8): who a code lists and what each pupil has left, the codes open now.

Every select_related/prefetch_related of the class-code pages lives here; the list of a class is read in a fixed
number of queries whatever its size.
"""

from django.db.models import Count, Q
from django.utils import timezone

from consent import services as consent_services
from consent.models import ConsentAnswer, ConsentFormVersion
from consent.rules import age_on
from safeguard.directory.models import Pupil

from . import services
from .models import ClassSigningCode, Signature
from .selectors import _requests_counting_for, classes_for_supervision
from .services_class_codes import consent_age, self_signing_age


def _pupils_signed(school, agreement, pupil_ids):
    """Ids of the pupils in ``pupil_ids`` whose own signature stands on a request that counts for ``agreement``."""
    return set(
        _requests_counting_for(school, agreement)
        .filter(
            pupil_id__in=pupil_ids,
            signatures__party=Signature.Party.PUPIL,
            signatures__revoked_at__isnull=True,
        )
        .values_list("pupil_id", flat=True)
    )


def _pupils_answered(version, pupil_ids, codes, *, now):
    """Ids of the pupils in ``pupil_ids`` who have themselves answered every question in ``codes`` so that it still
    counts (same words; this academic year for a one-year form) — ``consent.selectors.own_answers`` for many."""
    purposes = {p.code: p for p in version.purposes.all()}
    year = services.current_academic_year(version.form.school, now=now)
    rows = (
        ConsentAnswer.objects.filter(
            response__pupil_id__in=pupil_ids,
            response__answered_by_pupil=True,
            response__version__form_id=version.form_id,
        )
        .order_by("-response__submitted_at", "-response_id")
        .values_list("response__pupil_id", "purpose__code", "purpose__wording_sha256", "response__academic_year_id")
    )
    seen, answered = set(), {}
    for pupil_id, code, wording_sha256, academic_year_id in rows:
        if (pupil_id, code) in seen:
            continue
        seen.add((pupil_id, code))
        current = purposes.get(code)
        if current is None or current.wording_sha256 != wording_sha256:
            continue
        if version.duration == ConsentFormVersion.Duration.ACADEMIC_YEAR and (
            year is None or academic_year_id != year.pk
        ):
            continue
        answered.setdefault(pupil_id, set()).add(code)
    return {pupil_id for pupil_id, done in answered.items() if codes <= done}


def class_code_tasks(code, pupils, *, now=None, version=None):
    """``{pupil.pk: {"agreement": bool, "consent": bool}}``: what each of ``pupils`` still has to do with ``code``.

    The agreement while the pupil's own signature is missing on the request that counts; the consent form while the
    school has a published form with questions pupils may answer, the pupil is old enough
    (``services_class_codes.consent_age``) and has not answered every such question. A few queries for any number of
    pupils.
    """
    now = now or timezone.now()
    day = code.school.today(now)
    ids = [p.pk for p in pupils]
    tasks = {p.pk: {"agreement": False, "consent": False} for p in pupils}
    if code.agreement_id is not None and ids:
        signed = _pupils_signed(code.school, code.agreement, ids)
        for pupil in pupils:
            tasks[pupil.pk]["agreement"] = pupil.pk not in signed
    if code.consent and ids:
        version = version or consent_services.current_version(code.school)
        if version is not None:
            codes = {p.code for p in version.purposes.all() if p.pupils_may_answer}
            old_enough = [p for p in pupils if age_on(p.date_of_birth, day) >= consent_age(code, version)]
            if codes and old_enough:
                answered = _pupils_answered(version, [p.pk for p in old_enough], codes, now=now)
                for pupil in old_enough:
                    tasks[pupil.pk]["consent"] = pupil.pk not in answered
    return tasks


def class_code_candidates(code, *, now=None):
    """The pupils ``code`` lists, in name order (list of ``Pupil``): on roll in its class today, at least the
    school's self-signing age, with something left to do (``class_code_tasks``). Empty when the school has turned
    self-signing off."""
    now = now or timezone.now()
    age = self_signing_age(code.school)
    if age is None:
        return []
    day = code.school.today(now)
    pupils = [
        pupil
        for pupil in Pupil.objects.for_school(code.school)
        .on_roll(day)
        .filter(school_class_id=code.school_class_id)
        .order_by("legal_last_name", "legal_first_name", "pk")
        if age_on(pupil.date_of_birth, day) >= age
    ]
    tasks = class_code_tasks(code, pupils, now=now)
    return [pupil for pupil in pupils if any(tasks[pupil.pk].values())]


def open_codes(user, school, *, now=None):
    """The codes open at ``now`` for the classes ``user`` may supervise in ``school`` (newest first), each with
    ``signature_count`` (signatures given with it) and its class, agreement and teacher."""
    now = now or timezone.now()
    classes = classes_for_supervision(user, school)
    return (
        ClassSigningCode.objects.filter(
            school=school, school_class__in=classes, revoked_at__isnull=True, expires_at__gt=now
        )
        .select_related("school_class", "agreement__version__policy", "opened_by")
        .annotate(signature_count=Count("signatures", filter=Q(signatures__revoked_at__isnull=True)))
        .order_by("-created_at")
    )


def code_for_user(user, school, public_id):
    """The code with ``public_id`` of ``school`` that ``user`` may see (a class they may supervise), or None."""
    return (
        ClassSigningCode.objects.filter(
            school=school, public_id=public_id, school_class__in=classes_for_supervision(user, school)
        )
        .select_related("school", "school_class", "opened_by")
        .first()
    )
