"""Issue 18 item 4: the incident list counts only the next pages' records ("More than 1,000 incidents"), so a school's
years of records do not make its list slower, and the pager still goes on; a search by words reads only the school's
own search texts. The page sizes are made small here so a few records show what a school with thousands sees."""

import time

import pytest
from django.db import connection
from django.urls import reverse

from incidents import views_incidents
from incidents.models import IncidentSearchDocument
from incidents.services_search import search_documents_rebuild
from incidents.tests.factories import IncidentFactory
from safeguard.accounts import otp

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 2 records, counted 5 records ahead of the page's first."""
    monkeypatch.setattr(views_incidents, "PAGE_SIZE", 2)
    monkeypatch.setattr(views_incidents, "COUNT_AHEAD", 5)


def list_page(client, school, **params):
    response = client.get(reverse("incidents:list", args=[school.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def record(school, pupil, teacher, count, description="Pushed in the lunch queue"):
    incidents = [
        IncidentFactory(school=school, pupils=[pupil], recorded_by=teacher, description=f"{description} {n}")
        for n in range(count)
    ]
    search_documents_rebuild(school=school)
    return incidents


class TestCountedAhead:
    def test_more_records_than_counted_read_as_more_than(self, client, school, pupil, teacher, slt, small_pages):
        record(school, pupil, teacher, 8)
        client.force_login(slt)
        page = list_page(client, school)
        assert "More than 5 incidents" in page
        assert "Page 1 of more than 2" in page
        assert "page=2" in page  # Next

    def test_the_next_pages_count_further_ahead(self, client, school, pupil, teacher, slt, small_pages):
        incidents = record(school, pupil, teacher, 8)
        client.force_login(slt)
        page = list_page(client, school, page=2)  # counts up to the 7th record past the 2nd page's first: 7 of 8
        assert "More than 7 incidents" in page and "Page 2 of more than 3" in page
        page = list_page(client, school, page=3)  # from the 5th record, 5 ahead: all 8 are counted
        assert "8 incidents" in page and "More than" not in page
        assert "Page 3 of 4" in page
        # Newest first: the third page holds the 5th and 6th newest.
        newest_first = sorted(incidents, key=lambda incident: (incident.occurred_at, incident.pk), reverse=True)
        assert [str(i.public_id) in page for i in newest_first] == [False] * 4 + [True] * 2 + [False] * 2

    def test_a_page_past_the_last_shows_the_last(self, client, school, pupil, teacher, slt, small_pages):
        record(school, pupil, teacher, 8)
        client.force_login(slt)
        page = list_page(client, school, page=99)
        assert "8 incidents" in page and "Page 4 of 4" in page

    @pytest.mark.parametrize("number", ["0", "-3"])
    def test_a_page_number_below_one_shows_the_first(self, client, school, pupil, teacher, slt, small_pages, number):
        # Not the last page counted (the 6th record alone, with no way on): the first, as for a page not a number.
        record(school, pupil, teacher, 8)
        client.force_login(slt)
        page = list_page(client, school, page=number)
        assert "More than 5 incidents" in page and "Page 1 of more than 2" in page and "page=2" in page

    def test_every_record_counted_reads_as_before(self, client, school, pupil, teacher, slt, small_pages):
        record(school, pupil, teacher, 5)
        client.force_login(slt)
        page = list_page(client, school)
        assert "5 incidents" in page and "More than" not in page and "Page 1 of 3" in page

    def test_a_teacher_counts_only_what_they_may_read(self, client, school, pupil, teacher, office, small_pages):
        record(school, pupil, teacher, 3)
        record(school, pupil, office, 4, description="Office record")
        client.force_login(teacher)  # the pupil is in no class of theirs: their own three records only
        page = list_page(client, school)
        assert "3 incidents" in page and "More than" not in page and "Office record" not in page


class TestSearchWithinTheSchool:
    def test_each_search_text_carries_its_school(self, school, pupil, teacher):
        incident = record(school, pupil, teacher, 1)[0]
        assert IncidentSearchDocument.objects.get(incident=incident).school_id == school.pk

    @postgres_only
    def test_a_search_text_written_without_its_school_is_found(self, client, school, pupil, teacher, slt):
        """Bulk-loaded data (the benchmark's) writes search texts without the school: the database fills it."""
        incident = IncidentFactory(school=school, pupils=[pupil], recorded_by=teacher, description="Graffiti")
        IncidentSearchDocument.objects.filter(incident=incident).delete()
        IncidentSearchDocument.objects.bulk_create([IncidentSearchDocument(incident=incident, text="Graffiti")])
        IncidentSearchDocument.objects.filter(incident=incident).update(vector=None)  # as bulk loads leave it
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE incidents_incidentsearchdocument SET vector = to_tsvector('english', text)"
                " WHERE incident_id = %s",
                [incident.pk],
            )
        assert IncidentSearchDocument.objects.get(incident=incident).school_id == school.pk
        client.force_login(slt)
        session = client.session
        session[otp.SESSION_KEY] = time.time()
        session.save()
        page = list_page(client, school, text="graffiti")
        assert str(incident.public_id) in page and "1 incident" in page
