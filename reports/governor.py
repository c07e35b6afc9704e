"""The figures of a governor termly report, for one school and a term or for a trust's schools together (issue 7).

Counts only: no name, no initials, no date that picks out one incident — every incident figure is a term total.
``school_report(school, term)`` and ``trust_report(organisation, schools, year, kind)`` return a plain,
JSON-serialisable dict (``REPORT_VERSION``) that the templates render and that publishing keeps as the figures
*as issued*. The dict holds only what the reader sees: each count already passed through the small-number rule
(``reports.suppression``), so the raw small counts are never stored.

What is counted, per term (each school's own term dates, in its own time zone; voided incidents left out; an
incident counts once in each of its category groups, safeguarding concerns included, as the DSL team's dashboard
counts them):

- incidents by behaviour level 1–5, with the previous term and the same term last year where those terms exist;
- bullying by type; prejudice-related incidents (racist, homophobic, disablist — Westminster behaviour policy §11:
  governors are told termly);
- suspensions (number, days), permanent exclusions, DfE reason codes, and whether any pupil passed 5 days of
  suspension in the term (sanctions belong to the term through their incident, as on the SLT dashboard);
- physical interventions; online safety incidents;
- safeguarding: concerns raised, referrals by agency (referral actions on the term's incidents), and concerns open
  at the end of the term (or today, for a term not yet over);
- acceptable use agreements signed and consent answers on file (percentages of the whole school, today);
- policies reviewed (approved) in the term, due for review next term, and overdue today.

The small-number rule (``reports.suppression``): a count from 1 to 4 is shown as "fewer than 5"; each table goes
through ``suppress_table``, which also hides its total when the total would let a hidden count be worked out. Where a
table's total is published elsewhere on the page — the suspension reasons (their total is the number of suspensions
and exclusions) and, in a trust roll-up, every breakdown whose total is also the column total of the school-by-school
table — the total cannot be hidden, so ``suppress_linked`` withholds the smallest other counts instead ("not shown").
A trend shows an arithmetic difference only when both of its figures are shown.

Cost (issue 7, "Benchmark"): the incident figures of every term compared take five queries together, each grouped by
term (``periods_counts``), and a draft's are kept in ``safeguard.datacache`` until an incident or pupil of the
report's schools changes (``_incident_figures``); publishing counts afresh. Acceptable use, consent and policies are
kept under their own topics (``_with_live_sections``), and a school's are pre-counted for its date today
(``reports.precount.governor_sections_read``).
"""

import dataclasses
import datetime
import typing
import zoneinfo
from decimal import Decimal

from django.db.models import Case, CharField, Count, Exists, F, Min, OuterRef, Q, Sum, Value, When
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from aup.models import Agreement, Audience, Policy, PolicyReview, PolicyVersion
from aup.selectors_library import CoverageStatus, coverage_people
from consent.selectors import effective_answers
from consent.services import current_version
from incidents.models import Action, BullyingType, Incident, Sanction, SuspensionReason
from safeguard import datacache
from safeguard.country_words import local_date
from safeguard.directory.models import Pupil, Term

from . import figures
from .filters import DashboardFilters
from .models import term_label
from .suppression import FEWER_THAN, NOT_SHOWN_NOTE, Cell, cell, is_small, suppress_table

REPORT_VERSION = 1
SECTIONS_VERSION = 1  # of ``coverage_facts`` and ``policy_facts``, kept pre-counted: raise it with their shape
COUNTS_VERSION = 1  # of ``periods_counts``' shape, kept pre-counted (``reports.precount``): raise it with the shape
LEVELS = (1, 2, 3, 4, 5)
PREJUDICE_CODES = figures.PREJUDICE_CODES
# Consent: an effective answer of one of these reasons means nobody's answer counts for the question (an opt-out
# question's "no_objection" is yes by silence, not an answer).
NO_ANSWER_REASONS = {"no_response", "expired", "no_objection"}
TERM_ORDERS = (
    (Term.Kind.AUTUMN, Term.Kind.SPRING, Term.Kind.SUMMER),
    (Term.Kind.SEMESTER_1, Term.Kind.SEMESTER_2),
)
PERIODS = ("term", "previous", "last_year")


# Terms ------------------------------------------------------------------------------------------------------------


def previous_term_key(year, kind):
    """The term before ``(year, kind)`` in the same calendar: spring → autumn; autumn → last year's summer."""
    for order in TERM_ORDERS:
        if kind in order:
            index = order.index(kind)
            return (year, order[index - 1]) if index else (year - 1, order[-1])
    raise ValueError(kind)


def next_term_key(year, kind):
    """The term after ``(year, kind)``: autumn → spring; summer → next year's autumn."""
    for order in TERM_ORDERS:
        if kind in order:
            index = order.index(kind)
            return (year, order[index + 1]) if index + 1 < len(order) else (year + 1, order[0])
    raise ValueError(kind)


@dataclasses.dataclass(frozen=True)
class Period:
    """A term across one or more schools: ``dates`` maps each school id to its own ``(starts_on, ends_on)``."""

    year: int
    kind: str
    dates: dict

    @property
    def label(self):
        return term_label(self.year, self.kind)

    @property
    def starts_on(self):
        return min(start for start, _end in self.dates.values())

    @property
    def ends_on(self):
        return max(end for _start, end in self.dates.values())


def school_terms(schools):
    """``{(school id, academic year's starting year, kind): Term}`` for ``schools`` (one query)."""
    terms = Term.objects.filter(academic_year__school__in=[school.pk for school in schools]).select_related(
        "academic_year"
    )
    return {(term.academic_year.school_id, term.academic_year.starts_on.year, term.kind): term for term in terms}


def resolve_period(schools, year, kind, terms):
    """The ``Period`` of ``(year, kind)`` for ``schools``: each school's own term of that kind in the academic year
    starting in ``year``; a school whose calendar has no such term (semesters beside terms) is counted over the span
    of the other schools' terms. None when no school has the term."""
    own = {school.pk: terms.get((school.pk, year, kind)) for school in schools}
    found = [term for term in own.values() if term is not None]
    if not found:
        return None
    span = (min(term.starts_on for term in found), max(term.ends_on for term in found))
    dates = {school_id: (term.starts_on, term.ends_on) if term else span for school_id, term in own.items()}
    return Period(year, kind, dates)


def term_choices(schools, *, today):
    """Terms a report can be written for: ``[(year, kind, label)]``, newest first — every term of ``schools`` that
    has started by ``today``."""
    seen, choices = set(), []
    for (_school_id, year, kind), term in sorted(
        school_terms(schools).items(), key=lambda item: item[1].starts_on, reverse=True
    ):
        if term.starts_on <= today and (year, kind) not in seen:
            seen.add((year, kind))
            choices.append((year, kind, term_label(year, kind)))
    return choices


# Raw counts (never stored, never shown unsuppressed) ------------------------------------------------------------


def _midnight(day, school):
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zoneinfo.ZoneInfo(school.time_zone))


def _window(school, dates, prefix=""):
    """Incidents of ``school`` between its local midnights starting ``dates[0]`` and ending ``dates[1]`` (inclusive):
    a ``Q`` on ``Incident``, or on a model that reaches it through ``prefix`` (e.g. ``"incident__"``)."""
    start, end = dates
    return Q(
        **{
            f"{prefix}school_id": school.pk,
            f"{prefix}occurred_at__gte": _midnight(start, school),
            f"{prefix}occurred_at__lt": _midnight(end + datetime.timedelta(days=1), school),
        }
    )


def _empty_counts():
    return {
        "levels": dict.fromkeys(LEVELS, 0),
        "bullying": {},
        "bullying_total": 0,
        "prejudice": dict.fromkeys(PREJUDICE_CODES, 0),
        "prejudice_total": 0,
        "suspensions": 0,
        "suspension_days": Decimal(0),
        "suspended_pupils": 0,
        "pupils_over_5": 0,
        "exclusions": 0,
        "reasons": {},
        "physical_interventions": 0,
        "online_safety": 0,
        "concerns": 0,
        "referrals": dict.fromkeys(Action.REFERRALS, 0),
        "open_cases": 0,
    }


def _overlap(first, second):
    return first[0] <= second[1] and second[0] <= first[1]


def _batches(schools, periods):
    """``periods`` (``{key: Period}``) in groups that can be counted in one query: no two periods of a group overlap
    in any school, so each incident belongs to at most one of them. Terms never overlap in a sound calendar, so
    this is one group."""
    batches = []
    for key, period in periods.items():
        for batch in batches:
            if not any(
                _overlap(period.dates[school.pk], periods[other].dates[school.pk])
                for other in batch
                for school in schools
            ):
                batch[key] = period
                break
        else:
            batches.append({key: period})
    return batches


class _Windows:
    """The incidents of several non-overlapping periods (``{key: Period}``) of ``schools``, seen from a model that
    reaches ``Incident`` through ``prefix``: ``where`` selects the incidents of any of them (not voided), and
    ``period`` is a SQL expression naming each row's period, annotated as ``report_period`` (``Incident.period`` is a
    lesson period) and grouped by to count every period at once."""

    def __init__(self, schools, periods, prefix=""):
        whens, any_window, starts, ends = [], Q(), [], []
        for key, period in periods.items():
            window = Q()
            for school in schools:
                window |= _window(school, period.dates[school.pk], prefix)
                start, end = period.dates[school.pk]
                starts.append(_midnight(start, school))
                ends.append(_midnight(end + datetime.timedelta(days=1), school))
            any_window |= window
            whens.append(When(window, then=Value(key)))
        # The overall span as well, so that the index is read only from the first term's start to the last one's end.
        self.where = any_window & Q(
            **{
                f"{prefix}voided_at__isnull": True,
                f"{prefix}occurred_at__gte": min(starts),
                f"{prefix}occurred_at__lt": max(ends),
            }
        )
        self.period = Case(*whens, default=Value(""), output_field=CharField())


def _count_incidents(counts, schools, periods):
    """Levels, flags and bullying types (one query over ``Incident``, read from the dashboard-count index)."""
    windows = _Windows(schools, periods)
    aggregates = {f"level_{level}": Count("id", filter=Q(behaviour_level=level)) for level in LEVELS}
    aggregates.update(
        bullying=Count("id", filter=Q(is_bullying=True)),
        prejudice=Count("id", filter=Q(is_prejudice=True)),
        physical=Count("id", filter=Q(is_physical_intervention=True)),
        online=Count("id", filter=Q(is_online_safety=True)),
        concerns=Count("id", filter=Q(is_safeguarding=True)),
    )
    # Bullying by type, "" for one recorded without a type (as ``figures.bullying_by_type`` counts them).
    bullying_types = (*BullyingType.values, "")
    for index, value in enumerate(bullying_types):
        aggregates[f"bullying_type_{index}"] = Count("id", filter=Q(is_bullying=True, bullying_type=value))
    rows = (
        Incident.objects.filter(windows.where)
        .annotate(report_period=windows.period)
        .values("school_id", "report_period")
        .annotate(**aggregates)
        .order_by()
    )
    for row in rows:
        school = counts[row["report_period"]][row["school_id"]]
        school["levels"] = {level: row[f"level_{level}"] for level in LEVELS}
        school["bullying_total"] = row["bullying"]
        school["prejudice_total"] = row["prejudice"]
        school["physical_interventions"] = row["physical"]
        school["online_safety"] = row["online"]
        school["concerns"] = row["concerns"]
        school["bullying"] = {
            value: row[f"bullying_type_{index}"]
            for index, value in enumerate(bullying_types)
            if row[f"bullying_type_{index}"]
        }


def _count_prejudice(counts, schools, periods):
    """Incidents per prejudice category code — racist, homophobic, disablist (one query over the incidents'
    category links; ``figures.prejudice``: an incident with two of these counts under each)."""
    windows = _Windows(schools, periods, "incident__")
    rows = (
        Incident.categories.through.objects.filter(windows.where, incidentcategory__code__in=PREJUDICE_CODES)
        .annotate(report_period=windows.period)
        .values("report_period", school_id=F("incident__school_id"), code=F("incidentcategory__code"))
        .annotate(n=Count("incident_id"))
        .order_by()
    )
    for row in rows:
        counts[row["report_period"]][row["school_id"]]["prejudice"][row["code"]] = row["n"]


def _count_sanctions(counts, schools, periods):
    """Suspensions (number, days, pupils suspended, pupils past 5 days in the period), permanent exclusions and DfE
    reasons — one query grouped by period and pupil, added up per school. The rules are ``figures.sanctions``'s (the
    SLT dashboard's): a sanction belongs to the period of its incident and to its pupil's school; withdrawn ones are
    left out; a sanction counts once for each reason given."""
    windows = _Windows(schools, periods, "incident__")
    suspension = Q(kind=Sanction.Kind.SUSPENSION)
    aggregates = {
        "suspensions": Count("id", filter=suspension),
        "days": Sum("days", filter=suspension),
        "exclusions": Count("id", filter=Q(kind=Sanction.Kind.PERMANENT_EXCLUSION)),
    }
    for code in SuspensionReason.values:
        aggregates[f"reason_{code}"] = Count("id", filter=Q(reason_1=code) | Q(reason_2=code) | Q(reason_3=code))
    rows = (
        Sanction.objects.filter(windows.where, voided_at__isnull=True, kind__in=figures.EXCLUSION_KINDS)
        .annotate(report_period=windows.period)
        .values("report_period", "pupil_id", "pupil__school_id")
        .annotate(**aggregates)
        .order_by()
    )
    for row in rows:  # one row per period and pupil with a suspension or exclusion
        school = counts[row["report_period"]].get(row["pupil__school_id"])
        if school is None:  # a pupil since moved to a school outside the report: counted nowhere, as on the dashboard
            continue
        days = row["days"] or Decimal(0)
        school["suspensions"] += row["suspensions"]
        school["suspension_days"] += days
        school["suspended_pupils"] += 1 if row["suspensions"] else 0
        school["exclusions"] += row["exclusions"]
        school["pupils_over_5"] += 1 if days > figures.SUSPENSION_DAYS_OVER else 0
        for code in SuspensionReason.values:
            if row[f"reason_{code}"]:
                school["reasons"][code] = school["reasons"].get(code, 0) + row[f"reason_{code}"]


def _count_referrals(counts, schools, periods):
    """Referral actions on the periods' incidents, per agency (one query)."""
    windows = _Windows(schools, periods, "incident__")
    rows = (
        Action.objects.filter(windows.where, kind__in=Action.REFERRALS)
        .annotate(report_period=windows.period)
        .values("report_period", "incident__school_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["report_period"]][row["incident__school_id"]]["referrals"][row["kind"]] = row["n"]


def open_moment(school, dates, now):
    """The moment "concerns open at the end of the term" are counted at for ``school``'s term ``dates`` (``(starts_on,
    ends_on)``): the end of its last day in the school's time zone, or ``now`` (aware datetime) for a term not yet
    over."""
    return min(_midnight(dates[1] + datetime.timedelta(days=1), school), now)


def next_open_change(school, moment):
    """The earliest raising and closing of a concern of ``school`` (not voided) at or after ``moment`` (aware
    datetime), whichever is sooner, or None: the first moment at which ``_count_open_cases`` could count differently
    than at ``moment`` without any change to the records (one query)."""
    found = Incident.objects.filter(school_id=school.pk, is_safeguarding=True, voided_at__isnull=True).aggregate(
        raised=Min("occurred_at", filter=Q(occurred_at__gte=moment)),
        closed=Min("closed_at", filter=Q(closed_at__gte=moment)),
    )
    moments = [value for value in found.values() if value is not None]
    return min(moments) if moments else None


def _count_open_cases(counts, schools, periods, *, now):
    """Safeguarding concerns open at the end of each period — or now, for a period not yet over: raised before then
    and not closed by then (one query, a conditional count per period)."""
    aggregates, moments = {}, []
    for index, period in enumerate(periods.values()):
        still_open = Q()
        for school in schools:
            moment = open_moment(school, period.dates[school.pk], now)
            moments.append(moment)
            still_open |= Q(school_id=school.pk, occurred_at__lt=moment) & (
                Q(closed_at__isnull=True) | Q(closed_at__gte=moment)
            )
        aggregates[f"open_{index}"] = Count("id", filter=still_open)
    rows = (
        Incident.objects.filter(
            Q(closed_at__isnull=True) | Q(closed_at__gte=min(moments)),
            school_id__in=[school.pk for school in schools],
            is_safeguarding=True,
            voided_at__isnull=True,
            occurred_at__lt=max(moments),
        )
        .values("school_id")
        .annotate(**aggregates)
        .order_by()
    )
    for row in rows:
        for index, key in enumerate(periods):
            counts[key][row["school_id"]]["open_cases"] = row[f"open_{index}"]


def periods_counts(schools, periods, *, now):
    """The raw counts of several periods of ``schools`` at once: ``{period key: {school id: {...}}}`` with the keys
    of ``_empty_counts``, for ``periods`` (``{key: Period}``, e.g. this term, the previous one, the same term last
    year).

    Five queries whatever the number of periods, schools and incidents (each query groups by period), more only if
    two periods overlap in a school's calendar. The definitions of bullying, prejudice and sanctions are the SLT
    dashboard's (``reports.figures``).
    """
    counts = {key: {school.pk: _empty_counts() for school in schools} for key in periods}
    for batch in _batches(schools, periods):
        _count_incidents(counts, schools, batch)
        _count_prejudice(counts, schools, batch)
        _count_sanctions(counts, schools, batch)
        _count_referrals(counts, schools, batch)
    _count_open_cases(counts, schools, periods, now=now)
    return counts


def school_periods_counts(school, periods, *, now, precounted=True):
    """``periods_counts`` of one school: ``{period key: {...}}`` for ``periods`` (``{key: Period}``). With
    ``precounted``, each period with a current pre-counted row (``reports.precount.governor_read``: one query) is read
    from it — the same counts, kept while the school's incident data version is the one they were counted at — and
    only the others are counted live (five queries and one, together)."""
    found = {}
    if precounted:
        from . import precount

        found = precount.governor_read(school, periods, now=now)
    missing = {key: period for key, period in periods.items() if key not in found}
    if missing:
        live = periods_counts([school], missing, now=now)
        found.update({key: per_school[school.pk] for key, per_school in live.items()})
    return found


def period_counts(schools, period, *, now):
    """The raw counts of one ``period``, per school: ``{school id: {...}}`` (``periods_counts``)."""
    return periods_counts(schools, {"term": period}, now=now)["term"]


def add_counts(per_school):
    """The counts of several schools added together (a trust's total)."""
    total = _empty_counts()
    for school in per_school:
        for key, value in school.items():
            if isinstance(value, dict):
                for sub, n in value.items():
                    total[key][sub] = total[key].get(sub, 0) + n
            else:
                total[key] += value
    return total


def pupils_on_roll(schools, period):
    """Pupils on roll at the start of ``period`` per school (the denominator of rates per 100 pupils)."""
    return figures.pupils_on_roll(schools, DashboardFilters(date_from=period.starts_on, date_to=period.ends_on))


# Suppression ------------------------------------------------------------------------------------------------------


def suppress_linked(counts):
    """Suppress a table whose total is published elsewhere on the page (so it cannot be hidden here).

    Counts 1–4 are hidden ("fewer than 5"). When ``suppress_table`` says the total would reveal a hidden count, the
    smallest other non-zero counts are withheld as well ("not shown") until it would not. A withheld count is at
    least 5, so with one withheld the hidden counts could be worked out only if every hidden count were 1 and every
    withheld one exactly 5 — then one more is withheld.

    Args:
        counts: mapping of key → int (≥ 0).
    Returns ``(cells, withheld)``: ``{key: Cell}`` and the set of keys withheld.
    """
    cells, total_cell = suppress_table(counts)
    if not total_cell.suppressed or is_small(sum(counts.values())):
        return cells, set()
    hidden = [n for key, n in counts.items() if cells[key].suppressed]
    candidates = sorted(((n, str(key), key) for key, n in counts.items() if n and not cells[key].suppressed))
    withheld = []
    while candidates and (not withheld or (set(hidden) == {1} and all(n == 5 for n, _s, _k in withheld))):
        withheld.append(candidates.pop(0))
    return cells, {key for _n, _s, key in withheld}


# Presented figures: what the reader sees, as JSON ----------------------------------------------------------------
#
# A cell is None ("—") or a dict: {"k": "n", "v": 12, "rate": "3.1"?}, {"k": "hidden"} ("fewer than 5"),
# {"k": "withheld"} ("not shown"), {"k": "text", "v": "Yes"}, {"k": "pct", "v": 87}. A table is {"key", "title",
# "columns", "rows", "footer", "note"}; each row is [label, cell, …].


def shown(value, *, rate=None):
    """A ``suppression.Cell`` (or a plain int that needs no suppression) as a presented cell."""
    if isinstance(value, Cell):
        if value.withheld:
            return WITHHELD
        if value.suppressed:
            return {"k": "hidden"}
        value = value.value
    presented = {"k": "n", "v": value}
    if rate is not None:
        presented["rate"] = str(rate)
    return presented


WITHHELD = {"k": "withheld"}


def text(value):
    return {"k": "text", "v": str(value)}


def percent(part, whole):
    return {"k": "pct", "v": round(100 * part / whole)} if whole else None


def change(this, other):
    """The difference between two presented cells, "+3" / "−2" / "0"; None ("—") unless both are shown."""
    if not this or not other or this["k"] != "n" or other["k"] != "n":
        return None
    difference = this["v"] - other["v"]
    return text(f"+{difference}" if difference > 0 else f"−{-difference}" if difference < 0 else "0")


def table(key, title, columns, rows, *, footer=(), note=""):
    return {
        "key": key,
        "title": str(title),
        "columns": [str(c) for c in columns],
        "rows": rows,
        "footer": list(footer),
        "note": str(note),
    }


def _days(value):
    """Days of suspension as shown: whole days without a decimal point, half days with one."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


class _Builder:
    """Builds the presented report from the raw counts of each period (the whole of the schools) — and, for a trust,
    the counts of each school. ``linked``: a trust roll-up, where every breakdown's total is published again as
    the column total of the school-by-school table, so breakdowns keep their total and withhold instead."""

    def __init__(self, counts, labels, *, linked):
        self.counts = counts  # {"term": {...}, "previous": {...} or None, "last_year": {...} or None}
        self.labels = labels  # the same keys → the period's label
        self.linked = linked
        self.periods = [key for key in PERIODS if counts.get(key) is not None]
        self._cache = {}

    # One breakdown, suppressed once per period, so every place showing it shows the same cells.

    def breakdown(self, name, period, keys, total):
        cache_key = (name, period)
        if cache_key not in self._cache:
            counts = self.counts[period]
            values = {key: keys[key](counts) for key in keys}
            grand = total(counts)
            if self.linked:
                cells, withheld = suppress_linked(values)
                total_cell = cell(grand)
            else:
                cells, total_cell = suppress_table(values, grand)
                withheld = set()
            presented = {key: WITHHELD if key in withheld else shown(cells[key]) for key in keys}
            self._cache[cache_key] = (presented, shown(total_cell))
        return self._cache[cache_key]

    def levels(self, period):
        keys = {level: (lambda counts, level=level: counts["levels"][level]) for level in LEVELS}
        return self.breakdown("levels", period, keys, lambda counts: sum(counts["levels"].values()))

    def bullying(self, period):
        keys = {value: (lambda counts, value=value: counts["bullying"].get(value, 0)) for value in BullyingType.values}
        if any(self.counts[p]["bullying"].get("", 0) for p in self.periods):
            keys[""] = lambda counts: counts["bullying"].get("", 0)
        return self.breakdown("bullying", period, keys, lambda counts: counts["bullying_total"])

    def prejudice(self, period):
        keys = {code: (lambda counts, code=code: counts["prejudice"][code]) for code in PREJUDICE_CODES}
        return self.breakdown("prejudice", period, keys, lambda counts: counts["prejudice_total"])

    def sanctions(self, period):
        keys = {"suspensions": lambda c: c["suspensions"], "exclusions": lambda c: c["exclusions"]}
        return self.breakdown("sanctions", period, keys, lambda c: c["suspensions"] + c["exclusions"])

    def single(self, name, period):
        return shown(cell(self.counts[period][name]))

    def headline(self, name, period):
        """The cells of the "at a glance" table, taken from the tables that show them in full."""
        if name == "levels":
            return self.levels(period)[1]
        if name == "bullying":
            return self.bullying(period)[1]
        if name == "prejudice":
            return self.prejudice(period)[1]
        if name in ("suspensions", "exclusions"):
            return self.sanctions(period)[0][name]
        return self.single(name, period)

    # Tables

    def trend_columns(self, first):
        columns = [first, self.labels["term"]]
        for period in self.periods[1:]:
            columns += [self.labels[period], _("Change")]
        return columns

    def trend_row(self, label, cells_by_period):
        row = [str(label), cells_by_period["term"]]
        for period in self.periods[1:]:
            row += [cells_by_period[period], change(cells_by_period["term"], cells_by_period[period])]
        return row

    HEADLINES = (
        ("levels", lambda: _("Incidents with a behaviour level")),
        ("bullying", lambda: _("Bullying incidents")),
        ("prejudice", lambda: _("Prejudice-related incidents")),
        ("suspensions", lambda: _("Suspensions")),
        ("exclusions", lambda: _("Permanent exclusions")),
        ("physical_interventions", lambda: _("Physical interventions")),
        ("online_safety", lambda: _("Online safety incidents")),
        ("concerns", lambda: _("Safeguarding concerns raised")),
    )

    def at_a_glance(self):
        rows = [
            self.trend_row(label(), {period: self.headline(name, period) for period in self.periods})
            for name, label in self.HEADLINES
        ]
        return table(
            "at_a_glance",
            _("At a glance"),
            self.trend_columns(_("Figure")),
            rows,
            note=_("Change: this term's figure minus the earlier term's, shown only when both figures are shown."),
        )

    def levels_table(self):
        rows = []
        for level in LEVELS:
            cells = {period: self.levels(period)[0][level] for period in self.periods}
            rows.append(self.trend_row(_("Level %(level)s") % {"level": level}, cells))
        totals = {period: self.levels(period)[1] for period in self.periods}
        return table(
            "levels",
            _("Incidents by behaviour level"),
            self.trend_columns(_("Level")),
            rows,
            footer=[self.trend_row(_("All levels"), totals)],
            note=_("Level 1 is the mildest, level 5 the most serious (the school's behaviour policy)."),
        )

    def bullying_table(self):
        cells, total = self.bullying("term")
        labels = {**dict(BullyingType.choices), "": _("Type not given")}
        rows = [[str(labels[key]), value] for key, value in cells.items()]
        return table(
            "bullying",
            _("Bullying by type"),
            [_("Type"), self.labels["term"]],
            rows,
            footer=[[_("All bullying incidents"), total]],
        )

    def prejudice_table(self):
        cells, total = self.prejudice("term")
        labels = {
            "racist": _("Racist"),
            "homophobic": _("Homophobic, biphobic or transphobic"),
            "disablist": _("Disablist"),
        }
        rows = [[labels[code], cells[code]] for code in PREJUDICE_CODES]
        return table(
            "prejudice",
            _("Prejudice-related incidents"),
            [_("Kind"), self.labels["term"]],
            rows,
            footer=[[_("All prejudice-related incidents"), total]],
            note=_(
                "An incident recorded under two of these counts under each; the total also counts the school's own "
                "prejudice-related categories."
            ),
        )

    def sanctions_tables(self):
        counts = self.counts["term"]
        cells, total = self.sanctions("term")
        main = table(
            "sanctions",
            _("Suspensions and permanent exclusions"),
            [_("Sanction"), self.labels["term"]],
            [[_("Suspensions"), cells["suspensions"]], [_("Permanent exclusions"), cells["exclusions"]]],
            footer=[[_("All suspensions and permanent exclusions"), total]],
        )
        days = counts["suspension_days"]
        # Days are hidden with the number of suspensions: "fewer than 5 suspensions, 6 days" would point at a child.
        days_cell = (
            {"k": "hidden"} if cells["suspensions"]["k"] != "n" or 0 < days < 5 else {"k": "n", "v": _days(days)}
        )
        over = counts["pupils_over_5"]
        facts = table(
            "suspension_facts",
            _("Suspensions in detail"),
            [_("Figure"), self.labels["term"]],
            [
                [_("Days of suspension in total"), days_cell],
                [_("Pupils suspended"), shown(cell(counts["suspended_pupils"]))],
                [_("Did any pupil pass 5 days of suspension in the term?"), text(_("Yes") if over else _("No"))],
                [_("Pupils who passed 5 days"), shown(cell(over))],
            ],
        )
        reasons, withheld = suppress_linked(counts["reasons"])
        labels = dict(SuspensionReason.choices)
        rows = [
            [str(labels.get(code, code)), WITHHELD if code in withheld else shown(value)]
            for code, value in sorted(reasons.items(), key=lambda item: list(labels).index(item[0]))
            if counts["reasons"][code]
        ]
        reasons_table = table(
            "sanction_reasons",
            _("Reasons given (DfE codes)"),
            [_("Reason"), self.labels["term"]],
            rows,
            note=_(
                "A suspension or exclusion with several reasons counts once for each. “Not shown”: withheld so that "
                "a smaller number cannot be worked out from the total."
            ),
        )
        return [main, facts, reasons_table]

    def safeguarding_tables(self):
        counts = self.counts["term"]
        concerns = table(
            "safeguarding",
            _("Safeguarding concerns"),
            self.trend_columns(_("Figure")),
            [
                self.trend_row(_("Concerns raised"), {p: self.single("concerns", p) for p in self.periods}),
                self.trend_row(
                    _("Concerns open at the end of the term"), {p: self.single("open_cases", p) for p in self.periods}
                ),
            ],
            note=_("For a term not yet over, concerns open today. Counts only: the DSL team holds the records."),
        )
        labels = dict(Action.Kind.choices)
        cells, total = suppress_table({kind: counts["referrals"].get(kind, 0) for kind in Action.REFERRALS})
        referrals = table(
            "referrals",
            _("Referrals by agency"),
            [_("Referral"), self.labels["term"]],
            [[str(labels[kind]), shown(cells[kind])] for kind in Action.REFERRALS],
            footer=[[_("All referrals"), shown(total)]],
        )
        return [concerns, referrals]

    def other_table(self):
        return table(
            "other",
            _("Physical interventions and online safety"),
            self.trend_columns(_("Figure")),
            [
                self.trend_row(
                    _("Physical interventions"), {p: self.single("physical_interventions", p) for p in self.periods}
                ),
                self.trend_row(
                    _("Online safety incidents"), {p: self.single("online_safety", p) for p in self.periods}
                ),
            ],
        )


# Coverage and policies (today's position; not about incidents, so not suppressed) ---------------------------------


def agreement_coverage(schools, *, now):
    """Acceptable use agreements of the current policy versions: ``[(school, agreement, asked, signed)]`` — people
    (or pupils) asked to sign and those whose signature is valid today: signed in full, or signed the previous
    version within its re-sign period (``aup.selectors_library.coverage_people``, ``CoverageStatus.VALID``)."""
    organisation_ids = {school.organisation_id for school in schools if school.organisation_id}
    agreements = list(
        Agreement.objects.filter(
            Q(version__policy__school__in=[school.pk for school in schools])
            | Q(version__policy__organisation_id__in=organisation_ids),
            version__status=PolicyVersion.Status.APPROVED,
        )
        .select_related("version__policy")
        .order_by("version__policy__title", "audience")
    )
    rows = []
    for school in schools:
        for agreement in agreements:
            policy = agreement.version.policy
            if policy.school_id not in (None, school.pk) or (
                policy.organisation_id and policy.organisation_id != school.organisation_id
            ):
                continue
            totals = coverage_people(agreement=agreement, school=school, now=now).aggregate(
                asked=Count("pk"), signed=Count("pk", filter=Q(coverage__in=CoverageStatus.VALID))
            )
            rows.append((school, agreement, totals["asked"], totals["signed"]))
    return rows


def consent_coverage(schools, *, now):
    """Photo and video consent on each school's current form: ``{code: [label, pupils, answered, consented]}`` summed
    over ``schools`` — pupils on roll today, those with an answer that counts, and those whose images may be used."""
    questions = {}
    for school in schools:
        version = current_version(school)
        if version is None:
            continue
        pupils = Pupil.objects.for_school(school).on_roll(school.today(now)).only("pk", "date_of_birth", "left_on")
        purposes, decisions = effective_answers(school=school, pupils=pupils, now=now)
        for purpose in purposes:
            row = questions.setdefault(purpose.code, [purpose.label, 0, 0, 0])
            for answers in decisions.values():
                decision = answers[purpose.code]
                row[1] += 1
                row[2] += decision.reason not in NO_ANSWER_REASONS
                row[3] += decision.allowed
    return questions


class PolicyFact(typing.NamedTuple):
    """What a governor report says of one policy: its ``title``, ``where`` (the school's name in a report of several
    schools for a school's own policy, otherwise ""), ``last_approved_on`` and ``next_review_on`` (dates or None), and
    ``in_review`` (a review in review or submitted)."""

    title: str
    where: str
    last_approved_on: datetime.date | None
    next_review_on: datetime.date | None
    in_review: bool


def policy_facts(schools):
    """Policies of ``schools`` (their own and their trust's), ordered by title: ``[PolicyFact]`` — one query."""
    organisation_ids = {school.organisation_id for school in schools if school.organisation_id}
    open_review = PolicyReview.objects.filter(
        policy=OuterRef("pk"), status__in=[PolicyReview.Status.IN_REVIEW, PolicyReview.Status.SUBMITTED]
    )
    policies = (
        Policy.objects.filter(Q(school__in=[school.pk for school in schools]) | Q(organisation_id__in=organisation_ids))
        .annotate(in_review=Exists(open_review))
        .order_by("title", "pk")
        .values_list("title", "school__name", "last_approved_on", "next_review_on", "in_review")
    )
    several = len(schools) > 1
    return [
        PolicyFact(title, school_name if several and school_name else "", approved, review, bool(in_review))
        for title, school_name, approved, review, in_review in policies
    ]


def policy_rows(facts, period, next_period, *, today):
    """``facts`` (``policy_facts``) reviewed in ``period`` (approved in it), due for review in ``next_period`` (or
    None), and overdue on ``today`` (a date). Returns three lists of ``PolicyFact``."""
    reviewed, due, overdue = [], [], []
    for policy in facts:
        if policy.last_approved_on and period.starts_on <= policy.last_approved_on <= period.ends_on:
            reviewed.append(policy)
        if policy.next_review_on:
            if next_period and next_period.starts_on <= policy.next_review_on <= next_period.ends_on:
                due.append(policy)
            if policy.next_review_on < today:
                overdue.append(policy)
    return reviewed, due, overdue


def _date(day):
    return local_date(day, "j M Y") if day else "—"


def _policy_table(key, title, rows, *, date_column, date_of, note="", empty_note=""):
    presented = []
    for policy in rows:
        label = f"{policy.title} ({policy.where})" if policy.where else policy.title
        if policy.in_review and key == "policies_overdue":
            label = _("%(title)s — review under way") % {"title": label}
        presented.append([label, text(_date(date_of(policy)))])
    return table(key, title, [_("Policy"), date_column], presented, note=note or ("" if presented else empty_note))


# The report -------------------------------------------------------------------------------------------------------


def _periods(schools, year, kind):
    terms = school_terms(schools)
    periods = {
        "term": resolve_period(schools, year, kind, terms),
        "previous": resolve_period(schools, *previous_term_key(year, kind), terms),
        "last_year": resolve_period(schools, year - 1, kind, terms),
    }
    return periods, resolve_period(schools, *next_term_key(year, kind), terms)


def _labels(periods):
    labels = {"term": _("This term")}
    if periods["previous"]:
        labels["previous"] = periods["previous"].label
    if periods["last_year"]:
        labels["last_year"] = periods["last_year"].label
    return labels


def coverage_facts(schools, *, now):
    """What the coverage section shows of ``schools`` at ``now`` (aware datetime): ``(agreements, questions)`` —
    ``[(policy title, audience, asked, signed)]`` from ``agreement_coverage`` and ``consent_coverage``'s
    ``{code: [label, pupils, answered, consented]}``. Plain values, kept pre-counted (``reports.precount``)."""
    agreements = [
        (agreement.version.policy.title, agreement.audience, asked, signed)
        for _school, agreement, asked, signed in agreement_coverage(schools, now=now)
    ]
    return agreements, consent_coverage(schools, now=now)


def _coverage_section(schools, *, now, by_school, facts=None):
    """The acceptable use and consent section from ``facts`` (``coverage_facts(schools, now=now)``, counted now when
    None): each agreement (``by_school``) or each audience summed, and each consent question."""
    agreements, questions = coverage_facts(schools, now=now) if facts is None else facts
    audiences = dict(Audience.choices)
    if by_school:
        rows = [
            [f"{title} — {audiences[audience]}", shown(asked), percent(signed, asked)]
            for title, audience, asked, signed in agreements
        ]
    else:
        summed = {}
        for _title, audience, asked, signed in agreements:
            totals = summed.setdefault(audience, [0, 0])
            totals[0] += asked
            totals[1] += signed
        rows = [
            [str(audiences[audience]), shown(asked), percent(signed, asked)]
            for audience, (asked, signed) in sorted(summed.items(), key=lambda item: list(audiences).index(item[0]))
        ]
    aup = table(
        "agreements",
        _("Acceptable use agreements signed"),
        [_("Agreement"), _("Asked to sign"), _("Signed in full")],
        rows,
        note="" if rows else _("No agreement is in use."),
    )
    consent = table(
        "consent",
        _("Photo and video consent"),
        [_("Question"), _("Pupils on roll"), _("Answer on file"), _("Consent given")],
        [
            [label, shown(pupils), percent(answered, pupils), percent(consented, pupils)]
            for label, pupils, answered, consented in questions.values()
        ],
        note=_("No answer means no: a pupil without an answer on file is not photographed for that use.")
        if questions
        else _("No consent form is published."),
    )
    return {
        "key": "coverage",
        "title": _("Acceptable use and consent"),
        "intro": _("Today's position, as percentages of the whole school."),
        "tables": [aup, consent],
    }


def _policy_section(schools, period, next_period, *, now, facts=None):
    """The policies section: ``facts`` (``policy_facts(schools)``, counted now when None) reviewed in ``period``,
    due in ``next_period`` and overdue on the earliest of the schools' dates today."""
    facts = policy_facts(schools) if facts is None else facts
    today = min(school.today(now) for school in schools)
    reviewed, due, overdue = policy_rows(facts, period, next_period, today=today)
    return {
        "key": "policies",
        "title": _("Policies"),
        "intro": "",
        "tables": [
            _policy_table(
                "policies_reviewed",
                _("Reviewed and approved this term"),
                reviewed,
                date_column=_("Approved on"),
                date_of=lambda p: p.last_approved_on,
                empty_note=_("No policy was approved this term."),
            ),
            _policy_table(
                "policies_due",
                _("Due for review next term"),
                due,
                date_column=_("Review due"),
                date_of=lambda p: p.next_review_on,
                empty_note=_("No policy is due next term.")
                if next_period
                else _("Next term is not in the school calendar yet."),
            ),
            _policy_table(
                "policies_overdue",
                _("Overdue for review"),
                overdue,
                date_column=_("Review was due"),
                date_of=lambda p: p.next_review_on,
                empty_note=_("No policy is overdue."),
            ),
        ],
    }


def _incident_sections(builder):
    return [
        {
            "key": "summary",
            "title": _("At a glance"),
            "intro": _(
                "Term totals only. Any number from 1 to 4 is shown as “fewer than 5”; where a hidden number could be "
                "worked out from a total, another number is withheld (“not shown”) so that no child can be identified."
            )
            if builder.linked
            else _(
                "Term totals only. Any number from 1 to 4 is shown as “fewer than 5”, and a total that would let a "
                "hidden number be worked out reads “not shown”, so that no child can be identified."
            ),
            "tables": [builder.at_a_glance()],
        },
        {
            "key": "behaviour",
            "title": _("Behaviour"),
            "intro": "",
            "chart": "levels",
            "tables": [builder.levels_table()],
        },
        {"key": "bullying", "title": _("Bullying"), "intro": "", "tables": [builder.bullying_table()]},
        {
            "key": "prejudice",
            "title": _("Prejudice-related incidents"),
            "intro": _(
                "Racist, homophobic and disablist incidents, which the behaviour policy asks us to report to "
                "governors every term."
            ),
            "tables": [builder.prejudice_table()],
        },
        {
            "key": "sanctions",
            "title": _("Suspensions and permanent exclusions"),
            "intro": "",
            "tables": builder.sanctions_tables(),
        },
        {
            "key": "other",
            "title": _("Physical interventions and online safety"),
            "intro": "",
            "tables": [builder.other_table()],
        },
        {"key": "safeguarding", "title": _("Safeguarding"), "intro": "", "tables": builder.safeguarding_tables()},
    ]


def _header(kind, name, period, periods, today):
    return {
        "version": REPORT_VERSION,
        "kind": kind,
        "name": str(name),
        "term": {
            "year": period.year,
            "kind": period.kind,
            "label": period.label,
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat(),
        },
        "compare": {key: periods[key].label if periods[key] else None for key in ("previous", "last_year")},
        "figures_on": today.isoformat(),
    }


class NoSuchTerm(ValueError):
    """The school (or no school of the trust) has no term of that kind in that academic year."""


def _incident_figures(owner, schools, periods, *, now, cached, compute):
    """``compute()``'s incident figures (header and incident sections, a dict), from ``safeguard.datacache`` unless
    ``cached`` is false.

    They are stored until any incident (or anything recorded on one, or a pupil) of ``schools`` changes — the
    topic ``INCIDENTS`` — and the key holds everything else they are drawn from: the report's owner and its schools'
    names and time zones (``owner``), the dates of each period compared (a changed calendar is a new key), each
    school's date today (the figures' date; "open now" for a term not yet over), and the language the labels are in.
    Every reader of a report sees the same figures — suppressed counts, never a name — so the viewer's scope is that
    constant (``"suppressed counts"``). Acceptable use, consent and policies follow other topics
    (``_with_live_sections``).
    """
    if not cached:
        return compute()
    key = (
        "governor",
        REPORT_VERSION,
        "suppressed counts",
        owner,
        tuple((school.pk, school.name, school.time_zone, school.today(now).isoformat()) for school in schools),
        tuple(
            (
                name,
                period.year,
                period.kind,
                sorted((pk, str(start), str(end)) for pk, (start, end) in period.dates.items()),
            )
            if period
            else (name, None)
            for name, period in periods.items()
        ),
        translation.get_language(),
    )
    return datacache.cached(key, compute, topic=datacache.INCIDENTS, school_ids=[school.pk for school in schools])


def _with_live_sections(figures_, schools, periods, next_period, *, now, by_school, owner, cached):
    """The report: the incident figures followed by acceptable use and consent coverage and the policies.

    Those two sections are kept in ``safeguard.datacache`` too (unless ``cached`` is false, as when publishing):
    coverage until a signature request, signature, agreement, consent response or answer, photo measure, form version,
    guardian link or pupil of ``schools`` changes (topics ``AGREEMENTS`` and ``CONSENT``), policies until a policy,
    version or review changes (``POLICIES``). Their keys hold the owner, the term, each school's date today (both
    sections are "as of today") and the language, as ``_incident_figures``' key does. When the cache misses, a
    school's report reads both sections' facts from its pre-counted row (``reports.precount.governor_sections_read``,
    current while the school's date and its acceptable use, consent and policy data versions are those it was counted
    at); without one they are counted live.
    """
    school_ids = [school.pk for school in schools]
    found = {}

    def precounted(name):
        """One school's pre-counted facts of section ``name`` (``reports.precount.governor_sections_read``: one
        query for both sections), or None (count them live)."""
        if not cached or owner[0] != "school":
            return None
        if "facts" not in found:
            from . import precount

            found["facts"] = precount.governor_sections_read(schools[0], now=now)
        return found["facts"] and found["facts"][name]

    def coverage():
        return _coverage_section(schools, now=now, by_school=by_school, facts=precounted("coverage"))

    def policies():
        return _policy_section(schools, periods["term"], next_period, now=now, facts=precounted("policies"))

    if cached:
        common = (
            REPORT_VERSION,
            owner,
            tuple((school.pk, school.today(now).isoformat()) for school in schools),
            *(
                (period.year, period.kind, sorted((pk, str(a), str(b)) for pk, (a, b) in period.dates.items()))
                if period
                else None
                for period in (periods["term"], next_period)
            ),
            translation.get_language(),
        )
        agreements = datacache.versions(datacache.AGREEMENTS, school_ids)
        coverage_section = datacache.cached(
            ("governor-coverage", by_school, agreements, *common),
            coverage,
            topic=datacache.CONSENT,
            school_ids=school_ids,
        )
        policy_section = datacache.cached(
            ("governor-policies", *common), policies, topic=datacache.POLICIES, school_ids=school_ids
        )
    else:
        coverage_section, policy_section = coverage(), policies()
    return {**figures_, "sections": [*figures_["sections"], coverage_section, policy_section]}


def school_report(school, year, kind, *, now=None, cached=True):
    """The presented figures of ``school``'s report for the term ``(year, kind)`` (a dict ready for JSON).

    ``now``: aware datetime (defaults to now). ``cached``: the incident figures may come from the figures cache
    (``_incident_figures``; they follow the data) — publishing asks for them fresh.
    Raises ``NoSuchTerm`` when the school has no such term. Queries: one for the terms, five for the incident
    figures of every term compared (none when cached; one when they are pre-counted, ``school_periods_counts``),
    a few per current agreement, one consent grid and one for
    the policies.
    """
    now = now or timezone.now()
    schools = [school]
    periods, next_period = _periods(schools, year, kind)
    if periods["term"] is None:
        raise NoSuchTerm(f"{year}-{kind}")

    def compute():
        compared = {key: period for key, period in periods.items() if period}
        counts = school_periods_counts(school, compared, now=now, precounted=cached)
        builder = _Builder(counts, _labels(periods), linked=False)
        report = _header("school", school.name, periods["term"], periods, school.today(now))
        report["periods"] = builder.periods
        report["sections"] = _incident_sections(builder)
        return report

    owner = ("school", school.pk)
    report = _incident_figures(owner, schools, periods, now=now, cached=cached, compute=compute)
    return _with_live_sections(
        report, schools, periods, next_period, now=now, by_school=True, owner=owner, cached=cached
    )


def _school_by_school(schools, per_school, builder, period):
    """The trust's school-by-school table: each figure per school with its rate per 100 pupils on roll, and the
    trust's total (the same cell as in the trust's own tables)."""
    on_roll = pupils_on_roll(schools, period)
    figures_ = [
        ("levels", _("Incidents with a behaviour level"), lambda c: sum(c["levels"].values())),
        ("bullying", _("Bullying"), lambda c: c["bullying_total"]),
        ("prejudice", _("Prejudice-related"), lambda c: c["prejudice_total"]),
        ("suspensions", _("Suspensions"), lambda c: c["suspensions"]),
        ("exclusions", _("Permanent exclusions"), lambda c: c["exclusions"]),
        ("physical_interventions", _("Physical interventions"), lambda c: c["physical_interventions"]),
        ("online_safety", _("Online safety"), lambda c: c["online_safety"]),
        ("concerns", _("Safeguarding concerns"), lambda c: c["concerns"]),
    ]
    columns = {}
    for name, _label, count_of in figures_:
        values = {school.pk: count_of(per_school[school.pk]) for school in schools}
        columns[name] = (values, *suppress_linked(values))
    rows = []
    for school in schools:
        pupils = on_roll.get(school.pk, 0)
        row = [school.name, shown(pupils)]
        for name, _label, _count_of in figures_:
            values, cells, withheld = columns[name]
            if school.pk in withheld:
                row.append(WITHHELD)
            elif cells[school.pk].suppressed:
                row.append({"k": "hidden"})
            else:
                row.append(shown(values[school.pk], rate=figures.rate_per_100(values[school.pk], pupils)))
        rows.append(row)
    all_pupils = sum(on_roll.get(school.pk, 0) for school in schools)
    footer = [_("All schools"), shown(all_pupils)]
    for name, _label, _count_of in figures_:
        total = builder.headline(name, "term")
        if total["k"] == "n":
            total = shown(total["v"], rate=figures.rate_per_100(total["v"], all_pupils))
        footer.append(total)
    return table(
        "schools",
        _("School by school"),
        [_("School"), _("Pupils on roll"), *[label for _name, label, _c in figures_]],
        rows,
        footer=[footer],
        note=_(
            "Rates are per 100 pupils on roll at the start of the term. “Not shown”: withheld so that a smaller "
            "number cannot be worked out from the total."
        ),
    )


def trust_report(organisation, schools, year, kind, *, now=None, cached=True):
    """The presented figures of a trust roll-up for the term ``(year, kind)``: the same figures as a school's report,
    added up over ``schools`` (each counted over its own term dates), and a school-by-school table with rates per 100
    pupils. ``now`` and ``cached`` as for ``school_report``. Raises ``NoSuchTerm`` when no school has such a term.
    Queries: as for a school's report, plus one for the pupils on roll, and the coverage queries for each school."""
    now = now or timezone.now()
    schools = list(schools)
    if not schools:
        raise NoSuchTerm(f"{year}-{kind}")
    periods, next_period = _periods(schools, year, kind)
    if periods["term"] is None:
        raise NoSuchTerm(f"{year}-{kind}")

    def compute():
        compared = {key: period for key, period in periods.items() if period}
        per_school = periods_counts(schools, compared, now=now)
        counts = {key: add_counts(values.values()) for key, values in per_school.items()}
        builder = _Builder(counts, _labels(periods), linked=True)
        report = _header("trust", organisation.name, periods["term"], periods, min(s.today(now) for s in schools))
        report["periods"] = builder.periods
        report["schools"] = [school.name for school in schools]
        sections = _incident_sections(builder)
        sections.insert(
            1,
            {
                "key": "schools",
                "title": _("School by school"),
                "intro": "",
                "tables": [_school_by_school(schools, per_school["term"], builder, periods["term"])],
            },
        )
        report["sections"] = sections
        return report

    owner = ("trust", organisation.pk, organisation.name)
    report = _incident_figures(owner, schools, periods, now=now, cached=cached, compute=compute)
    return _with_live_sections(
        report, schools, periods, next_period, now=now, by_school=False, owner=owner, cached=cached
    )


# Markup -------------------------------------------------------------------------------------------------------------

# The classes of a table on the page (Bootstrap) and in the PDF (its own stylesheet).
_TABLE_CLASSES = {
    False: {
        "table": "table table-sm table-striped bg-white align-middle mb-1",
        "caption": "visually-hidden",
        "num": "text-end",
        "label": "fw-normal",
        "total": "fw-semibold",
        "empty": "text-muted",
        "note": "small text-muted mb-3",
    },
    True: {
        "table": "grid",
        "caption": "caption",
        "num": "num",
        "label": "label",
        "total": "total",
        "empty": "empty",
        "note": "note",
    },
}


class _Markup:
    """Writes the tables of a presented report as HTML, every text escaped. A report has a few hundred cells: written
    here they take a millisecond, where a template tag per cell took ten."""

    def __init__(self, *, pdf):
        self.classes = _TABLE_CLASSES[pdf]
        self.pdf = pdf
        self.hidden = f'<span class="governor-hidden">{escape(_("fewer than 5"))}</span>'
        self.withheld = f'<span class="governor-withheld">{escape(_("not shown"))}</span>'
        self.per_100 = _("%(rate)s per 100")

    def cell(self, cell):
        """One figure: None ("—") or ``{"k": n|hidden|withheld|pct|text, "v", "rate"}`` (see "Presented figures")."""
        if not cell:
            return "—"
        kind = cell["k"]
        if kind == "n":
            value = escape(formats.localize(cell["v"]))
            if cell.get("rate"):
                rate = escape(self.per_100 % {"rate": cell["rate"]})
                return f'{value}<span class="governor-rate"> · {rate}</span>'
            return value
        if kind == "hidden":
            return self.hidden
        if kind == "withheld":
            return self.withheld
        if kind == "pct":
            return f"{escape(formats.localize(cell['v']))}%"
        return escape(cell["v"])

    def row(self, row, label_class=""):
        num = self.classes["num"]
        cells = "".join(f'<td class="{num}">{self.cell(cell)}</td>' for cell in row[1:])
        label_class = f' class="{label_class}"' if label_class else ""
        return f'<th scope="row"{label_class}>{escape(row[0])}</th>{cells}'

    def table(self, table):
        """A presented table (``table()``) as its ``<table>``, wrapped for the page, with its note under it."""
        classes = self.classes
        num = f' class="{classes["num"]}"'
        head = "".join(
            f'<th scope="col"{num if index else ""}>{escape(column)}</th>'
            for index, column in enumerate(table["columns"])
        )
        # The PDF's tables are laid out at fixed widths by their number of columns (``cols-N``): much quicker for
        # WeasyPrint than measuring every cell first.
        table_class = f"{classes['table']} cols-{len(table['columns'])}" if self.pdf else classes["table"]
        parts = [
            f'<table class="{table_class}" id="table-{escape(table["key"])}">',
            f'<caption class="{classes["caption"]}">{escape(table["title"])}</caption>',
            f"<thead><tr>{head}</tr></thead><tbody>",
        ]
        parts.extend(f"<tr>{self.row(row, classes['label'])}</tr>" for row in table["rows"])
        if not table["rows"]:
            empty = escape(table["note"] or _("Nothing to report."))
            parts.append(f'<tr><td colspan="{len(table["columns"])}" class="{classes["empty"]}">{empty}</td></tr>')
        parts.append("</tbody>")
        if table["footer"]:
            parts.append("<tfoot>")
            parts.extend(f'<tr class="{classes["total"]}">{self.row(row)}</tr>' for row in table["footer"])
            parts.append("</tfoot>")
        parts.append("</table>")
        markup = "".join(parts)
        if not self.pdf:
            markup = f'<div class="table-responsive">{markup}</div>'
        if table["note"] and table["rows"]:
            markup += f'<p class="{classes["note"]}">{escape(table["note"])}</p>'
        if any(cell and cell.get("k") == "withheld" for row in (*table["rows"], *table["footer"]) for cell in row[1:]):
            markup += f'<p class="{classes["note"]} governor-not-shown-note">{escape(NOT_SHOWN_NOTE)}</p>'
        return mark_safe(markup)  # noqa: S308 — every text above is escaped


def sections_markup(report, *, pdf=False):
    """The sections of a presented report for ``reports/_governor_sections.html``: each section (``key``,
    ``title``, ``intro``, ``chart``) with its tables as ``{"key", "title", "html"}`` — the page's markup, or the
    PDF's with ``pdf``."""
    markup = _Markup(pdf=pdf)
    return [
        {
            **section,
            "tables": [
                {"key": table["key"], "title": table["title"], "html": markup.table(table)}
                for table in section["tables"]
            ],
        }
        for section in report["sections"]
    ]


# Chart --------------------------------------------------------------------------------------------------------------

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
PERIOD_COLOURS = {"term": "#0072B2", "previous": "#E69F00", "last_year": "#56B4E9"}


def level_chart(report):
    """The layout of the behaviour chart (grouped horizontal bars: each level, one bar per term compared) from a
    presented report — drawn by ``reports/_governor_chart.html`` the same way on the page and in the PDF. A hidden
    figure gets no bar, only the words "fewer than 5"."""
    levels = next(
        (t for s in report["sections"] for t in s["tables"] if t["key"] == "levels"),
        None,
    )
    if levels is None:
        return None
    # Columns: Level, this term, then a pair (earlier term, change) for each term compared.
    series = [
        (1 if index == 0 else 2 * index, levels["columns"][1 if index == 0 else 2 * index], PERIOD_COLOURS[key])
        for index, key in enumerate(report["periods"])
    ]
    values = [row[i]["v"] for row in levels["rows"] for i, _l, _c in series if row[i] and row[i]["k"] == "n"]
    largest = max(values or [0]) or 1
    label_width, bar_height, gap, top, width = 70, 13, 10, 8, 640
    plot = width - label_width - 110
    groups, y = [], top
    for row in levels["rows"]:
        bars = []
        for i, label, colour in series:
            value = row[i]
            bar = {"y": y, "text_y": y + bar_height - 3, "colour": colour, "series": label, "x": label_width}
            if value and value["k"] == "n":
                length = round(plot * value["v"] / largest)
                bar.update(width=max(length, 1 if value["v"] else 0), text=str(value["v"]))
            else:
                bar.update(width=0, text=str(FEWER_THAN) if value and value["k"] == "hidden" else "—")
            bar["text_x"] = label_width + bar["width"] + 5
            bars.append(bar)
            y += bar_height + 2
        groups.append(
            {"label": row[0], "label_y": bars[0]["y"] + (len(bars) * (bar_height + 2)) // 2 + 2, "bars": bars}
        )
        y += gap
    legend = [
        {"label": label, "colour": colour, "x": label_width + n * 190, "y": y + 6}
        for n, (_i, label, colour) in enumerate(series)
    ]
    return {
        "id": "chart-levels",
        "title": _("Incidents by behaviour level"),
        "description": _(
            "Horizontal bars: for each behaviour level from 1 to 5, the number of incidents this term and in the "
            "terms compared. A figure from 1 to 4 has no bar and reads “fewer than 5”. The table below gives every "
            "number."
        ),
        "width": width,
        "height": y + 24,
        "label_x": label_width - 8,
        "groups": groups,
        "legend": legend,
    }


def report_dates(report):
    """The dates of a presented report as ``datetime.date``: ``starts_on``, ``ends_on`` (the term) and
    ``figures_on`` (the day the figures were drawn)."""
    return {
        "starts_on": datetime.date.fromisoformat(report["term"]["starts_on"]),
        "ends_on": datetime.date.fromisoformat(report["term"]["ends_on"]),
        "figures_on": datetime.date.fromisoformat(report["figures_on"]),
    }
