"""Reading positive behaviour: the school's list of praise, a pupil's points this term and this year, and the
dashboard's counts beside the incidents. Every ``select_related`` lives here; withdrawn praise counts nowhere."""

import dataclasses
import datetime

from django.db.models import Count, Q, Sum

from safeguard import permissions
from safeguard.directory.models import AcademicYear, Term

from .models import Achievement

RECENT = 5  # praise listed on the pupil's card


def praise_list(*, user, school, date_from=None, date_to=None, category=None, pupil_q=None, include_withdrawn=False):
    """The praise of ``school`` that ``user`` may read (``permissions.achievements_visible_to``), newest first, with
    the pupil, class, category and giver, as a queryset for a paginator.

    Args:
        date_from, date_to: the school's local dates, inclusive (``datetime.date`` or None for no bound).
        category: an ``AchievementCategory`` or None. pupil_q: a ``Q`` on ``Achievement`` narrowing by pupil, or None.
        include_withdrawn: list withdrawn praise too (marked on the page).
    """
    praise = permissions.achievements_visible_to(user, school)
    if not include_withdrawn:
        praise = praise.current()
    if date_from:
        praise = praise.filter(awarded_on__gte=date_from)
    if date_to:
        praise = praise.filter(awarded_on__lte=date_to)
    if category is not None:
        praise = praise.filter(category=category)
    if pupil_q is not None:
        praise = praise.filter(pupil_q)
    return praise.select_related("pupil__school_class", "category", "recorded_by").order_by("-awarded_on", "-pk")


@dataclasses.dataclass(frozen=True)
class Period:
    """A named stretch of the school's calendar: ``label`` in words, ``starts_on`` and ``ends_on`` inclusive."""

    label: str
    starts_on: datetime.date
    ends_on: datetime.date


def current_periods(school, *, today=None):
    """``(term, year)``: the school's ``Period`` of the term we are in (or the last one begun this academic year,
    during a holiday) and of the academic year containing ``today`` (the school's local date) — either None when the
    calendar has none. Two queries at most."""
    today = today or school.today()
    year = AcademicYear.objects.filter(school=school, starts_on__lte=today, ends_on__gte=today).first()
    if year is None:
        return None, None
    term = (
        Term.objects.filter(academic_year=year, starts_on__lte=today)
        .order_by("-starts_on")
        .select_related("academic_year")
        .first()
    )
    year_period = Period(year.name, year.starts_on, year.ends_on)
    term_period = Period(str(term), term.starts_on, term.ends_on) if term else None
    return term_period, year_period


def pupil_summary(pupil, *, today=None):
    """The pupil's praise for their card: ``{"term": Period or None, "year": Period or None, "term_praise",
    "term_points", "year_praise", "year_points", "recent": [Achievement]}`` — counts and points of praise not
    withdrawn, this term and this academic year (up to today), and the ``RECENT`` latest pieces of praise. Four
    queries at most."""
    school = pupil.school
    today = today or school.today()
    term, year = current_periods(school, today=today)
    praise = Achievement.objects.current().filter(pupil=pupil)
    summary = {"term": term, "year": year}
    if year is not None:
        aggregates = {"year_praise": Count("pk"), "year_points": Sum("points")}
        if term is not None:
            in_term = Q(awarded_on__gte=term.starts_on)
            aggregates.update(term_praise=Count("pk", filter=in_term), term_points=Sum("points", filter=in_term))
        counts = praise.filter(awarded_on__gte=year.starts_on, awarded_on__lte=today).aggregate(**aggregates)
        summary.update({key: value or 0 for key, value in counts.items()})
    summary["recent"] = list(praise.select_related("category", "recorded_by").order_by("-awarded_on", "-pk")[:RECENT])
    return summary


@dataclasses.dataclass
class DashboardCounts:
    """Praise beside the incidents of a dashboard: ``praise`` (pieces of praise), ``points`` and ``pupils``
    (distinct pupils praised) for the period, the same for the period compared with (``before``: a dict, or None),
    and ``categories``: ``[(name, praise, points)]`` of the period, in the school's order."""

    praise: int
    points: int
    pupils: int
    before: dict | None
    categories: list


def dashboard_counts(school, filters, *, previous=None):
    """The dashboard's positive figures for ``school`` under ``filters`` (a ``reports.filters.DashboardFilters``:
    its dates, year group, class, pupil characteristics and recorder apply; the incident group and level do not),
    and for ``previous`` (the ``DashboardFilters`` of the same period last year, or None). Two queries, whatever the
    number of categories or year groups."""
    praise = Achievement.objects.current().filter(school=school).filter(filters.pupil_q("pupil__"))
    if filters.recorder_id:
        praise = praise.filter(recorded_by_id=filters.recorder_id)
    now = Q(awarded_on__gte=filters.date_from, awarded_on__lte=filters.date_to)
    either = now
    # Aliases other than the field names: ``Sum("points")`` under the alias "points" would read its own alias.
    aggregates = {
        "now_praise": Count("pk", filter=now),
        "now_points": Sum("points", filter=now),
        "now_pupils": Count("pupil_id", distinct=True, filter=now),
    }
    if previous is not None:
        then = Q(awarded_on__gte=previous.date_from, awarded_on__lte=previous.date_to)
        either = now | then
        aggregates.update(
            before_praise=Count("pk", filter=then),
            before_points=Sum("points", filter=then),
            before_pupils=Count("pupil_id", distinct=True, filter=then),
        )
    totals = {key: value or 0 for key, value in praise.filter(either).aggregate(**aggregates).items()}
    categories = (
        praise.filter(now)
        .values("category__name", "category__order")
        .annotate(praise_given=Count("pk"), points_given=Sum("points"))
        .order_by("category__order", "category__name")
    )
    before = None
    if previous is not None:
        before = {key: totals[f"before_{key}"] for key in ("praise", "points", "pupils")}
    return DashboardCounts(
        praise=totals["now_praise"],
        points=totals["now_points"],
        pupils=totals["now_pupils"],
        before=before,
        categories=[(row["category__name"], row["praise_given"], row["points_given"] or 0) for row in categories],
    )
