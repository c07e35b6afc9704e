"""The incident dashboards: a school's dashboard for senior leaders and the DSL team, the list behind any of its
figures, CSV of any figure or list; the trust's comparison of its schools and each school's dashboard as the trust
sees it.

Who sees what (``safeguard.permissions``):
- A school's dashboard and its drill-downs: ``VIEW_INCIDENT_DASHBOARD`` (SLT, head, DSL team); 404 for anyone else.
  Safeguarding concerns are counted only for ``VIEW_SAFEGUARDING`` (the DSL team and the head); for everyone else
  they are left out of every figure, and the page says so. Drill-down lists hold only what the viewer may read
  (``incidents_visible_to``); a concern's pupils are named there only after the second factor, and until then
  concerns are left out of the lists and figures that pick out pupils.
- Praise (``achievements``) stands beside the incidents on a school's dashboard, for the same period and pupil
  filters: counts and points only, no pupil named; the trust's view of a school shows the same counts.
- The trust's pages: ``VIEW_TRUST`` on the organisation. No safeguarding concern in any figure, no pupil's name
  (pupils with repeated incidents are counted), no drill-down; a trust admin who also holds a role in a school uses
  that school's own dashboard for more.

All numbers come from ``reports.figures`` (``school_figures`` and ``trust_figures``: cached until the schools'
incidents or pupils change, per viewer scope and filters; CSV exports count afresh); charts and tables are laid out by
``reports.charts``.
"""

import csv
import decimal
import functools
import zoneinfo
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape as escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from achievements import selectors as achievement_selectors
from incidents.models import (
    Action,
    BullyingType,
    CategoryGroup,
    IncidentCategory,
    IncidentPupil,
    Location,
    Sanction,
    SuspensionReason,
)
from incidents.services import concerns_shown_log
from safeguard import filter_fields, permissions
from safeguard.accounts import otp
from safeguard.audit.services import client_ip
from safeguard.country_words import local_date
from safeguard.directory.models import Pupil

from . import charts, figures, suppression
from .charts import Cell, Table, num
from .filters import DashboardFilterForm
from .suppression import NOT_SHOWN

PAGE_SIZE = 50
LIST_LIMIT = 20  # pupils with repeated incidents listed on the page per role; the CSV has them all
RATE_LABEL = gettext_lazy("per 100 pupils")


def _week_label(monday, long=False):
    return local_date(monday, "j M Y" if long else "j M")


class Section:
    """One figure on the page: a title, a chart (``kind`` names its template) and the tables of its numbers."""

    def __init__(self, name, title, *, tables, chart=None, kind="", intro=""):
        self.name, self.title, self.tables, self.chart, self.kind, self.intro = name, title, tables, chart, kind, intro


# Comparisons and rates in words -------------------------------------------------------------------------------------

MINUS = "\u2212"  # a true minus sign, read as "minus" by screen readers


def change_in_words(now, before):
    """The change from ``before`` to ``now`` (ints) with its sign and in words: "+3 (3 more, up 25%)", "−2 (2 fewer,
    down 10%)", "0 (no change)" — never by colour alone."""
    difference = now - before
    if not difference:
        return _("0 (no change)")
    share = figures.percentage(abs(difference), before) if before else None
    if difference > 0:
        if share is None:
            return _("+%(n)s (%(n)s more; none last year)") % {"n": difference}
        return _("+%(n)s (%(n)s more, up %(share)s)") % {"n": difference, "share": percent_text(share)}
    if share is None:  # pragma: no cover — fewer than nothing cannot happen
        return _("%(minus)s%(n)s (%(n)s fewer)") % {"minus": MINUS, "n": -difference}
    return _("%(minus)s%(n)s (%(n)s fewer, down %(share)s)") % {
        "minus": MINUS,
        "n": -difference,
        "share": percent_text(share),
    }


def points_in_words(now, before):
    """The change between two percentages (``Decimal``) in percentage points, with its sign and in words."""
    difference = now - before
    if not difference:
        return _("0 (no change)")
    points = localize(abs(difference))
    if difference > 0:
        return _("+%(points)s points (higher)") % {"points": points}
    return _("%(minus)s%(points)s points (lower)") % {"minus": MINUS, "points": points}


def percent_text(value):
    """A percentage (``Decimal``) as the language writes it ("12.5%"; Turkish puts the sign first)."""
    return _("%(value)s%%") % {"value": localize(value)}


def cohort_cells(counts):
    """The cells of one cohort's row from ``(on roll, incidents, pupils)``, with the small-number rule
    (``reports.suppression``): a count of 1–4 reads "fewer than 5"; a rate that would reveal a hidden count (its
    count or the cohort hidden) reads "not shown"; a group with no pupil on roll has no rate ("—"). Returns
    ``{"cells": [on roll, incidents, per 100, pupils, share], "share": Decimal or None}`` — ``share`` only when shown.
    """
    on_roll, incidents, pupils = counts
    size = suppression.cell(on_roll)
    incident_cell, pupil_cell = suppression.cell(incidents), suppression.cell(pupils)
    if size.suppressed:
        incident_cell = pupil_cell = suppression.Cell(None, True, withheld=True)
    if not on_roll:
        per_100 = share = None
        rate_text = share_text = "—"
    else:
        per_100 = figures.rate_per_100(incidents, on_roll)
        share = figures.percentage(pupils, on_roll)
        rate_text = str(NOT_SHOWN) if incident_cell.value is None and incidents else localize(per_100)
        share_text = str(NOT_SHOWN) if pupil_cell.value is None and pupils else percent_text(share)
        if size.suppressed:
            rate_text = share_text = str(NOT_SHOWN)
        if share_text == str(NOT_SHOWN):
            share = None
    cells = [
        Cell(size.display, numeric=True),
        Cell(incident_cell.display, numeric=True),
        Cell(rate_text, numeric=True),
        Cell(pupil_cell.display, numeric=True),
        Cell(share_text, numeric=True),
    ]
    return {"cells": cells, "share": share}


def _ratio(praise, incidents):
    """Praise for each incident, to one decimal place ("3.5"), or "—" when there were no incidents."""
    if not incidents:
        return "—"
    return localize(round(decimal.Decimal(praise) / decimal.Decimal(incidents), 1))


# A school's dashboard -----------------------------------------------------------------------------------------------


class SchoolDashboard:
    """The figures of one school's dashboard for one viewer, each computed on first use.

    Args:
        school, filters: the school and the ``DashboardFilters``.
        include_safeguarding: the viewer may count safeguarding concerns (``VIEW_SAFEGUARDING``).
        names: the viewer may see the names of pupils with repeated incidents or long suspensions.
        drill_url: the drill-down page's URL, or "" when figures are not links.
        verified: the viewer has confirmed their second factor (concerns then count in figures that name pupils).
        list_limit: the most pupils listed per role on the page (None for every one: the CSV).
        previous: ``(DashboardFilters, cut)`` of the same period last year (``DashboardFilterForm.previous_filters``)
            to set beside the headline figures, or None.
    """

    SECTIONS = (
        "summary",
        "positives",
        "cohorts",
        "weeks",
        "categories",
        "time",
        "locations",
        "repeated",
        "bullying",
        "sanctions",
        "actions",
    )
    # CSV ``view`` → the section holding that table.
    TABLES = {
        "summary": "summary",
        "positives": "positives",
        "positive_categories": "positives",
        "cohorts": "cohorts",
        "weeks": "weeks",
        "categories": "categories",
        "time": "time",
        "locations": "locations",
        "repeated": "repeated",
        "bullying": "bullying",
        "prejudice": "bullying",
        "sanctions": "sanctions",
        "sanction_reasons": "sanctions",
        "suspended_pupils": "sanctions",
        "actions": "actions",
    }

    def __init__(
        self,
        *,
        school,
        filters,
        include_safeguarding,
        names,
        drill_url="",
        verified=False,
        list_limit=LIST_LIMIT,
        use_cache=True,
        previous=None,
    ):
        self.school, self.filters, self.list_limit = school, filters, list_limit
        self.previous, self.previous_cut = previous if previous else (None, False)
        self.use_cache, self.verified = use_cache, verified
        self.query = filters.as_query()
        self.schools = [school]
        self.include_safeguarding, self.names, self.drill_url = include_safeguarding, names, drill_url
        # Figures that pick out pupils leave concerns out until the second factor (as the incident list's search).
        self.concerns_left_out_of_names = include_safeguarding and not verified
        self.figures = figures.school_figures(
            school,
            filters,
            include_safeguarding=include_safeguarding,
            concerns_named=verified,
            use_cache=use_cache,
        )

    def link(self, figure, key=""):
        if not self.drill_url:
            return ""
        return f"{self.drill_url}?{self.query}&figure={figure}&key={key}"

    def section(self, name):
        return getattr(self, f"_section_{name}")()

    def sections(self):
        return [self.section(name) for name in self.SECTIONS]

    def table(self, name):
        """The table a CSV ``view`` names, or None."""
        if name not in self.TABLES:
            return None
        return next((table for table in self.section(self.TABLES[name]).tables if table.name == name), None)

    # Sections.

    def _groups(self):
        groups = [group for group in CategoryGroup if group != CategoryGroup.SAFEGUARDING or self.include_safeguarding]
        return ["total", *[group.value for group in groups]]

    @functools.cached_property
    def comparison(self):
        """The headline counts of the same period last year (``figures.comparison_counts``), or None."""
        if self.previous is None:
            return None
        return figures.comparison_counts(
            self.school,
            self.previous,
            include_safeguarding=self.include_safeguarding,
            concerns_named=self.verified,
            use_cache=self.use_cache,
        )

    def previous_text(self):
        """The period compared with, in words: "Same period last year: 2 Sep 2025 – 4 Dec 2025 (to the same point)"."""
        if self.previous is None:
            return ""
        text = _("Same period last year: %(start)s – %(end)s") % {
            "start": local_date(self.previous.date_from, "j M Y"),
            "end": local_date(self.previous.date_to, "j M Y"),
        }
        if self.previous.period_label:
            text += f" ({self.previous.period_label})"
        if self.previous_cut:
            text += " — " + _("to the same point, as this period is not over yet")
        return text

    def _section_summary(self):
        data = self.figures.summary
        rows = [[Cell(data.labels[key]), num(data.count(key), self.link("group", key))] for key in self._groups()]
        header = [_("Group"), _("Incidents")]
        note = ""
        if self.comparison is not None:
            before = self.comparison["groups"]
            for row, key in zip(rows, self._groups(), strict=True):
                previous = before.get((self.school.pk, key), 0)
                row += [num(previous), Cell(change_in_words(data.count(key), previous), numeric=True)]
            header += [_("Same period last year"), _("Change")]
            note = self.previous_text()
        chart = charts.bar_chart(
            [(data.labels[key], data.count(key), self.link("group", key)) for key in self._groups()[1:]],
            chart_id="chart-summary",
            title=_("Incidents by group"),
            description=_("Incidents of the period in each group; an incident may be in several groups."),
        )
        table = Table("summary", _("Incidents by group"), header, rows, note=note)
        return Section("summary", _("Overview"), tables=[table], chart=chart, kind="bars")

    @functools.cached_property
    def positives(self):
        """Praise of the period beside its incidents (``achievements.selectors.dashboard_counts``: two queries)."""
        return achievement_selectors.dashboard_counts(self.school, self.filters, previous=self.previous)

    def praise_link(self):
        """The school's list of praise for the period and the year group and class filters, or "" where figures are
        not links (the trust's view) or the list cannot narrow as the figures do (characteristics, recorder)."""
        if not self.drill_url or self.filters.characteristics or self.filters.recorder_id:
            return ""
        query = {"date_from": self.filters.date_from.isoformat(), "date_to": self.filters.date_to.isoformat()}
        if self.filters.year_group:
            query["year_group"] = self.filters.year_group
        if self.filters.school_class_id:
            query["school_class"] = self.filters.school_class_id
        return f"{reverse('achievements:list', args=[self.school.slug])}?{urlencode(query)}"

    def _section_positives(self):
        data, incidents = self.positives, self.figures.summary.count("total")
        praise_href = self.praise_link()
        rows = [
            ("incidents", _("Incidents"), incidents, self.link("total")),
            ("praise", _("Praise given"), data.praise, praise_href),
            ("points", _("Achievement points"), data.points, praise_href),
            ("pupils", _("Pupils praised"), data.pupils, ""),
        ]
        header = [_("Figure"), _("This period")]
        table_rows = [[Cell(label), num(count, href)] for _key, label, count, href in rows]
        ratio_now = _ratio(data.praise, incidents)
        note = _(
            "Praise is counted for the same dates and the same year group, class, pupil characteristics and recorder "
            "as the incidents; the group and level filters are about incidents only. Withdrawn praise is not counted."
        )
        if self.comparison is not None and data.before is not None:
            before = {"incidents": self.comparison["groups"].get((self.school.pk, "total"), 0), **data.before}
            for row, (key, _label, count, _href) in zip(table_rows, rows, strict=True):
                row += [num(before[key]), Cell(change_in_words(count, before[key]), numeric=True)]
            header += [_("Same period last year"), _("Change")]
            ratio_row = [Cell(_("Praise for each incident")), Cell(ratio_now, numeric=True)]
            ratio_row += [Cell(_ratio(before["praise"], before["incidents"]), numeric=True), Cell("")]
            note += " " + self.previous_text() + "."
        else:
            ratio_row = [Cell(_("Praise for each incident")), Cell(ratio_now, numeric=True)]
        table_rows.append(ratio_row)
        summary = Table("positives", _("Praise beside incidents"), header, table_rows, note=note)
        categories = Table(
            "positive_categories",
            _("Praise by what it was for"),
            [_("What for"), _("Praise given"), _("Achievement points")],
            [[Cell(name), num(count), num(points)] for name, count, points in data.categories],
            empty=_("No praise in this period."),
        )
        # Numbers only, no chart: the two counts sit side by side in the table, which a screen reader reads as is.
        return Section("positives", _("Positive behaviour"), tables=[summary, categories])

    def _section_cohorts(self):
        counts = self.figures.cohorts or {}
        before = (self.comparison or {}).get("cohorts")
        rows = []
        for key in figures.cohorts_for(self.school):
            now = cohort_cells(counts.get((self.school.pk, key), (0, 0, 0)))
            row = [Cell(figures.COHORTS[key][1]), *now["cells"]]
            if before is not None:
                then = cohort_cells(before.get((self.school.pk, key), (0, 0, 0)))
                change = ""
                if now["share"] is not None and then["share"] is not None:
                    change = points_in_words(now["share"], then["share"])
                else:
                    change = str(NOT_SHOWN) if counts.get((self.school.pk, key), (0,))[0] else "—"
                row += [then["cells"][-1], Cell(change, numeric=True)]
            rows.append(row)
        header = [
            _("Pupils"),
            _("Pupils on roll"),
            _("Incidents"),
            _("Incidents per 100 pupils"),
            _("Pupils with an incident"),
            _("Share with an incident"),
        ]
        if before is not None:
            header += [_("Share, same period last year"), _("Change")]
        note = _(
            "Incidents in which a pupil of the group is the alleged perpetrator or the subject; pupils on roll at the "
            "start of the period. A pupil may be in several groups. Counts from 1 to 4 read “fewer than 5”, and a rate "
            "that would reveal one is not shown."
        )
        if self.concerns_left_out_of_names:
            note += " " + _("Safeguarding concerns are counted here once you have confirmed your second factor.")
        if before is not None:
            note += " " + self.previous_text() + "."
        table = Table("cohorts", _("Rates per group of pupils"), header, rows, note=note)
        return Section("cohorts", _("Rates per group of pupils"), tables=[table])

    def _section_weeks(self):
        data = self.figures.weekly
        levels = figures.level_labels()
        rows, columns = [], []
        for monday in data.weeks:
            key, long_label = monday.isoformat(), _week_label(monday, long=True)  # formatted once for row and title
            row = [Cell(long_label)]
            segments = []
            for level in figures.LEVELS:
                count = data.count(monday, level)
                href = self.link("week", f"{key}:{level or 'none'}")
                row.append(num(count, href))
                segments.append((level, count, href))
            row.append(num(data.count(monday), self.link("week", key)))
            rows.append(row)
            columns.append(
                {
                    "label": _week_label(monday),
                    "title": _("Week of %(day)s") % {"day": long_label},
                    "segments": segments,
                }
            )
        footer = [
            [Cell(_("Total"), header=True)]
            + [num(data.count(level=level), self.link("level", level or "none")) for level in figures.LEVELS]
            + [num(data.count(), self.link("total"))]
        ]
        header = [_("Week beginning"), *[levels[level] for level in figures.LEVELS], _("Total")]
        table = Table("weeks", _("Incidents per week by level"), header, rows, footer=footer)
        chart = charts.stacked_columns(
            columns,
            [(level, levels[level], charts.LEVEL_COLOURS[level]) for level in figures.LEVELS],
            chart_id="chart-weeks",
            title=_("Incidents per week by level"),
            description=_(
                "Stacked columns: one per week, divided by behaviour level; the table below has the numbers."
            ),
        )
        return Section("weeks", _("Incidents per week by level"), tables=[table], chart=chart, kind="stacked")

    def _section_categories(self):
        data = self.figures.categories
        group_labels = dict(CategoryGroup.choices)
        items = data.rows(nonzero=True)
        rows = [
            [Cell(label), Cell(group_labels.get(data.groups[key], "")), num(count, self.link("category", key))]
            for key, label, count in items
        ]
        chart = charts.bar_chart(
            [(label, count, self.link("category", key)) for key, label, count in items],
            chart_id="chart-categories",
            title=_("Incidents by category"),
            description=_("Incidents of the period in each category."),
        )
        table = Table(
            "categories",
            _("Incidents by category"),
            [_("Category"), _("Group"), _("Incidents")],
            rows,
            note=_("An incident recorded under several categories counts under each."),
            empty=_("No incidents in this period."),
        )
        return Section("categories", _("By category"), tables=[table], chart=chart, kind="bars")

    def _section_time(self):
        data = self.figures.heat
        days, hours = data.days(), data.hours()
        cells = {
            (day, hour): (data.count(day, hour), self.link("time", f"{day}:{hour}")) for day in days for hour in hours
        }
        chart = charts.heat_map(
            [(day, figures.WEEKDAYS[day]) for day in days],
            [(hour, f"{hour:02d}") for hour in hours],
            cells,
            chart_id="chart-time",
            title=_("Incidents by day and time"),
            description=_("Rows are days of the week, columns hours of the day in the school's time; darker is more."),
        )
        rows = [
            [Cell(figures.WEEKDAYS[day])]
            + [num(cells[(day, hour)][0], cells[(day, hour)][1]) for hour in hours]
            + [num(data.count(day=day))]
            for day in days
        ]
        footer = [
            [Cell(_("Total"), header=True)] + [num(data.count(hour=hour)) for hour in hours] + [num(data.count())]
        ]
        header = [_("Day"), *[f"{hour:02d}:00" for hour in hours], _("Total")]
        table = Table("time", _("Incidents by day and time"), header, rows, footer=footer)
        return Section(
            "time",
            _("By day of the week and time of day"),
            tables=[table],
            chart=chart,
            kind="heatmap",
            intro=_("Times are the school's local time (%(zone)s).") % {"zone": self.school.time_zone},
        )

    def _section_locations(self):
        data = self.figures.locations
        items = data.rows()
        chart = charts.bar_chart(
            [(label, count, self.link("location", key)) for key, label, count in items],
            chart_id="chart-locations",
            title=_("Incidents by location"),
            description=_("Incidents of the period by where they happened."),
        )
        rows = [[Cell(label), num(count, self.link("location", key))] for key, label, count in items]
        table = Table("locations", _("Incidents by location"), [_("Where"), _("Incidents")], rows)
        return Section("locations", _("By location"), tables=[table], chart=chart, kind="bars")

    def _section_repeated(self):
        data = self.figures.repeated(with_names=self.names)
        roles = {"perpetrator": _("As perpetrator or subject of concern"), "victim": _("As victim")}
        if self.names:
            rows, more = [], {}
            for role, pupils in (("perpetrator", data.perpetrators), ("victim", data.victims)):
                figure = f"repeated_{role}"
                if self.list_limit is not None and len(pupils) > self.list_limit:
                    more[role] = len(pupils) - self.list_limit
                    pupils = pupils[: self.list_limit]
                rows += [
                    [
                        Cell(roles[role]),
                        Cell(pupil["name"], href=self.link(figure, pupil["public_id"])),
                        Cell(pupil["year_group"]),
                        num(pupil["count"], self.link(figure, pupil["public_id"])),
                    ]
                    for pupil in pupils
                ]
            header = [_("Role"), _("Pupil"), _("Year group"), _("Incidents")]
        else:
            rows, more = [[Cell(roles[role]), num(data.count(role))] for role in roles], {}
            header = [_("Role"), _("Pupils")]
        note = _("Pupils involved in %(n)s or more incidents of the period.") % {"n": data.threshold}
        for role, count in more.items():
            note += " " + _("%(role)s: %(count)s more pupils, in the CSV.") % {"role": roles[role], "count": count}
        if self.concerns_left_out_of_names:
            note += " " + _("Safeguarding concerns are counted here once you have confirmed your second factor.")
        table = Table(
            "repeated",
            _("Pupils with repeated incidents"),
            header,
            rows,
            note=note,
            empty=_("No pupil was involved in %(n)s or more incidents.") % {"n": data.threshold},
        )
        return Section("repeated", _("Pupils with repeated incidents"), tables=[table])

    def _section_bullying(self):
        data = self.figures.bullying
        items = data.rows()
        chart = charts.bar_chart(
            [(label, count, self.link("bullying_type", key)) for key, label, count in items],
            chart_id="chart-bullying",
            title=_("Bullying by type"),
            description=_("Bullying incidents of the period by type of bullying."),
        )
        rows = [[Cell(label), num(count, self.link("bullying_type", key))] for key, label, count in items]
        footer = [[Cell(_("All bullying"), header=True), num(data.total(), self.link("group", "bullying"))]]
        bullying = Table("bullying", _("Bullying by type"), [_("Type"), _("Incidents")], rows, footer=footer)
        prejudice_data = self.figures.prejudice
        prejudice = Table(
            "prejudice",
            _("Prejudice-related incidents"),
            [_("Kind"), _("Incidents")],
            [[Cell(label), num(count, self.link("prejudice", key))] for key, label, count in prejudice_data.rows()],
            note=_("Reported to governors each term (racist incidents: the Macpherson definition)."),
        )
        return Section(
            "bullying",
            _("Bullying and prejudice-related incidents"),
            tables=[bullying, prejudice],
            chart=chart,
            kind="bars",
        )

    def _section_sanctions(self):
        data = self.figures.sanctions(with_names=self.names)
        summary = Table(
            "sanctions",
            _("Suspensions and permanent exclusions"),
            [_("Figure"), _("Number")],
            [
                [Cell(_("Suspensions")), num(data.total("suspensions"), self.link("sanction", "suspension"))],
                [Cell(_("School days of suspension")), num(data.total("days"))],
                [Cell(_("Pupils suspended")), num(data.total("pupils"))],
                [Cell(_("Pupils suspended for more than 5 days")), num(data.total("pupils_over_5"))],
                [
                    Cell(_("Permanent exclusions")),
                    num(data.total("exclusions"), self.link("sanction", Sanction.Kind.PERMANENT_EXCLUSION)),
                ],
            ],
            note=_("Suspensions and exclusions recorded for the incidents of the period."),
        )
        reasons = Table(
            "sanction_reasons",
            _("By reason"),
            [_("Reason"), _("Suspensions and exclusions")],
            [
                [Cell(label), num(count, self.link("sanction_reason", key))]
                for key, label, count in data.reasons.rows(nonzero=True)
            ],
            note=_("A suspension with several reasons counts under each."),
            empty=_("No suspensions or exclusions."),
        )
        tables = [summary, reasons]
        if self.names:
            tables.append(
                Table(
                    "suspended_pupils",
                    _("Pupils suspended for more than 5 days"),
                    [_("Pupil"), _("Year group"), _("School days")],
                    [
                        [
                            Cell(pupil["name"], href=self.link("suspended_pupil", pupil["public_id"])),
                            Cell(pupil["year_group"]),
                            num(pupil["days"]),
                        ]
                        for pupil in data.over_5
                    ],
                    empty=_("No pupil was suspended for more than 5 days."),
                )
            )
        return Section("sanctions", _("Suspensions and exclusions"), tables=tables)

    def _section_actions(self):
        open_, overdue = self.figures.actions
        rows = [
            [
                Cell(label),
                num(count, self.link("actions", f"open:{key}")),
                num(overdue.count(key), self.link("actions", f"overdue:{key}")),
            ]
            for key, label, count in open_.rows(nonzero=True)
        ]
        footer = [
            [
                Cell(_("All actions"), header=True),
                num(open_.total(), self.link("actions", "open")),
                num(overdue.total(), self.link("actions", "overdue")),
            ]
        ]
        table = Table(
            "actions",
            _("Open and overdue actions"),
            [_("Action"), _("Open"), _("Overdue")],
            rows,
            footer=footer,
            note=_("Actions not yet done on the incidents of the period; overdue: due before today."),
        )
        return Section("actions", _("Open and overdue actions"), tables=[table])


# The trust comparison ------------------------------------------------------------------------------------------------


class TrustComparison:
    """The trust's schools side by side on every figure: counts and rates per 100 pupils on roll. No safeguarding
    concern is counted and no pupil is named."""

    TABLES = (
        "summary",
        "levels",
        "weeks",
        "categories",
        "days",
        "hours",
        "locations",
        "repeated",
        "bullying",
        "prejudice",
        "sanctions",
        "sanction_reasons",
        "actions",
        "actions_overdue",
    )

    def __init__(self, *, organisation, schools, filters, use_cache=True):
        self.organisation, self.filters = organisation, filters
        self.schools = [school for school in schools if not filters.school_ids or school.pk in filters.school_ids]
        self.figures = figures.trust_figures(self.schools, filters, use_cache=use_cache)

    @property
    def on_roll(self):
        return self.figures.on_roll

    @property
    def summary(self):
        return self.figures.summary

    @property
    def categories(self):
        return self.figures.categories

    @property
    def weekly(self):
        return self.figures.weekly

    @property
    def heat(self):
        return self.figures.heat

    @functools.cached_property
    def sanctions_figure(self):
        return self.figures.sanctions()

    @functools.cached_property
    def by_level(self):
        """The incidents per level (``weekly.by_level()``), summed once for the table and the chart."""
        return self.weekly.by_level()

    @functools.cached_property
    def _school_urls(self):
        """``{school id: its dashboard as the trust sees it, with these filters}``: the URL reversed once with a
        placeholder for the school's slug (a slug needs no quoting), not once for each of twenty schools."""
        query, placeholder = self.filters.as_query(), "school-slug"
        url = reverse("reports:trust_school_dashboard", args=[self.organisation.slug, placeholder])
        before, after = url.rsplit(placeholder, 1)
        return {school.pk: f"{before}{school.slug}{after}?{query}" for school in self.schools}

    def school_url(self, school):
        return self._school_urls[school.pk]

    @functools.cached_property
    def _school_columns(self):
        return [Cell(school.name, href=self.school_url(school), header=True) for school in self.schools]

    @functools.cached_property
    def _on_roll(self):
        """``([(school id, pupils on roll)], all of them)``, schools in column order."""
        on_roll = [(school.pk, self.on_roll.get(school.pk, 0)) for school in self.schools]
        return on_roll, sum(n for _school_id, n in on_roll)

    def _cells(self, breakdown, key, *, rates=True):
        """One cell per school and one for all of them: ``key``'s count in ``breakdown`` (a ``figures.Breakdown``)
        and its rate per 100 pupils on roll — ``num(count, rate=…)``, made directly: twenty schools' fourteen tables
        are some two thousand cells, and a call less for each is a millisecond less for the page (issue 18 item 6).
        """
        on_roll, all_on_roll = self._on_roll
        counts, rate_per_100 = breakdown.counts, figures.rate_per_100
        cells = []
        for school_id, pupils in on_roll:
            count = counts.get((school_id, key), 0)  # ``breakdown.count(key, school_id)``
            cells.append(Cell(count, numeric=True, rate=rate_per_100(count, pupils) if rates else None))
        total = breakdown.count(key)
        cells.append(Cell(total, numeric=True, rate=rate_per_100(total, all_on_roll) if rates else None))
        return cells

    def _compare(self, name, title, breakdown, *, key_header, nonzero=False, rates=True, note=""):
        rows = [
            [Cell(label), *self._cells(breakdown, key, rates=rates)]
            for key, label, _count in breakdown.rows(nonzero=nonzero)
        ]
        columns = [key_header, *self._school_columns, _("All schools")]
        return Table(name, title, columns, rows, note=note, empty=_("No incidents in this period."))

    def table(self, name):
        if name not in self.TABLES:
            return None
        return getattr(self, f"_table_{name}")()

    def tables(self):
        return [self.table(name) for name in self.TABLES]

    def _table_summary(self):
        data = self.summary
        groups = ["total", *[g.value for g in CategoryGroup if g != CategoryGroup.SAFEGUARDING]]
        rows = []
        for school in [*self.schools, None]:
            school_id = school.pk if school else None
            on_roll = self.on_roll.get(school_id, 0) if school else sum(self.on_roll.values())
            name = Cell(school.name, href=self.school_url(school)) if school else Cell(_("All schools"), header=True)
            counts = [data.count(key, school_id) if school else data.count(key) for key in groups]
            rows.append(
                [name, num(on_roll)] + [num(count, rate=figures.rate_per_100(count, on_roll)) for count in counts]
            )
        columns = [_("School"), _("Pupils on roll"), *[data.labels[key] for key in groups]]
        return Table(
            "summary",
            _("Incidents by school"),
            columns,
            rows[:-1],
            footer=rows[-1:],
            note=_("Rates are per 100 pupils on roll at the start of the period (matching the pupil filters)."),
        )

    def _table_levels(self):
        return self._compare("levels", _("Incidents by level"), self.by_level, key_header=_("Level"))

    def _table_weeks(self):
        data = self.weekly.by_week()
        data.labels = {monday: _week_label(monday, long=True) for monday in self.weekly.weeks}
        return self._compare("weeks", _("Incidents per week"), data, key_header=_("Week beginning"))

    def _table_categories(self):
        return self._compare(
            "categories",
            _("Incidents by category"),
            self.categories,
            key_header=_("Category"),
            nonzero=True,
            note=_("An incident recorded under several categories counts under each."),
        )

    def _table_days(self):
        return self._compare("days", _("Incidents by day of the week"), self.heat.by_day(), key_header=_("Day"))

    def _table_hours(self):
        return self._compare(
            "hours",
            _("Incidents by time of day"),
            self.heat.by_hour(),
            key_header=_("Hour"),
            note=_("Each school's local time."),
        )

    def _table_locations(self):
        return self._compare("locations", _("Incidents by location"), self.figures.locations, key_header=_("Where"))

    def _table_repeated(self):
        data = self.figures.repeated()
        breakdown = figures.Breakdown(
            {"perpetrator": _("As perpetrator or subject of concern"), "victim": _("As victim")}, data.counts
        )
        return self._compare(
            "repeated",
            _("Pupils with repeated incidents"),
            breakdown,
            key_header=_("Pupils involved in 3 or more incidents"),
            note=_("Counts of pupils only: no pupil is named on the trust's pages."),
        )

    def _table_bullying(self):
        return self._compare("bullying", _("Bullying by type"), self.figures.bullying, key_header=_("Type"))

    def _table_prejudice(self):
        return self._compare(
            "prejudice",
            _("Prejudice-related incidents"),
            self.figures.prejudice,
            key_header=_("Kind"),
        )

    def _table_sanctions(self):
        data = self.sanctions_figure
        labels = {
            "suspensions": _("Suspensions"),
            "days": _("School days of suspension"),
            "pupils": _("Pupils suspended"),
            "pupils_over_5": _("Pupils suspended for more than 5 days"),
            "exclusions": _("Permanent exclusions"),
        }
        counts = {(school_id, key): totals[key] for school_id, totals in data.totals.items() for key in labels}
        return self._compare(
            "sanctions", _("Suspensions and permanent exclusions"), figures.Breakdown(labels, counts), key_header=""
        )

    def _table_sanction_reasons(self):
        return self._compare(
            "sanction_reasons",
            _("Suspensions and exclusions by reason"),
            self.sanctions_figure.reasons,
            key_header=_("Reason"),
            nonzero=True,
        )

    def _table_actions(self):
        return self._compare(
            "actions", _("Open actions"), self.figures.actions[0], key_header=_("Action"), nonzero=True, rates=False
        )

    def _table_actions_overdue(self):
        return self._compare(
            "actions_overdue",
            _("Overdue actions"),
            self.figures.actions[1],
            key_header=_("Action"),
            nonzero=True,
            rates=False,
        )

    def charts(self):
        rates = [
            (
                school.name,
                figures.rate_per_100(self.summary.count("total", school.pk), self.on_roll.get(school.pk, 0)) or 0,
                self.school_url(school),
            )
            for school in self.schools
        ]
        rate_chart = charts.bar_chart(
            rates,
            chart_id="chart-trust-rates",
            title=_("Incidents per 100 pupils"),
            description=_("Each school's incidents of the period per 100 pupils on roll."),
        )
        levels = figures.level_labels()
        by_level = self.by_level
        columns = [
            {
                "label": charts.shorten(school.name, 14),
                "title": school.name,
                "segments": [(level, by_level.count(level, school.pk), "") for level in figures.LEVELS],
            }
            for school in self.schools
        ]
        level_chart = charts.stacked_columns(
            columns,
            [(level, levels[level], charts.LEVEL_COLOURS[level]) for level in figures.LEVELS],
            chart_id="chart-trust-levels",
            title=_("Incidents by level in each school"),
            description=_("Stacked columns: one per school, divided by behaviour level."),
        )
        return rate_chart, level_chart


# Views ------------------------------------------------------------------------------------------------------------


def _school_dashboard(request, school, *, trust_view, list_limit=LIST_LIMIT, use_cache=True):
    """``(form, dashboard)`` for a school's dashboard: the school's own (``trust_view`` False) or as the trust sees
    it. ``use_cache`` False counts afresh (exports)."""
    user = request.user
    if trust_view:
        include_safeguarding, names, drill_url, verified = False, False, "", False
    else:
        include_safeguarding = permissions.can(user, permissions.VIEW_SAFEGUARDING, school)
        names = permissions.can(user, permissions.VIEW_INCIDENT_DASHBOARD, school)
        drill_url = reverse("reports:incident_drilldown", args=[school.slug])
        verified = otp.is_recently_verified(request)
    form = DashboardFilterForm(request.GET or None, schools=[school], include_safeguarding=include_safeguarding)
    filters = form.filters()
    dashboard = SchoolDashboard(
        school=school,
        filters=filters,
        previous=form.previous_filters(filters),
        include_safeguarding=include_safeguarding,
        names=names,
        drill_url=drill_url,
        verified=verified,
        list_limit=list_limit,
        use_cache=use_cache,
    )
    return form, dashboard


# The filter form's fields laid out by ``safeguard.filter_fields`` (the characteristics: ``characteristic_boxes``).
FILTER_FIELDS = ("term", "date_from", "date_to", "school", "year_group", "school_class", "group", "level", "recorder")


def characteristic_boxes(form):
    """The filter form's pupil characteristics as the dashboards show them: one inline check box with its label per
    characteristic (``<div class="form-check form-check-inline"><input …><label …>…</label></div>``), the markup
    Django's ``checkbox_option.html`` widget template writes for each ``{{ box.tag }}`` — written here, since those
    templates, included twice for each box, cost the dashboards a millisecond (issue 18 item 6)."""
    parts = []
    for box in form["characteristics"]:
        data = box.data
        value = "" if data["value"] is None else f' value="{escape(data["value"])}"'
        attrs = "".join(  # as ``attrs.html``: False leaves the attribute out, True writes its name alone
            f" {escape(name)}" if attr is True else f' {escape(name)}="{escape(attr)}"'
            for name, attr in data["attrs"].items()
            if attr is not False
        )
        parts.append(
            '<div class="form-check form-check-inline">'
            f'<input type="{escape(data["type"])}" name="{escape(data["name"])}"{value}{attrs}>'
            f'<label class="form-check-label" for="{escape(box.id_for_label)}">{escape(box.choice_label)}</label></div>'
        )
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def _render_school_dashboard(request, school, *, organisation=None):
    form, dashboard = _school_dashboard(request, school, trust_view=organisation is not None)
    if organisation is None:
        csv_url = reverse("reports:incident_dashboard_csv", args=[school.slug])
    else:
        csv_url = reverse("reports:trust_school_dashboard_csv", args=[organisation.slug, school.slug])
    context = {
        "school": school,
        "organisation": organisation,
        "form": form,
        "filter_fields": filter_fields.field_groups(form, [name for name in FILTER_FIELDS if name in form.fields]),
        "characteristic_boxes": characteristic_boxes(form),
        "filters": dashboard.filters,
        "dashboard": dashboard,
        "sections": dashboard.sections(),
        "csv_url": csv_url,
        "query": dashboard.filters.as_query(),
        "own_dashboard": organisation is not None
        and permissions.can(request.user, permissions.VIEW_INCIDENT_DASHBOARD, school),
        "thresholds_url": reverse("reports:behaviour_thresholds", args=[school.slug])
        if organisation is None and permissions.can(request.user, permissions.MANAGE_INCIDENTS, school)
        else "",
    }
    return render(request, "reports/dashboard.html", context)


@login_required
@require_GET
def incident_dashboard(request, slug):
    """A school's incident dashboard for SLT, the head and the DSL team: figures of the period with filters, each
    number a link to the incidents behind it."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_INCIDENT_DASHBOARD)
    return _render_school_dashboard(request, school)


def _involvements():
    return Prefetch(
        "involvements",
        queryset=IncidentPupil.objects.select_related("pupil").order_by("pk"),
        to_attr="involvement_list",
    )


def _drilldown(request, school):
    """``(form, filters, figure, key, incidents)`` of a drill-down: the incidents behind one figure's number that the
    viewer may read. Raises ``Http404`` for a figure or key the dashboard does not show."""
    user = request.user
    include_safeguarding = permissions.can(user, permissions.VIEW_SAFEGUARDING, school)
    verified = otp.is_recently_verified(request)
    form = DashboardFilterForm(request.GET or None, schools=[school], include_safeguarding=include_safeguarding)
    filters = form.filters()
    figure, key = request.GET.get("figure") or "total", request.GET.get("key", "")
    incidents = figures.incident_queryset(
        [school],
        filters,
        include_safeguarding=include_safeguarding,
        queryset=permissions.incidents_visible_to(user, school),
    )
    if not verified and (figure in ("repeated_perpetrator", "repeated_victim") or filters.has_pupil_filter):
        incidents = incidents.filter(is_safeguarding=False)  # as the dashboard's figures that pick out pupils
    try:
        incidents = figures.figure_incidents(incidents, figure, key, schools=[school], filters=filters)
    except figures.UnknownFigure:
        raise Http404 from None
    incidents = incidents.select_related("recorded_by").order_by("-occurred_at", "-pk")
    return form, filters, figure, key, incidents


def _key_label(school, figure, key):
    """What the drill-down is of, in words ("Level 3", "Racist incident", "Week of 7 Sep 2026 · Level 2")."""
    levels = figures.level_labels()
    if figure == "total":
        return ""
    if figure == "group":
        return figures.GROUP_LABELS.get(key, key)
    if figure == "week":
        monday, _sep, level = key.partition(":")
        label = _("Week of %(day)s") % {"day": _week_label(figures.parse_day(monday), long=True)}
        return f"{label} · {levels[figures.parse_level(level)]}" if level else label
    if figure == "level":
        return levels[figures.parse_level(key)]
    if figure == "prejudice":
        return figures.PREJUDICE_LABELS[key]
    if figure == "category":
        return IncidentCategory.objects.filter(school=school, code=key).values_list("name", flat=True).first() or key
    if figure == "time":
        day, _sep, hour = key.partition(":")
        return f"{figures.WEEKDAYS[int(day)]} {int(hour):02d}:00–{int(hour):02d}:59"
    if figure == "location":
        return Location(key).label
    if figure in ("repeated_perpetrator", "repeated_victim", "suspended_pupil"):
        pupil = Pupil.objects.filter(school=school, public_id=figures.parse_public_id(key)).first()
        return pupil.display_name if pupil else ""
    if figure == "bullying_type":
        return BullyingType(key).label if key else _("Type not given")
    if figure == "sanction":
        return Sanction.Kind(key).label
    if figure == "sanction_reason":
        return SuspensionReason(key).label
    if figure == "actions":
        state, _sep, kind = key.partition(":")
        label = _("Overdue actions") if state == "overdue" else _("Open actions")
        return f"{label} · {Action.Kind(kind).label}" if kind else label
    return key


@login_required
@require_GET
def incident_drilldown(request, slug):
    """The incidents behind one figure of the dashboard, limited to those the viewer may read, 50 a page."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_INCIDENT_DASHBOARD)
    form, filters, figure, key, incidents = _drilldown(request, school)
    page = Paginator(incidents.prefetch_related(_involvements()), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    verified = otp.is_recently_verified(request)
    if verified:
        # Once verified, a concern's row names its pupils: each pupil's record shows who saw it (issue 12 #10).
        concerns_shown_log(
            actor=request.user,
            action="reports.drilldown.viewed",
            school=school,
            incidents=page.object_list,
            ip_address=client_ip(request),
            data={"figure": figure},
        )
    context = {
        "school": school,
        "form": form,
        "filters": filters,
        "figure_label": figures.FIGURES[figure],
        "key_label": _key_label(school, figure, key),
        "page": page,
        "verified": verified,
        "show_concerns": permissions.can(request.user, permissions.VIEW_SAFEGUARDING, school),
        "dashboard_url": f"{reverse('reports:incident_dashboard', args=[school.slug])}?{filters.as_query()}",
        "csv_url": f"{reverse('reports:incident_dashboard_csv', args=[school.slug])}?{filters.as_query()}"
        f"&view=incidents&figure={figure}&key={key}",
    }
    with timezone.override(school.time_zone):
        return render(request, "reports/drilldown.html", context)


# CSV --------------------------------------------------------------------------------------------------------------


def csv_cell(value):
    """A CSV cell a spreadsheet will not run as a formula (OWASP "CSV injection"): text starting with = + - @ (or a
    tab or carriage return) gets a leading quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


def _csv_response(rows, filename, *, stream=False):
    writer = csv.writer(_Echo())
    lines = (writer.writerow([csv_cell(value) for value in row]) for row in rows)
    if stream:
        response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse("".join(_with_bom(lines)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _with_bom(lines):
    yield "\ufeff"  # Excel reads UTF-8 (Turkish letters) only with a byte-order mark
    yield from lines


def _table_csv(table, filename):
    return _csv_response(table.csv_rows(str(RATE_LABEL)), filename)


def _filename(prefix, slug, view, filters):
    return f"{prefix}-{slug}-{view}-{filters.date_from.isoformat()}-{filters.date_to.isoformat()}.csv"


def _incident_rows(request, school, incidents, verified):
    """The drill-down list as CSV rows: no free text (what happened, where exactly, outcomes) — only when, where,
    groups, categories, level, pupils and their roles (a concern's only after the second factor), status, recorder
    and the link to the record."""
    zone = zoneinfo.ZoneInfo(school.time_zone)
    yield [
        _("When"),
        _("Where"),
        _("Groups"),
        _("Categories"),
        _("Level"),
        _("Pupils"),
        _("Status"),
        _("Recorded by"),
        _("Link"),
    ]
    incidents = incidents.prefetch_related(_involvements(), Prefetch("categories", to_attr="category_list"))
    for incident in incidents.iterator(chunk_size=500):
        if incident.is_safeguarding and not verified:
            pupils = _("Concern — verify to view")
        else:
            pupils = "; ".join(
                f"{involvement.pupil.display_name} ({involvement.get_role_display()})"
                for involvement in incident.involvement_list
            )
        yield [
            incident.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            incident.get_location_display(),
            "; ".join(str(CategoryGroup(group).label) for group in incident.groups()),
            "; ".join(category.name for category in incident.category_list),
            incident.behaviour_level or "",
            pupils,
            incident.get_status_display(),
            incident.recorded_by.full_name or incident.recorded_by.email,
            request.build_absolute_uri(reverse("incidents:incident_detail", args=[school.slug, incident.public_id])),
        ]


@login_required
@require_GET
def incident_dashboard_csv(request, slug):
    """CSV of one figure's table (``view=<table>``, the overview when not given) or of a drill-down list
    (``view=incidents&figure=…&key=…``)."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_INCIDENT_DASHBOARD)
    view = request.GET.get("view") or "summary"
    if view == "incidents":
        _form, filters, figure, _key, incidents = _drilldown(request, school)
        verified = otp.is_recently_verified(request)
        if verified:
            # The CSV names the pupils of every concern in it: logged before the first row is streamed.
            concerns_shown_log(
                actor=request.user,
                action="reports.drilldown.downloaded",
                school=school,
                incidents=incidents.filter(is_safeguarding=True).prefetch_related(_involvements()),
                ip_address=client_ip(request),
                data={"figure": figure},
            )
        rows = _incident_rows(request, school, incidents, verified)
        return _csv_response(rows, _filename("incidents", school.slug, "list", filters), stream=True)
    _form, dashboard = _school_dashboard(request, school, trust_view=False, list_limit=None, use_cache=False)
    table = dashboard.table(view)
    if table is None:
        raise Http404
    return _table_csv(table, _filename("incidents", school.slug, view, dashboard.filters))


# Trust ------------------------------------------------------------------------------------------------------------


def _trust_school(request, org_slug, slug):
    organisation = permissions.get_organisation_for_user(request.user, org_slug)
    school = organisation.schools.filter(slug=slug).select_related("organisation").first()
    if school is None:
        raise Http404
    return organisation, school


def _trust_comparison(request, organisation, *, use_cache=True):
    schools = list(organisation.schools.order_by("name"))
    form = DashboardFilterForm(request.GET or None, schools=schools, trust=True)
    comparison = TrustComparison(
        organisation=organisation, schools=schools, filters=form.filters(), use_cache=use_cache
    )
    return form, comparison


@login_required
@require_GET
def trust_incident_dashboard(request, org_slug):
    """The trust's schools side by side on every figure, with rates per 100 pupils; each school opens its dashboard
    as the trust sees it."""
    organisation = permissions.get_organisation_for_user(request.user, org_slug)
    form, comparison = _trust_comparison(request, organisation)
    rate_chart, level_chart = comparison.charts()
    context = {
        "organisation": organisation,
        "form": form,
        "filter_fields": filter_fields.field_groups(form, [name for name in FILTER_FIELDS if name in form.fields]),
        "characteristic_boxes": characteristic_boxes(form),
        "filters": comparison.filters,
        "tables": comparison.tables(),
        "rate_chart": rate_chart,
        "level_chart": level_chart,
        "csv_url": reverse("reports:trust_incident_dashboard_csv", args=[organisation.slug]),
        "query": comparison.filters.as_query(),
    }
    return render(request, "reports/trust_dashboard.html", context)


@login_required
@require_GET
def trust_incident_dashboard_csv(request, org_slug):
    """CSV of one table of the trust comparison (``view=<table>``, the overview when not given): a count and a rate
    column per school."""
    organisation = permissions.get_organisation_for_user(request.user, org_slug)
    _form, comparison = _trust_comparison(request, organisation, use_cache=False)
    table = comparison.table(request.GET.get("view") or "summary")
    if table is None:
        raise Http404
    return _table_csv(table, _filename("incidents", organisation.slug, table.name, comparison.filters))


@login_required
@require_GET
def trust_school_dashboard(request, org_slug, slug):
    """A school's dashboard as the trust sees it: no safeguarding concern counted, no pupil named, no drill-down."""
    organisation, school = _trust_school(request, org_slug, slug)
    return _render_school_dashboard(request, school, organisation=organisation)


@login_required
@require_GET
def trust_school_dashboard_csv(request, org_slug, slug):
    """CSV of one figure of a school's dashboard as the trust sees it."""
    organisation, school = _trust_school(request, org_slug, slug)
    _form, dashboard = _school_dashboard(request, school, trust_view=True, use_cache=False)
    table = dashboard.table(request.GET.get("view") or "summary")
    if table is None:
        raise Http404
    return _table_csv(table, _filename("incidents", school.slug, table.name, dashboard.filters))


urlpatterns = [
    path("school/<slug:slug>/dashboard/incidents/", incident_dashboard, name="incident_dashboard"),
    path("school/<slug:slug>/dashboard/incidents/list/", incident_drilldown, name="incident_drilldown"),
    path("school/<slug:slug>/dashboard/incidents/export.csv", incident_dashboard_csv, name="incident_dashboard_csv"),
    path("trust/<slug:org_slug>/dashboard/incidents/", trust_incident_dashboard, name="trust_incident_dashboard"),
    path(
        "trust/<slug:org_slug>/dashboard/incidents/export.csv",
        trust_incident_dashboard_csv,
        name="trust_incident_dashboard_csv",
    ),
    path(
        "trust/<slug:org_slug>/schools/<slug:slug>/dashboard/incidents/",
        trust_school_dashboard,
        name="trust_school_dashboard",
    ),
    path(
        "trust/<slug:org_slug>/schools/<slug:slug>/dashboard/incidents/export.csv",
        trust_school_dashboard_csv,
        name="trust_school_dashboard_csv",
    ),
]
