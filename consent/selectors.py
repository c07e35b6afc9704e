"""Reads for consent: the effective answer for many pupils at once, in a fixed number of queries."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from aup.services import current_academic_year
from safeguard.directory.models import PupilGuardian

from .models import ConsentAnswer, ConsentFormVersion, ConsentPurpose, PhotoMeasure
from .rules import AnswerRecord, FormRule, PupilFacts, PurposeRule, decide
from .services import current_version


def purposes_of(version):
    """The current version's questions in order (list of ``ConsentPurpose``)."""
    return list(version.purposes.order_by("order")) if version else []


def current_form(school):
    """``school``'s published ``ConsentFormVersion`` (or None) and its questions in order: ``(version, [purpose])``.
    Two queries."""
    version = current_version(school)
    return version, purposes_of(version)


def effective_answers(*, school, pupils, now=None, form=None):
    """The effective answer for every pupil in ``pupils`` and every question of the school's current form.

    Args:
        school: the ``School``; pupils: an iterable (or queryset) of its ``Pupil`` objects (only ``pk``,
        ``date_of_birth`` and ``left_on`` are read); now: aware datetime (default now); form: ``current_form(school)``
        when the caller has already loaded it (saves its two queries).
    Returns ``(purposes, {pupil.pk: {purpose code: Decision}})``. Queries: a fixed handful whatever the number of
    pupils (version, purposes, academic year, guardian links, measures, answers) — pinned by tests.
    With no published form, every pupil has no answers: ``([], {pk: {}})``.
    """
    # An unsliced queryset of pupils is read once for the pupils and then used as a subquery by the reads below:
    # cheaper than sending its ids (a whole school's 400) back to the database three times.
    subquery = pupils.order_by().values("pk") if isinstance(pupils, QuerySet) and not pupils.query.is_sliced else None
    pupils = list(pupils)
    version, purposes = form if form is not None else current_form(school)
    result = {pupil.pk: {} for pupil in pupils}
    if not purposes or not pupils:
        return purposes, result
    now = now or timezone.now()
    day = school.today(now)
    year = current_academic_year(school, now=now)
    year_id = year.pk if year else None
    form_rule = FormRule(version.duration, version.pupil_answer_age, version.whose_answer_counts)
    ids = subquery if subquery is not None else [p.pk for p in pupils]
    guardians = {}
    for pupil_id, guardian_id in (
        PupilGuardian.objects.current()
        .filter(pupil_id__in=ids, has_parental_responsibility=True)
        .order_by()  # the links' default order joins the pupils for their names, which no one reads here
        .values_list("pupil_id", "guardian_id")
    ):
        guardians.setdefault(pupil_id, set()).add(guardian_id)
    measures = {
        pupil_id: (measure, court_order)
        for pupil_id, measure, court_order in PhotoMeasure.objects.filter(
            pupil_id__in=ids, ended_at__isnull=True
        ).values_list("pupil_id", "measure", "court_order")
    }
    # The latest answer per pupil, respondent and question code: newest first, keep the first seen.
    latest = {}
    # Only the fields the rules need: loading whole answers with their responses decodes each response's stored
    # form text, which dominated the whole-school grid (make bench).
    answers = (
        ConsentAnswer.objects.filter(response__pupil_id__in=ids, response__version__form=version.form)
        .order_by("-response__submitted_at", "-response_id")
        .values_list(
            "response__pupil_id",
            "response__answered_by_pupil",
            "response__guardian_id",
            "purpose__code",
            "purpose__wording_sha256",
            "response__academic_year_id",
            "answer",
        )
    )
    for pupil_id, by_pupil, guardian_id, code, wording_sha256, academic_year_id, value in answers:
        respondent = "pupil" if by_pupil else guardian_id
        key = (pupil_id, respondent, code)
        if key not in latest:
            answered_in = academic_year_id if form_rule.duration == "academic_year" else None
            latest[key] = AnswerRecord(respondent, code, wording_sha256, answered_in, value)
    # Grouped by pupil and question, so each decision looks only at its own question's answers.
    records_by_pupil = {}
    for (pupil_id, _respondent, code), record in latest.items():
        records_by_pupil.setdefault(pupil_id, {}).setdefault(code, []).append(record)
    rules = [
        PurposeRule(
            p.code,
            p.wording_sha256,
            p.is_publication,
            p.pupils_may_answer,
            p.if_unanswered == ConsentPurpose.IfUnanswered.OPT_OUT,
        )
        for p in purposes
    ]
    for pupil in pupils:
        measure, court_order = measures.get(pupil.pk, (None, False))
        facts = PupilFacts(
            frozenset(guardians.get(pupil.pk, ())), pupil.date_of_birth, pupil.left_on, measure, bool(court_order)
        )
        records = records_by_pupil.get(pupil.pk, {})
        decisions = result[pupil.pk]
        for rule in rules:
            decisions[rule.code] = decide(
                purpose=rule,
                form=form_rule,
                facts=facts,
                records=records.get(rule.code, ()),
                day=day,
                academic_year_id=year_id,
            )
    return purposes, result


def answer_history(pupil):
    """Every response for ``pupil`` (newest first) with its answers, for the record page."""
    return (
        pupil.consent_responses.select_related("guardian", "recorded_by", "teacher_present", "version")
        .prefetch_related(Prefetch("answers", queryset=ConsentAnswer.objects.select_related("purpose")))
        .order_by("-submitted_at")
    )


def own_answers(*, version, pupil, guardian=None, answered_by_pupil=False, now=None):
    """The respondent's own answers that still count for ``version``: ``({code: bool}, latest submitted_at)``.

    An answer counts when it was given to the same question in the same words and, for a form that lasts one
    academic year, in the current academic year (the same rules as ``consent.rules``). One query.
    """
    purposes = {p.code: p for p in purposes_of(version)}
    year = current_academic_year(pupil.school, now=now or timezone.now())
    rows = ConsentAnswer.objects.filter(response__pupil=pupil, response__version__form_id=version.form_id)
    if answered_by_pupil:
        rows = rows.filter(response__answered_by_pupil=True)
    else:
        rows = rows.filter(response__guardian=guardian)
    rows = rows.select_related("purpose", "response").order_by("-response__submitted_at", "-response_id")
    answers, seen, latest = {}, set(), None
    for row in rows:
        code = row.purpose.code
        if code in seen:
            continue
        seen.add(code)
        current = purposes.get(code)
        if current is None or row.purpose.wording_sha256 != current.wording_sha256:
            continue
        if version.duration == ConsentFormVersion.Duration.ACADEMIC_YEAR and (
            year is None or row.response.academic_year_id != year.pk
        ):
            continue
        answers[code] = row.answer
        latest = max(latest, row.response.submitted_at) if latest else row.response.submitted_at
    return answers, latest


__all__ = ["ConsentFormVersion", "current_form", "effective_answers", "answer_history", "purposes_of", "own_answers"]
