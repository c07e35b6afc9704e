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

``figure_incidents`` gives the incidents behind one figure's number (the dashboard's drill-down), from the same
definitions, so a drill-down always lists what the figure counted.
"""

import dataclasses
import datetime
import uuid
import zoneinfo
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import (
    GROUP_FLAGS,
    Action,
    BullyingType,
    CategoryGroup,
    Incident,
    IncidentPupil,
    Location,
    Sanction,
    SuspensionReason,
)
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


def rate_per_100(count, on_roll):
    """``count`` per 100 pupils on roll, to one decimal place (``Decimal``), or None without pupils."""
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
        rows = (
            incidents.filter(school_id__in=school_ids)
            .annotate(week=TruncWeek("occurred_at", tzinfo=zone))
            .values("school_id", "week", "behaviour_level")
            .annotate(n=Count("*"))
        )
        for row in rows:
            week = row["week"]
            monday = week.astimezone(zone).date() if timezone.is_aware(week) else week.date()
            key = (row["school_id"], monday, row["behaviour_level"])
            counts[key] = counts.get(key, 0) + row["n"]
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


def by_category(incidents, *, schools=None):
    """Incidents per category (through the incident's categories: an incident with two categories counts in both).

    Keys are category codes (the same code means the same category in every school); the label is the category's
    name; ``groups`` maps each code to its ``CategoryGroup``. Ordered by group, then the school's order.
    ``schools``: the schools of ``incidents`` (optional; makes the query faster on a large log).
    """
    rows = list(_category_rows(incidents, schools, "code", "name", "group", "order"))
    group_order = {group.value: index for index, group in enumerate(CategoryGroup)}
    rows.sort(key=lambda row: (group_order.get(row["group"], 99), row["order"], row["code"]))
    labels, groups = {}, {}
    for row in rows:
        labels.setdefault(row["code"], row["name"])
        groups.setdefault(row["code"], row["group"])
    return Breakdown(labels=labels, counts=_breakdown(rows, "code", labels).counts, groups=groups)


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
            .values("school_id", "day", "hour")
            .annotate(n=Count("*"))
        )
        for row in rows:
            counts[(row["school_id"], row["day"], row["hour"])] = row["n"]
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
    ``{"school_id", "public_id", "name", "year_group", "count"}``, most incidents first — empty unless names were
    asked for.
    """

    threshold: int
    counts: dict
    perpetrators: list
    victims: list

    def count(self, role, school_id=None):
        return sum(
            n for (school, r), n in self.counts.items() if r == role and (school_id is None or school == school_id)
        )


def _display_name(row, prefix="pupil__"):
    first = row[f"{prefix}preferred_first_name"] or row[f"{prefix}legal_first_name"]
    last = row[f"{prefix}preferred_last_name"] or row[f"{prefix}legal_last_name"]
    return f"{first} {last}"


NAME_FIELDS = (
    "pupil__public_id",
    "pupil__legal_first_name",
    "pupil__legal_last_name",
    "pupil__preferred_first_name",
    "pupil__preferred_last_name",
    "pupil__year_group__name",
)


def repeated_pupils(incidents, *, threshold=REPEATED_THRESHOLD, with_names=False):
    """Pupils with ``threshold`` or more incidents in ``incidents``, per role (one query).

    Args:
        with_names: return the pupils' names — only for viewers who may see them (SLT, head, DSL team of the
            school); otherwise only the number of such pupils per school.
    """
    roles = {
        "perpetrator": Count("incident_id", filter=Q(role__in=PERPETRATOR_ROLES)),
        "victim": Count("incident_id", filter=Q(role=IncidentPupil.Role.VICTIM)),
    }
    fields = ["pupil_id", "pupil__school_id", *(NAME_FIELDS if with_names else ())]
    rows = (
        IncidentPupil.objects.filter(incident__in=incidents.values("pk"))
        .values(*fields)
        .annotate(**roles)
        .filter(Q(perpetrator__gte=threshold) | Q(victim__gte=threshold))
        .order_by()
    )
    counts, named = {}, {"perpetrator": [], "victim": []}
    for row in rows:  # one row per pupil with repeated incidents
        for role in roles:
            if row[role] >= threshold:
                key = (row["pupil__school_id"], role)
                counts[key] = counts.get(key, 0) + 1
                if with_names:
                    named[role].append(
                        {
                            "school_id": row["pupil__school_id"],
                            "public_id": row["pupil__public_id"],
                            "name": _display_name(row),
                            "year_group": row["pupil__year_group__name"] or "",
                            "count": row[role],
                        }
                    )
    for role in named:
        named[role].sort(key=lambda pupil: (-pupil["count"], pupil["name"]))
    return RepeatedPupils(threshold, counts, named["perpetrator"], named["victim"])


@dataclasses.dataclass
class Sanctions:
    """Suspensions and permanent exclusions recorded for the incidents (withdrawn ones left out), per school.

    ``totals``: ``school_id`` → ``{"suspensions", "days" (Decimal), "pupils" (suspended), "exclusions",
    "pupils_over_5"}``; ``reasons``: a ``Breakdown`` of DfE reason codes (a sanction counts once per reason given);
    ``over_5``: rows ``{"school_id", "public_id", "name", "year_group", "days"}`` — empty unless names were asked for.
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


def sanctions(incidents, filters=None, *, with_names=False):
    """Suspensions (number, total days, pupils suspended, pupils over 5 days in the period), permanent exclusions,
    and both by DfE reason code — one query, grouped by pupil, added up per school.

    Sanctions belong to the period through their incident. ``filters`` (optional) applies the pupil filters to the
    suspended pupil too.
    """
    suspension = Q(kind=Sanction.Kind.SUSPENSION)
    aggregates = {
        "suspensions": Count("id", filter=suspension),
        "days": Sum("days", filter=suspension),
        "exclusions": Count("id", filter=Q(kind=Sanction.Kind.PERMANENT_EXCLUSION)),
    }
    for code in SuspensionReason.values:
        aggregates[f"reason_{code}"] = Count("id", filter=Q(reason_1=code) | Q(reason_2=code) | Q(reason_3=code))
    fields = ["pupil_id", "pupil__school_id", *(NAME_FIELDS if with_names else ())]
    rows = sanctions_queryset(incidents, filters).values(*fields).annotate(**aggregates).order_by()
    totals, reason_counts, named = {}, {}, []
    for row in rows:  # one row per pupil with a suspension or exclusion in the period
        school_id, days = row["pupil__school_id"], row["days"] or Decimal(0)
        total = totals.setdefault(
            school_id, {"suspensions": 0, "days": Decimal(0), "pupils": 0, "exclusions": 0, "pupils_over_5": 0}
        )
        total["suspensions"] += row["suspensions"]
        total["days"] += days
        total["pupils"] += 1 if row["suspensions"] else 0
        total["exclusions"] += row["exclusions"]
        for code in SuspensionReason.values:
            if row[f"reason_{code}"]:
                reason_counts[(school_id, code)] = reason_counts.get((school_id, code), 0) + row[f"reason_{code}"]
        if days > SUSPENSION_DAYS_OVER:
            total["pupils_over_5"] += 1
            if with_names:
                named.append(
                    {
                        "school_id": school_id,
                        "public_id": row["pupil__public_id"],
                        "name": _display_name(row),
                        "year_group": row["pupil__year_group__name"] or "",
                        "days": days,
                    }
                )
    named.sort(key=lambda pupil: (-pupil["days"], pupil["name"]))
    return Sanctions(totals=totals, reasons=Breakdown(dict(SuspensionReason.choices), reason_counts), over_5=named)


def _overdue_q(schools):
    """Actions due before their school's local today."""
    overdue = Q()
    for school in schools:
        overdue |= Q(incident__school_id=school.pk, due_on__lt=school.today())
    return overdue


def open_actions(incidents, *, schools):
    """Open actions (not done) on ``incidents``, per kind: ``(open, overdue)`` as two ``Breakdown`` keyed by
    ``Action.Kind`` (one query). Overdue: due before the school's local today."""
    rows = (
        Action.objects.filter(incident__in=incidents.values("pk"), completed_at__isnull=True)
        .values("incident__school_id", "kind")
        .annotate(n=Count("id"), overdue=Count("id", filter=_overdue_q(schools)))
        .order_by()
    )
    labels = dict(Action.Kind.choices)
    open_counts, overdue_counts = {}, {}
    for row in rows:
        open_counts[(row["incident__school_id"], row["kind"])] = row["n"]
        if row["overdue"]:
            overdue_counts[(row["incident__school_id"], row["kind"])] = row["overdue"]
    return Breakdown(labels, open_counts), Breakdown(dict(labels), overdue_counts)


def pupils_on_roll(schools, filters):
    """Pupils on roll at the start of the period per school (``left_on`` empty or after ``filters.date_from``), those
    matching the pupil filters only: ``{school_id: count}`` (one query). The denominator of rates per 100 pupils."""
    pupils = Pupil.objects.filter(school__in=[school.pk for school in schools]).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=filters.date_from)
    )
    if filters.has_pupil_filter:
        pupils = pupils.filter(filters.pupil_q())
    return {row["school_id"]: row["n"] for row in pupils.values("school_id").annotate(n=Count("id")).order_by()}


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
