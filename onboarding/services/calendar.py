"""The school calendar: academic years with their terms or semesters and their breaks (half-terms, holidays,
closure days), year groups, classes, roll-over (item 3).

Presets are starting points the person edits before saving; the directory's models hold the result. The English
preset gives three terms with their three half-terms. Terms, breaks and year groups are removed, never deleted
(``removed_at``). School days are counted from the result by ``safeguard.directory.calendar``.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_update_with_history

from safeguard import datacache, permissions
from safeguard.audit.services import audit_log
from safeguard.base import DomainError
from safeguard.directory.models import AcademicYear, Pupil, SchoolClass, Term, TermBreak, YearGroup

from ..models import YearRollOver

Kind = Term.Kind
BreakKind = TermBreak.Kind

# Term presets, by calendar: (month, day) of each term's start and end, relative to the academic year's first
# calendar year (offset 0) or the next (offset 1). Typical dates, to be edited: English state schools (autumn from
# early September to just before Christmas, spring from early January to Easter, summer to late July); a US
# district's two semesters (mid-August to December, January to early June); the Turkish ministry's two terms
# (early September to mid-January, February to mid-June). English half-terms are a week each, found by rule rather
# than by date so that they fall on Monday to Friday in any year: the week of the last Monday of October, the week
# of the third Monday of February, and the week of the late May bank holiday (the last Monday of May).
TERM_PRESETS = {
    "england": {
        "label": gettext_lazy("England: three terms"),
        "year": ((0, 9, 1), (1, 8, 31)),
        "terms": [
            (Kind.AUTUMN, (0, 9, 3), (0, 12, 19)),
            (Kind.SPRING, (1, 1, 5), (1, 3, 27)),
            (Kind.SUMMER, (1, 4, 13), (1, 7, 22)),
        ],
        "breaks": [
            (gettext_lazy("Autumn half-term"), ("last_monday", 0, 10)),
            (gettext_lazy("Spring half-term"), ("third_monday", 1, 2)),
            (gettext_lazy("Summer half-term"), ("last_monday", 1, 5)),
        ],
    },
    "united_states": {
        "label": gettext_lazy("United States: two semesters"),
        "year": ((0, 8, 1), (1, 7, 31)),
        "terms": [(Kind.SEMESTER_1, (0, 8, 17), (0, 12, 18)), (Kind.SEMESTER_2, (1, 1, 5), (1, 6, 4))],
    },
    "turkey": {
        "label": gettext_lazy("Türkiye: two terms"),
        "year": ((0, 9, 1), (1, 8, 31)),
        "terms": [(Kind.SEMESTER_1, (0, 9, 8), (1, 1, 16)), (Kind.SEMESTER_2, (1, 2, 2), (1, 6, 19))],
    },
}
TERM_PRESET_BY_COUNTRY = {"united_states": "united_states", "turkey": "turkey"}


def _day(start_year, spec):
    offset, month, day = spec
    return datetime.date(start_year + offset, month, day)


def _half_term_week(start_year, spec):
    """(Monday, Friday) of the half-term week named by ``spec``: ("last_monday" | "third_monday", offset, month)."""
    rule, offset, month = spec
    year = start_year + offset
    if rule == "third_monday":
        first = datetime.date(year, month, 1)
        monday = first + datetime.timedelta(days=(7 - first.weekday()) % 7 + 14)
    else:
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        last = following - datetime.timedelta(days=1)
        monday = last - datetime.timedelta(days=last.weekday())
    return monday, monday + datetime.timedelta(days=4)


def term_preset_for(school):
    """The key of ``TERM_PRESETS`` that fits ``school``'s country (England's three terms by default)."""
    return TERM_PRESET_BY_COUNTRY.get(school.country, "england")


def academic_year_preset(preset, start_year):
    """A dict ``{"name", "starts_on", "ends_on", "terms": [(kind, starts_on, ends_on)], "breaks": [(name, starts_on,
    ends_on)]}`` for the academic year beginning in ``start_year`` (int) under ``preset`` (a key of
    ``TERM_PRESETS``); breaks are half-terms (England's), Monday to Friday."""
    spec = TERM_PRESETS[preset]
    return {
        "name": f"{start_year}/{str(start_year + 1)[-2:]}",
        "starts_on": _day(start_year, spec["year"][0]),
        "ends_on": _day(start_year, spec["year"][1]),
        "terms": [(kind, _day(start_year, starts), _day(start_year, ends)) for kind, starts, ends in spec["terms"]],
        "breaks": [(str(name), *_half_term_week(start_year, rule)) for name, rule in spec.get("breaks", [])],
    }


def _require(actor, school):
    if not permissions.can(actor, permissions.SETUP_SCHOOL, school):
        raise PermissionError("actor may not set this school up")


def _full_clean(instance):
    try:
        instance.full_clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="invalid") from error


def _check_terms(starts_on, ends_on, terms):
    """Raise ``DomainError`` unless the year ends after it starts and ``terms`` lie inside it, in order, once each."""
    if ends_on <= starts_on:
        raise DomainError(_("The year must end after it starts."), code="dates")
    terms = sorted(terms, key=lambda term: term[1])
    for kind, term_starts, term_ends in terms:
        if term_ends <= term_starts or term_starts < starts_on or term_ends > ends_on:
            raise DomainError(
                _("%(term)s must start before it ends, within the academic year.") % {"term": Kind(kind).label},
                code="term_dates",
            )
    for (_kind, _starts, previous_ends), (kind, term_starts, _ends) in zip(terms, terms[1:], strict=False):
        if term_starts <= previous_ends:
            raise DomainError(_("%(term)s overlaps the term before it.") % {"term": Kind(kind).label}, code="overlap")
    if len({kind for kind, _s, _e in terms}) != len(terms):
        raise DomainError(_("Each term can appear only once."), code="repeat")


def _check_break(year_starts, year_ends, name, first, last, others):
    """Raise ``DomainError`` unless the break ``first``…``last`` (dates) lies in the year and overlaps none of
    ``others`` (``[(first, last)]``)."""
    if last < first or first < year_starts or last > year_ends:
        raise DomainError(
            _("%(name)s must end on or after its first day, within the academic year.") % {"name": name},
            code="break_dates",
        )
    if any(first <= other_last and other_first <= last for other_first, other_last in others):
        raise DomainError(_("%(name)s overlaps another break.") % {"name": name}, code="break_overlap")


def academic_year_create(*, actor, school, name, starts_on, ends_on, terms, breaks=(), ip_address=None):
    """Add an academic year to ``school`` with its terms or semesters and its half-terms; return the
    ``AcademicYear``.

    Args:
        name: e.g. "2026/27". starts_on, ends_on: dates.
        terms: ``[(Term.Kind value, starts_on, ends_on)]``; each inside the year, none overlapping.
        breaks: ``[(name, first day off, last day off)]``, half-terms (``TermBreak.Kind.HALF_TERM``); each inside
            the year, none overlapping another.

    Raises ``PermissionError``; ``DomainError`` for a year that overlaps another of the school's years, a term
    outside the year, overlapping terms, a repeated term, or a break outside the year or overlapping another.
    """
    _require(actor, school)
    _check_terms(starts_on, ends_on, terms)
    breaks = list(breaks)
    for index, (break_name, first, last) in enumerate(breaks):
        _check_break(starts_on, ends_on, break_name, first, last, [(f, la) for _n, f, la in breaks[:index]])
    with transaction.atomic():
        if AcademicYear.objects.filter(school=school, starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
            raise DomainError(_("This academic year overlaps one the school already has."), code="year_overlap")
        year = AcademicYear(school=school, name=name.strip(), starts_on=starts_on, ends_on=ends_on)
        _full_clean(year)
        year.save()
        for kind, term_starts, term_ends in terms:
            Term.objects.create(academic_year=year, kind=kind, starts_on=term_starts, ends_on=term_ends)
        for break_name, first, last in breaks:
            TermBreak.objects.create(
                academic_year=year, kind=BreakKind.HALF_TERM, name=break_name.strip(), starts_on=first, ends_on=last
            )
        audit_log(
            actor=actor,
            action="onboarding.academic_year.created",
            school=school,
            subject=year,
            data={
                "name": year.name,
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
                "terms": [[kind, s.isoformat(), e.isoformat()] for kind, s, e in terms],
                "breaks": [[n, f.isoformat(), la.isoformat()] for n, f, la in breaks],
            },
            ip_address=ip_address,
        )
    return year


def _numbered(names, first_order=1):
    return [(code, name, order) for order, (code, name) in enumerate(names, start=first_order)]


# Year group presets per country (codes as the demo and roster imports use them: "R", "1" … "13"; "K", "1" … "12").
# Names are stored in the school's own language, as its MIS names them.
YEAR_GROUP_PRESETS = {
    "england_primary": {
        "label": gettext_lazy("England, primary: Reception to Year 6"),
        "country": "england",
        "groups": [("R", "Reception", 0)] + [(str(n), f"Year {n}", n) for n in range(1, 7)],
    },
    "england_secondary": {
        "label": gettext_lazy("England, secondary: Year 7 to Year 13"),
        "country": "england",
        "groups": [(str(n), f"Year {n}", n) for n in range(7, 14)],
    },
    "us_k5": {
        "label": gettext_lazy("United States, elementary: K to grade 5"),
        "country": "united_states",
        "groups": [("K", "Kindergarten", 0)] + [(str(n), f"Grade {n}", n) for n in range(1, 6)],
    },
    "us_6_8": {
        "label": gettext_lazy("United States, middle school: grades 6 to 8"),
        "country": "united_states",
        "groups": [(str(n), f"Grade {n}", n) for n in range(6, 9)],
    },
    "us_9_12": {
        "label": gettext_lazy("United States, high school: grades 9 to 12"),
        "country": "united_states",
        "groups": [(str(n), f"Grade {n}", n) for n in range(9, 13)],
    },
    "us_k12": {
        "label": gettext_lazy("United States: K to grade 12"),
        "country": "united_states",
        "groups": [("K", "Kindergarten", 0)] + [(str(n), f"Grade {n}", n) for n in range(1, 13)],
    },
    "turkey_1_4": {
        "label": gettext_lazy("Türkiye, ilkokul: 1. to 4. sınıf"),
        "country": "turkey",
        "groups": [(str(n), f"{n}. Sınıf", n) for n in range(1, 5)],
    },
    "turkey_5_8": {
        "label": gettext_lazy("Türkiye, ortaokul: 5. to 8. sınıf"),
        "country": "turkey",
        "groups": [(str(n), f"{n}. Sınıf", n) for n in range(5, 9)],
    },
    "turkey_9_12": {
        "label": gettext_lazy("Türkiye, lise: 9. to 12. sınıf"),
        "country": "turkey",
        "groups": [(str(n), f"{n}. Sınıf", n) for n in range(9, 13)],
    },
    "turkey_1_12": {
        "label": gettext_lazy("Türkiye: 1. to 12. sınıf"),
        "country": "turkey",
        "groups": [(str(n), f"{n}. Sınıf", n) for n in range(1, 13)],
    },
}


def year_group_presets_for(school):
    """``[(key, label)]`` of the year group presets for ``school``'s country, first; then every other."""
    own = [(key, spec["label"]) for key, spec in YEAR_GROUP_PRESETS.items() if spec["country"] == school.country]
    others = [(key, spec["label"]) for key, spec in YEAR_GROUP_PRESETS.items() if spec["country"] != school.country]
    return own + others


def year_groups_add_preset(*, actor, school, preset, ip_address=None):
    """Add the year groups of ``preset`` (a key of ``YEAR_GROUP_PRESETS``) that ``school`` lacks (matched by code);
    return the list of ``YearGroup`` created (empty on a repeat). Raises ``PermissionError``, ``DomainError`` for an
    unknown preset."""
    _require(actor, school)
    if preset not in YEAR_GROUP_PRESETS:
        raise DomainError(_("Choose one of the year group lists."), code="preset")
    with transaction.atomic():
        existing = set(YearGroup.objects.filter(school=school).values_list("code", flat=True))
        created = [
            YearGroup.objects.create(school=school, code=code, name=name, order=order)
            for code, name, order in YEAR_GROUP_PRESETS[preset]["groups"]
            if code not in existing
        ]
        if created:
            audit_log(
                actor=actor,
                action="onboarding.year_groups.added",
                school=school,
                data={"preset": preset, "codes": [group.code for group in created]},
                ip_address=ip_address,
            )
    return created


def school_class_save(*, actor, school, academic_year, year_group, name, teachers, school_class=None, ip_address=None):
    """Create a class (``school_class`` None) or change one; return ``(school_class, changed)``.

    Args:
        academic_year, year_group: of ``school`` (year_group may be None).
        teachers: users with a current role in the school (the form narrows them).

    A repeat with the same values changes nothing and writes no audit event. Raises ``PermissionError``;
    ``DomainError`` for a name already used in that academic year.
    """
    _require(actor, school)
    if academic_year.school_id != school.pk or (year_group is not None and year_group.school_id != school.pk):
        raise PermissionError("year or year group of another school")
    if school_class is not None and school_class.school_id != school.pk:
        raise PermissionError("class of another school")
    teacher_ids = sorted({teacher.pk for teacher in teachers})
    with transaction.atomic():
        creating = school_class is None
        if creating:
            school_class = SchoolClass(school=school)
            before = None
        else:
            school_class = SchoolClass.objects.select_for_update().get(pk=school_class.pk)
            before = (
                school_class.academic_year_id,
                school_class.year_group_id,
                school_class.name,
                sorted(school_class.teachers.values_list("pk", flat=True)),
            )
        after = (academic_year.pk, year_group.pk if year_group else None, name.strip(), teacher_ids)
        if before == after:
            return school_class, False
        school_class.academic_year = academic_year
        school_class.year_group = year_group
        school_class.name = name.strip()
        _full_clean(school_class)
        try:
            with transaction.atomic():
                school_class.save()
        except IntegrityError as error:
            raise DomainError(_("There is already a class with this name in that year."), code="name") from error
        school_class.teachers.set(teacher_ids)
        audit_log(
            actor=actor,
            action="onboarding.school_class.created" if creating else "onboarding.school_class.updated",
            school=school,
            subject=school_class,
            data={"name": school_class.name, "academic_year": academic_year.name, "teachers": teacher_ids},
            ip_address=ip_address,
        )
    return school_class, True


def year_roll_over(*, actor, school, from_year, to_year, ip_address=None):
    """Move ``school`` from ``from_year`` to the following ``to_year`` (both its ``AcademicYear``s); return the
    ``YearRollOver``.

    What it does (issue 13 item 3, "keep it simple and correct"):
      - each class of ``from_year`` is copied into ``to_year`` with the same name, year group and teachers (the
        school renames or re-staffs them afterwards), unless ``to_year`` already has a class of that name;
      - each pupil on roll in a year group moves to the next year group by ``order`` and has no class until the
        school places them (a pupil is never guessed into a class);
      - pupils in the last year group are marked left on ``from_year.ends_on``;
      - pupils with no year group are left as they are.
    It happens once per ``from_year`` (a unique row claims it): a repeat changes nothing and raises ``DomainError``.
    Raises ``PermissionError``; ``DomainError`` if ``to_year`` does not start after ``from_year`` ends.
    """
    _require(actor, school)
    if from_year.school_id != school.pk or to_year.school_id != school.pk:
        raise PermissionError("academic year of another school")
    if to_year.starts_on <= from_year.ends_on:
        raise DomainError(_("The new academic year must start after the old one ends."), code="order")
    # The figures' data versions are bumped once per topic as the writes end (``datacache.bumps_at_end``), inside the
    # transaction, so teachers' incident saves at the school do not wait for the whole roll-over.
    with transaction.atomic(), datacache.bumps_at_end():
        try:
            with transaction.atomic():
                roll_over = YearRollOver.objects.create(
                    school=school, from_year=from_year, to_year=to_year, done_by=actor
                )
        except IntegrityError as error:
            raise DomainError(_("This academic year has already been rolled over."), code="done") from error
        existing_names = set(SchoolClass.objects.filter(academic_year=to_year).values_list("name", flat=True))
        copied = 0
        for old in SchoolClass.objects.filter(academic_year=from_year).prefetch_related("teachers"):
            if old.name in existing_names:
                continue
            new = SchoolClass.objects.create(
                school=school, academic_year=to_year, year_group=old.year_group, name=old.name
            )
            new.teachers.set(old.teachers.all())
            copied += 1
        groups = list(YearGroup.objects.filter(school=school).order_by("order", "name"))
        next_group = {group.pk: later for group, later in zip(groups, groups[1:], strict=False)}
        on_roll = Pupil.objects.filter(school=school, year_group__isnull=False).on_roll(from_year.ends_on)
        left = moved = 0
        changed = []
        now = timezone.now()
        # One pass over the pupils on roll: each moves at most once, whatever the order of the rows.
        for pupil in on_roll:
            later = next_group.get(pupil.year_group_id)
            if later is not None:
                pupil.year_group = later
                moved += 1
            else:
                pupil.left_on = from_year.ends_on
                left += 1
            pupil.school_class = None
            pupil.updated_at = now  # bulk updates skip auto_now
            changed.append(pupil)
        # One UPDATE per batch and one history row per pupil, naming who rolled the year over.
        bulk_update_with_history(
            changed, Pupil, ["year_group", "school_class", "left_on", "updated_at"], batch_size=500, default_user=actor
        )
        roll_over.summary = {"classes_copied": copied, "pupils_moved_up": moved, "pupils_left": left}
        roll_over.save(update_fields=["summary", "updated_at"])
        audit_log(
            actor=actor,
            action="onboarding.year.rolled_over",
            school=school,
            subject=to_year,
            data={"from": from_year.name, "to": to_year.name, **roll_over.summary},
            ip_address=ip_address,
        )
    return roll_over


def academic_year_update(*, actor, year, name, starts_on, ends_on, terms, ip_address=None):
    """Change an academic year's name, dates and its terms' dates; a term kind not there yet is added (terms are never
    removed: records may name them). ``terms`` as for ``academic_year_create``. Returns the names of what changed
    (empty on a repeat). Raises ``PermissionError``; ``DomainError`` as ``academic_year_create`` does."""
    school = year.school
    _require(actor, school)
    _check_terms(starts_on, ends_on, terms)
    with transaction.atomic():
        year = AcademicYear.objects.select_for_update().get(pk=year.pk)
        if (
            AcademicYear.objects.filter(school=school, starts_on__lte=ends_on, ends_on__gte=starts_on)
            .exclude(pk=year.pk)
            .exists()
        ):
            raise DomainError(_("This academic year overlaps one the school already has."), code="year_overlap")
        changed = []
        for field, value in (("name", name.strip()), ("starts_on", starts_on), ("ends_on", ends_on)):
            if getattr(year, field) != value:
                setattr(year, field, value)
                changed.append(field)
        if changed:
            _full_clean(year)
            year.save()
        existing = {term.kind: term for term in year.terms.all()}
        for kind, term_starts, term_ends in terms:
            term = existing.get(kind)
            if term is None:
                Term.objects.create(academic_year=year, kind=kind, starts_on=term_starts, ends_on=term_ends)
                changed.append(kind)
            elif (term.starts_on, term.ends_on) != (term_starts, term_ends):
                term.starts_on, term.ends_on = term_starts, term_ends
                term.save(update_fields=["starts_on", "ends_on", "updated_at"])
                changed.append(kind)
        if changed:
            audit_log(
                actor=actor,
                action="onboarding.academic_year.updated",
                school=school,
                subject=year,
                data={"name": year.name, "changed": changed},
                ip_address=ip_address,
            )
    return changed


def term_break_save(*, actor, year, kind, name, starts_on, ends_on, term_break=None, ip_address=None):
    """Add a break to ``year`` (``term_break`` None) or change one; return ``(term_break, changed)``.

    Args:
        year: an ``AcademicYear``; term_break: one of its current ``TermBreak``s.
        kind: a ``TermBreak.Kind`` value; name: e.g. "Autumn half-term"; starts_on, ends_on: the first and last
            day off (dates; the same day for one day).

    A repeat with the same values changes nothing and writes no audit event. Raises ``PermissionError`` (also for a
    break of another year); ``DomainError`` for a break outside the year or overlapping another of its breaks.
    """
    school = year.school
    _require(actor, school)
    if term_break is not None and term_break.academic_year_id != year.pk:
        raise PermissionError("break of another academic year")
    name = name.strip()
    with transaction.atomic():
        year = AcademicYear.objects.select_for_update().get(pk=year.pk)
        others = TermBreak.objects.filter(academic_year=year)
        if term_break is not None:
            others = others.exclude(pk=term_break.pk)
        _check_break(year.starts_on, year.ends_on, name, starts_on, ends_on, others.values_list("starts_on", "ends_on"))
        creating = term_break is None
        if creating:
            term_break = TermBreak(academic_year=year)
        elif (term_break.kind, term_break.name, term_break.starts_on, term_break.ends_on) == (
            kind,
            name,
            starts_on,
            ends_on,
        ):
            return term_break, False
        term_break.kind, term_break.name, term_break.starts_on, term_break.ends_on = kind, name, starts_on, ends_on
        _full_clean(term_break)
        term_break.save()
        audit_log(
            actor=actor,
            action="onboarding.term_break.added" if creating else "onboarding.term_break.updated",
            school=school,
            subject=year,
            data={
                "academic_year": year.name,
                "kind": kind,
                "name": name,
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
            },
            ip_address=ip_address,
        )
    return term_break, True


def _remove(record, *, actor, school, action, data, now, ip_address):
    """Mark ``record`` (a model with ``removed_at``) removed, once; return True if this call removed it."""
    with transaction.atomic():
        claimed = type(record).objects.filter(pk=record.pk).update(removed_at=now or timezone.now())
        if not claimed:
            return False
        # ``update`` writes no history row: save one naming who removed it.
        record.refresh_from_db()
        record.save(update_fields=["updated_at"])
        audit_log(actor=actor, action=action, school=school, subject=record, data=data, ip_address=ip_address)
    return True


def term_break_remove(*, actor, term_break, now=None, ip_address=None):
    """Remove a break from its year: its days are school days again. The row stays with its history. Returns True,
    or False when it was removed already (a repeat changes nothing). Raises ``PermissionError``."""
    school = term_break.academic_year.school
    _require(actor, school)
    return _remove(
        term_break,
        actor=actor,
        school=school,
        action="onboarding.term_break.removed",
        data={"academic_year": term_break.academic_year.name, "name": term_break.name},
        now=now,
        ip_address=ip_address,
    )


def term_remove(*, actor, term, now=None, ip_address=None):
    """Remove a term or semester from its year (one added by mistake, or a calendar that changed): its days are no
    longer school days. The row stays with its history, and a governor report that names it still reads it (the pages
    offer no way to add it back yet). Returns True, or False on a repeat. Raises ``PermissionError``;
    ``DomainError`` for the year's only term (a year with no term has no school day)."""
    school = term.academic_year.school
    _require(actor, school)
    if not Term.objects.filter(academic_year_id=term.academic_year_id).exclude(pk=term.pk).exists():
        raise DomainError(_("This is the year's only term: change its dates instead."), code="last_term")
    return _remove(
        term,
        actor=actor,
        school=school,
        action="onboarding.term.removed",
        data={"academic_year": term.academic_year.name, "kind": term.kind},
        now=now,
        ip_address=ip_address,
    )


def year_group_rename(*, actor, year_group, name, ip_address=None):
    """Give ``year_group`` a new name (its code, which imports match on, stays); return True if it changed. Raises
    ``PermissionError``, ``DomainError`` for an empty name."""
    school = year_group.school
    _require(actor, school)
    name = name.strip()
    if not name:
        raise DomainError(_("Give the year group a name."), code="name")
    with transaction.atomic():
        year_group = YearGroup.objects.select_for_update().get(pk=year_group.pk)
        if year_group.name == name:
            return False
        before = year_group.name
        year_group.name = name
        _full_clean(year_group)
        year_group.save(update_fields=["name", "updated_at"])
        audit_log(
            actor=actor,
            action="onboarding.year_group.renamed",
            school=school,
            subject=year_group,
            data={"code": year_group.code, "from": before, "to": name},
            ip_address=ip_address,
        )
    return True


def year_group_usage(year_group):
    """``(pupils on roll, classes)`` in ``year_group`` (ints): while either is above 0 it cannot be removed."""
    return (
        Pupil.objects.filter(year_group=year_group).on_roll().count(),
        SchoolClass.objects.filter(year_group=year_group).count(),
    )


def year_group_remove(*, actor, year_group, now=None, ip_address=None):
    """Remove a year group no pupil on roll and no class (of any year) is in: it leaves every list and its code is
    free for a new one; the row stays with its history (pupils who left keep it in their record). Returns True, or
    False on a repeat. Raises ``PermissionError``; ``DomainError`` naming how many pupils and classes still use it."""
    school = year_group.school
    _require(actor, school)
    with transaction.atomic():
        YearGroup.all_objects.select_for_update().filter(pk=year_group.pk).first()
        pupils, classes = year_group_usage(year_group)
        if pupils or classes:
            raise DomainError(
                _(
                    "%(name)s cannot be removed while it is in use: %(pupils)s pupils on roll and %(classes)s classes "
                    "are in it. Move them to another year group first."
                )
                % {"name": year_group.name, "pupils": pupils, "classes": classes},
                code="in_use",
            )
        return _remove(
            year_group,
            actor=actor,
            school=school,
            action="onboarding.year_group.removed",
            data={"code": year_group.code, "name": year_group.name},
            now=now,
            ip_address=ip_address,
        )
