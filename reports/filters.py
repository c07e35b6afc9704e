"""The filters of the incident dashboards: the period (a term or a date range), the school (trust view), year group,
class, category group, behaviour level, pupil characteristics and recorder.

``DashboardFilterForm`` reads them from the query string and hands back a ``DashboardFilters`` — a plain, frozen
value that ``reports.figures.incident_queryset`` turns into a queryset. Other reports (the governor report) build a
``DashboardFilters`` directly: ``DashboardFilters(date_from=…, date_to=…)``.

The period: a date range when either date is given; otherwise the chosen term; otherwise the term we are in (for a
trust, from the earliest start to the latest end of its schools' current terms); otherwise the last 12 weeks. Dates
are the schools' local dates (``reports.figures`` turns them into each school's midnight).
"""

import dataclasses
import datetime
from urllib.parse import urlencode

from django import forms
from django.db.models import Max, Min, Q
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from incidents.models import CategoryGroup
from safeguard import permissions
from safeguard.accounts.models import User
from safeguard.directory.models import SchoolClass, StaffRole, Term, YearGroup
from safeguard.filter_fields import FastSelect

DEFAULT_WEEKS = 12  # the period when no term covers today
MAX_DAYS = 3 * 366  # a longer range is refused: three academic years is the longest anyone compares

# Pupil characteristics: the form's value → the ``Pupil`` flag.
CHARACTERISTICS = {
    "sen": ("has_sen", _("SEN")),
    "eal": ("is_eal", _("EAL")),
    "pupil_premium": ("is_pupil_premium", _("Pupil premium")),
    "looked_after": ("is_looked_after", _("Looked after")),
}
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


@dataclasses.dataclass(frozen=True)
class DashboardFilters:
    """What the figures are about. Dates are local to the schools and inclusive.

    Attributes:
        date_from, date_to: the period (``datetime.date``, inclusive).
        today: the schools' local date when the filters were read (for "overdue" and the end of the weekly axis).
        period_label: the period's name ("Autumn term 2026/27", "The last 12 weeks"), "" for a date range.
        term: the key of the chosen term (``"2026-autumn"``: academic year's starting year and ``Term.Kind``), or "".
        school_ids: trust view only — the schools chosen (empty: every school of the trust).
        year_group: a ``YearGroup`` code ("Y3"); school_class_id: a ``SchoolClass`` id.
        group: a ``CategoryGroup`` value; level: a behaviour level 1–5.
        characteristics: keys of ``CHARACTERISTICS``; an incident matches when one pupil involved has every one.
        recorder_id: the ``User`` who recorded the incident.
    """

    date_from: datetime.date
    date_to: datetime.date
    today: datetime.date | None = None
    period_label: str = ""
    term: str = ""
    school_ids: tuple = ()
    year_group: str = ""
    school_class_id: int | None = None
    group: str = ""
    level: int | None = None
    characteristics: tuple = ()
    recorder_id: int | None = None

    @property
    def has_pupil_filter(self):
        """True when the incidents are narrowed by a pupil's year group, class or characteristics."""
        return bool(self.year_group or self.school_class_id or self.characteristics)

    def pupil_q(self, prefix=""):
        """The pupil filters as a ``Q`` on ``Pupil`` (``prefix`` such as ``"pupil__"`` from a related model)."""
        conditions = {}
        if self.year_group:
            conditions[f"{prefix}year_group__code"] = self.year_group
        if self.school_class_id:
            conditions[f"{prefix}school_class_id"] = self.school_class_id
        for key in self.characteristics:
            conditions[f"{prefix}{CHARACTERISTICS[key][0]}"] = True
        return Q(**conditions)

    def cache_key(self):
        """What the figures depend on, normalised, as a tuple of strings and numbers (part of a
        ``safeguard.datacache`` key): the dates, ``today`` (the weekly axis and "overdue" move with it) and every
        narrowing filter. The period's label and the term key are left out — the dates say the same."""
        return (
            self.date_from.isoformat(),
            self.date_to.isoformat(),
            self.today.isoformat() if self.today else "",
            tuple(sorted(self.school_ids)),
            self.year_group,
            self.school_class_id,
            self.group,
            self.level,
            tuple(sorted(self.characteristics)),
            self.recorder_id,
        )

    def as_query(self):
        """The filters as a query string, for links that keep them (a term by its key, otherwise the dates)."""
        pairs = []
        if self.term:
            pairs.append(("term", self.term))
        else:
            pairs += [("date_from", self.date_from.isoformat()), ("date_to", self.date_to.isoformat())]
        if len(self.school_ids) == 1:
            pairs.append(("school", self.school_ids[0]))
        for name in ("year_group", "school_class_id", "group", "level", "recorder_id"):
            value = getattr(self, name)
            if value not in ("", None):
                pairs.append((name.removesuffix("_id"), value))
        pairs += [("characteristics", key) for key in self.characteristics]
        return urlencode(pairs)


class DashboardFilterForm(forms.Form):
    """The dashboard's filters (GET). Build it with the schools it is for; ``filters()`` gives the values.

    Args:
        schools: the ``School`` rows shown (one for a school's dashboard, the trust's for the trust view).
        trust: True for the trust comparison (a school choice; no class or recorder, which belong to one school).
        include_safeguarding: offer the safeguarding group (viewers who see concerns only).
        today: the schools' local date (defaults to the first school's).
    """

    term = forms.ChoiceField(label=_("Term"), required=False, widget=FastSelect)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    school = forms.TypedChoiceField(label=_("School"), required=False, coerce=int, empty_value=None, widget=FastSelect)
    year_group = forms.ChoiceField(label=_("Year group"), required=False, widget=FastSelect)
    school_class = forms.TypedChoiceField(
        label=_("Class"), required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    group = forms.ChoiceField(label=_("Group"), required=False, widget=FastSelect)
    level = forms.TypedChoiceField(label=_("Level"), required=False, coerce=int, empty_value=None, widget=FastSelect)
    characteristics = forms.MultipleChoiceField(
        label=_("Pupils involved"),
        required=False,
        choices=[(key, label) for key, (_flag, label) in CHARACTERISTICS.items()],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("Incidents involving a pupil with every characteristic ticked."),
    )
    recorder = forms.TypedChoiceField(
        label=_("Recorded by"), required=False, coerce=int, empty_value=None, widget=FastSelect
    )

    def __init__(self, data=None, *, schools, trust=False, include_safeguarding=False, today=None):
        super().__init__(data)
        self.schools = list(schools)
        self.trust = trust
        self.today = today or (self.schools[0].today() if self.schools else datetime.date.today())
        school_ids = [school.pk for school in self.schools]
        self._terms = self._load_terms(school_ids)
        self.fields["term"].choices = [("", _("This term"))] + [
            (key, label) for key, (label, _start, _end) in self._terms.items()
        ]
        groups = [(value, label) for value, label in CategoryGroup.choices]
        if not include_safeguarding:
            groups = [(value, label) for value, label in groups if value != CategoryGroup.SAFEGUARDING]
        self.fields["group"].choices = [("", _("All groups")), *groups]
        self.fields["level"].choices = [("", _("All levels"))] + [(n, str(n)) for n in range(1, 6)]
        year_groups = (
            YearGroup.objects.filter(school_id__in=school_ids).order_by("order", "name").values_list("code", "name")
        )
        seen, year_choices = set(), []
        for code, name in year_groups:
            if code not in seen:
                seen.add(code)
                year_choices.append((code, name))
        self.fields["year_group"].choices = [("", _("All year groups")), *year_choices]
        if trust:
            del self.fields["school_class"], self.fields["recorder"]
            self.fields["school"].choices = [("", _("All schools"))] + [(s.pk, s.name) for s in self.schools]
        else:
            del self.fields["school"]
            classes = (
                SchoolClass.objects.filter(school_id__in=school_ids)
                .order_by("-academic_year__starts_on", "name")
                .values_list("pk", "name", "academic_year__name")
            )
            self.fields["school_class"].choices = [("", _("All classes"))] + [
                (pk, f"{name} ({year})") for pk, name, year in classes
            ]
            staff = (
                StaffRole.objects.current()
                .filter(school_id__in=school_ids, role__in=permissions.STAFF)
                .values("user_id")
            )
            recorders = User.objects.filter(pk__in=staff).order_by("full_name", "email").values_list("pk", "full_name")
            self.fields["recorder"].choices = [("", _("Anyone"))] + [(pk, name) for pk, name in recorders]

    def _load_terms(self, school_ids):
        """``{key: (label, starts_on, ends_on)}``, newest first; a key shared by several schools spans them all
        (from the first school's start to the last one's end), labelled with the first of its academic year names
        in alphabetical order. One query, grouped by the database: a trust of 20 schools with ten years of
        calendars has 600 terms and 30 choices (issue 18 item 4: the page's cost does not follow the schools'
        terms of earlier years)."""
        rows = (
            Term.objects.filter(academic_year__school_id__in=school_ids)
            .values("kind", year=ExtractYear("academic_year__starts_on"))
            .annotate(
                first=Min("starts_on"), last=Max("ends_on"), latest=Max("starts_on"), name=Min("academic_year__name")
            )
            .order_by("-latest", "kind")
        )
        return {
            f"{row['year']}-{row['kind']}": (f"{Term.Kind(row['kind']).label} {row['name']}", row["first"], row["last"])
            for row in rows
        }

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                self.add_error("date_to", _("The end of the range is before its start."))
            elif (date_to - date_from).days > MAX_DAYS:
                self.add_error("date_to", _("Choose a range of at most three years."))
        return data

    def _current_term(self):
        current = [(key, start, end) for key, (_l, start, end) in self._terms.items() if start <= self.today <= end]
        if not current:
            return None
        if len({key for key, _s, _e in current}) == 1:
            return current[0][0]
        return None, min(start for _k, start, _e in current), max(end for _k, _s, end in current)

    def previous_filters(self, filters=None):
        """The filters of the same period last year (``previous_period``), with this form's terms: see there."""
        return previous_period(filters or self.filters(), self._terms)

    def filters(self):
        """The ``DashboardFilters`` for valid input; for invalid input, the defaults (the form shows the errors)."""
        data = self.cleaned_data if self.is_valid() else {}
        today = self.today
        term = data.get("term") or ""
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from or date_to:
            term = ""
            date_to = date_to or (today if not date_from or date_from <= today else date_from)
            date_from = date_from or date_to - datetime.timedelta(weeks=DEFAULT_WEEKS) + datetime.timedelta(days=1)
            label = ""
        else:
            if not term:
                current = self._current_term()
                term = current if isinstance(current, str) else ""
                if isinstance(current, tuple):
                    _none, date_from, date_to = current
            if term:
                label, date_from, date_to = self._terms[term]
            elif date_from is None:
                date_to = today
                date_from = today - datetime.timedelta(weeks=DEFAULT_WEEKS) + datetime.timedelta(days=1)
                label = _("The last %(weeks)s weeks") % {"weeks": DEFAULT_WEEKS}
            else:
                label = _("This term")
        school = data.get("school")
        return DashboardFilters(
            date_from=date_from,
            date_to=date_to,
            today=today,
            period_label=str(label),
            term=term,
            school_ids=(school,) if school else (),
            year_group=data.get("year_group") or "",
            school_class_id=data.get("school_class"),
            group=data.get("group") or "",
            level=data.get("level"),
            characteristics=tuple(data.get("characteristics") or ()),
            recorder_id=data.get("recorder"),
        )


def year_earlier(day):
    """``day`` one year earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def previous_period(filters, terms=None):
    """The ``DashboardFilters`` of the same period last year, with every other filter kept (issue 16 item 10):

    - a term (``filters.term``, e.g. ``"2026-autumn"``): the same term of the previous academic year
      (``"2025-autumn"``) as ``terms`` (``{key: (label, starts_on, ends_on)}``) records it, otherwise the same dates a
      year earlier;
    - a date range: the same dates a year earlier.

    While the period is still going on (``filters.today`` inside it), last year's period is cut to as many days as
    this one has had so far, so like is compared with like. Returns ``(DashboardFilters, cut)``; ``cut`` is True when
    it was cut.
    """
    terms = terms or {}
    term, label = "", ""
    if filters.term:
        start_year, _sep, kind = filters.term.partition("-")
        key = f"{int(start_year) - 1}-{kind}" if start_year.isdigit() else ""
        if key in terms:
            label, date_from, date_to = terms[key]
            term = key
    if not term:
        date_from, date_to = year_earlier(filters.date_from), year_earlier(filters.date_to)
    cut = False
    today = filters.today
    if today and filters.date_from <= today < filters.date_to:
        same_point = date_from + (today - filters.date_from)
        if same_point < date_to:
            date_to, cut = same_point, True
    previous = dataclasses.replace(
        filters,
        date_from=date_from,
        date_to=date_to,
        period_label=str(label),
        term=term if not cut else "",
        today=year_earlier(today) if today else None,
    )
    return previous, cut
