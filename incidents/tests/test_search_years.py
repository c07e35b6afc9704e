"""Issue 18 item 4: a search by words of the school's whole log reads its matches a calendar year at a time, newest
first, and stops once it has counted the page and the next pages ("More than 1,000 incidents", as the list says),
so a school's years of records do not make a search slower. PostgreSQL only (the walk is by the full-text index on
(school and year, words); SQLite searches with ``icontains``). Page sizes are made small so a few records show what
a school with thousands sees."""

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import views_incidents
from incidents.models import IncidentSearchDocument
from incidents.services import incident_amend
from incidents.services_search import search_documents_rebuild
from incidents.tests.factories import IncidentFactory
from safeguard.accounts import otp
from safeguard.audit.models import AuditEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"),
]


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 2 records, counted 3 records ahead of the page's first."""
    monkeypatch.setattr(views_incidents, "PAGE_SIZE", 2)
    monkeypatch.setattr(views_incidents, "COUNT_AHEAD", 3)


def search(client, school, words, **params):
    response = client.get(reverse("incidents:list", args=[school.slug]), {"text": words, **params})
    assert response.status_code == 200
    return response.content.decode()


def shown(page, incidents):
    """Which of ``incidents`` the page lists, in the order it lists them."""
    positions = {page.find(str(incident.public_id)): incident for incident in incidents}
    return [positions[at] for at in sorted(positions) if at >= 0]


@pytest.fixture
def four_years(school, pupil):
    """Two matching records in each of this calendar year and the three before (UTC), newest first, and one that
    does not match."""
    this_year = timezone.now().year
    records = []
    for year in range(this_year, this_year - 4, -1):
        for day in (20, 10):
            when = min(datetime.datetime(year, 3, day, 12, tzinfo=datetime.UTC), timezone.now())
            when -= datetime.timedelta(minutes=day)
            records.append(
                IncidentFactory(school=school, pupils=[pupil], occurred_at=when, description=f"Broke a window {year}")
            )
    IncidentFactory(school=school, pupils=[pupil], description="Ran in the corridor")
    search_documents_rebuild(school=school)
    return sorted(records, key=lambda incident: incident.occurred_at, reverse=True)


def walked_years(queries):
    """How many years' matches a search read (its queries of the index on school and year)."""
    return sum('"school_year" =' in query["sql"] for query in queries.captured_queries)


class TestTheWalkThroughTheYears:
    def test_every_year_newest_first(self, client, school, slt, four_years):
        client.force_login(slt)
        page = search(client, school, "window")
        assert "8 incidents" in page
        assert shown(page, four_years) == four_years

    def test_only_as_many_years_as_it_counts(self, client, school, slt, four_years, small_pages):
        client.force_login(slt)
        search(client, school, "window")  # the session's first page reads more
        with CaptureQueriesContext(connection) as queries:
            page = search(client, school, "window")
        assert "More than 3 incidents" in page and "Page 1 of more than 1" in page and "page=2" in page
        assert shown(page, four_years) == four_years[:2]
        assert walked_years(queries) == 2  # this year's two and last year's two: the older years are not read

    def test_the_last_page_reads_back_to_the_first_year(self, client, school, slt, four_years, small_pages):
        client.force_login(slt)
        page = search(client, school, "window", page="4")
        assert "8 incidents" in page and "Page 4 of 4" in page and "More than" not in page
        assert shown(page, four_years) == four_years[6:]

    def test_a_page_across_two_years_keeps_the_order(self, client, school, slt, four_years, monkeypatch):
        monkeypatch.setattr(views_incidents, "PAGE_SIZE", 3)
        client.force_login(slt)
        page = search(client, school, "window", page="2")
        assert shown(page, four_years) == four_years[3:6]  # last year's second, then the year before's two

    def test_dates_chosen_narrow_the_years(self, client, school, slt, four_years):
        client.force_login(slt)
        last_year = timezone.now().year - 1
        with CaptureQueriesContext(connection) as queries:
            page = search(client, school, "window", date_from=f"{last_year}-01-01", date_to=f"{last_year}-12-31")
        assert "2 incidents" in page and shown(page, four_years) == four_years[2:4]
        assert walked_years(queries) == 1

    def test_nothing_found_in_any_year(self, client, school, slt, four_years):
        client.force_login(slt)
        page = search(client, school, "trampoline")
        assert "0 incidents" in page and "No incidents match this filter." in page

    def test_the_audit_says_more_than(self, client, school, slt, four_years, small_pages):
        client.force_login(slt)
        search(client, school, "window")
        event = AuditEvent.objects.filter(action="incidents.incident_log.searched").latest("pk")
        assert event.data["results"] == 3 and event.data["more_results"] is True

    def test_concerns_are_walked_too_for_the_verified_dsl(self, client, school, dsl, pupil, four_years):
        concern = IncidentFactory(
            school=school, pupils=[pupil], is_safeguarding=True, description="Window of bruising noticed"
        )
        search_documents_rebuild(school=school)
        client.force_login(dsl)
        page = search(client, school, "window")  # before the second factor: the behaviour records only
        assert "8 incidents" in page and shown(page, four_years) == four_years and not shown(page, [concern])
        session = client.session
        session[otp.SESSION_KEY] = time.time()
        session.save()
        page = search(client, school, "window")
        assert shown(page, [concern]) == [concern] and "9 incidents" in page


class TestTheYearOfARecord:
    def test_a_correction_of_when_it_happened_moves_it(self, client, school, slt, four_years, small_pages):
        oldest = four_years[-1]
        incident_amend(actor=slt, incident=oldest, reason="Wrong year typed", occurred_at=timezone.now())
        client.force_login(slt)
        page = search(client, school, "window")
        assert shown(page, four_years)[0] == oldest

    def test_a_text_written_without_its_year_gets_it(self, client, school, slt, four_years):
        # Bulk-loaded texts (the benchmark's) are written without the school and year: the database fills them.
        IncidentSearchDocument.objects.filter(incident__in=four_years).update(school=None, school_year=None)
        assert not IncidentSearchDocument.objects.filter(incident__in=four_years, school_year=None).exists()
        client.force_login(slt)
        assert "8 incidents" in search(client, school, "window")


class TestYearsWithoutRecords:
    def test_a_record_dated_decades_back_costs_one_step_not_one_per_year(self, client, school, slt, pupil, four_years):
        typo = IncidentFactory(
            school=school,
            pupils=[pupil],
            occurred_at=datetime.datetime(1926, 3, 5, 10, tzinfo=datetime.UTC),
            description="Broke a window (date typed wrong)",
        )
        search_documents_rebuild(school=school)
        client.force_login(slt)
        search(client, school, "window")
        with CaptureQueriesContext(connection) as queries:
            page = search(client, school, "window")
        assert "9 incidents" in page and shown(page, [typo]) == [typo]
        assert walked_years(queries) == 5  # the four years with records and 1926; not the hundred between
        assert len(queries.captured_queries) < 40

    def test_a_first_day_of_year_one_is_not_an_error(self, client, school, slt, four_years):
        school.time_zone = "Europe/Istanbul"  # east of UTC: the start of 1 January of year 1 is before UTC's year 1
        school.save()
        client.force_login(slt)
        page = search(client, school, "window", date_from="0001-01-01")
        assert "8 incidents" in page
