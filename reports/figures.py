"""Incident figures: the one source of the numbers on the SLT dashboard, the trust comparison and (later) the governor
report.

Start with ``incident_queryset(schools, filters)`` — the incidents of the period, voided ones left out, safeguarding
concerns left out unless the caller says the viewer may count them — and hand it to the figure functions. Each
figure aggregates in the database (one ``GROUP BY`` query, or one per time zone where local time matters), always
grouped by school so the same function serves one school and a trust's schools side by side, and returns plain data:
``Breakdown`` (counts by school and key), ``WeeklyLevels``, ``HeatMap``, ``RepeatedPupils``, ``Sanctions``.
No figure loops over incidents in Python, so the number of queries does not depend on the number of incidents.
Counts of incidents are ``COUNT(*)`` (or of a column an index holds), so that a covering index on the incident table
can answer them without reading the table.

The dashboards ask for everything at once: ``school_figures`` and ``trust_figures`` count with ``dashboard_counts``
(eight queries whatever the data; ten with a school's rates per cohort) into ``DashboardCounts`` — plain numbers and
ids, which ``safeguard.datacache`` keeps until the incidents or pupils of the schools change, under a key holding the
viewer's scope and the filters — and hand back ``DashboardFigures``, which labels them in the viewer's language, reads
the categories' current names and names the pupils listed (never cached) when asked. ``comparison_counts`` gives the
headline counts of the same period last year (three queries, cached alike).

When the figures cache is cold, requests filtered by dates alone read the schools' pre-counted snapshots
(``reports.precount``), kept current by the incident data version of each school, and count live what has none.

``figure_incidents`` gives the incidents behind one figure's number (the dashboard's drill-down), from the same
definitions, so a drill-down always lists what the figure counted.
"""

import dataclasses
import datetime
import functools
import uuid
import zoneinfo
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, DateField, Exists, F, OuterRef, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncWeek
from django.utils.translation import gettext_lazy as _

from incidents.models import (
    GROUP_FLAGS,
    Action,
    BullyingType,
    CategoryGroup,
    Incident,
    IncidentCategory,
    IncidentPupil,
    Location,
    Sanction,
    SuspensionReason,
)
from safeguard import datacache
from safeguard.directory.models import Pupil

REPEATED_THRESHOLD = 3  # "pupils with repeated incidents in the period": three or more
SUSPENSION_DAYS_OVER = Decimal(5)  # the governors are told whether any pupil passed 5 days (issue 7)
PREJUDICE_CODES = ("racist", "homophobic", "disablist")  # Westminster §11: reported to governors termly
LEVELS = (1, 2, 3, 4, 5, None)  # None: an incident without a behaviour level (bullying only, a concern…)
PERPETRATOR_ROLES = (IncidentPupil.Role.ALLEGED_PERPETRATOR, IncidentPupil.Role.SUBJECT)
WEEKDAYS = {
    1: _("Monday"),
    2: _("Tuesday"),
    3: _("Wednesday"),
    4: _("Thursday"),
    5: _("Friday"),
    6: _("Saturday"),
    7: _("Sunday"),
}
SCHOOL_HOURS = range(8, 17)  # always shown on the heat map, with any other hour that has incidents
EXCLUSION_KINDS = (Sanction.Kind.SUSPENSION, Sanction.Kind.PERMANENT_EXCLUSION)
# Periods up to this long count categories incident by incident (``category_counts``): a term, a year.
PER_INCIDENT_SPAN = datetime.timedelta(days=366)


# The base queryset ------------------------------------------------------------------------------------------------


def zones_of(schools):
    """``{ZoneInfo: [school id, …]}``: schools grouped by time zone (one group for most trusts)."""
    zones = {}
    for school in schools:
        zones.setdefault(zoneinfo.ZoneInfo(school.time_zone), []).append(school.pk)
    return zones


def local_midnight(day, zone):
    """The aware datetime of midnight starting ``day`` in ``zone``."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def incident_queryset(schools, filters, *, include_safeguarding=False, queryset=None):
    """The incidents the figures count: of ``schools``, in the period of ``filters``, not voided, narrowed by the
    filters.

    Args:
        schools: ``School`` rows (a list or queryset). ``filters.school_ids``, when set, narrows them further.
        filters: a ``reports.filters.DashboardFilters``; its dates are each school's local dates (inclusive).
        include_safeguarding: count safeguarding concerns — only for viewers with ``VIEW_SAFEGUARDING`` in every
            school given. Otherwise concerns are left out entirely (not just their detail).
        queryset: start from this queryset of incidents instead of all of them — e.g.
            ``permissions.incidents_visible_to(user, school)`` for a list that names pupils.

    Returns a queryset of ``Incident`` (unordered). Pupil filters (year group, class, characteristics) match an
    incident when one pupil involved matches them all.
    """
    schools = [school for school in schools if not filters.school_ids or school.pk in filters.school_ids]
    incidents = (queryset if queryset is not None else Incident.objects.all()).filter(voided_at__isnull=True)
    if not schools:
        return incidents.none()
    period = Q()
    end_day = filters.date_to + datetime.timedelta(days=1)
    for zone, school_ids in zones_of(schools).items():
        period |= Q(
            school_id__in=school_ids,
            occurred_at__gte=local_midnight(filters.date_from, zone),
            occurred_at__lt=local_midnight(end_day, zone),
        )
    incidents = incidents.filter(period)
    if not include_safeguarding:
        incidents = incidents.filter(is_safeguarding=False)
    if filters.group:
        incidents = incidents.filter(**{GROUP_FLAGS[CategoryGroup(filters.group)]: True})
    if filters.level:
        incidents = incidents.filter(behaviour_level=filters.level)
    if filters.recorder_id:
        incidents = incidents.filter(recorded_by_id=filters.recorder_id)
    if filters.has_pupil_filter:
        pupils = IncidentPupil.objects.filter(filters.pupil_q("pupil__"), incident=OuterRef("pk"))
        incidents = incidents.filter(Exists(pupils))
    return incidents.order_by()


# Plain results ----------------------------------------------------------------------------------------------------


class _Sums:
    """Sums of ``counts`` (a dict keyed by tuples named by ``positions``) over the positions not asked for, indexed
    once per set of positions — a chart asks for hundreds of cells, and summing the whole dict for each would be
    quadratic. ``counts`` must not change once a sum has been asked for."""

    def _sum(self, **wanted):
        """The sum of the counts whose key has the ``wanted`` value at each named position; ``_ANY`` matches all."""
        names = tuple(name for name, value in wanted.items() if value is not _ANY)
        cache = self.__dict__.setdefault("_sum_cache", {})
        if names not in cache:
            index = [self.positions.index(name) for name in names]
            sums = {}
            for key, n in self.counts.items():
                picked = tuple(key[i] for i in index)
                sums[picked] = sums.get(picked, 0) + n
            cache[names] = sums
        return cache[names].get(tuple(wanted[name] for name in names), 0)


_ANY = object()


@dataclasses.dataclass
class Breakdown(_Sums):
    """Counts by school and key. ``labels`` maps each key to its label, in display order; ``counts`` maps
    ``(school_id, key)`` to an int (missing means 0)."""

    labels: dict
    counts: dict
    groups: dict = dataclasses.field(default_factory=dict)  # categories only: code → ``CategoryGroup`` value

    positions = ("school", "key")

    def count(self, key, school_id=None):
        """The count for ``key`` in one school, or across all schools when ``school_id`` is None."""
        if school_id is not None:
            return self.counts.get((school_id, key), 0)
        return self._sum(school=_ANY, key=key)

    def total(self, school_id=None):
        return self._sum(school=_ANY if school_id is None else school_id, key=_ANY)

    def rows(self, school_id=None, *, nonzero=False):
        """``[(key, label, count)]`` in display order (only keys with a count when ``nonzero``)."""
        rows = [(key, label, self.count(key, school_id)) for key, label in self.labels.items()]
        return [row for row in rows if row[2]] if nonzero else rows


def _breakdown(rows, key_field, labels, *, count_field="n"):
    counts = {}
    for row in rows:
        key = (row["school_id"], row[key_field])
        counts[key] = counts.get(key, 0) + row[count_field]
    return Breakdown(labels=labels, counts=counts)


@functools.lru_cache(maxsize=4096)
def rate_per_100(count, on_roll):
    """``count`` per 100 pupils on roll, to one decimal place (``Decimal``), or None without pupils. Remembered: a
    comparison of twenty schools asks for thousands, most of them alike."""
    if not on_roll:
        return None
    return (Decimal(count) * 100 / Decimal(on_roll)).quantize(Decimal("0.1"))


# Figures ----------------------------------------------------------------------------------------------------------

GROUP_LABELS = {"total": _("All incidents"), **{group.value: group.label for group in CategoryGroup}}


def summary(incidents):
    """Incidents in total and per category group (an incident counts once in each of its groups). Keys: "total" and
    the ``CategoryGroup`` values."""
    aggregates = {"total": Count("*")}
    for group, flag in GROUP_FLAGS.items():
        # COUNT(school_id): every row (the column is never null), from a column an index holds — "*" takes no filter.
        aggregates[group.value] = Count("school_id", filter=Q(**{flag: True}))
    counts = {}
    for row in incidents.values("school_id").annotate(**aggregates):
        for key in GROUP_LABELS:
            counts[(row["school_id"], key)] = row[key]
    return Breakdown(labels=dict(GROUP_LABELS), counts=counts)


@dataclasses.dataclass
class WeeklyLevels(_Sums):
    """Incidents per ISO week (by its Monday, in each school's local time) and behaviour level.

    ``weeks``: the Mondays from the period's first week to its last (or to this week, if the period goes on),
    every week present; ``counts``: ``(school_id, monday, level)`` → int, level 1–5 or None.
    """

    weeks: list
    counts: dict
    positions = ("school", "week", "level")

    def count(self, week=None, level="any", school_id=None):
        """Sum of the counts matching the week (None: every week), level ("any": every level) and school."""
        return self._sum(
            school=_ANY if school_id is None else school_id,
            week=_ANY if week is None else week,
            level=_ANY if level == "any" else level,
        )

    def by_level(self):
        """The counts per level over the whole period, as a ``Breakdown`` (keys 1–5 and None)."""
        counts = {}
        for (school, _monday, level), n in self.counts.items():
            counts[(school, level)] = counts.get((school, level), 0) + n
        return Breakdown(labels=level_labels(), counts=counts)

    def by_week(self):
        """The counts per week over all levels, as a ``Breakdown`` keyed by Monday."""
        counts = {}
        for (school, monday, _level), n in self.counts.items():
            counts[(school, monday)] = counts.get((school, monday), 0) + n
        return Breakdown(labels={monday: monday for monday in self.weeks}, counts=counts)


def level_labels():
    labels = {level: _("Level %(level)s") % {"level": level} for level in LEVELS if level}
    labels[None] = _("No level")
    return labels


def monday_of(day):
    return day - datetime.timedelta(days=day.weekday())


def week_axis(filters):
    """The Mondays of the period's weeks, up to the week of ``filters.today`` when the period goes on."""
    last = filters.date_to
    if filters.today and filters.date_from <= filters.today < last:
        last = filters.today
    mondays, monday = [], monday_of(filters.date_from)
    while monday <= last:
        mondays.append(monday)
        monday += datetime.timedelta(weeks=1)
    return mondays


def by_week_and_level(incidents, *, schools, filters):
    """Incidents per ISO week (Monday to Sunday of each school's local date) and behaviour level — the stacked bars.
    One query per time zone of ``schools``."""
    counts = {}
    for zone, school_ids in zones_of(schools).items():
        # The Monday as a date, truncated in the zone: no aware datetime to convert per row.
        rows = (
            incidents.filter(school_id__in=school_ids)
            .annotate(week=TruncWeek("occurred_at", tzinfo=zone, output_field=DateField()))
            .values_list("school_id", "week", "behaviour_level")
            .annotate(n=Count("*"))
            .order_by()
        )
        for school_id, monday, level, n in rows:
            key = (school_id, monday, level)
            counts[key] = counts.get(key, 0) + n
    return WeeklyLevels(weeks=week_axis(filters), counts=counts)


def _category_rows(incidents, schools, *fields, codes=None):
    """Incidents per category, grouped by school and ``fields`` of the category (one query). Read from the
    incident–category links of the schools' categories (found by an index) rather than from every link of every
    school: ``schools`` (optional) lets the database do that."""
    links = Incident.categories.through.objects.filter(incident_id__in=incidents.values("pk"))
    if schools is not None:
        links = links.filter(incidentcategory__school_id__in=[school.pk for school in schools])
    if codes is not None:
        links = links.filter(incidentcategory__code__in=codes)
    values = {"school_id": F("incident__school_id"), **{name: F(f"incidentcategory__{name}") for name in fields}}
    return links.values(**values).annotate(n=Count("incident_id")).order_by()


def category_counts(incidents, *, per_incident=False):
    """Incidents per category: ``{(school_id, category id): count}`` (one query, from the incidents' links to their
    categories; an incident with two categories counts in both). Ids, not names: a school may rename a category, so
    the names are read when the figure is shown (``category_breakdown``).

    ``per_incident``: on PostgreSQL, look each incident's links up by index (``_category_counts_per_incident``) —
    for periods of up to about a year, a small part of the data; for longer ones the planner's own join is faster.
    The counts are the same either way."""
    if per_incident and connections[incidents.db].vendor == "postgresql":
        return _category_counts_per_incident(incidents)
    rows = (
        incidents.filter(categories__isnull=False)
        .values_list("school_id", "categories")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {(school_id, category_id): n for school_id, category_id, n in rows}


def _category_counts_per_incident(incidents):
    """``category_counts`` on PostgreSQL: the period's incidents (read from the dashboard index) each look up their
    own category links in the links' ``(incident, category)`` index, so the cost follows the period's incidents
    whatever the number of other years and schools. A plain join lets the planner hash every link of every year
    instead once the period holds a few percent of all incidents (issue 18: 3–4 times slower at ten years of data);
    ``OFFSET 0`` keeps the lateral lookup from being flattened into such a join."""
    links = Incident.categories.through._meta
    incident_column = links.get_field("incident").column
    category_column = links.get_field("incidentcategory").column
    try:
        inner_sql, params = incidents.values_list("pk", "school_id").query.sql_with_params()
    except EmptyResultSet:  # ``incidents.none()``: no school chosen
        return {}
    # Django's own SQL with its values as parameters; the names are the models' own.
    sql = (
        f"SELECT term.school_id, link.category_id, COUNT(*) FROM ({inner_sql}) AS term (id, school_id) "  # noqa: S608
        f'CROSS JOIN LATERAL (SELECT "{category_column}" AS category_id FROM "{links.db_table}" '
        f'WHERE "{incident_column}" = term.id OFFSET 0) AS link GROUP BY term.school_id, link.category_id'
    )
    with connections[incidents.db].cursor() as cursor:
        cursor.execute(sql, params)
        return {(school_id, category_id): n for school_id, category_id, n in cursor.fetchall()}


def category_breakdown(counts):
    """``category_counts`` as a ``Breakdown`` keyed by category code (the same code means the same category in
    every school), labelled with each category's current name; ``groups`` maps each code to its ``CategoryGroup``.
    Ordered by group, then the school's order. One query (the categories counted)."""
    categories = {
        row["pk"]: row
        for row in IncidentCategory.objects.filter(pk__in={category_id for _s, category_id in counts}).values(
            "pk", "code", "name", "group", "order"
        )
    }
    rows = [
        (school_id, categories[category_id], n)
        for (school_id, category_id), n in counts.items()
        if category_id in categories
    ]
    group_order = {group.value: index for index, group in enumerate(CategoryGroup)}
    rows.sort(key=lambda row: (group_order.get(row[1]["group"], 99), row[1]["order"], row[1]["code"]))
    labels, groups, by_code = {}, {}, {}
    for school_id, category, n in rows:
        code = category["code"]
        labels.setdefault(code, category["name"])
        groups.setdefault(code, category["group"])
        by_code[(school_id, code)] = by_code.get((school_id, code), 0) + n
    return Breakdown(labels=labels, counts=by_code, groups=groups)


def by_category(incidents, *, schools=None):
    """Incidents per category (through the incident's categories: an incident with two categories counts in both).

    Keys are category codes (the same code means the same category in every school); the label is the category's
    name; ``groups`` maps each code to its ``CategoryGroup``. Ordered by group, then the school's order.
    ``schools`` is accepted for callers that pass it; the incidents say which schools' categories count. Two
    queries: the counts (``category_counts``) and the categories' names.
    """
    return category_breakdown(category_counts(incidents))


@dataclasses.dataclass
class HeatMap(_Sums):
    """Incidents by ISO day of the week (1 = Monday) and hour (0–23), in each school's local time.
    ``counts``: ``(school_id, day, hour)`` → int."""

    counts: dict
    positions = ("school", "day", "hour")

    def count(self, day=None, hour=None, school_id=None):
        return self._sum(
            school=_ANY if school_id is None else school_id,
            day=_ANY if day is None else day,
            hour=_ANY if hour is None else hour,
        )

    def days(self):
        """Monday to Friday, and Saturday or Sunday only when they have incidents."""
        used = {day for (_s, day, _h) in self.counts}
        return [day for day in WEEKDAYS if day <= 5 or day in used]

    def hours(self):
        """School hours (8:00–16:59), widened to every hour that has incidents."""
        used = {hour for (_s, _d, hour) in self.counts}
        return list(range(min([*SCHOOL_HOURS, *used]), max([*SCHOOL_HOURS, *used]) + 1))

    def by_day(self):
        counts = {}
        for (school, day, _h), n in self.counts.items():
            counts[(school, day)] = counts.get((school, day), 0) + n
        return Breakdown(labels={day: WEEKDAYS[day] for day in self.days()}, counts=counts)

    def by_hour(self):
        counts = {}
        for (school, _d, hour), n in self.counts.items():
            counts[(school, hour)] = counts.get((school, hour), 0) + n
        return Breakdown(labels={hour: f"{hour:02d}:00" for hour in self.hours()}, counts=counts)


def by_weekday_hour(incidents, *, schools):
    """Incidents by day of the week and hour, in each school's time zone (one query per zone)."""
    counts = {}
    for zone, school_ids in zones_of(schools).items():
        rows = (
            incidents.filter(school_id__in=school_ids)
            .annotate(day=ExtractIsoWeekDay("occurred_at", tzinfo=zone), hour=ExtractHour("occurred_at", tzinfo=zone))
            .values_list("school_id", "day", "hour")
            .annotate(n=Count("*"))
            .order_by()
        )
        for school_id, day, hour, n in rows:
            counts[(school_id, day, hour)] = n
    return HeatMap(counts=counts)


def by_location(incidents):
    """Incidents per ``Location`` (every location listed, in the order of the choices)."""
    rows = incidents.values("school_id", "location").annotate(n=Count("*"))
    return _breakdown(rows, "location", dict(Location.choices))


def bullying_by_type(incidents):
    """Bullying incidents per ``BullyingType`` ("" for one recorded without a type)."""
    rows = incidents.filter(is_bullying=True).values("school_id", "bullying_type").annotate(n=Count("*"))
    labels = dict(BullyingType.choices)
    breakdown = _breakdown(rows, "bullying_type", labels)
    if any(key == "" for _s, key in breakdown.counts):
        labels[""] = _("Type not given")
    return breakdown


def counts_by_group_location_and_bullying(incidents):
    """In one pass over the incidents (one query, grouped by school, location and type of bullying): the counts of
    ``summary``, ``by_location`` and ``bullying_by_type``, as three dicts ``{(school_id, key): count}`` — group (and
    "total"), ``Location`` and ``BullyingType`` ("" for none given). Every column read is held by the dashboard
    index, so PostgreSQL answers from the index alone."""
    # COUNT(school_id): every row (the column is never null), from a column the index holds — "*" takes no filter.
    flags = [(group.value, flag) for group, flag in GROUP_FLAGS.items()]
    aggregates = {f"group_{i}": Count("school_id", filter=Q(**{flag: True})) for i, (_g, flag) in enumerate(flags)}
    rows = (
        incidents.values_list("school_id", "location", "bullying_type")
        .annotate(total=Count("*"), **aggregates)
        .order_by()
    )
    bullying_index = 4 + [group for group, _flag in flags].index(CategoryGroup.BULLYING.value)
    groups, locations, bullying = {}, {}, {}
    for row in rows:
        school_id = row[0]
        key = (school_id, "total")
        groups[key] = groups.get(key, 0) + row[3]
        for index, (group, _flag) in enumerate(flags, start=4):
            key = (school_id, group)
            groups[key] = groups.get(key, 0) + row[index]
        key = (school_id, row[1])
        locations[key] = locations.get(key, 0) + row[3]
        if row[bullying_index]:
            key = (school_id, row[2])
            bullying[key] = bullying.get(key, 0) + row[bullying_index]
    return groups, locations, bullying


def bullying_breakdown(counts):
    """``bullying_by_type``'s ``Breakdown`` from its counts ``{(school_id, bullying type): count}``."""
    labels = dict(BullyingType.choices)
    if any(key == "" for _s, key in counts):
        labels[""] = _("Type not given")
    return Breakdown(labels=labels, counts=counts)


PREJUDICE_LABELS = {
    "racist": _("Racist"),
    "homophobic": _("Homophobic, biphobic or transphobic"),
    "disablist": _("Disablist"),
    "any": _("All prejudice-related incidents"),
}


def prejudice(incidents, *, schools=None, categories=None, groups=None):
    """Prejudice-related incidents per category — racist, homophobic (and biphobic or transphobic), disablist —
    and ``"any"``: every incident in the prejudice group, including a school's own prejudice categories.

    ``schools``: as for ``by_category``. ``categories`` (a ``by_category`` result) and ``groups`` (a ``summary``
    result) of the same incidents, when the caller has them, save the two queries.
    """
    if categories is None:
        categories = Breakdown(
            {}, _breakdown(_category_rows(incidents, schools, "code", codes=PREJUDICE_CODES), "code", {}).counts
        )
    if groups is None:
        rows = incidents.filter(is_prejudice=True).values("school_id").annotate(n=Count("*"))
        groups = Breakdown({}, {(row["school_id"], "prejudice"): row["n"] for row in rows})
    counts = {key: n for key, n in categories.counts.items() if key[1] in PREJUDICE_CODES}
    counts.update({(school, "any"): n for (school, key), n in groups.counts.items() if key == "prejudice"})
    return Breakdown(labels=dict(PREJUDICE_LABELS), counts=counts)


@dataclasses.dataclass
class RepeatedPupils:
    """Pupils involved in at least ``threshold`` incidents of the period, as perpetrator or subject of concern and as
    victim.

    ``counts``: ``(school_id, "perpetrator" | "victim")`` → number of pupils. ``perpetrators`` and ``victims``: rows
    ``{"school_id", "pupil_id", "count"}`` and, once named (``name_pupils``), ``"public_id", "name", "year_group"``,
    most incidents first — empty unless the pupils were asked for.
    """

    threshold: int
    counts: dict
    perpetrators: list
    victims: list

    def count(self, role, school_id=None):
        return sum(
            n for (school, r), n in self.counts.items() if r == role and (school_id is None or school == school_id)
        )


def name_pupils(*lists):
    """Give each row of ``lists`` (dicts with ``"pupil_id"``) the pupil's ``"public_id"``, ``"name"`` (the name staff
    use) and ``"year_group"`` ("" without one), read now in one query for all the lists — names are never part of
    cached figures. A pupil no longer found keeps no name ("")."""
    ids = {row["pupil_id"] for rows in lists for row in rows}
    if not ids:
        return
    pupils = {
        row[0]: row[1:]
        for row in Pupil.objects.filter(pk__in=ids).values_list(
            "pk",
            "public_id",
            "preferred_first_name",
            "legal_first_name",
            "preferred_last_name",
            "legal_last_name",
            "year_group__name",
        )
    }
    for rows in lists:
        for row in rows:
            found = pupils.get(row["pupil_id"])
            if found is None:
                row.update(public_id=None, name="", year_group="")
                continue
            public_id, preferred_first, legal_first, preferred_last, legal_last, year_group = found
            row["public_id"] = public_id
            row["name"] = f"{preferred_first or legal_first} {preferred_last or legal_last}"
            row["year_group"] = year_group or ""


def _involvement_counts(incidents):
    """Per pupil and school, the incidents they were involved in as perpetrator (or subject) and as victim."""
    return (
        incidents.filter(involvements__pupil_id__isnull=False)
        .values("school_id", pupil_id=F("involvements__pupil_id"))
        .annotate(
            perpetrator=Count("involvements__pupil_id", filter=Q(involvements__role__in=PERPETRATOR_ROLES)),
            victim=Count("involvements__pupil_id", filter=Q(involvements__role=IncidentPupil.Role.VICTIM)),
        )
        .order_by()
    )


def repeated_pupil_rows(incidents, *, threshold=REPEATED_THRESHOLD):
    """``RepeatedPupils`` of ``incidents`` with a row per pupil (by id, not yet named), most incidents first — one
    query. A pupil counts in the school of the incidents (pupils are only ever added to their own school's)."""
    rows = _involvement_counts(incidents).filter(Q(perpetrator__gte=threshold) | Q(victim__gte=threshold))
    counts, listed = {}, {"perpetrator": [], "victim": []}
    for row in rows.values_list("school_id", "pupil_id", "perpetrator", "victim"):
        for role, n in (("perpetrator", row[2]), ("victim", row[3])):
            if n >= threshold:
                counts[(row[0], role)] = counts.get((row[0], role), 0) + 1
                listed[role].append({"school_id": row[0], "pupil_id": row[1], "count": n})
    for pupils in listed.values():
        pupils.sort(key=lambda pupil: (-pupil["count"], pupil["pupil_id"]))
    return RepeatedPupils(threshold, counts, listed["perpetrator"], listed["victim"])


def repeated_pupil_counts(incidents, *, threshold=REPEATED_THRESHOLD):
    """``RepeatedPupils`` of ``incidents`` with the number of such pupils per school only (no rows) — one query that
    counts them in the database, for pages that never list pupils (the trust's)."""
    inner_sql, params = _involvement_counts(incidents).query.sql_with_params()
    # Django's own SQL with its values as parameters, counted per school.
    sql = (
        "SELECT school_id, COUNT(*) FILTER (WHERE perpetrator >= %s), COUNT(*) FILTER (WHERE victim >= %s) "  # noqa: S608
        f"FROM ({inner_sql}) AS pupils GROUP BY school_id"
    )
    counts = {}
    with connections[incidents.db].cursor() as cursor:
        cursor.execute(sql, [threshold, threshold, *params])
        for school_id, perpetrators, victims in cursor.fetchall():
            for role, n in (("perpetrator", perpetrators), ("victim", victims)):
                if n:
                    counts[(school_id, role)] = n
    return RepeatedPupils(threshold, counts, [], [])


def repeated_pupils(incidents, *, threshold=REPEATED_THRESHOLD, with_names=False):
    """Pupils with ``threshold`` or more incidents in ``incidents``, per role.

    Args:
        with_names: list the pupils by name (one more query) — only for viewers who may see them (SLT, head, DSL
            team of the school); otherwise only the number of such pupils per school.
    """
    if not with_names:
        return repeated_pupil_counts(incidents, threshold=threshold)
    data = repeated_pupil_rows(incidents, threshold=threshold)
    sort_by_name(data)
    return data


def sort_by_name(repeated):
    """Name the pupils of a ``RepeatedPupils`` (``name_pupils``) and order them most incidents first, then by name."""
    name_pupils(repeated.perpetrators, repeated.victims)
    for pupils in (repeated.perpetrators, repeated.victims):
        pupils.sort(key=lambda pupil: (-pupil["count"], pupil["name"]))


@dataclasses.dataclass
class Sanctions:
    """Suspensions and permanent exclusions recorded for the incidents (withdrawn ones left out), per school.

    ``totals``: ``school_id`` → ``{"suspensions", "days" (Decimal), "pupils" (suspended), "exclusions",
    "pupils_over_5"}``; ``reasons``: a ``Breakdown`` of DfE reason codes (a sanction counts once per reason given);
    ``over_5``: rows ``{"school_id", "pupil_id", "days"}`` and, once named (``name_pupils``), ``"public_id", "name",
    "year_group"`` — empty unless names were asked for.
    """

    totals: dict
    reasons: Breakdown
    over_5: list

    def total(self, field, school_id=None):
        values = [t[field] for school, t in self.totals.items() if school_id is None or school == school_id]
        return sum(values, Decimal(0) if field == "days" else 0)


def sanctions_queryset(incidents, filters=None):
    """Suspensions and permanent exclusions of ``incidents``, not withdrawn; with pupil filters, only those of a
    pupil who matches them."""
    sanctions = Sanction.objects.filter(
        incident__in=incidents.values("pk"), voided_at__isnull=True, kind__in=EXCLUSION_KINDS
    )
    if filters is not None and filters.has_pupil_filter:
        sanctions = sanctions.filter(filters.pupil_q("pupil__"))
    return sanctions


def sanction_counts(incidents, filters=None):
    """The numbers of ``sanctions`` as plain data — one query, a row per suspension or exclusion, added up per pupil
    and per school: ``(totals, reason counts {(school_id, code): n}, over_5 rows {"school_id", "pupil_id",
    "days"})``. A sanction counts once under each DfE reason code it gives."""
    rows = sanctions_queryset(incidents, filters).values_list(
        "pupil__school_id", "pupil_id", "kind", "days", "reason_1", "reason_2", "reason_3"
    )
    codes = set(SuspensionReason.values)
    pupils, reason_counts = {}, {}
    for school_id, pupil_id, kind, days, *reasons in rows:
        pupil = pupils.get(pupil_id)
        if pupil is None:
            pupil = pupils[pupil_id] = {"school_id": school_id, "suspensions": 0, "days": Decimal(0), "exclusions": 0}
        if kind == Sanction.Kind.SUSPENSION:
            pupil["suspensions"] += 1
            if days is not None:
                pupil["days"] += days
        else:
            pupil["exclusions"] += 1
        for code in set(reasons) & codes:
            reason_counts[(school_id, code)] = reason_counts.get((school_id, code), 0) + 1
    totals, over_5 = {}, []
    for pupil_id, pupil in pupils.items():  # each pupil with a suspension or exclusion in the period
        school_id = pupil["school_id"]
        total = totals.get(school_id)
        if total is None:
            total = totals[school_id] = {
                "suspensions": 0,
                "days": Decimal(0),
                "pupils": 0,
                "exclusions": 0,
                "pupils_over_5": 0,
            }
        total["suspensions"] += pupil["suspensions"]
        total["days"] += pupil["days"]
        total["pupils"] += 1 if pupil["suspensions"] else 0
        total["exclusions"] += pupil["exclusions"]
        if pupil["days"] > SUSPENSION_DAYS_OVER:
            total["pupils_over_5"] += 1
            over_5.append({"school_id": school_id, "pupil_id": pupil_id, "days": pupil["days"]})
    over_5.sort(key=lambda row: row["pupil_id"])  # one order whatever the database's, so counts compare equal
    return totals, reason_counts, over_5


def sanctions_from_counts(counts, *, with_names=False):
    """A ``Sanctions`` from ``sanction_counts``; ``with_names`` names the pupils over 5 days (one query), most days
    first — otherwise they are left out."""
    totals, reason_counts, over_5 = counts
    if with_names:
        over_5 = [dict(row) for row in over_5]
        name_pupils(over_5)
        over_5.sort(key=lambda pupil: (-pupil["days"], pupil["name"]))
    else:
        over_5 = []
    return Sanctions(totals=totals, reasons=Breakdown(dict(SuspensionReason.choices), reason_counts), over_5=over_5)


def sanctions(incidents, filters=None, *, with_names=False):
    """Suspensions (number, total days, pupils suspended, pupils over 5 days in the period), permanent exclusions,
    and both by DfE reason code — one query, grouped by pupil, added up per school (and one more to name the pupils
    over 5 days, ``with_names``).

    Sanctions belong to the period through their incident. ``filters`` (optional) applies the pupil filters to the
    suspended pupil too.
    """
    return sanctions_from_counts(sanction_counts(incidents, filters), with_names=with_names)


def _overdue_q(schools):
    """Actions due before their school's local today."""
    overdue = Q()
    for school in schools:
        overdue |= Q(incident__school_id=school.pk, due_on__lt=school.today())
    return overdue


def action_counts(incidents, *, schools):
    """Open actions (not done) on ``incidents`` per school and kind, and those overdue: two dicts
    ``{(school_id, kind): count}`` (one query). Overdue: due before the school's local today."""
    rows = (
        Action.objects.filter(incident__in=incidents.values("pk"), completed_at__isnull=True)
        .values("incident__school_id", "kind")
        .annotate(n=Count("id"), overdue=Count("id", filter=_overdue_q(schools)))
        .values_list("incident__school_id", "kind", "n", "overdue")
        .order_by()
    )
    open_counts, overdue_counts = {}, {}
    for school_id, kind, n, overdue in rows:
        open_counts[(school_id, kind)] = n
        if overdue:
            overdue_counts[(school_id, kind)] = overdue
    return open_counts, overdue_counts


def actions_from_counts(counts):
    """``open_actions``' two ``Breakdown`` from ``action_counts``."""
    labels = dict(Action.Kind.choices)
    return Breakdown(labels, counts[0]), Breakdown(dict(labels), counts[1])


def open_actions(incidents, *, schools):
    """Open actions (not done) on ``incidents``, per kind: ``(open, overdue)`` as two ``Breakdown`` keyed by
    ``Action.Kind`` (one query). Overdue: due before the school's local today."""
    return actions_from_counts(action_counts(incidents, schools=schools))


def pupils_on_roll(schools, filters):
    """Pupils on roll at the start of the period per school (``left_on`` empty or after ``filters.date_from``), those
    matching the pupil filters only: ``{school_id: count}`` (one query). The denominator of rates per 100 pupils."""
    pupils = Pupil.objects.filter(school__in=[school.pk for school in schools]).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=filters.date_from)
    )
    if filters.has_pupil_filter:
        pupils = pupils.filter(filters.pupil_q())
    return {row["school_id"]: row["n"] for row in pupils.values("school_id").annotate(n=Count("id")).order_by()}


# Rates per cohort (issue 16 item 10) ---------------------------------------------------------------------------------

# The cohorts of "rates per cohort": key → (the ``Pupil`` flag, or None for every pupil; label). SEN and EAL read as
# IEP and ELL on a US school's pages (``safeguard.country_words``); pupil premium and looked-after are UK-only
# (``cohorts_for``).
COHORTS = {
    "all": (None, _("All pupils")),
    "sen": ("has_sen", _("SEN")),
    "pupil_premium": ("is_pupil_premium", _("Pupil premium (PP)")),
    "eal": ("is_eal", _("EAL")),
    "looked_after": ("is_looked_after", _("Looked after (CLA)")),
}
UK_NATIONS = ("england", "wales", "scotland", "northern_ireland")


def cohorts_for(school):
    """The keys of ``COHORTS`` shown for ``school``: pupil premium only where the school uses England's identifiers
    and funding flags (``School.uses_uk_identifiers``, as the pupil page), looked-after (CLA, a status under the UK's
    children's law) only in the four UK nations — neither in a US or Türkiye school."""
    keys = []
    for key in COHORTS:
        if key == "pupil_premium" and not school.uses_uk_identifiers:
            continue
        if key == "looked_after" and school.country not in UK_NATIONS:
            continue
        keys.append(key)
    return keys


def cohort_counts(incidents, *, schools, filters):
    """For each cohort of ``COHORTS`` per school: pupils on roll (as ``pupils_on_roll``), incidents in which a pupil of
    the cohort is the alleged perpetrator or the subject, and such pupils — ``{(school_id, cohort): (on roll,
    incidents, pupils)}``. Two queries whatever the data (counted with ``COUNT(DISTINCT …)`` in the database). The
    pupil filters narrow both the pupils on roll and the pupils involved, so a rate is always of the same pupils."""
    pupils = Pupil.objects.filter(school__in=[school.pk for school in schools]).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=filters.date_from)
    )
    if filters.has_pupil_filter:
        pupils = pupils.filter(filters.pupil_q())
    sizes = pupils.values("school_id").annotate(
        **{
            f"n_{key}": Count("id", filter=Q(**{flag: True}) if flag else None)
            for key, (flag, _label) in COHORTS.items()
        }
    )
    involved = IncidentPupil.objects.filter(incident__in=incidents.values("pk"), role__in=PERPETRATOR_ROLES)
    if filters.has_pupil_filter:
        involved = involved.filter(filters.pupil_q("pupil__"))
    aggregates = {}
    for key, (flag, _label) in COHORTS.items():
        condition = Q(**{f"pupil__{flag}": True}) if flag else None
        aggregates[f"i_{key}"] = Count("incident_id", distinct=True, filter=condition)
        aggregates[f"p_{key}"] = Count("pupil_id", distinct=True, filter=condition)
    counts = {}
    for row in sizes.order_by():
        for key in COHORTS:
            counts[(row["school_id"], key)] = (row[f"n_{key}"], 0, 0)
    for row in involved.values("pupil__school_id").annotate(**aggregates).order_by():
        for key in COHORTS:
            size = counts.get((row["pupil__school_id"], key), (0, 0, 0))[0]
            counts[(row["pupil__school_id"], key)] = (size, row[f"i_{key}"], row[f"p_{key}"])
    return counts


@functools.lru_cache(maxsize=4096)
def percentage(count, of):
    """``count`` as a percentage of ``of``, to one decimal place (``Decimal``), or None when ``of`` is 0."""
    if not of:
        return None
    return (Decimal(count) * 100 / Decimal(of)).quantize(Decimal("0.1"))


# Same period last year ---------------------------------------------------------------------------------------------


def comparison_counts(school, filters, *, include_safeguarding, concerns_named, use_cache=True):
    """The headline counts of ``filters``' period for ``school`` — incidents per group (``summary``) and the cohort
    counts (``cohort_counts``) — as ``{"groups": {...}, "cohorts": {...}}``: what the dashboard sets beside this
    period's figures for the same period last year (``filters`` from ``DashboardFilterForm.previous_filters``).
    Three queries, cached like ``school_figures`` (same scope rules; on a cache miss, the school's current
    pre-counted snapshot of that period when there is one — one query)."""
    base = incident_queryset([school], filters, include_safeguarding=include_safeguarding)
    pupil_base = base if concerns_named else base.filter(is_safeguarding=False)
    scope = _scope_key(include_safeguarding, include_safeguarding and concerns_named)

    def count():
        return {
            "groups": summary(base).counts,
            "cohorts": cohort_counts(pupil_base, schools=[school], filters=filters),
        }

    def compute():
        from . import precount

        if precount.usable(filters):
            counts = precount.school_counts(school, filters, scope)
            if counts is not None:
                return precount.as_comparison(counts)
        return count()

    if not use_cache:
        return count()
    key = ("incident-dashboard-comparison", FIGURES_VERSION, school.pk, school.time_zone, scope, filters.cache_key())
    return datacache.cached(key, compute, topic=datacache.INCIDENTS, school_ids=[school.pk])


# Every figure of a dashboard at once, cached -----------------------------------------------------------------------

FIGURES_VERSION = 2  # part of every cache key: raise it when ``DashboardCounts`` changes shape


@dataclasses.dataclass
class DashboardCounts:
    """Every number of an incident dashboard as plain data — ints, dates and ids, no label and no pupil's name —
    which is what ``safeguard.datacache`` stores; ``DashboardFigures`` turns it into figures.

    ``groups``, ``locations``, ``bullying``: ``counts_by_group_location_and_bullying``; ``weekly``: ``(school_id,
    monday, level)`` → count; ``heat``: ``(school_id, day, hour)`` → count; ``categories``: ``category_counts``;
    ``repeated``: a ``RepeatedPupils`` with rows of pupil ids (``repeated_pupil_rows``) or counts only
    (``repeated_pupil_counts``); ``sanctions``: ``sanction_counts``; ``actions``: ``action_counts``; ``on_roll``:
    ``pupils_on_roll`` for rates per 100 pupils, or None; ``cohorts``: ``cohort_counts`` (a school's dashboard), or
    None.
    """

    groups: dict
    locations: dict
    bullying: dict
    weekly: dict
    heat: dict
    categories: dict
    repeated: RepeatedPupils
    sanctions: tuple
    actions: tuple
    on_roll: dict | None = None
    cohorts: dict | None = None


def dashboard_counts(
    incidents, *, schools, filters, pupil_incidents=None, pupil_rows=True, on_roll=False, cohorts=False
):
    """Count everything a dashboard shows for ``incidents`` (from ``incident_queryset(schools, filters, …)``): eight
    queries (nine with ``on_roll``, ten with ``cohorts``), whatever the number of incidents or schools.

    Args:
        pupil_incidents: the incidents the figures that pick out pupils count (pupils with repeated incidents);
            defaults to ``incidents``.
        pupil_rows: a row per pupil with repeated incidents (a school's dashboard) rather than only their number per
            school (the trust's comparison).
        on_roll: count the pupils on roll too (the trust's rates).
        cohorts: count the rates per cohort too (``cohort_counts`` of ``pupil_incidents``: two more queries).
    """
    groups, locations, bullying = counts_by_group_location_and_bullying(incidents)
    pupil_incidents = incidents if pupil_incidents is None else pupil_incidents
    repeated = repeated_pupil_rows if pupil_rows else repeated_pupil_counts
    return DashboardCounts(
        groups=groups,
        locations=locations,
        bullying=bullying,
        weekly=by_week_and_level(incidents, schools=schools, filters=filters).counts,
        heat=by_weekday_hour(incidents, schools=schools).counts,
        categories=category_counts(incidents, per_incident=filters.date_to - filters.date_from <= PER_INCIDENT_SPAN),
        repeated=repeated(pupil_incidents),
        sanctions=sanction_counts(incidents, filters),
        actions=action_counts(incidents, schools=schools),
        on_roll=pupils_on_roll(schools, filters) if on_roll else None,
        cohorts=cohort_counts(pupil_incidents, schools=schools, filters=filters) if cohorts else None,
    )


class DashboardFigures:
    """The figures of a dashboard from its ``DashboardCounts``: labels in the viewer's language, categories under
    their current names and pupils named now (one query each, when asked for) — the same objects the figure
    functions return."""

    def __init__(self, counts, *, filters):
        self.counts, self.filters = counts, filters

    @functools.cached_property
    def summary(self):
        return Breakdown(labels=dict(GROUP_LABELS), counts=self.counts.groups)

    @functools.cached_property
    def weekly(self):
        return WeeklyLevels(weeks=week_axis(self.filters), counts=self.counts.weekly)

    @functools.cached_property
    def heat(self):
        return HeatMap(counts=self.counts.heat)

    @functools.cached_property
    def categories(self):
        return category_breakdown(self.counts.categories)

    @functools.cached_property
    def locations(self):
        return Breakdown(labels=dict(Location.choices), counts=self.counts.locations)

    @functools.cached_property
    def bullying(self):
        return bullying_breakdown(self.counts.bullying)

    @functools.cached_property
    def prejudice(self):
        return prejudice(None, categories=self.categories, groups=self.summary)

    @functools.cached_property
    def actions(self):
        return actions_from_counts(self.counts.actions)

    @property
    def on_roll(self):
        return self.counts.on_roll

    @property
    def cohorts(self):
        """``cohort_counts`` of the period (a school's dashboard), or None."""
        return self.counts.cohorts

    @functools.cached_property
    def _named(self):
        """The pupils the figures list — with repeated incidents, and suspended for more than 5 days — named now, in
        one query for both: ``(RepeatedPupils, over_5 rows)``, each list ordered as the figure functions order it."""
        data = self.counts.repeated
        repeated = RepeatedPupils(
            data.threshold, data.counts, [dict(row) for row in data.perpetrators], [dict(row) for row in data.victims]
        )
        over_5 = [dict(row) for row in self.counts.sanctions[2]]
        name_pupils(repeated.perpetrators, repeated.victims, over_5)
        for pupils in (repeated.perpetrators, repeated.victims):
            pupils.sort(key=lambda pupil: (-pupil["count"], pupil["name"]))
        over_5.sort(key=lambda pupil: (-pupil["days"], pupil["name"]))
        return repeated, over_5

    def repeated(self, *, with_names=False):
        """``RepeatedPupils``: its pupils listed by name ``with_names``, otherwise only counted."""
        if with_names:
            return self._named[0]
        data = self.counts.repeated
        return RepeatedPupils(data.threshold, data.counts, [], [])

    def sanctions(self, *, with_names=False):
        """``Sanctions``: the pupils over 5 days listed by name ``with_names``, otherwise only counted."""
        totals, reason_counts, _over_5 = self.counts.sanctions
        reasons = Breakdown(dict(SuspensionReason.choices), reason_counts)
        return Sanctions(totals=totals, reasons=reasons, over_5=self._named[1] if with_names else [])


def _scope_key(include_safeguarding, concerns_named):
    """Who the figures are for, as part of a cache key: whether safeguarding concerns are counted, and whether they
    are counted in the figures that pick out pupils (after the second factor)."""
    if not include_safeguarding:
        return "without-concerns"
    return "with-concerns" if concerns_named else "with-concerns-not-in-pupil-figures"


def school_figures(school, filters, *, include_safeguarding, concerns_named, use_cache=True):
    """The ``DashboardFigures`` of one school's dashboard, from the figures cache while the school's incidents and
    pupils are unchanged (``safeguard.datacache``; the key holds the viewer's scope and the filters).

    Args:
        include_safeguarding: count safeguarding concerns (``VIEW_SAFEGUARDING`` in the school).
        concerns_named: count concerns in the figures that pick out pupils too (the second factor is confirmed);
            otherwise those figures leave them out.
        use_cache: False to count afresh (exports).

    On a figures-cache miss, a request filtered by dates alone reads the school's pre-counted snapshot while it is
    current (``reports.precount``: one query), and counts live otherwise.
    """
    base = incident_queryset([school], filters, include_safeguarding=include_safeguarding)
    pupil_base = base if concerns_named else base.filter(is_safeguarding=False)
    scope = _scope_key(include_safeguarding, include_safeguarding and concerns_named)

    def count():
        return dashboard_counts(base, schools=[school], filters=filters, pupil_incidents=pupil_base, cohorts=True)

    def compute():
        from . import precount

        if precount.usable(filters):
            counts = precount.school_counts(school, filters, scope)
            if counts is not None:
                return precount.as_school(counts)
        return count()

    key = ("incident-dashboard", FIGURES_VERSION, "school", school.pk, school.time_zone, scope, filters.cache_key())
    if not use_cache:
        return DashboardFigures(count(), filters=filters)
    return DashboardFigures(
        datacache.cached(key, compute, topic=datacache.INCIDENTS, school_ids=[school.pk]), filters=filters
    )


def trust_figures(schools, filters, *, use_cache=True):
    """The ``DashboardFigures`` of the trust's comparison of ``schools`` (already narrowed by ``filters.school_ids``):
    no safeguarding concern counted, pupils with repeated incidents counted but never listed, and the pupils on roll
    for rates. From the figures cache while no school's incidents or pupils change; ``use_cache`` False counts
    afresh. On a cache miss, a request filtered by dates (and schools) alone reads each school's current pre-counted
    snapshot in one query and counts only the other schools live (``reports.precount.trust_counts``)."""
    schools = list(schools)

    def count(counted=schools):
        base = incident_queryset(counted, filters, include_safeguarding=False)
        return dashboard_counts(base, schools=counted, filters=filters, pupil_rows=False, on_roll=True)

    def compute():
        from . import precount

        if precount.usable(filters) and schools:
            return precount.trust_counts(schools, filters, count)
        return count()

    key = (
        "incident-dashboard",
        FIGURES_VERSION,
        "trust",
        tuple((school.pk, school.time_zone, school.today().isoformat()) for school in schools),
        _scope_key(False, False),
        filters.cache_key(),
    )
    if not use_cache:
        return DashboardFigures(count(), filters=filters)
    counts = datacache.cached(key, compute, topic=datacache.INCIDENTS, school_ids=[school.pk for school in schools])
    return DashboardFigures(counts, filters=filters)


# Drill-down -------------------------------------------------------------------------------------------------------

FIGURES = {
    "total": _("All incidents"),
    "group": _("Group"),
    "week": _("Week"),
    "level": _("Level"),
    "category": _("Category"),
    "time": _("Day and time"),
    "location": _("Where"),
    "repeated_perpetrator": _("Pupil with repeated incidents (perpetrator or subject)"),
    "repeated_victim": _("Pupil with repeated incidents (victim)"),
    "bullying_type": _("Type of bullying"),
    "prejudice": _("Prejudice-related"),
    "sanction": _("Suspensions and exclusions"),
    "sanction_reason": _("Suspension or exclusion reason"),
    "suspended_pupil": _("Pupil suspended for more than 5 days"),
    "actions": _("Actions"),
}


class UnknownFigure(ValueError):
    """The figure or key of a drill-down is not one the dashboard shows (the view answers 404)."""


def parse_level(value):
    if value in ("", "none"):
        return None
    if value not in {"1", "2", "3", "4", "5"}:
        raise UnknownFigure(value)
    return int(value)


def parse_day(value):
    """A date key of a drill-down (``YYYY-MM-DD``)."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise UnknownFigure(value) from None


def parse_public_id(value):
    """A pupil's public id as a drill-down key."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise UnknownFigure(value) from None


def _week_q(schools, monday):
    week = Q()
    for zone, school_ids in zones_of(schools).items():
        week |= Q(
            school_id__in=school_ids,
            occurred_at__gte=local_midnight(monday, zone),
            occurred_at__lt=local_midnight(monday + datetime.timedelta(weeks=1), zone),
        )
    return week


def figure_incidents(incidents, figure, key, *, schools, filters):
    """The incidents behind one number of a figure: ``incidents`` (from ``incident_queryset``) narrowed to
    ``figure`` (a key of ``FIGURES``) and ``key``. Raises ``UnknownFigure`` for a figure or key it does not know.

    Keys: group — a ``CategoryGroup`` value or "total"; week — a Monday ``YYYY-MM-DD``, optionally ``:level``
    (1–5 or "none"); level — 1–5 or "none"; category — a category code; time — ``day:hour`` (ISO day 1–7, hour
    0–23, local time); location — a ``Location``; repeated_* and suspended_pupil — a pupil's public id; bullying_type
    — a ``BullyingType`` (or "" for none given); prejudice — racist, homophobic, disablist or "any"; sanction —
    suspension or permanent_exclusion; sanction_reason — a DfE code; actions — "open" or "overdue", optionally
    ``:kind``.
    """
    if figure == "total" or (figure == "group" and key == "total"):
        return incidents
    if figure == "group":
        try:
            return incidents.filter(**{GROUP_FLAGS[CategoryGroup(key)]: True})
        except ValueError:
            raise UnknownFigure(key) from None
    if figure == "week":
        monday, _sep, level = key.partition(":")
        found = incidents.filter(_week_q(schools, parse_day(monday)))
        return found.filter(behaviour_level=parse_level(level)) if level else found
    if figure == "level":
        return incidents.filter(behaviour_level=parse_level(key))
    if figure == "category":
        return incidents.filter(categories__code=key)
    if figure == "time":
        day, _sep, hour = key.partition(":")
        if not (day.isdigit() and hour.isdigit() and 1 <= int(day) <= 7 and 0 <= int(hour) <= 23):
            raise UnknownFigure(key)
        condition = Q()
        for index, (zone, school_ids) in enumerate(zones_of(schools).items()):
            incidents = incidents.annotate(
                **{
                    f"_day{index}": ExtractIsoWeekDay("occurred_at", tzinfo=zone),
                    f"_hour{index}": ExtractHour("occurred_at", tzinfo=zone),
                }
            )
            condition |= Q(school_id__in=school_ids, **{f"_day{index}": int(day), f"_hour{index}": int(hour)})
        return incidents.filter(condition)
    if figure == "location":
        if key not in Location.values:
            raise UnknownFigure(key)
        return incidents.filter(location=key)
    if figure in ("repeated_perpetrator", "repeated_victim"):
        roles = PERPETRATOR_ROLES if figure == "repeated_perpetrator" else (IncidentPupil.Role.VICTIM,)
        involved = IncidentPupil.objects.filter(
            incident=OuterRef("pk"), pupil__public_id=parse_public_id(key), role__in=roles
        )
        return incidents.filter(Exists(involved))
    if figure == "bullying_type":
        if key and key not in BullyingType.values:
            raise UnknownFigure(key)
        return incidents.filter(is_bullying=True, bullying_type=key)
    if figure == "prejudice":
        if key == "any":
            return incidents.filter(is_prejudice=True)
        if key not in PREJUDICE_CODES:
            raise UnknownFigure(key)
        return incidents.filter(categories__code=key)
    if figure in ("sanction", "sanction_reason", "suspended_pupil"):
        sanctions = Sanction.objects.filter(incident=OuterRef("pk"), voided_at__isnull=True)
        if filters.has_pupil_filter:
            sanctions = sanctions.filter(filters.pupil_q("pupil__"))
        if figure == "sanction":
            if key not in EXCLUSION_KINDS:
                raise UnknownFigure(key)
            sanctions = sanctions.filter(kind=key)
        elif figure == "sanction_reason":
            if key not in SuspensionReason.values:
                raise UnknownFigure(key)
            sanctions = sanctions.filter(Q(reason_1=key) | Q(reason_2=key) | Q(reason_3=key), kind__in=EXCLUSION_KINDS)
        else:
            sanctions = sanctions.filter(kind=Sanction.Kind.SUSPENSION, pupil__public_id=parse_public_id(key))
        return incidents.filter(Exists(sanctions))
    if figure == "actions":
        state, _sep, kind = key.partition(":")
        if state not in ("open", "overdue") or (kind and kind not in Action.Kind.values):
            raise UnknownFigure(key)
        actions = Action.objects.filter(incident=OuterRef("pk"), completed_at__isnull=True)
        if state == "overdue":
            actions = actions.filter(_overdue_q(schools))
        if kind:
            actions = actions.filter(kind=kind)
        return incidents.filter(Exists(actions))
    raise UnknownFigure(figure)
