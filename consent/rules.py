"""The effective answer: may this pupil's image be used for this purpose today? One place, pure functions.

Rules, with their source (Sigma photography policy = seeds/002):
- A pupil who has left: no new use without fresh consent (§9).                                   → no, "left"
- A court order: never photographed (§6).                                                         → no, "court_order"
- DSL measure "no photos" (§6).                                                                   → no, "no_photos"
- DSL measure "internal use only": nothing published (§6); internal uses follow consent.          → no, "internal_only"
- No answer means no: consent is a positive act, silence is not consent (§4).                     → no, "no_response"
  A question the school asks opt-out ("yes unless a parent objects", common in US districts) reads silence as
  yes; a recorded no (online, or a written objection the office records from paper or phone) is still no, and
  everything above (leaving, court order, DSL measures) still overrides.                         → yes, "no_objection"
- An answer to a changed or removed question, or from a past academic year, does not count (§4.4). → no, "expired"
- Any guardian with parental responsibility says no → no; if another said yes the reason is
  "guardians_disagree": if parents disagree, the answer is no (§4.10).                           → no, "refused"
- A pupil old enough to answer (the school's age, default 13 — UK GDPR Art. 8): the school chooses whose answer
  counts; by default the stricter of the pupil's and the parents' answers.                        → no, "pupil_refused"
- Otherwise at least one guardian (or the pupil, where theirs counts) said yes.                    → yes, "consented"

``decide`` works on plain data (``AnswerRecord``s), so the grid for a whole school is computed from a handful of
queries (``consent.selectors``) and the rules are tested exhaustively without a database.
"""

import dataclasses
import datetime

from django.utils.translation import gettext_lazy as _

# Reason codes, and what staff are shown for each (a DSL measure shows only its effect, never why).
REASONS = {
    "consented": _("Consent given"),
    "no_response": _("No response"),
    "no_objection": _("No objection (opt-out)"),
    "refused": _("Refused"),
    "guardians_disagree": _("Guardians disagree"),
    "expired": _("Expired — ask again"),
    "pupil_refused": _("Pupil said no"),
    "internal_only": _("Internal use only"),
    "no_photos": _("No photos"),
    "court_order": _("No photos"),
    "left": _("Left the school"),
}


@dataclasses.dataclass(frozen=True)
class AnswerRecord:
    """The latest answer of one respondent to one purpose code.

    ``respondent``: a guardian id (int) or the string "pupil"; ``wording_sha256`` of the question as answered;
    ``academic_year_id`` of the answer (None when the form lasts the whole stay); ``answer`` True/False.
    """

    respondent: object
    purpose_code: str
    wording_sha256: str
    academic_year_id: object
    answer: bool


@dataclasses.dataclass(frozen=True)
class PurposeRule:
    """What the current form asks: the code, wording hash, whether it is a publication use and pupils may answer,
    and ``opt_out``: True when silence means yes ("yes unless a parent objects"), False for opt-in (the default)."""

    code: str
    wording_sha256: str
    is_publication: bool
    pupils_may_answer: bool
    opt_out: bool = False


@dataclasses.dataclass(frozen=True)
class FormRule:
    """The current form version's settings: ``duration`` ("academic_year"/"whole_stay"), ``pupil_answer_age``
    (years), ``whose_answer_counts`` ("stricter"/"parents"/"pupil")."""

    duration: str
    pupil_answer_age: int
    whose_answer_counts: str


@dataclasses.dataclass(frozen=True)
class PupilFacts:
    """What the rules need about the pupil on the day: ids of guardians with parental responsibility, date of
    birth, leaving date, the current DSL measure ("as_usual"/"internal_only"/"no_photos"/None) and court order."""

    guardian_ids: frozenset
    date_of_birth: datetime.date
    left_on: object = None
    measure: object = None
    court_order: bool = False


@dataclasses.dataclass(frozen=True)
class Decision:
    """The effective answer: ``allowed`` (bool) and ``reason`` (a key of ``REASONS``)."""

    allowed: bool
    reason: str

    @property
    def label(self):
        return REASONS[self.reason]


def age_on(date_of_birth, day):
    """Age in whole years on ``day``."""
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def _valid(record, purpose, form, academic_year_id):
    if record.wording_sha256 != purpose.wording_sha256:
        return False
    return form.duration == "whole_stay" or record.academic_year_id == academic_year_id


def _parents(records, purpose, form, facts, academic_year_id):
    answers = [r for r in records if r.respondent in facts.guardian_ids]
    valid = [r for r in answers if _valid(r, purpose, form, academic_year_id)]
    if any(not r.answer for r in valid):
        disagree = any(r.answer for r in valid)
        return Decision(False, "guardians_disagree" if disagree else "refused")
    if valid:
        return Decision(True, "consented")
    if purpose.opt_out:
        # Silence (or only an answer that no longer counts) under an opt-out question: no objection, so yes.
        return Decision(True, "no_objection")
    return Decision(False, "expired" if answers else "no_response")


def decide(*, purpose, form, facts, records, day, academic_year_id):
    """The effective answer for one pupil and one purpose on ``day``.

    Args:
        purpose: ``PurposeRule`` of the current form; form: ``FormRule``; facts: ``PupilFacts``.
        records: ``AnswerRecord``s of this pupil for ``purpose.code`` — the latest per respondent.
        day: ``datetime.date`` (school time); academic_year_id: the school's academic year containing ``day``.
    Returns a ``Decision``. Pure: no database access.
    """
    if facts.left_on is not None and facts.left_on <= day:
        return Decision(False, "left")
    if facts.court_order:
        return Decision(False, "court_order")
    if facts.measure == "no_photos":
        return Decision(False, "no_photos")
    if facts.measure == "internal_only" and purpose.is_publication:
        return Decision(False, "internal_only")
    records = [r for r in records if r.purpose_code == purpose.code]
    parents = _parents(records, purpose, form, facts, academic_year_id)
    pupil_may_answer = purpose.pupils_may_answer and age_on(facts.date_of_birth, day) >= form.pupil_answer_age
    pupil_records = [r for r in records if r.respondent == "pupil" and _valid(r, purpose, form, academic_year_id)]
    if not pupil_may_answer or not pupil_records or form.whose_answer_counts == "parents":
        return parents
    pupil_says = pupil_records[0].answer
    if form.whose_answer_counts == "pupil":
        return Decision(True, "consented") if pupil_says else Decision(False, "pupil_refused")
    # The stricter answer wins (the default).
    if not pupil_says:
        return Decision(False, "pupil_refused")
    return parents
