"""Reads for the consent form pages, asking families and coverage — a fixed number of queries whatever the roll.

"Needs asking": a pupil on roll for whom any question of the current form has no answer ("no_response") or only an
expired one ("expired": a past academic year, or changed wording). Answers, refusals and DSL measures all count as
settled: a measure decides on its own, so a family is not chased for it.
"""

import dataclasses

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.directory.models import Pupil, PupilGuardian

from .models import ConsentForm, ConsentFormVersion, ConsentPurpose, ConsentRequest
from .selectors import effective_answers

# An opt-out question nobody has answered ("no_objection") counts as yes, but the family still needs asking: a
# parent who was never sent the form cannot object.
NEEDS_ASKING = frozenset({"no_response", "expired", "no_objection"})


def form_for_school(school):
    """The school's consent form with its versions (newest first) and their question counts, or None."""
    return (
        ConsentForm.objects.filter(school=school)
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ConsentFormVersion.objects.annotate(purpose_count=Count("purposes"))
                .select_related("published_by")
                .order_by("-number"),
            )
        )
        .first()
    )


def version_for_school(school, public_id):
    """The school's form version with ``public_id``, or None (another school's is None too)."""
    return (
        ConsentFormVersion.objects.filter(form__school=school, public_id=public_id)
        .select_related("form__school")
        .first()
    )


def purpose_of(version, code):
    return ConsentPurpose.objects.filter(version=version, code=code).first()


def needs_asking(decisions):
    """True if any of a pupil's decisions (``{code: Decision}``) waits for an answer."""
    return any(decision.reason in NEEDS_ASKING for decision in decisions.values())


def _on_roll(school, now):
    return (
        Pupil.objects.on_roll(school.today(now))
        .filter(school=school)
        .select_related("school_class", "year_group")
        .order_by("school_class__year_group__order", "school_class__name", "legal_last_name", "legal_first_name")
    )


def pupils_to_ask(*, school, now=None):
    """``(pupils who need asking, number of pupils on roll)`` for the school's current form, today."""
    now = now or timezone.now()
    pupils = list(_on_roll(school, now))
    purposes, decisions = effective_answers(school=school, pupils=pupils, now=now)
    if not purposes:
        return [], len(pupils)
    return [p for p in pupils if needs_asking(decisions[p.pk])], len(pupils)


@dataclasses.dataclass
class CoverageRow:
    """Counts for one class (or the school): pupils on roll, with a complete set of answers, still to answer,
    with no use allowed at all (every answer no, or a DSL measure of no photos), and guardians (with parental
    responsibility) of pupils still to answer."""

    label: str
    total: int = 0
    complete: int = 0
    to_answer: int = 0
    no_photos: int = 0
    guardians_waiting: set = dataclasses.field(default_factory=set)

    @property
    def percent(self):
        return round(100 * self.complete / self.total) if self.total else 0

    @property
    def guardians_not_answered(self):
        return len(self.guardians_waiting)


@dataclasses.dataclass(frozen=True)
class PupilCoverage:
    pupil: object
    complete: bool
    no_photos: bool
    to_answer: int
    guardians_not_answered: int


def coverage(*, school, now=None):
    """Coverage of the current form for the pupils on roll: ``{"purposes", "school": CoverageRow,
    "classes": [CoverageRow], "pupils": [PupilCoverage]}``. Queries: a fixed handful (pupils, guardian links and
    those of ``effective_answers``), pinned by tests."""
    now = now or timezone.now()
    pupils = list(_on_roll(school, now))
    purposes, decisions = effective_answers(school=school, pupils=pupils, now=now)
    guardians = {}
    for pupil_id, guardian_id in (
        PupilGuardian.objects.current()
        .filter(pupil__in=[p.pk for p in pupils], has_parental_responsibility=True)
        .values_list("pupil_id", "guardian_id")
    ):
        guardians.setdefault(pupil_id, set()).add(guardian_id)
    total = CoverageRow(_("Whole school"))
    classes = {}
    rows = []
    for pupil in pupils:
        pupil_decisions = decisions[pupil.pk]
        waiting = sum(1 for d in pupil_decisions.values() if d.reason in NEEDS_ASKING)
        complete = bool(purposes) and not waiting
        no_photos = complete and not any(d.allowed for d in pupil_decisions.values())
        waiting_guardians = guardians.get(pupil.pk, set()) if purposes and waiting else set()
        key = pupil.school_class_id
        if key not in classes:
            classes[key] = CoverageRow(pupil.school_class.name if pupil.school_class else _("No class"))
        for row in (total, classes[key]):
            row.total += 1
            row.complete += int(complete)
            row.to_answer += int(not complete)
            row.no_photos += int(no_photos)
            row.guardians_waiting |= waiting_guardians
        rows.append(PupilCoverage(pupil, complete, no_photos, waiting, len(waiting_guardians)))
    return {"purposes": purposes, "school": total, "classes": list(classes.values()), "pupils": rows}


def requests_summary(*, school, version, academic_year):
    """How many families of ``version`` were asked in ``academic_year`` (requests opened / e-mailed)."""
    if version is None or academic_year is None:
        return {"opened": 0, "sent": 0}
    requests = ConsentRequest.objects.filter(school=school, version=version, academic_year=academic_year)
    return {"opened": requests.count(), "sent": requests.filter(sent_at__isnull=False).count()}
