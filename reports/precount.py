"""Pre-counted incident figures (issue 18 item 1): a cold dashboard, trust comparison or last year's headline counts
read one row per school instead of counting every figure again.

``safeguard.datacache`` keeps figures while the cache holds them; after a deploy, a flush or an expiry every figure
was counted again (the trust comparison cold: about 45 ms in the database against 2 ms warm). This module keeps the
counts of the periods pages ask for by default in the database (``models.FigureSnapshot``), each stamped with the
school's database-side data version (``models.SchoolDataVersion``), which every change to the school's incidents
raises inside its own transaction. A snapshot is read only while its version is still the school's, so it is never
staler than the figures cache itself; otherwise the page counts live, exactly as before.

Why whole periods, not per-day rows to add up: at the bench's density (about 17 incidents per school per school day)
a ``(school, day, figure, key) → n`` table holds about 30 rows per school day — twice the incidents it would stand
for — so adding up a term of it costs about what counting the incidents does, and pupils with repeated incidents or
suspension days past 5 cannot be added up by day at all.

What is kept — ``standard_requests``: for each school, the period its dashboard opens on (this term, or the last 12
weeks out of term) and the last term, each with the same period last year (the dashboard's comparison, cut to the
same point while the period goes on), in each of the three viewer scopes (``figures._scope_key``); and the trust
comparison's periods (this term and the last, across the trust's schools) without concerns. Only requests filtered
by dates alone read snapshots (``usable``); a year group, class, group, level, characteristic or recorder counts live.

Kept by:

- ``queue_rebuild`` — after each change commits (``datacache.committed``), the school's rebuild is queued once per
  ``DEBOUNCE`` seconds (a cache flag) and runs ``DEBOUNCE`` seconds later, so a burst of saves rebuilds once;
- ``tasks.precount_sweep`` — every hour (beat), each school whose local day has turned, or whose snapshots are stale
  (a lost task), is rebuilt for its new day, and snapshots of earlier days are deleted;
- ``rebuild_all`` — the bench build calls it last (its bulk inserts send no signals).

A change made without model signals (a queryset ``update()``, a bulk insert) raises no version, and unlike the figures
cache (``datacache.MAX_AGE``) a snapshot has no maximum age: such a change would wait for the school's next day. So
the services that write counted rows in bulk bump the versions themselves: an incident's pupils are inserted in the
incident's own transaction; roster, OneRoster, CTF and district imports and the year's roll-over (pupils on roll and
cohorts) through ``models._BULK_PUPIL_WRITERS``; a pupil moving school bumps the school it left too
(``models._pupil_moved``). A new bulk path over incidents, their records or pupils must do the same. A task that fails
loses nothing: the page counts live.

A governor report's acceptable use, consent and policy sections (``governor_sections_read``) are kept the same way
in one row per school and day, stamped with the school's versions of those three topics (``SchoolDataVersion`` keeps
every ``datacache`` topic); a change to one of them queues only that row's rebuild (``queue_sections_rebuild``). The
services that write those topics without model signals bump them themselves: requests cancelled by a new policy
version, a superseded consent form version, consent answers inserted in bulk.

Read path (``figures.school_figures``, ``trust_figures``, ``comparison_counts``, on a figures-cache miss): ``read``
fetches the schools' snapshots whose version is current in one query (the version compared in the same statement);
schools without one are counted live together (a read never writes: the change queued its school's rebuild).
"""

import dataclasses
import datetime
import logging
from decimal import Decimal

from celery import current_app
from django.core.cache import cache
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from safeguard import datacache
from safeguard.directory.models import School

from . import figures
from .filters import DashboardFilterForm, DashboardFilters, previous_period
from .models import FigureSnapshot, SchoolDataVersion

logger = logging.getLogger(__name__)

WITHOUT_CONCERNS = figures._scope_key(False, False)
WITH_CONCERNS = figures._scope_key(True, True)
CONCERNS_NOT_NAMED = figures._scope_key(True, False)
SCOPES = (WITHOUT_CONCERNS, WITH_CONCERNS, CONCERNS_NOT_NAMED)
# The trust comparison's own rows: ``as_trust`` of the ``WITHOUT_CONCERNS`` counts of the trust's periods, kept in
# ``encode_trust``'s flat rows (a fifth of the full row's JSON: no pupil rows, no cohorts), so that a cold comparison
# decodes 20 small rows rather than 20 full ones.
TRUST_SHAPE = "trust-comparison"
# A governor report's raw counts of one term of one school (``reports.governor.periods_counts``), the report's own
# version in the name: raise ``governor.COUNTS_VERSION`` when those counts change shape.
GOVERNOR_TERM = "governor-term-{}"
# A governor report's acceptable use, consent and policy sections of one school on one day
# (``governor_sections_build``), the report's own version in the name: raise ``governor.SECTIONS_VERSION``
# when those facts change shape.
GOVERNOR_SECTIONS = "governor-sections-{}"
TOPIC = datacache.INCIDENTS
# The topics those sections are drawn from: their row keeps each one's version (``SchoolDataVersion``).
SECTION_TOPICS = (datacache.AGREEMENTS, datacache.CONSENT, datacache.POLICIES)
DEBOUNCE = 30  # seconds: a change's rebuild waits this long, and changes meanwhile share it
_QUEUED = "precount:queued:{}"
_SECTIONS_QUEUED = "precount:sections-queued:{}"


# Exact JSON ---------------------------------------------------------------------------------------------------------

_COUNTS_FIELDS = [field.name for field in dataclasses.fields(figures.DashboardCounts)]


def _encode(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, datetime.datetime):
        raise TypeError("figures hold dates, not datetimes")
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {"$map": [[_encode(key), _encode(item)] for key, item in value.items()]}
    if isinstance(value, figures.RepeatedPupils):
        parts = (value.threshold, value.counts, value.perpetrators, value.victims)
        return {"$repeated": [_encode(part) for part in parts]}
    if isinstance(value, figures.DashboardCounts):
        return {"$counts": {name: _encode(getattr(value, name)) for name in _COUNTS_FIELDS}}
    raise TypeError(f"cannot keep {type(value).__name__} in a snapshot")


def _decode(value):
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    ((tag, data),) = value.items()
    if tag == "$dec":
        return Decimal(data)
    if tag == "$date":
        return datetime.date.fromisoformat(data)
    if tag == "$tuple":
        return tuple(_decode(item) for item in data)
    if tag == "$map":
        return {_decode(key): _decode(item) for key, item in data}
    if tag == "$repeated":
        return figures.RepeatedPupils(*(_decode(item) for item in data))
    if tag == "$counts":
        return figures.DashboardCounts(**{name: _decode(item) for name, item in data.items()})
    raise ValueError(f"unknown snapshot tag {tag!r}")


def encode(counts):
    """``counts`` (a ``figures.DashboardCounts``) as JSON-ready data that ``decode`` turns back into an equal value —
    ints, strings, None, ``Decimal`` (by its exact text), dates, tuples (as keys too) and lists, each tagged. Raises
    ``TypeError`` for anything else (a float, a datetime, an object)."""
    return _encode(counts)


def decode(data):
    """The ``figures.DashboardCounts`` that ``encode`` gave ``data`` for. Raises ``ValueError`` for an unknown tag."""
    return _decode(data)


_TRUST_ROWS = ("groups", "locations", "bullying", "weekly", "heat", "categories")


def _flat(mapping):
    """``{(a, b, …): n}`` as ``[[a, b, …, n]]``, each part ``_encode``d (a date becomes ``{"$date": …}``)."""
    return [[*(_encode(part) for part in key), _encode(value)] for key, value in mapping.items()]


def _unflat(rows):
    """``_flat``'s mapping back: plain ints and strings as they are, anything tagged through ``_decode`` (each date
    decoded once per call)."""
    dates, mapping = {}, {}
    for row in rows:
        key = []
        for part in row[:-1]:
            if isinstance(part, dict):
                text = part.get("$date")
                if text is not None:
                    part = dates.get(text) or dates.setdefault(text, datetime.date.fromisoformat(text))
                else:
                    part = _decode(part)
            key.append(part)
        value = row[-1]
        mapping[tuple(key)] = _decode(value) if isinstance(value, (dict, list)) else value
    return mapping


def encode_trust(counts):
    """``as_trust(counts)`` (``counts``: a ``figures.DashboardCounts``) as JSON-ready data that ``decode_trust`` turns
    back into an equal value: the figures keyed by ``(school id, …)`` tuples as flat rows, the rest as ``encode``
    keeps it. Raises ``TypeError`` as ``encode`` does."""
    trust = as_trust(counts)
    data = {name: _flat(getattr(trust, name)) for name in _TRUST_ROWS}
    data["repeated"] = [trust.repeated.threshold, _flat(trust.repeated.counts)]
    data["sanctions"] = _encode(trust.sanctions)
    data["actions"] = [_flat(part) for part in trust.actions]
    data["on_roll"] = _encode(trust.on_roll)
    return data


def decode_trust(data):
    """The trust-shaped ``figures.DashboardCounts`` that ``encode_trust`` gave ``data`` for."""
    threshold, repeated = data["repeated"]
    return figures.DashboardCounts(
        **{name: _unflat(data[name]) for name in _TRUST_ROWS},
        repeated=figures.RepeatedPupils(threshold, _unflat(repeated), [], []),
        sanctions=_decode(data["sanctions"]),
        actions=tuple(_unflat(part) for part in data["actions"]),
        on_roll=_decode(data["on_roll"]),
        cohorts=None,
    )


# Shapes -------------------------------------------------------------------------------------------------------------


def full_counts(schools, filters, scope):
    """Every count any page cuts from a snapshot, for ``schools`` (``School`` rows) and ``filters`` in ``scope`` (one
    of ``SCOPES``): ``figures.dashboard_counts`` with pupils with repeated incidents as rows, the rates per cohort and
    the pupils on roll — eleven queries."""
    include_safeguarding = scope != WITHOUT_CONCERNS
    base = figures.incident_queryset(schools, filters, include_safeguarding=include_safeguarding)
    pupil_base = base.filter(is_safeguarding=False) if scope == CONCERNS_NOT_NAMED else base
    return figures.dashboard_counts(
        base, schools=schools, filters=filters, pupil_incidents=pupil_base, on_roll=True, cohorts=True
    )


def as_school(counts):
    """A school dashboard's ``DashboardCounts`` (``figures.school_figures``) from ``full_counts``: no pupils on roll."""
    return dataclasses.replace(counts, on_roll=None)


def as_trust(counts):
    """The trust comparison's ``DashboardCounts`` (``figures.trust_figures``) from ``full_counts``: pupils with
    repeated incidents counted, not listed; no cohorts."""
    repeated = counts.repeated
    return dataclasses.replace(
        counts, repeated=figures.RepeatedPupils(repeated.threshold, repeated.counts, [], []), cohorts=None
    )


def as_comparison(counts):
    """``figures.comparison_counts``' value from ``full_counts``: incidents per group and the cohort counts."""
    return {"groups": counts.groups, "cohorts": counts.cohorts}


def school_ids_in(counts):
    """Every school id ``counts`` (a ``DashboardCounts``) names: a sanction, a cohort or a pupil with repeated
    incidents is counted under the pupil's own school, which can differ from the incident's."""
    ids = set()
    for name in ("groups", "locations", "bullying", "weekly", "heat", "categories"):
        ids.update(key[0] for key in getattr(counts, name))
    repeated = counts.repeated
    ids.update(key[0] for key in repeated.counts)
    ids.update(row["school_id"] for row in [*repeated.perpetrators, *repeated.victims])
    totals, reasons, over_5 = counts.sanctions
    ids.update(totals)
    ids.update(key[0] for key in reasons)
    ids.update(row["school_id"] for row in over_5)
    for part in counts.actions:
        ids.update(key[0] for key in part)
    ids.update(counts.on_roll or ())
    ids.update(key[0] for key in counts.cohorts or ())
    return ids


def merge_trust(parts):
    """The trust comparison's ``DashboardCounts`` of several schools from each school's own (``as_trust`` shapes
    whose school ids do not overlap): every figure is grouped by school, so the union is what counting them together
    gives. Pupils over 5 days of suspension are ordered by pupil id, as ``figures.sanction_counts`` orders them."""
    merged = {name: {} for name in ("groups", "locations", "bullying", "weekly", "heat", "categories")}
    repeated, totals, reasons, over_5, open_actions, overdue, on_roll = {}, {}, {}, [], {}, {}, {}
    threshold = figures.REPEATED_THRESHOLD
    for part in parts:
        for name, values in merged.items():
            values.update(getattr(part, name))
        threshold = part.repeated.threshold
        repeated.update(part.repeated.counts)
        totals.update(part.sanctions[0])
        reasons.update(part.sanctions[1])
        over_5.extend(part.sanctions[2])
        open_actions.update(part.actions[0])
        overdue.update(part.actions[1])
        on_roll.update(part.on_roll or {})
    over_5.sort(key=lambda row: row["pupil_id"])
    return figures.DashboardCounts(
        **merged,
        repeated=figures.RepeatedPupils(threshold, repeated, [], []),
        sanctions=(totals, reasons, over_5),
        actions=(open_actions, overdue),
        on_roll=on_roll,
        cohorts=None,
    )


# Reading ------------------------------------------------------------------------------------------------------------


def usable(filters):
    """Whether a request with ``filters`` (``DashboardFilters``) may read snapshots: narrowed by its dates alone (and,
    for a trust, by the schools shown) — no year group, class, group, level, characteristic or recorder."""
    return not (
        filters.has_pupil_filter or filters.group or filters.level or filters.recorder_id or filters.school_class_id
    )


def _current_version(topic=TOPIC):
    """The ``topic`` data version (incidents by default) of the snapshot's school, as a subquery (0 for a school never
    changed)."""
    versions = SchoolDataVersion.objects.filter(school_id=OuterRef("school_id"), topic=topic).values("version")[:1]
    return Coalesce(Subquery(versions), Value(0))


def read(schools, filters, scope, *, decoder=decode):
    """The current snapshots of ``schools`` for ``filters``' period in ``scope``: ``{school id: (DashboardCounts
    (``full_counts``; ``as_trust``'s shape for ``TRUST_SHAPE`` with ``decoder=decode_trust``), self_contained)}`` —
    one query, which compares each row's data version with the school's current one. A school missing from the result
    has no current snapshot (count it live)."""
    schools = list(schools)
    if not schools:
        return {}
    days = Q()
    for school in schools:
        days |= Q(school_id=school.pk, counted_on=school.today(), time_zone=school.time_zone)
    rows = (
        FigureSnapshot.objects.filter(
            days,
            scope=scope,
            date_from=filters.date_from,
            date_to=filters.date_to,
            figures_version=figures.FIGURES_VERSION,
        )
        .annotate(current_version=_current_version())
        .filter(data_version=F("current_version"))
        .values_list("school_id", "self_contained", "counts")
    )
    return {school_id: (decoder(counts), self_contained) for school_id, self_contained, counts in rows}


def school_counts(school, filters, scope):
    """``full_counts`` of ``school`` from its current snapshot, or None (count live). A read never queues a rebuild:
    the change that made a snapshot stale queued one, and the hourly sweep rebuilds any still stale."""
    found = read([school], filters, scope).get(school.pk)
    return None if found is None else found[0]


def trust_counts(schools, filters, count_live):
    """The trust comparison's ``DashboardCounts`` of ``schools``: each school's current trust-shaped snapshot
    (``TRUST_SHAPE``), and the others
    counted live together (``count_live(schools)``, trust-shaped). If a count names a school
    outside its own part (a pupil counted in another school than the incident's), the parts could not be added up
    exactly: everything is counted live instead."""
    schools = list(schools)
    found = read(schools, filters, TRUST_SHAPE, decoder=decode_trust)
    if any(not self_contained for _counts, self_contained in found.values()):
        return count_live(schools)
    parts = [counts for counts, _self_contained in found.values()]
    missing = [school for school in schools if school.pk not in found]
    if missing:
        live = count_live(missing)
        if not parts:
            return live
        if not school_ids_in(live) <= {school.pk for school in missing}:
            return count_live(schools)
        parts.append(live)
    return merge_trust(parts)


# A governor report's terms ---------------------------------------------------------------------------------------


def governor_scope():
    """The ``scope`` of a governor report's per-term rows (``GOVERNOR_TERM`` with ``governor.COUNTS_VERSION``)."""
    from . import governor

    return GOVERNOR_TERM.format(governor.COUNTS_VERSION)


def governor_periods(school, *, today):
    """The terms of ``school`` a governor report's draft is most often asked for — the latest term to have started
    by ``today`` and the one before it (a report is drafted during its term or just after) — with the terms each
    compares (``governor._periods``: the previous term, the same term last year): ``[governor.Period]``, one per
    distinct pair of dates (one query)."""
    from . import governor

    terms = governor.school_terms([school])
    started = sorted(
        (term.starts_on, year, kind) for (_school, year, kind), term in terms.items() if term.starts_on <= today
    )
    periods = {}
    for _starts_on, year, kind in started[-2:]:
        for key in ((year, kind), governor.previous_term_key(year, kind), (year - 1, kind)):
            period = governor.resolve_period([school], *key, terms)
            if period is not None:
                periods.setdefault(period.dates[school.pk], period)
    return list(periods.values())


def governor_build(school, *, now):
    """A governor report's raw counts of ``school`` (``governor.periods_counts``, five queries, and one for the
    concerns open) for each term of ``governor_periods``, counted at ``now`` (aware datetime): ``{(starts_on,
    ends_on): JSON data}``, which ``governor_read`` reads back.

    "Concerns open at the end of the term — or now, for a term not yet over" depends on the moment counted at
    (``governor.open_moment``). Each row keeps that moment and the last moment it still holds for: for a term over,
    the same moment (its end); for a term not yet over, the earliest raising or closing of one of the school's
    concerns at or after ``now`` (a concern recorded with a later time), or None — any other change raises the
    school's data version and the row is not read at all."""
    from . import governor

    periods = governor_periods(school, today=school.today(now))
    if not periods:
        return {}
    keyed = {f"p{index}": period for index, period in enumerate(periods)}
    counts = governor.periods_counts([school], keyed, now=now)
    later = ()  # not looked up yet
    built = {}
    for key, period in keyed.items():
        dates = period.dates[school.pk]
        moment = governor.open_moment(school, dates, now)
        if moment < now:  # the term is over: the count holds for its end only
            until = moment.isoformat()
        else:
            if later == ():
                later = governor.next_open_change(school, now)
            until = later.isoformat() if later else None
        built[dates] = {"counts": _encode(counts[key][school.pk]), "moment": moment.isoformat(), "until": until}
    return built


def _governor_row_holds(data, moment):
    """Whether a ``governor_build`` row counted the concerns open at ``moment`` (aware datetime) as a count at
    ``moment`` would: ``moment`` between the row's own and its ``until`` (no concern raised or closed in between)."""
    built = datetime.datetime.fromisoformat(data["moment"])
    until = data["until"]
    return built <= moment and (until is None or moment <= datetime.datetime.fromisoformat(until))


def governor_read(school, periods, *, now):
    """The raw counts of ``periods`` (``{key: governor.Period}``) of ``school`` from its current rows, as a report
    drawn at ``now`` (aware datetime) would count them: ``{key: counts}`` (``governor._empty_counts``'s keys) — one
    query. A period missing from the result has no current row (count it live): none built for the school's today,
    its time zone or those dates, a data version since moved, or concerns raised or closed since ("open now")."""
    wanted = {period.dates[school.pk]: key for key, period in periods.items()}
    if not wanted:
        return {}
    from . import governor

    dates = Q()
    for date_from, date_to in wanted:
        dates |= Q(date_from=date_from, date_to=date_to)
    rows = (
        FigureSnapshot.objects.filter(
            dates,
            school_id=school.pk,
            scope=governor_scope(),
            counted_on=school.today(now),
            time_zone=school.time_zone,
            figures_version=figures.FIGURES_VERSION,
        )
        .annotate(current_version=_current_version())
        .filter(data_version=F("current_version"))
        .values_list("date_from", "date_to", "counts")
    )
    found = {}
    for date_from, date_to, data in rows:
        if _governor_row_holds(data, governor.open_moment(school, (date_from, date_to), now)):
            found[wanted[(date_from, date_to)]] = _decode(data["counts"])
    return found


# A governor report's coverage and policy sections -------------------------------------------------------------------


def governor_sections_scope():
    """The ``scope`` of a governor report's sections rows (``GOVERNOR_SECTIONS`` with ``governor.SECTIONS_VERSION``)."""
    from . import governor

    return GOVERNOR_SECTIONS.format(governor.SECTIONS_VERSION)


def governor_sections_build(school, *, now):
    """The facts of ``school``'s governor report's acceptable use and consent section (``governor.coverage_facts``)
    and policy section (``governor.policy_facts``: every policy, cut to the term's when read) at ``now`` (aware
    datetime), as JSON-ready data for ``governor_sections_read``. Both are "today's position": the row holds for the
    school's date it was counted on (an agreement's re-sign date, a consent's expiry and pupils' ages move with it)."""
    from . import governor

    agreements, questions = governor.coverage_facts([school], now=now)
    policies = [
        [fact.title, fact.where, _encode(fact.last_approved_on), _encode(fact.next_review_on), fact.in_review]
        for fact in governor.policy_facts([school])
    ]
    return {
        "agreements": [list(row) for row in agreements],
        "questions": [[code, *row] for code, row in questions.items()],
        "policies": policies,
    }


def governor_sections_read(school, *, now):
    """``school``'s pre-counted governor report sections for its date at ``now`` (aware datetime): ``{"coverage":
    governor.coverage_facts' value, "policies": governor.policy_facts' value}``, or None (count them live) — one
    query, which reads the school's current acceptable use, consent and policy data versions beside the row. None
    when no row was counted on the school's today in its time zone, or one of those versions has moved since."""
    from . import governor

    names = [f"current_{topic}" for topic in SECTION_TOPICS]
    row = (
        FigureSnapshot.objects.filter(school_id=school.pk, **_sections_key(school, now))
        .annotate(**{name: _current_version(topic) for name, topic in zip(names, SECTION_TOPICS, strict=True)})
        .values_list("counts", *names)
        .first()
    )
    if row is None:
        return None
    data, *current = row
    if data["versions"] != dict(zip(SECTION_TOPICS, current, strict=True)):
        return None
    facts = data["facts"]
    return {
        "coverage": (
            [tuple(item) for item in facts["agreements"]],
            {code: rest for code, *rest in facts["questions"]},
        ),
        "policies": [
            governor.PolicyFact(title, where, _decode(approved), _decode(review), in_review)
            for title, where, approved, review, in_review in facts["policies"]
        ],
    }


def _sections_key(school, now):
    """The fields that name ``school``'s governor sections row for its date at ``now`` (a dict for a filter or a new
    ``FigureSnapshot``): the sections are "as of today", so the row is the school's today's, in its time zone."""
    today = school.today(now)
    return {
        "scope": governor_sections_scope(),
        "date_from": today,
        "date_to": today,
        "counted_on": today,
        "time_zone": school.time_zone,
        "figures_version": figures.FIGURES_VERSION,
    }


def section_versions(school_id):
    """``{topic: version}`` of ``school_id`` (int) for ``SECTION_TOPICS`` (0 for a topic never changed) — one
    query."""
    found = dict(
        SchoolDataVersion.objects.filter(school_id=school_id, topic__in=SECTION_TOPICS).values_list("topic", "version")
    )
    return {topic: found.get(topic, 0) for topic in SECTION_TOPICS}


def governor_sections_row(school, *, now):
    """A ``FigureSnapshot`` (unsaved) of ``school``'s governor report sections for its date at ``now``: the data
    versions read *before* counting, so a change committed meanwhile leaves the row stale (never read), never
    wrong."""
    versions = section_versions(school.pk)
    return FigureSnapshot(
        school=school,
        **_sections_key(school, now),
        data_version=0,  # the versions that matter are in ``counts["versions"]``
        counts={"versions": versions, "facts": governor_sections_build(school, now=now)},
        counted_at=now,
    )


_UNIQUE = ["school", "scope", "date_from", "date_to", "counted_on", "time_zone", "figures_version"]


def rebuild_sections(school):
    """Count and store ``school``'s governor report sections for its local today (``governor_sections_row``), after
    an acceptable use, consent or policy change (``tasks.precount_rebuild_sections``). Returns 1."""
    FigureSnapshot.objects.bulk_create(
        [governor_sections_row(school, now=timezone.now())],
        update_conflicts=True,
        unique_fields=_UNIQUE,
        update_fields=["data_version", "self_contained", "counts", "counted_at"],
    )
    return 1


# Building -----------------------------------------------------------------------------------------------------------


def _request_periods(form):
    """The periods a dashboard built with ``form`` (a ``DashboardFilterForm``) opens on or offers first: its default
    (this term, or the last 12 weeks out of term) and the last term to have ended — each as ``DashboardFilters``."""
    default = form.filters()
    periods = [default]
    ended = [key for key, (_label, _start, end) in form._terms.items() if end < form.today]
    if ended:
        last = max(ended, key=lambda key: form._terms[key][2])
        _label, start, end = form._terms[last]
        periods.append(dataclasses.replace(default, date_from=start, date_to=end, term=last, period_label=""))
    return periods


def standard_requests(school, *, trust_schools=None):
    """What ``school``'s snapshots hold: a set of ``(scope, date_from, date_to)``.

    Its own dashboard (``views_dashboard._school_dashboard``): the default period and the last term, and the same
    periods last year (``filters.previous_period``), in every scope. The trust comparison
    (``views_dashboard._trust_comparison``; ``trust_schools``: the trust's schools ordered by name, as the view
    orders them): its default period and last term across the trust's schools, without concerns.
    """
    form = DashboardFilterForm(None, schools=[school], today=school.today())
    requests = set()
    for filters in _request_periods(form):
        for period in (filters, previous_period(filters, form._terms)[0]):
            requests.update((scope, period.date_from, period.date_to) for scope in SCOPES)
    requests.update((WITHOUT_CONCERNS, *period) for period in trust_periods(trust_schools))
    return requests


def trust_periods(trust_schools):
    """The trust comparison's periods (``views_dashboard._trust_comparison``: its default period and last term
    across ``trust_schools``, ordered by name as the view orders them): a set of ``(date_from, date_to)``; empty
    without schools."""
    if not trust_schools:
        return set()
    trust_form = DashboardFilterForm(None, schools=trust_schools, trust=True)
    return {(filters.date_from, filters.date_to) for filters in _request_periods(trust_form)}


def current_versions(school_ids):
    """``{school id: incident data version}`` (0 for a school never changed) — one query."""
    found = dict(
        SchoolDataVersion.objects.filter(school_id__in=school_ids, topic=TOPIC).values_list("school_id", "version")
    )
    return {school_id: found.get(school_id, 0) for school_id in school_ids}


def rebuild_school(school, *, trust_schools=None):
    """Count and store ``school``'s snapshots for its local today (``standard_requests``), and delete its snapshots of
    earlier days. The data version is read
    *before* counting: a change committed meanwhile leaves the new rows stale (never read), never wrong. Returns the
    number of snapshots written. ``trust_schools`` as for ``standard_requests`` (read from the school's trust when
    None).

    Besides ``standard_requests``' rows, it keeps the trust comparison's rows of the trust's periods
    (``TRUST_SHAPE``), a governor report's raw counts of the school's latest terms (``governor_build``) and its
    coverage and policy sections (``governor_sections_row``, stamped with their own topics' versions)."""
    if trust_schools is None and school.organisation_id:
        trust_schools = list(School.objects.filter(organisation_id=school.organisation_id).order_by("name"))
    now = timezone.now()
    today = school.today(now)
    requests = standard_requests(school, trust_schools=trust_schools)
    for_trust = trust_periods(trust_schools)
    version = current_versions([school.pk])[school.pk]
    rows = []

    def row(scope, date_from, date_to, counts, *, self_contained=True):
        return FigureSnapshot(
            school=school,
            scope=scope,
            date_from=date_from,
            date_to=date_to,
            counted_on=today,
            time_zone=school.time_zone,
            figures_version=figures.FIGURES_VERSION,
            data_version=version,
            self_contained=self_contained,
            counts=counts,
            counted_at=now,
        )

    for scope, date_from, date_to in sorted(requests):
        counts = full_counts([school], DashboardFilters(date_from=date_from, date_to=date_to, today=today), scope)
        self_contained = school_ids_in(counts) <= {school.pk}
        rows.append(row(scope, date_from, date_to, encode(counts), self_contained=self_contained))
        if scope == WITHOUT_CONCERNS and (date_from, date_to) in for_trust:
            rows.append(row(TRUST_SHAPE, date_from, date_to, encode_trust(counts), self_contained=self_contained))
    for (date_from, date_to), counts in governor_build(school, now=now).items():
        rows.append(row(governor_scope(), date_from, date_to, counts))
    rows.append(governor_sections_row(school, now=now))
    FigureSnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=_UNIQUE,
        update_fields=["data_version", "self_contained", "counts", "counted_at"],
    )
    # Earlier days' rows are never read again (the day is part of what a read asks for).
    FigureSnapshot.objects.filter(school=school, counted_on__lt=today).delete()
    return len(rows)


def _trusts(schools):
    """``{organisation id: [School, …] ordered by name}`` of ``schools``."""
    trusts = {}
    for school in sorted(schools, key=lambda school: school.name):
        trusts.setdefault(school.organisation_id, []).append(school)
    return trusts


def due_schools(schools):
    """The ``schools`` without a current snapshot for their local today (a new day, a change whose rebuild was lost):
    one query."""
    schools = list(schools)
    if not schools:
        return []
    days = Q()
    for school in schools:
        days |= Q(school_id=school.pk, counted_on=school.today(), time_zone=school.time_zone)
    fresh = set(
        FigureSnapshot.objects.filter(days, figures_version=figures.FIGURES_VERSION)
        .exclude(scope=governor_sections_scope())  # stamped with other topics' versions (``governor_sections_row``)
        .annotate(current_version=_current_version())
        .filter(data_version=F("current_version"))
        .values_list("school_id", flat=True)
        .distinct()
    )
    return [school for school in schools if school.pk not in fresh]


def sections_due(schools):
    """The ``schools`` (not empty) without a current governor sections row for their local today (a change whose
    rebuild was lost): one query."""
    days = Q()
    for school in schools:
        days |= Q(school_id=school.pk, counted_on=school.today(), time_zone=school.time_zone)
    names = [f"current_{topic}" for topic in SECTION_TOPICS]
    rows = (
        FigureSnapshot.objects.filter(days, scope=governor_sections_scope(), figures_version=figures.FIGURES_VERSION)
        .annotate(**{name: _current_version(topic) for name, topic in zip(names, SECTION_TOPICS, strict=True)})
        .values_list("school_id", "counts__versions", *names)
    )
    fresh = {
        school_id
        for school_id, versions, *current in rows
        if versions == dict(zip(SECTION_TOPICS, current, strict=True))
    }
    return [school for school in schools if school.pk not in fresh]


def rebuild_all(*, only_due=False, log=None):
    """Rebuild every school's snapshots for its local today (``rebuild_school``; earlier days' are deleted). With
    ``only_due``, only the schools ``due_schools`` names (the hourly sweep), and the governor sections of those
    ``sections_due`` names besides. ``log``: a function given one line per
    school (e.g. ``print``). Returns the number of snapshots written.

    The bench build calls ``rebuild_all(log=…)`` last: its rows are inserted in bulk, without signals."""
    schools = list(School.objects.order_by("name"))
    trusts = _trusts(schools)
    todo = due_schools(schools) if only_due else schools
    written = 0
    for school in todo:
        trust_schools = trusts.get(school.organisation_id) if school.organisation_id else None
        started = timezone.now()
        n = rebuild_school(school, trust_schools=trust_schools)
        written += n
        if log:
            seconds = (timezone.now() - started).total_seconds()
            log(f"Pre-counted figures: {school.name}: {n} snapshots in {seconds:.1f} s")
    if only_due and schools:
        rebuilt = {school.pk for school in todo}
        for school in sections_due(schools):
            if school.pk not in rebuilt:
                written += rebuild_sections(school)
    return written


def _queue_debounced(task, flag, school_id, what):
    """Queue the Celery ``task`` for ``school_id`` (int) to run in ``DEBOUNCE`` seconds unless the cache ``flag`` says
    one is already queued within that time; nothing with eager Celery; a broker that does not answer is logged
    (``what`` names the figures) and the flag dropped."""
    if current_app.conf.task_always_eager:
        return
    if not cache.add(flag, 1, DEBOUNCE):
        return
    from safeguard.jobs.services import BROKER_ERRORS

    try:
        task.apply_async((school_id,), countdown=DEBOUNCE)
    except BROKER_ERRORS:
        cache.delete(flag)
        logger.warning("Could not queue the %s of school %s", what, school_id, exc_info=True)


def queue_rebuild(school_id):
    """Queue ``tasks.precount_rebuild_school`` for ``school_id`` (int) to run in ``DEBOUNCE`` seconds, unless one is
    already queued within that time (a cache flag), so a burst of changes rebuilds once.

    Not with eager Celery (tests, a demo without a worker): the rebuild would then run inside the request that
    changed one record, counting a whole school's periods; those snapshots are left to the sweep. A broker that does
    not answer is logged, not raised: the figures are counted live until the sweep."""
    from .tasks import precount_rebuild_school

    _queue_debounced(precount_rebuild_school, _QUEUED.format(school_id), school_id, "pre-counted figures")


def queue_sections_rebuild(school_id):
    """Queue ``tasks.precount_rebuild_sections`` for ``school_id`` (int) after an acceptable use, consent or policy
    change, debounced as ``queue_rebuild`` is (its own cache flag); not with eager Celery; a broker that does not
    answer is logged (the sections are counted live until the school's next rebuild)."""
    from .tasks import precount_rebuild_sections

    _queue_debounced(
        precount_rebuild_sections, _SECTIONS_QUEUED.format(school_id), school_id, "pre-counted governor sections"
    )
