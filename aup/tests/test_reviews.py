"""Next review dates for every cycle, leap years and "every September"; register status."""

import datetime

import pytest

from aup.reviews import next_review_date, review_status

D = datetime.date


@pytest.mark.parametrize(
    ("cycle", "interval", "month", "approved_on", "expected"),
    [
        ("years", 1, None, D(2026, 3, 10), D(2027, 3, 10)),  # annual review
        ("years", 3, None, D(2025, 7, 1), D(2028, 7, 1)),  # accessibility plan: every three years
        ("years", 1, None, D(2024, 2, 29), D(2025, 2, 28)),  # leap day → last day of February
        ("years", 4, None, D(2024, 2, 29), D(2028, 2, 29)),  # leap day to leap day
        ("months", 6, None, D(2026, 8, 31), D(2027, 2, 28)),  # month end
        ("months", 6, None, D(2027, 8, 31), D(2028, 2, 29)),  # into a leap February
        ("months", 18, None, D(2026, 1, 15), D(2027, 7, 15)),
        ("fixed_month", 1, 9, D(2026, 9, 28), D(2027, 9, 1)),  # "every September": approved in September
        ("fixed_month", 1, 9, D(2026, 8, 20), D(2026, 9, 1)),  # approved in August: due next month
        ("fixed_month", 1, 9, D(2026, 10, 2), D(2027, 9, 1)),
        ("fixed_month", 1, 1, D(2026, 12, 31), D(2027, 1, 1)),
    ],
)
def test_next_review_date_for_each_cycle(cycle, interval, month, approved_on, expected):
    assert next_review_date(cycle=cycle, interval=interval, month=month, approved_on=approved_on) == expected


def test_termly_review_is_due_at_the_start_of_the_next_term():
    terms = [D(2026, 9, 2), D(2027, 1, 4), D(2027, 4, 12)]
    assert next_review_date(
        cycle="termly", interval=1, month=None, approved_on=D(2026, 11, 20), term_starts=terms
    ) == D(2027, 1, 4)
    assert next_review_date(cycle="termly", interval=1, month=None, approved_on=D(2027, 5, 1), term_starts=terms) == D(
        2027, 9, 1
    )  # no later term known: four months on


def test_no_approval_means_no_date_and_a_bad_month_is_refused():
    assert next_review_date(cycle="years", interval=1, month=None, approved_on=None) is None
    with pytest.raises(ValueError):
        next_review_date(cycle="fixed_month", interval=1, month=13, approved_on=D(2026, 1, 1))


@pytest.mark.parametrize(
    ("due", "in_review", "expected"),
    [
        (D(2026, 11, 19), False, "overdue"),
        (D(2026, 11, 20), False, "due_soon"),
        (D(2026, 12, 20), False, "due_soon"),
        (D(2026, 12, 21), False, "up_to_date"),
        (None, False, "not_scheduled"),
        (D(2026, 11, 1), True, "in_review"),
    ],
)
def test_register_status(due, in_review, expected):
    assert review_status(next_review_on=due, today=D(2026, 11, 20), in_review=in_review) == expected
