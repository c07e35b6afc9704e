"""The do-not-photograph list: which pupils may not be photographed or published, grouped by what staff must do,
for a page and a printable PDF.

Everything is computed per call from ``consent.selectors.effective_answers`` — the list is never stored, so it is
always current. Staff see only the effect of a DSL measure ("No photos", "Internal use only"), never its reason.
"""

import dataclasses
import zoneinfo

from django.utils import timezone, translation

from safeguard.country_words import school_language
from safeguard.pdf import render_pdf

from .selectors import effective_answers
from .selectors_naming import current_rules, naming_for_pupils

NO_PHOTOS = "no_photos"
INTERNAL_ONLY = "internal_only"
NOT_FOR = "not_for"
# A DSL measure or a court order stops every photo, whatever the purposes ask.
_NO_PHOTO_REASONS = {"court_order", "no_photos"}


@dataclasses.dataclass
class DoNotPhotographRow:
    """One pupil on the list: ``group`` (NO_PHOTOS, INTERNAL_ONLY or NOT_FOR), the purposes refused (labels) and
    the distinct reason labels shown to staff (``consent.rules.REASONS``)."""

    pupil: object
    group: str
    refused: list
    reasons: list


@dataclasses.dataclass
class DoNotPhotographList:
    """The list for some pupils: ``purposes`` considered, rows per group, and whether a form is published at all."""

    purposes: list
    no_photos: list
    internal_only: list
    not_for: list
    has_form: bool

    @property
    def count(self):
        return len(self.no_photos) + len(self.internal_only) + len(self.not_for)


def do_not_photograph_list(*, school, pupils, purpose_codes=None, now=None):
    """Group ``pupils`` by what staff may not do with their images.

    Args:
        school: the ``School``; pupils: its ``Pupil``s (with ``school_class`` selected for display).
        purpose_codes: only these questions of the current form (an event's planned uses); None means all.
    Returns a ``DoNotPhotographList``: "no photos at all" (court order, DSL "no photos", or no to every purpose),
    "internal use only" (DSL measure), "not for: <purposes>" (some purposes refused). Pupils allowed everything
    are left out. A fixed number of queries, whatever the number of pupils.
    """
    pupils = list(pupils)
    purposes, decisions = effective_answers(school=school, pupils=pupils, now=now)
    if purpose_codes is not None:
        wanted = set(purpose_codes)
        purposes = [p for p in purposes if p.code in wanted]
    result = DoNotPhotographList(purposes, [], [], [], has_form=bool(purposes))
    for pupil in pupils:
        answers = decisions.get(pupil.pk, {})
        refused = [p for p in purposes if p.code in answers and not answers[p.code].allowed]
        if not refused:
            continue
        reasons = {answers[p.code].reason for p in refused}
        labels = list(dict.fromkeys(str(answers[p.code].label) for p in refused))
        row = DoNotPhotographRow(pupil, NOT_FOR, [p.label for p in refused], labels)
        if reasons & _NO_PHOTO_REASONS:
            row.group = NO_PHOTOS
            result.no_photos.append(row)
        elif "internal_only" in reasons:
            row.group = INTERNAL_ONLY
            result.internal_only.append(row)
        elif len(refused) == len(purposes):
            row.group = NO_PHOTOS
            result.no_photos.append(row)
        else:
            result.not_for.append(row)
    return result


def naming_summary(*, school, pupils):
    """The naming and image rules to show with the list: ``{"rules": [NamingRule], "exceptions": [{"pupil",
    "naming"}], "without_rule": int}`` — the school's bands, the pupils of ``pupils`` whose parent chose a stricter
    level (``PupilNaming``), and how many of them are in no band. A fixed number of queries."""
    pupils = list(pupils)
    rules = current_rules(school)
    naming = naming_for_pupils(school=school, pupils=pupils, rules=rules)
    return {
        "rules": rules,
        "exceptions": [
            {"pupil": pupil, "naming": naming[pupil.pk]}
            for pupil in pupils
            if naming[pupil.pk] is not None and naming[pupil.pk].by_parent
        ],
        "without_rule": sum(1 for pupil in pupils if naming[pupil.pk] is None),
    }


def do_not_photograph_pdf(*, school, title, pupils, purpose_codes=None, now=None):
    """The do-not-photograph list as a printable PDF (bytes): the school, ``title`` (a class name, "Whole school"
    or an event), the date and time generated (school time), a reminder to check the live list before any
    publication, and the naming and image rules (``naming_summary``). Rendered in the school's language."""
    now = now or timezone.now()
    pupils = list(pupils)
    listing = do_not_photograph_list(school=school, pupils=pupils, purpose_codes=purpose_codes, now=now)
    generated_at = now.astimezone(zoneinfo.ZoneInfo(school.time_zone))
    with translation.override(school_language(school)):
        naming = naming_summary(school=school, pupils=pupils)
        return render_pdf(
            "consent/pdf/dnp.html",
            {"school": school, "title": title, "listing": listing, "naming": naming, "generated_at": generated_at},
        )
