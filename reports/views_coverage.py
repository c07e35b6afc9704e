"""The other dashboards of issue 7: consent and agreements (coverage by class and audience, changes and withdrawals
this term) and the policy register's status, for a school and for a trust's schools side by side.

Who sees what (``safeguard.permissions``):
- A school's pages: ``VIEW_GOVERNANCE`` (governors, SLT, the head, and the trust's admins); 404 for anyone else.
  No page names a pupil. A figure is exact, and links to the list behind it, for a viewer who may open that list
  (agreements: ``MANAGE_AGREEMENTS``, the agreement coverage page; consent: ``MANAGE_CONSENT``, the consent
  coverage page) — senior leaders and the head. Anyone else (governors, trust admins without a role in the school)
  gets counts only: every class-level count and every count of changes by week or by question goes through the
  small-number rule (``reports.suppression``: 1–4 shown as "fewer than 5"; as the school's totals are shown too,
  ``governor.suppress_linked`` withholds what would let a hidden count be worked out), no percentage of a hidden
  count is shown, and nothing links to a list. School-wide totals are shown as they are, as in the governor report.
- The trust's pages: ``VIEW_TRUST`` on the organisation — school-wide figures only, with rates per 100 pupils, each
  school linking to its own dashboard.

Charts are the server-side SVG of ``reports.charts`` (Okabe–Ito colours), each followed by the table of its numbers.
"""

import dataclasses
import functools

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from aup import selectors_register
from aup.models import Audience
from consent.models import ConsentResponse
from safeguard import permissions
from safeguard.country_words import local_date

from . import charts, figures
from . import selectors_coverage as selectors
from .charts import Cell, Table, num
from .governor import suppress_linked
from .suppression import FEWER_THAN, suppress_table

NOT_SHOWN = gettext_lazy("not shown")
AGREEMENT_COLOUR = charts.OKABE_ITO["blue"]
ANSWERED_COLOUR = charts.OKABE_ITO["bluish_green"]
CONSENTED_COLOUR = charts.OKABE_ITO["reddish_purple"]
RATE_COLOUR = charts.OKABE_ITO["vermillion"]
CHANGE_SERIES = (
    (ConsentResponse.Kind.CHANGE, charts.OKABE_ITO["sky_blue"]),
    (ConsentResponse.Kind.WITHDRAWAL, charts.OKABE_ITO["vermillion"]),
)
CHANGE_LABELS = {
    ConsentResponse.Kind.CHANGE: gettext_lazy("Changes"),
    ConsentResponse.Kind.WITHDRAWAL: gettext_lazy("Withdrawals"),
}
STATUS_COLOURS = {
    selectors_register.RegisterStatus.OVERDUE: charts.OKABE_ITO["vermillion"],
    selectors_register.RegisterStatus.DUE_SOON: charts.OKABE_ITO["orange"],
    selectors_register.RegisterStatus.IN_REVIEW: charts.OKABE_ITO["sky_blue"],
    selectors_register.RegisterStatus.UP_TO_DATE: charts.OKABE_ITO["bluish_green"],
    selectors_register.RegisterStatus.NOT_SCHEDULED: charts.GREY,
}


@dataclasses.dataclass
class Section:
    """One figure (``reports/_chart_section.html``): a chart of ``kind`` ("bars", "stacked" or "") and its tables."""

    name: str
    title: str
    tables: list
    chart: object = None
    kind: str = ""
    intro: str = ""

    def __post_init__(self):
        if self.chart is None:
            self.kind = ""  # the section template draws by kind: no chart, nothing to draw


# Charts and cells -------------------------------------------------------------------------------------------------


def percent_bars(rows, *, chart_id, title, description, colour):
    """Horizontal bars on a 0–100 % scale, drawn by ``reports/_chart_bars.html``.

    Args:
        rows: ``[(label, percent or None, text, href)]`` — ``percent`` None draws no bar (a hidden figure) and
            ``text`` is written beside the bar ("88%", "fewer than 5").
    Returns a ``charts.BarChart``.
    """
    row_height, bar_height, top, label_width, value_room = 24, 16, 6, 210, 110
    plot = charts.WIDTH - label_width - value_room
    bars = []
    for index, (label, percent, text, href) in enumerate(rows):
        y = top + index * row_height
        length = round(plot * percent / 100) if percent else 0
        bars.append(
            {
                "label": charts.shorten(label, 32),
                "full_label": str(label),
                "value": text,
                "href": href,
                "x": label_width,
                "y": y,
                "width": length,
                "height": bar_height,
                "text_y": y + bar_height - 3,
                "value_x": label_width + length + 6,
                "colour": colour,
            }
        )
    height = top * 2 + row_height * max(len(rows), 1)
    return charts.BarChart(chart_id, title, description, charts.WIDTH, height, label_width - 8, bars)


def pct(value):
    """A whole-number percentage as the language writes it ("88%"; Turkish "%88")."""
    return _("%(percent)d%%") % {"percent": value}


def percent_text(part, whole):
    return pct(round(100 * part / whole)) if whole else "—"


def shown_counts(counts, *, exact):
    """Counts as one viewer sees them: ``{key: (text or int, shown)}``.

    ``exact``: every count as it is. Otherwise the small-number rule for a table whose total is shown elsewhere on
    the page (``governor.suppress_linked``): 1–4 as "fewer than 5", and what would reveal one as "not shown".
    """
    if exact:
        return {key: (count, True) for key, count in counts.items()}
    cells, withheld = suppress_linked(counts)
    shown = {}
    for key, count in counts.items():
        if cells[key].suppressed:
            shown[key] = (str(FEWER_THAN), False)
        elif key in withheld:
            shown[key] = (str(NOT_SHOWN), False)
        else:
            shown[key] = (count, True)
    return shown


def _link(base, **query):
    return f"{base}?{urlencode(query)}" if base else ""


# A school's consent and agreements --------------------------------------------------------------------------------


class CoverageDashboard:
    """The sections of a school's consent and agreements dashboard for one viewer.

    Args:
        school: the ``School``; now: an aware datetime.
        exact_agreements / exact_consent: the viewer may open the agreement / consent coverage lists: figures are
            exact and link to them. Otherwise class-level and weekly counts go through the small-number rule.
        class_grid: the viewer may open the consent class grid (``VIEW_CONSENT``) — the links of a class and a
            question's figures.
    """

    def __init__(self, *, school, now, exact_agreements, exact_consent, class_grid=False):
        self.school, self.now = school, now
        self.exact_agreements, self.exact_consent = exact_agreements, exact_consent
        self.class_grid = class_grid and exact_consent
        self.agreements = selectors.agreement_coverage(school=school, now=now)
        self.consent = selectors.consent_coverage(school=school, now=now)
        self.period = selectors.current_periods([school], now=now)[school.pk]
        labels = {row.code: row.label for row in self.consent.purposes}
        self.changes = selectors.consent_changes(school=school, period=self.period, labels=labels)

    @property
    def exact(self):
        return self.exact_agreements and self.exact_consent

    def sections(self):
        found = [self._summary()]
        found += [self._agreement(index, item) for index, item in enumerate(self.agreements, start=1)]
        found += [
            self._consent_classes(),
            self._consent_purposes(),
            self._changes_by_week(),
            self._changes_by_purpose(),
        ]
        return found

    # Links (only for a viewer who may open the lists).

    def _agreement_url(self, agreement):
        if not self.exact_agreements:
            return ""
        return reverse("aup:coverage", args=[self.school.slug, agreement.public_id])

    def _consent_url(self):
        return reverse("consent:coverage", args=[self.school.slug]) if self.exact_consent else ""

    def _grid_url(self, **query):
        if not self.class_grid:
            return ""
        return _link(reverse("consent:class_grid", args=[self.school.slug]), **query)

    # Sections.

    def _summary(self):
        rows = []
        audiences = dict(Audience.choices)
        for item in self.agreements:
            total = item.total
            rows.append(
                [
                    Cell(
                        _("%(agreement)s (%(audience)s)")
                        % {"agreement": item.agreement.title, "audience": audiences[item.agreement.audience]}
                    ),
                    num(total.total, href=self._agreement_url(item.agreement)),
                    num(total.completed, href=_link(self._agreement_url(item.agreement), status="completed")),
                    Cell(percent_text(total.completed, total.total), numeric=True),
                ]
            )
        if self.consent.has_form:
            school = self.consent.school
            rows.append(
                [
                    Cell(_("Photo and video consent: every question answered")),
                    num(school.total, href=self._consent_url()),
                    num(school.answered, href=self._consent_url()),
                    Cell(percent_text(school.answered, school.total), numeric=True),
                ]
            )
        table = Table(
            "summary",
            _("At a glance"),
            [_("Agreement or form"), _("Asked"), _("Signed or answered"), _("%")],
            rows,
            note=_(
                "Whole-school figures today. This term (%(period)s): changes of consent %(changes)s, "
                "withdrawals %(withdrawals)s."
            )
            % {
                "period": self.period.label,
                "changes": self.weekly_shown[1][ConsentResponse.Kind.CHANGE],
                "withdrawals": self.weekly_shown[1][ConsentResponse.Kind.WITHDRAWAL],
            },
            empty=_("No current agreement and no published consent form."),
        )
        return Section("summary", _("At a glance"), [table])

    def _agreement(self, index, item):
        agreement = item.agreement
        base = self._agreement_url(agreement)
        audience = dict(Audience.choices)[agreement.audience]
        if item.by_class:
            shown = shown_counts({i: row.completed for i, row in enumerate(item.rows)}, exact=self.exact_agreements)
            key_header, filter_name = _("Class"), "school_class"
        else:
            # Staff and governors sign for themselves: no pupil is counted, so their numbers are shown as they are.
            shown = {i: (row.completed, True) for i, row in enumerate(item.rows)}
            key_header, filter_name = _("Role"), "role"
        rows, bars = [], []
        for i, row in enumerate(item.rows):
            signed, visible = shown[i]
            href = _link(base, **{filter_name: row.key}) if row.key is not None else ""
            signed_href = _link(base, **{filter_name: row.key, "status": "completed"}) if href and visible else ""
            percent = pct(row.percent) if visible else "—"
            rows.append(
                [
                    Cell(row.label, href=href),
                    num(row.total, href=href),
                    Cell(signed, href=signed_href if signed else "", numeric=True),
                    Cell(percent, numeric=True),
                ]
            )
            bars.append((row.label, row.percent if visible else None, percent if visible else str(signed), href))
        total = item.total
        footer = [
            Cell(_("Everyone asked"), header=True, href=base),
            num(total.total, href=base),
            num(total.completed, href=_link(base, status="completed")),
            Cell(percent_text(total.completed, total.total), numeric=True),
        ]
        title = _("%(agreement)s — %(audience)s") % {"agreement": agreement.title, "audience": audience}
        table = Table(
            f"agreement-{index}",
            title,
            [key_header, _("Asked to sign"), _("Signed in full"), _("% signed")],
            rows,
            footer=[footer],
            note=_("Policy: %(policy)s.") % {"policy": agreement.version.policy.title},
            empty=_("Nobody is asked to sign this agreement."),
        )
        chart = percent_bars(
            bars,
            chart_id=f"chart-agreement-{index}",
            title=_("%(title)s: signed in full, %%") % {"title": title},
            description=_("One bar per group: the share of those asked who have signed in full."),
            colour=AGREEMENT_COLOUR,
        )
        return Section(f"agreement-{index}", title, [table], chart=chart if rows else None, kind="bars")

    def _consent_classes(self):
        consent = self.consent
        title = _("Photo and video consent: answers by class")
        if not consent.has_form:
            table = Table("consent", title, [_("Class")], [], empty=_("The school has no published consent form."))
            return Section("consent", title, [table])
        shown = shown_counts({i: row.answered for i, row in enumerate(consent.classes)}, exact=self.exact_consent)
        rows, bars = [], []
        for i, row in enumerate(consent.classes):
            answered, visible = shown[i]
            href = self._grid_url(school_class=row.key) if row.key is not None else ""
            percent = pct(row.percent) if visible else "—"
            rows.append(
                [Cell(row.label, href=href), num(row.total), Cell(answered, numeric=True), Cell(percent, numeric=True)]
            )
            bars.append((row.label, row.percent if visible else None, percent if visible else str(answered), href))
        school = consent.school
        footer = [
            Cell(school.label, header=True, href=self._consent_url()),
            num(school.total),
            num(school.answered, href=self._consent_url()),
            Cell(percent_text(school.answered, school.total), numeric=True),
        ]
        table = Table(
            "consent",
            title,
            [_("Class"), _("Pupils on roll"), _("Every question answered"), _("%")],
            rows,
            footer=[footer],
            note=_(
                "A refusal or a decision of the safeguarding team counts as answered; no answer, or one from a "
                "past year or to a changed question, does not."
            ),
            empty=_("No pupils on roll."),
        )
        chart = percent_bars(
            bars,
            chart_id="chart-consent-classes",
            title=_("Consent form answered, by class, %"),
            description=_("One bar per class: the share of pupils with every question of the form answered."),
            colour=ANSWERED_COLOUR,
        )
        return Section("consent", title, [table], chart=chart if rows else None, kind="bars")

    def _consent_purposes(self):
        title = _("Photo and video consent: consent given, by question")
        rows, bars = [], []
        for row in self.consent.purposes:
            href = self._grid_url(school_class="", purpose=row.code)
            percent = pct(row.percent)
            rows.append([Cell(row.label, href=href), num(row.total), num(row.consented), Cell(percent, numeric=True)])
            bars.append((row.label, row.percent, percent, href))
        table = Table(
            "purposes",
            title,
            [_("Question"), _("Pupils on roll"), _("Consent given"), _("%")],
            rows,
            note=_("Whole school, today: “consent given” means the pupil's images may be used for this today."),
            empty=_("The school has no published consent form."),
        )
        chart = percent_bars(
            bars,
            chart_id="chart-consent-purposes",
            title=_("Consent given, by question, %"),
            description=_("One bar per question of the consent form: the share of pupils whose images may be used."),
            colour=CONSENTED_COLOUR,
        )
        return Section("purposes", title, [table], chart=chart if rows else None, kind="bars")

    @functools.cached_property
    def weekly_shown(self):
        """``({kind: {monday: text or int}}, {kind: total as shown}, all shown)``: for a viewer without the lists,
        each kind's weekly counts and its total through ``suppress_table`` (the total shown on the page is that
        cell, so a hidden week cannot be worked out from it)."""
        changes = self.changes
        columns, totals, all_shown = {}, {}, True
        for kind, _colour in CHANGE_SERIES:
            counts = {monday: changes.by_week.get((monday, kind), 0) for monday in changes.weeks}
            if self.exact_consent:
                columns[kind], totals[kind] = counts, changes.totals[kind]
                continue
            cells, total = suppress_table(counts, changes.totals[kind])
            columns[kind] = {monday: cell.display for monday, cell in cells.items()}
            totals[kind] = total.display
            all_shown = all_shown and not total.suppressed and not any(c.suppressed for c in cells.values())
        return columns, totals, all_shown

    def _changes_by_week(self):
        changes = self.changes
        kinds = CHANGE_LABELS
        title = _("Changes and withdrawals this term, by week")
        columns_shown, totals_shown, all_visible = self.weekly_shown
        rows = [
            [Cell(local_date(monday, "j M Y"))]
            + [Cell(columns_shown[kind][monday], numeric=True) for kind, _colour in CHANGE_SERIES]
            for monday in changes.weeks
        ]
        footer = [Cell(_("This term"), header=True)] + [
            Cell(totals_shown[kind], numeric=True) for kind, _colour in CHANGE_SERIES
        ]
        table = Table(
            "changes",
            title,
            [_("Week beginning"), *[kinds[kind] for kind, _colour in CHANGE_SERIES]],
            rows,
            footer=[footer],
            note=_("Responses that changed or withdrew consent, %(period)s (%(start)s to %(end)s).")
            % {
                "period": changes.period.label,
                "start": local_date(changes.period.starts_on, "j M Y"),
                "end": local_date(changes.period.today, "j M Y"),
            },
        )
        chart, intro = None, ""
        if all_visible and rows:
            columns = [
                {
                    "label": local_date(monday, "j M"),
                    "title": local_date(monday, "j M Y"),
                    "segments": [(kind, changes.by_week.get((monday, kind), 0), "") for kind, _c in CHANGE_SERIES],
                }
                for monday in changes.weeks
            ]
            chart = charts.stacked_columns(
                columns,
                [(kind, kinds[kind], colour) for kind, colour in CHANGE_SERIES],
                chart_id="chart-consent-changes",
                title=title,
                description=_("One column per week: responses that changed consent, and withdrawals, stacked."),
            )
        elif rows:
            intro = _("No chart: some weekly counts are hidden by the small-number rule.")
        return Section("changes", title, [table], chart=chart, kind="stacked", intro=intro)

    def _changes_by_purpose(self):
        title = _("Changes and withdrawals this term, by question")
        buckets = (("to_yes", _("Changed to yes")), ("to_no", _("Changed to no")), ("withdrawn", _("Withdrawn")))
        purposes = self.changes.purposes
        shown, totals = {}, {}
        for bucket, _label in buckets:
            counts = {code: counts_[bucket] for code, _l, counts_ in purposes}
            if self.exact_consent:
                shown[bucket] = {code: count for code, count in counts.items()}
                totals[bucket] = sum(counts.values())
            else:
                cells, total = suppress_table(counts)
                shown[bucket] = {code: cell.display for code, cell in cells.items()}
                totals[bucket] = total.display
        rows = [
            [Cell(label), *[Cell(shown[bucket][code], numeric=True) for bucket, _l in buckets]]
            for code, label, _counts in purposes
        ]
        footer = [
            Cell(_("All questions"), header=True),
            *[Cell(totals[bucket], numeric=True) for bucket, _l in buckets],
        ]
        table = Table(
            "changes-by-question",
            title,
            [_("Question"), *[label for _bucket, label in buckets]],
            rows,
            footer=[footer] if rows else [],
            note=_("Answers, not families: one response may change several questions."),
            empty=_("The school has no published consent form."),
        )
        return Section("changes-by-question", title, [table])


# The trust's schools side by side ---------------------------------------------------------------------------------


def _share(pair):
    if pair is None:
        return Cell("—", numeric=True)
    asked, signed = pair
    if not asked:
        return Cell("—", numeric=True)
    return Cell(
        _("%(percent)s (%(signed)d of %(asked)d)")
        % {"percent": percent_text(signed, asked), "signed": signed, "asked": asked},
        numeric=True,
    )


def _trust_table(organisation, rows):
    audiences = dict(Audience.choices)
    table_rows = []
    totals = {"on_roll": 0, "answered": 0, "changes": 0, "withdrawals": 0, "agreements": {}}
    for row in rows:
        url = reverse("reports:coverage_dashboard", args=[row.school.slug])
        consent = row.consent
        table_rows.append(
            [
                Cell(row.school.name, href=url),
                num(row.on_roll),
                *[_share(row.agreements.get(audience)) for audience in selectors.AUDIENCES],
                Cell(percent_text(consent.answered, consent.total) if row.has_form else "—", numeric=True),
                num(row.changes, rate=figures.rate_per_100(row.changes, row.on_roll)),
                num(row.withdrawals, rate=figures.rate_per_100(row.withdrawals, row.on_roll)),
                Cell(row.period.label),
            ]
        )
        totals["on_roll"] += row.on_roll
        totals["answered"] += consent.answered if row.has_form else 0
        totals["changes"] += row.changes
        totals["withdrawals"] += row.withdrawals
        for audience, (asked, signed) in row.agreements.items():
            before = totals["agreements"].get(audience, (0, 0))
            totals["agreements"][audience] = (before[0] + asked, before[1] + signed)
    with_form = sum(row.on_roll for row in rows if row.has_form)
    footer = [
        Cell(_("All schools"), header=True),
        num(totals["on_roll"]),
        *[_share(totals["agreements"].get(audience)) for audience in selectors.AUDIENCES],
        Cell(percent_text(totals["answered"], with_form) if with_form else "—", numeric=True),
        num(totals["changes"], rate=figures.rate_per_100(totals["changes"], totals["on_roll"])),
        num(totals["withdrawals"], rate=figures.rate_per_100(totals["withdrawals"], totals["on_roll"])),
        Cell(""),
    ]
    columns = [
        _("School"),
        _("Pupils on roll"),
        *[_("%(audience)s: signed") % {"audience": audiences[audience]} for audience in selectors.AUDIENCES],
        _("Consent form answered"),
        _("Consent changes this term"),
        _("Withdrawals this term"),
        _("This term"),
    ]
    return Table(
        "schools",
        _("Consent and agreements by school"),
        columns,
        table_rows,
        footer=[footer] if table_rows else [],
        note=_(
            "Agreements: the share signed in full of everyone asked, over the school's current agreements for "
            "that audience. Changes and withdrawals: responses in each school's current term, with the rate per "
            "100 pupils on roll today."
        ),
        empty=_("The trust has no schools yet."),
    )


def _trust_charts(rows):
    def url(row):
        return reverse("reports:coverage_dashboard", args=[row.school.slug])

    pupils = []
    for row in rows:
        pair = row.agreements.get(Audience.PUPIL)
        percent = round(100 * pair[1] / pair[0]) if pair and pair[0] else None
        pupils.append((row.school.name, percent, pct(percent) if percent is not None else "—", url(row)))
    answered = [
        (
            row.school.name,
            row.consent.percent if row.has_form else None,
            pct(row.consent.percent) if row.has_form else "—",
            url(row),
        )
        for row in rows
    ]
    withdrawals = [(row.school.name, figures.rate_per_100(row.withdrawals, row.on_roll) or 0, url(row)) for row in rows]
    return [
        percent_bars(
            pupils,
            chart_id="chart-trust-pupil-agreements",
            title=_("Pupil agreements signed in full, %"),
            description=_("One bar per school: the share of pupils asked who have signed in full."),
            colour=AGREEMENT_COLOUR,
        ),
        percent_bars(
            answered,
            chart_id="chart-trust-consent",
            title=_("Consent form answered, %"),
            description=_("One bar per school: the share of pupils on roll with every question answered."),
            colour=ANSWERED_COLOUR,
        ),
        charts.bar_chart(
            withdrawals,
            chart_id="chart-trust-withdrawals",
            title=_("Withdrawals of consent this term per 100 pupils"),
            description=_("One bar per school: withdrawals in its current term per 100 pupils on roll."),
            colour=RATE_COLOUR,
        ),
    ]


# The policy register ----------------------------------------------------------------------------------------------


def _status_columns():
    return [label for _status, label in selectors_register.RegisterStatus.choices]


def school_policies_section(school, *, now):
    """The register's counts per status for ``school`` (its own policies and its trust's), each linking to the
    register filtered to that status."""
    register = selectors_register.school_register(school=school, now=now)
    base = reverse("aup:register", args=[school.slug])
    rows = [
        [Cell(label, href=_link(base, status=status)), num(count, href=_link(base, status=status))]
        for status, label, count in register.summary
    ]
    table = Table(
        "policies",
        _("Policies by review status"),
        [_("Status"), _("Policies")],
        rows,
        footer=[[Cell(_("All policies"), header=True, href=base), num(register.total, href=base)]],
        note=_("The school's own policies and its trust's, on the school's date (%(today)s).")
        % {"today": local_date(register.today, "j M Y")},
    )
    chart = charts.bar_chart(
        [(label, count, _link(base, status=status)) for status, label, count in register.summary],
        chart_id="chart-policies",
        title=_("Policies by review status"),
        description=_("One bar per review status: the number of policies in it."),
    )
    for bar, (status, _label, _count) in zip(chart.bars, register.summary, strict=True):
        bar["colour"] = STATUS_COLOURS[status]
    return Section("policies", _("Policies by review status"), [table], chart=chart, kind="bars")


def trust_policies_section(organisation, *, now):
    """The trust register's counts per status, one row per school (its own policies) and one for whole-trust
    policies, each count linking to the register filtered to that school and status."""
    schools = selectors_register.trust_schools(organisation)
    found = selectors_register.trust_register(organisation=organisation, schools=schools, now=now)
    trust_base = reverse("aup:register_trust", args=[organisation.slug])
    rows = []
    for row in found["schools"]:
        if row.school is not None:
            base = reverse("aup:register", args=[row.school.slug])

            def link(status, base=base):
                return _link(base, status=status) if status else base
        else:

            def link(status):
                query = {"school": selectors_register.WHOLE_TRUST}
                return _link(trust_base, **(query | ({"status": status} if status else {})))

        rows.append(
            [
                Cell(row.label, href=link("")),
                *[num(count, href=link(status)) for status, _label, count in row.counts],
                num(row.total, href=link("")),
            ]
        )
    statuses = selectors_register.RegisterStatus.choices
    footer = [Cell(_("All schools"), header=True, href=trust_base)]
    for index, (status, _label) in enumerate(statuses):
        count = sum(row.counts[index][2] for row in found["schools"])
        footer.append(num(count, href=_link(trust_base, status=status)))
    footer.append(num(sum(row.total for row in found["schools"]), href=trust_base))
    table = Table(
        "policies",
        _("Policies by review status, school by school"),
        [_("School"), *_status_columns(), _("Total")],
        rows,
        footer=[footer] if rows else [],
        note=_("Each school's own policies on its own date; whole-trust policies on one row."),
        empty=_("The trust has no schools yet."),
    )
    columns = [
        {
            "label": charts.shorten(row.label, 14),
            "title": row.label,
            "segments": [(status, count, "") for status, _label, count in row.counts],
        }
        for row in found["schools"]
    ]
    chart = charts.stacked_columns(
        columns,
        [(status, label, STATUS_COLOURS[status]) for status, label in statuses],
        chart_id="chart-trust-policies",
        title=_("Policies by review status in each school"),
        description=_("Stacked columns: one per school, divided by review status."),
    )
    for index, item in enumerate(chart.legend):  # room for the longer labels ("Due within 30 days")
        item["x"] = 40 + index * 124
    return Section("policies", table.title, [table], chart=chart if rows else None, kind="stacked")


# Views ------------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def coverage_dashboard(request, slug):
    """A school's consent and agreements: coverage of each current agreement by class or role, the consent form by
    class and by question, and this term's changes and withdrawals — exact for senior leaders, counts through the
    small-number rule for governors and the trust."""
    user = request.user
    school = permissions.get_school_for_user(user, slug, permissions.VIEW_GOVERNANCE)
    dashboard = CoverageDashboard(
        school=school,
        now=timezone.now(),
        exact_agreements=permissions.can(user, permissions.MANAGE_AGREEMENTS, school),
        exact_consent=permissions.can(user, permissions.MANAGE_CONSENT, school),
        class_grid=permissions.can(user, permissions.VIEW_CONSENT, school),
    )
    context = {
        "school": school,
        "dashboard": dashboard,
        "sections": dashboard.sections(),
        "period": dashboard.period,
        "trust_view": permissions.can(user, permissions.VIEW_TRUST, school.organisation)
        if school.organisation_id
        else False,
    }
    return render(request, "reports/coverage_dashboard.html", context)


@login_required
@require_GET
def trust_coverage_dashboard(request, org_slug):
    """The trust's schools side by side: agreements signed by audience, the consent form answered, and this
    term's changes and withdrawals per 100 pupils; each school opens its own dashboard."""
    organisation = permissions.get_organisation_for_user(request.user, org_slug)
    rows = selectors.trust_coverage(schools=organisation.schools.order_by("name", "pk"), now=timezone.now())
    context = {
        "organisation": organisation,
        "table": _trust_table(organisation, rows),
        "charts": _trust_charts(rows) if rows else [],
    }
    return render(request, "reports/trust_coverage_dashboard.html", context)


@login_required
@require_GET
def policies_dashboard(request, slug):
    """A school's policy register in counts: up to date, due soon, overdue, in review, not scheduled."""
    school = permissions.get_school_for_user(request.user, slug, permissions.VIEW_GOVERNANCE)
    context = {"school": school, "section": school_policies_section(school, now=timezone.now())}
    return render(request, "reports/policies_dashboard.html", context)


@login_required
@require_GET
def trust_policies_dashboard(request, org_slug):
    """The policy register's status across the trust's schools, linking to each school's register."""
    organisation = permissions.get_organisation_for_user(request.user, org_slug)
    context = {"organisation": organisation, "section": trust_policies_section(organisation, now=timezone.now())}
    return render(request, "reports/policies_dashboard.html", context)


urlpatterns = [
    path("school/<slug:slug>/dashboard/coverage/", coverage_dashboard, name="coverage_dashboard"),
    path("school/<slug:slug>/dashboard/policies/", policies_dashboard, name="policies_dashboard"),
    path("trust/<slug:org_slug>/dashboard/coverage/", trust_coverage_dashboard, name="trust_coverage_dashboard"),
    path("trust/<slug:org_slug>/dashboard/policies/", trust_policies_dashboard, name="trust_policies_dashboard"),
]
