"""The numbers of the consent and agreement dashboards and of the policy-register dashboards (issue 7, "Other
dashboards"): coverage by school, class and audience, changes and withdrawals of consent this term, and the register's
status across schools.

Plain counts only — who may see them, and how (exact, or through the small-number rule), is decided by the views.
Every figure reuses the rule of the feature that owns it, so a dashboard never disagrees with the page it links to:

- agreements: ``aup.selectors_library.coverage_summary`` / ``coverage_people`` (signed in full, counted in the
  database by class, year group or staff role);
- consent: ``consent.selectors.effective_answers`` (``consent.rules`` decides each pupil's answer; "answered" means
  no question waits for an answer, as on the consent coverage page — ``consent.selectors_forms.needs_asking``);
- changes and withdrawals: ``ConsentResponse`` rows of kind "change" / "withdrawal", counted in the database by
  week (school's local time) and by question;
- the register: ``aup.selectors_register`` (``review_status``, the one rule).

Queries: a fixed number per school and per current agreement, none per pupil (pinned by
``reports/tests/test_coverage_dashboards.py``).
"""

import dataclasses
import datetime
import zoneinfo

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from aup.models import Agreement, Audience, PolicyVersion
from aup.selectors_library import CoverageStatus, coverage_people, coverage_summary, policies_for_school
from consent.models import ConsentAnswer, ConsentResponse
from consent.selectors import effective_answers
from consent.selectors_forms import needs_asking
from safeguard.country_words import local_date
from safeguard.directory.models import AcademicYear, Pupil, SchoolClass, Term

# The audiences the dashboard shows, in this order (volunteers and visitors are asked one by one, not a roll).
AUDIENCES = (Audience.PUPIL, Audience.PARENT, Audience.STAFF, Audience.GOVERNOR)
PUPIL_AUDIENCES = (Audience.PUPIL, Audience.PARENT)
CHANGE_KINDS = (ConsentResponse.Kind.CHANGE, ConsentResponse.Kind.WITHDRAWAL)
# Without a term or an academic year containing today, "this term" is the last twelve weeks.
FALLBACK_DAYS = 84


# This term ----------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Period:
    """ "This term" for one school: from ``starts_on`` to ``today`` (the school's local dates), with the ``term``
    it is (None when the school's calendar has none around today)."""

    starts_on: datetime.date
    today: datetime.date
    term: object = None
    since_year: bool = False

    @property
    def label(self):
        if self.term is not None:
            return str(self.term)
        return _("Since %(date)s") % {"date": local_date(self.starts_on, "j M Y")}

    def mondays(self):
        """The Mondays of the weeks from ``starts_on`` to ``today``."""
        monday = self.starts_on - datetime.timedelta(days=self.starts_on.weekday())
        mondays = []
        while monday <= self.today:
            mondays.append(monday)
            monday += datetime.timedelta(weeks=1)
        return mondays


def current_periods(schools, *, now=None):
    """``{school.pk: Period}``: each school's current term — the latest term of the academic year containing today
    that has started (in a holiday, the term just ended, up to today) — or, before the year's first term, the
    academic year so far; with no calendar, the last twelve weeks. Two queries for any number of schools."""
    now = now or timezone.now()
    todays = {school.pk: school.today(now) for school in schools}
    years = {}
    for year in AcademicYear.objects.filter(school__in=list(todays)).order_by("starts_on"):
        if year.contains(todays[year.school_id]):
            years[year.school_id] = year
    terms = {}
    for term in (
        Term.objects.filter(academic_year__in=list(years.values()))
        .select_related("academic_year")
        .order_by("starts_on")
    ):
        if term.starts_on <= todays[term.academic_year.school_id]:
            terms[term.academic_year.school_id] = term
    periods = {}
    for school_id, today in todays.items():
        if school_id in terms:
            periods[school_id] = Period(terms[school_id].starts_on, today, terms[school_id])
        elif school_id in years:
            periods[school_id] = Period(years[school_id].starts_on, today, since_year=True)
        else:
            periods[school_id] = Period(today - datetime.timedelta(days=FALLBACK_DAYS), today)
    return periods


def _period_q(school, period):
    """Responses of ``school`` submitted in ``period`` (local midnight to local midnight after today)."""
    zone = zoneinfo.ZoneInfo(school.time_zone)
    return Q(
        school_id=school.pk,
        submitted_at__gte=datetime.datetime.combine(period.starts_on, datetime.time.min, tzinfo=zone),
        submitted_at__lt=datetime.datetime.combine(
            period.today + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        ),
    )


# Agreements ---------------------------------------------------------------------------------------------------------


def _audience_order(agreement):
    return (AUDIENCES.index(agreement.audience), agreement.version.policy.title, agreement.title, agreement.pk)


def current_agreements(school):
    """The agreements of the current (approved) versions of ``school``'s policies and its trust's, for pupils,
    parents, staff and governors, by audience then policy title (one query)."""
    agreements = Agreement.objects.filter(
        version__policy__in=policies_for_school(school),
        version__status=PolicyVersion.Status.APPROVED,
        audience__in=AUDIENCES,
    ).select_related("version__policy")
    return sorted(agreements, key=_audience_order)


@dataclasses.dataclass
class AgreementCoverage:
    """One agreement's coverage in a school: ``total`` (a ``CoverageRow`` for everyone asked) and ``rows`` (by
    class for pupil and parent agreements, by staff role otherwise), as ``coverage_summary`` counts them."""

    agreement: object
    total: object
    rows: list

    @property
    def by_class(self):
        return self.agreement.audience in PUPIL_AUDIENCES


def agreement_coverage(*, school, now=None):
    """``[AgreementCoverage]`` for each current agreement of ``school`` (``current_agreements``). A few queries per
    agreement (``coverage_summary``), none per pupil or person."""
    found = []
    for agreement in current_agreements(school):
        summary = coverage_summary(agreement=agreement, school=school, now=now)
        _title, rows = summary["groups"][0]  # by class (pupils and parents) or by staff role
        found.append(AgreementCoverage(agreement=agreement, total=summary["total"], rows=rows))
    return found


# Consent ------------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ConsentRow:
    """Pupils on roll in one class (or the school) and those with every question answered (none waits for an
    answer: refusals and DSL measures count as settled, as on the consent coverage page)."""

    label: str
    key: object = None
    total: int = 0
    answered: int = 0

    @property
    def percent(self):
        return round(100 * self.answered / self.total) if self.total else 0


@dataclasses.dataclass
class PurposeRow:
    """One question of the current form: pupils on roll and those whose images may be used for it today."""

    code: str
    label: str
    total: int = 0
    consented: int = 0

    @property
    def percent(self):
        return round(100 * self.consented / self.total) if self.total else 0


@dataclasses.dataclass
class ConsentCoverage:
    """The current consent form in a school today: ``has_form``, ``school`` (a ``ConsentRow``), ``classes``
    (``ConsentRow`` per class, by year group and name, "No class" last) and ``purposes`` (``PurposeRow``)."""

    has_form: bool
    school: ConsentRow
    classes: list
    purposes: list


def _class_order(school_class):
    if school_class is None:
        return (1, 0, "")
    order = school_class.year_group.order if school_class.year_group_id else 0
    return (0, order, school_class.name)


def consent_coverage(*, school, now=None):
    """Coverage of ``school``'s current consent form for the pupils on roll today (``ConsentCoverage``).

    The effective answers come from ``consent.selectors.effective_answers`` — the rules of ``consent.rules`` — in a
    fixed handful of queries; the pupils and their classes take two more, whatever the roll."""
    now = now or timezone.now()
    pupils = list(
        Pupil.objects.for_school(school)
        .on_roll(school.today(now))
        .only("pk", "date_of_birth", "left_on", "school_class_id")
    )
    purposes, decisions = effective_answers(school=school, pupils=pupils, now=now)
    class_ids = {pupil.school_class_id for pupil in pupils if pupil.school_class_id}
    classes = {c.pk: c for c in SchoolClass.objects.filter(pk__in=class_ids).select_related("year_group")}
    total = ConsentRow(_("Whole school"))
    rows = {}
    by_purpose = [PurposeRow(purpose.code, purpose.label) for purpose in purposes]
    for pupil in pupils:
        answers = decisions[pupil.pk]
        answered = bool(purposes) and not needs_asking(answers)
        school_class = classes.get(pupil.school_class_id)
        key = school_class.pk if school_class else None
        if key not in rows:
            rows[key] = ConsentRow(school_class.name if school_class else _("No class"), key=key)
        for row in (total, rows[key]):
            row.total += 1
            row.answered += int(answered)
        for purpose_row in by_purpose:
            purpose_row.total += 1
            purpose_row.consented += int(answers[purpose_row.code].allowed)
    ordered = sorted(rows.values(), key=lambda row: _class_order(classes.get(row.key)))
    return ConsentCoverage(has_form=bool(purposes), school=total, classes=ordered, purposes=by_purpose)


# Changes and withdrawals --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ConsentChanges:
    """Changes and withdrawals of consent in a ``period``.

    ``weeks``: the period's Mondays; ``by_week``: ``{(monday, kind): responses}``; ``totals``: ``{kind:
    responses}``; ``purposes``: ``[(code, label, {"to_yes": n, "to_no": n, "withdrawn": n})]`` — answers changed to
    yes or to no, and answers withdrawn, per question (a response may change several questions)."""

    period: Period
    weeks: list
    by_week: dict
    totals: dict
    purposes: list


def consent_changes(*, school, period, labels=None):
    """``ConsentChanges`` of ``school`` in ``period`` (two queries).

    Args:
        school: a ``School``; period: its ``Period``.
        labels: ``{purpose code: label}`` of the current form (the order and wording of its questions); a question
            no longer asked keeps the label it was answered under.
    """
    zone = zoneinfo.ZoneInfo(school.time_zone)
    responses = ConsentResponse.objects.filter(_period_q(school, period), kind__in=CHANGE_KINDS)
    by_week, totals = {}, {kind: 0 for kind in CHANGE_KINDS}
    for row in (
        responses.annotate(week=TruncWeek("submitted_at", tzinfo=zone)).values("week", "kind").annotate(n=Count("pk"))
    ):
        week = row["week"]
        monday = week.astimezone(zone).date() if timezone.is_aware(week) else week.date()
        by_week[(monday, row["kind"])] = by_week.get((monday, row["kind"]), 0) + row["n"]
        totals[row["kind"]] += row["n"]
    labels = dict(labels or {})
    counts = {code: {"to_yes": 0, "to_no": 0, "withdrawn": 0} for code in labels}
    for row in (
        ConsentAnswer.objects.filter(response__in=responses)
        .values("purpose__code", "purpose__label", "response__kind", "answer")
        .annotate(n=Count("pk"))
        .order_by("purpose__code")
    ):
        code = row["purpose__code"]
        labels.setdefault(code, row["purpose__label"])
        bucket = counts.setdefault(code, {"to_yes": 0, "to_no": 0, "withdrawn": 0})
        if row["response__kind"] == ConsentResponse.Kind.WITHDRAWAL:
            bucket["withdrawn"] += row["n"]
        else:
            bucket["to_yes" if row["answer"] else "to_no"] += row["n"]
    purposes = [(code, labels[code], counts[code]) for code in labels]
    return ConsentChanges(period=period, weeks=period.mondays(), by_week=by_week, totals=totals, purposes=purposes)


# A trust's schools side by side -------------------------------------------------------------------------------------


@dataclasses.dataclass
class SchoolCoverage:
    """One school of a trust: pupils on roll, ``agreements`` ``{audience: (asked, signed)}`` summed over its current
    agreements for that audience (absent when it has none), consent coverage (a ``ConsentRow``, ``has_form``), and
    this term's changes and withdrawals (responses)."""

    school: object
    period: Period
    on_roll: int
    agreements: dict
    consent: ConsentRow
    has_form: bool
    changes: int
    withdrawals: int


def trust_coverage(*, schools, now=None):
    """``[SchoolCoverage]`` for ``schools`` (a trust's, by name).

    Queries: a few per school and per current agreement of each school (``coverage_people`` counted in the
    database, ``consent_coverage``), two for the schools' terms and one for every school's changes — none per
    pupil."""
    now = now or timezone.now()
    schools = list(schools)
    if not schools:
        return []
    periods = current_periods(schools, now=now)
    organisation_ids = {school.organisation_id for school in schools if school.organisation_id}
    agreements = list(
        Agreement.objects.filter(
            Q(version__policy__school__in=[school.pk for school in schools])
            | Q(version__policy__organisation_id__in=organisation_ids),
            version__status=PolicyVersion.Status.APPROVED,
            audience__in=AUDIENCES,
        ).select_related("version__policy")
    )
    changes = {}
    scope = Q()
    for school in schools:
        scope |= _period_q(school, periods[school.pk])
    for row in (
        ConsentResponse.objects.filter(scope, kind__in=CHANGE_KINDS)
        .values("school_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        changes[(row["school_id"], row["kind"])] = row["n"]
    found = []
    for school in schools:
        by_audience = {}
        for agreement in sorted(agreements, key=_audience_order):
            policy = agreement.version.policy
            if policy.school_id not in (None, school.pk) or (
                policy.organisation_id and policy.organisation_id != school.organisation_id
            ):
                continue
            counts = coverage_people(agreement=agreement, school=school, now=now).aggregate(
                asked=Count("pk"), signed=Count("pk", filter=Q(coverage__in=CoverageStatus.VALID))
            )
            asked, signed = by_audience.get(agreement.audience, (0, 0))
            by_audience[agreement.audience] = (asked + counts["asked"], signed + counts["signed"])
        consent = consent_coverage(school=school, now=now)
        found.append(
            SchoolCoverage(
                school=school,
                period=periods[school.pk],
                on_roll=consent.school.total,
                agreements=by_audience,
                consent=consent.school,
                has_form=consent.has_form,
                changes=changes.get((school.pk, ConsentResponse.Kind.CHANGE), 0),
                withdrawals=changes.get((school.pk, ConsentResponse.Kind.WITHDRAWAL), 0),
            )
        )
    return found
