"""School days from a school's own calendar: its academic years, their terms and their breaks (half-terms, holidays,
closure days).

A **school day** is a day, Monday to Friday, inside one of the school's terms and outside every break of that year.
Where the school has recorded no academic year covering a day, or a year with no term in it, its calendar is unknown
there and the day counts as a school day when it is Monday to Friday (outside any recorded break): a deadline counted
in school days then comes no later than the real one (the safe side for safeguarding deadlines such as a child
protection file's transfer).

- ``school_days_between(school, start, end)``: how many school days come after ``start`` up to and including
  ``end``.
- ``school_day_after(school, start, days)``: the date of the ``days``-th school day after ``start`` (a deadline).
- ``is_school_day(school, day)``.

Rule sources for the deadlines counted with these: KCSIE (Annex C) — the child protection file goes to the new school
within 5 school days of an in-year move, or within the first 5 school days of the start of a new term; the Education
(Pupil Information) (England) Regulations 2005 — the common transfer file within 15 school days.

Each call reads the school's calendar for the dates asked with two queries (years with their terms, and their
breaks); the days are then counted in Python.
"""

import datetime

from django.db.models import Prefetch

from .models import AcademicYear, Term, TermBreak

ONE_DAY = datetime.timedelta(days=1)
# How far ``school_day_after`` looks ahead before giving up (a school with no term for two years has no deadline).
_SEARCH_LIMIT_DAYS = 2 * 366


class _Calendar:
    """The school's years, terms and breaks overlapping ``first``…``last`` (dates, inclusive)."""

    def __init__(self, school, first, last):
        years = (
            AcademicYear.objects.filter(school=school, starts_on__lte=last, ends_on__gte=first)
            .prefetch_related(
                Prefetch("terms", queryset=Term.objects.order_by("starts_on")),
                Prefetch("breaks", queryset=TermBreak.objects.order_by("starts_on")),
            )
            .order_by("starts_on")
        )
        self.years = [
            (
                year.starts_on,
                year.ends_on,
                [(term.starts_on, term.ends_on) for term in year.terms.all()],
                [(item.starts_on, item.ends_on) for item in year.breaks.all()],
            )
            for year in years
        ]

    def is_school_day(self, day):
        if day.weekday() >= 5:
            return False
        for starts_on, ends_on, terms, breaks in self.years:
            if starts_on <= day <= ends_on:
                # A year with no term recorded is a calendar not yet set up: its weekdays count (the safe side).
                in_term = any(first <= day <= last for first, last in terms) if terms else True
                return in_term and not any(first <= day <= last for first, last in breaks)
        return True  # no calendar recorded for this day: a weekday counts (see the module's docstring)


def _as_date(value, name):
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise TypeError(f"{name} must be a date (the school's local date), not {type(value).__name__}")
    return value


def school_days_between(school, start, end):
    """The number of school days of ``school`` after ``start`` up to and including ``end`` (an int, 0 or more).

    Args:
        school: a ``School``.
        start, end: ``datetime.date`` in the school's local time (``school.today(now)`` gives one from an aware
            datetime). ``start`` itself is not counted: a file sent on the day the pupil left took 0 school days,
            one sent on the next school day 1.

    Returns 0 when ``end`` is on or before ``start``. Raises ``TypeError`` for a datetime or anything not a date.
    Example: an English school whose autumn half-term is Monday 26 to Friday 30 October 2026 —
    ``school_days_between(school, date(2026, 10, 23), date(2026, 11, 2))`` is 1 (only Monday 2 November).
    """
    start, end = _as_date(start, "start"), _as_date(end, "end")
    if end <= start:
        return 0
    calendar = _Calendar(school, start + ONE_DAY, end)
    count, day = 0, start + ONE_DAY
    while day <= end:
        count += calendar.is_school_day(day)
        day += ONE_DAY
    return count


def school_day_after(school, start, days):
    """The date of the ``days``-th school day of ``school`` after ``start`` (a ``datetime.date``): with ``days`` = 5,
    the last day a child protection file may arrive when the pupil moved on ``start``.

    ``days`` is an int, 1 or more. Raises ``ValueError`` for fewer than 1, or when no such day comes within two years
    (a calendar with terms missing), ``TypeError`` as ``school_days_between``.
    """
    start = _as_date(start, "start")
    if days < 1:
        raise ValueError("days must be 1 or more")
    last = start + datetime.timedelta(days=_SEARCH_LIMIT_DAYS)
    calendar = _Calendar(school, start + ONE_DAY, last)
    day, found = start, 0
    while day < last:
        day += ONE_DAY
        if calendar.is_school_day(day):
            found += 1
            if found == days:
                return day
    raise ValueError("no such school day within two years")


def is_school_day(school, day):
    """True if ``day`` (a ``datetime.date``) is a school day of ``school`` (see the module's docstring)."""
    day = _as_date(day, "day")
    return _Calendar(school, day, day).is_school_day(day)
