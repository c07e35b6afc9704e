"""Issue 16 item 11: a child protection file transfer is overdue after 5 school days counted on the school's own
calendar — its terms and breaks — not after 5 weekdays (KCSIE Annex C: the file goes within 5 school days)."""

import datetime
import zoneinfo

import pytest

from incidents import selectors_chronology as selectors
from incidents import tasks
from incidents.models import FileTransfer

pytest.importorskip("safeguard.directory.calendar")  # the school calendar of issue 16 item 11

LONDON = zoneinfo.ZoneInfo("Europe/London")
D = datetime.date


@pytest.fixture
def calendar(school):
    """Autumn term 2026 with half-term Monday 26 – Friday 30 October."""
    from safeguard.directory.models import AcademicYear, Term, TermBreak

    year, _created = AcademicYear.objects.get_or_create(
        school=school, starts_on=D(2026, 9, 1), defaults={"name": "2026/27", "ends_on": D(2027, 8, 31)}
    )
    if not Term.objects.filter(academic_year=year, starts_on__lte=D(2026, 10, 1), ends_on__gte=D(2026, 12, 1)):
        Term.objects.create(academic_year=year, kind=Term.Kind.AUTUMN, starts_on=D(2026, 9, 2), ends_on=D(2026, 12, 18))
    TermBreak.objects.create(
        academic_year=year, name="Autumn half-term", starts_on=D(2026, 10, 26), ends_on=D(2026, 10, 30)
    )
    return year


@pytest.fixture
def sent_before_half_term(school, dsl, pupil, calendar):
    return FileTransfer.objects.create(
        pupil=pupil,
        school=school,
        destination_school="Hilltop Primary",
        destination_dsl="J. Sharma",
        method="Secure e-mail",
        sent_at=datetime.datetime(2026, 10, 23, 15, 0, tzinfo=LONDON),  # the Friday before half-term
        sent_by=dsl,
    )


def test_half_term_does_not_count(sent_before_half_term):
    # Five weekdays later is the Friday of half-term: no school day has passed yet.
    assert not selectors.transfer_is_overdue(sent_before_half_term, D(2026, 10, 30))
    assert not selectors.transfer_is_overdue(sent_before_half_term, D(2026, 11, 5))  # Thursday after: 4 school days
    assert selectors.transfer_is_overdue(sent_before_half_term, D(2026, 11, 6))  # Friday after: 5


def test_the_transfers_page_and_the_daily_warning_follow_the_calendar(school, sent_before_half_term, mailoutbox):
    [listed] = selectors.file_transfers(school=school, today=D(2026, 10, 30))
    assert not listed.is_overdue
    assert tasks.warn_unconfirmed_transfers(today="2026-10-30") == 0
    assert tasks.warn_unconfirmed_transfers(today="2026-11-06") == 1
    assert len(mailoutbox) == 1


def test_a_file_sent_at_the_weekend_counts_from_the_next_school_day(school, dsl, pupil, calendar):
    # Sent on Sunday 1 November, the last day of half-term's weekend: Monday 2 is the first school day counted.
    transfer = FileTransfer.objects.create(
        pupil=pupil,
        school=school,
        destination_school="Hilltop Primary",
        destination_dsl="J. Sharma",
        method="By hand",
        sent_at=datetime.datetime(2026, 11, 1, 23, 30, tzinfo=LONDON),
        sent_by=dsl,
    )
    assert not selectors.transfer_is_overdue(transfer, D(2026, 11, 5))
    assert selectors.transfer_is_overdue(transfer, D(2026, 11, 6))
    assert tasks.school_days_between(school, D(2026, 10, 23), D(2026, 11, 2)) == 1
