"""School days counted from a school's own calendar: terms, half-terms and other breaks, weekends
(``safeguard.directory.calendar``; used for the child protection file's transfer deadline, KCSIE Annex C)."""

import datetime

import pytest

from safeguard.directory.calendar import is_school_day, school_day_after, school_days_between
from safeguard.directory.models import AcademicYear, Term, TermBreak
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def english_school(db):
    """2026/27 with three terms and the three half-terms of the English preset."""
    school = factories.SchoolFactory()
    year = AcademicYear.objects.create(school=school, name="2026/27", starts_on=D(2026, 9, 1), ends_on=D(2027, 8, 31))
    for kind, starts, ends in (
        ("autumn", D(2026, 9, 3), D(2026, 12, 18)),
        ("spring", D(2027, 1, 5), D(2027, 3, 26)),
        ("summer", D(2027, 4, 12), D(2027, 7, 21)),
    ):
        Term.objects.create(academic_year=year, kind=kind, starts_on=starts, ends_on=ends)
    for name, first, last in (
        ("Autumn half-term", D(2026, 10, 26), D(2026, 10, 30)),
        ("Spring half-term", D(2027, 2, 15), D(2027, 2, 19)),
        ("Summer half-term", D(2027, 5, 31), D(2027, 6, 4)),
    ):
        TermBreak.objects.create(academic_year=year, name=name, starts_on=first, ends_on=last)
    return school


def test_a_week_of_term_has_five_school_days_and_the_start_is_not_counted(english_school):
    # Friday 2 October → Friday 9 October 2026: Monday to Friday of one week.
    assert school_days_between(english_school, D(2026, 10, 2), D(2026, 10, 9)) == 5
    assert school_days_between(english_school, D(2026, 10, 9), D(2026, 10, 9)) == 0
    assert school_days_between(english_school, D(2026, 10, 9), D(2026, 10, 2)) == 0


def test_half_term_and_weekends_are_not_school_days(english_school):
    # Friday 23 October to Monday 2 November 2026: the half-term week and two weekends lie between.
    assert school_days_between(english_school, D(2026, 10, 23), D(2026, 11, 2)) == 1
    assert not is_school_day(english_school, D(2026, 10, 27))
    assert is_school_day(english_school, D(2026, 11, 2))


def test_the_days_between_terms_are_not_school_days(english_school):
    # Friday 18 December 2026 (the end of the autumn term) to Tuesday 5 January 2027 (the first day of spring).
    assert school_days_between(english_school, D(2026, 12, 18), D(2027, 1, 5)) == 1
    assert school_day_after(english_school, D(2026, 12, 18), 5) == D(2027, 1, 11)


def test_five_school_days_after_a_move_just_before_half_term(english_school):
    # Thursday 22 October 2026: Friday 23 is the first, then the half-term week, then 2–5 November.
    assert school_day_after(english_school, D(2026, 10, 22), 5) == D(2026, 11, 5)


def test_a_removed_break_counts_again(english_school):
    TermBreak.objects.filter(name="Autumn half-term").update(removed_at=datetime.datetime.now(datetime.UTC))
    assert school_days_between(english_school, D(2026, 10, 23), D(2026, 11, 2)) == 6


def test_with_no_calendar_recorded_every_weekday_counts(english_school):
    # 2027/28 has not been set up: Monday to Friday count, so a deadline is never later than the real one.
    assert school_days_between(english_school, D(2027, 9, 3), D(2027, 9, 10)) == 5
    assert school_days_between(factories.SchoolFactory(), D(2026, 10, 23), D(2026, 11, 2)) == 6


def test_a_datetime_is_refused(english_school):
    with pytest.raises(TypeError):
        school_days_between(english_school, datetime.datetime(2026, 10, 1), D(2026, 10, 9))
    with pytest.raises(ValueError):
        school_day_after(english_school, D(2026, 10, 1), 0)


def test_two_queries_whatever_the_span(english_school, django_assert_num_queries):
    with django_assert_num_queries(3):  # years, their terms, their breaks
        # Autumn 77 weekdays, spring 59, summer 73; less three half-term weeks.
        assert school_days_between(english_school, D(2026, 9, 1), D(2027, 8, 31)) == 77 + 59 + 73 - 15


def test_a_year_recorded_without_terms_counts_its_weekdays(db):
    school = factories.SchoolFactory()
    AcademicYear.objects.create(
        school=school, name="2026/27", starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 8, 31)
    )

    # Monday 5 to Friday 9 October 2026: a year not yet set up never makes a deadline later than the real one.
    assert school_days_between(school, datetime.date(2026, 10, 4), datetime.date(2026, 10, 9)) == 5
