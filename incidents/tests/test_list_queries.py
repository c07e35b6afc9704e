"""Issue 16's last check, "every page stays within its current CPU per request": the incident list asks the database
a fixed, small number of questions, whatever the number of records — the lesson lists in one query, the staff to give
actions to only on the reassigning step, never on the list."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services
from incidents.services_search import search_documents_rebuild
from incidents.tests.factories import IncidentFactory, concern
from safeguard.accounts import otp

pytestmark = pytest.mark.django_db

# The DSL's list, verified: session, user, school, their roles (2), lesson lists, count, saved filters, incidents,
# pupils, the concerns-viewed audit, navigation (1–2), year groups, classes. The class teacher's: no audit, but which
# classes are theirs. Before this trim the DSL's was 17 here (two lesson-list queries, two lists of staff).
DSL_LIST_QUERIES = 15
TEACHER_LIST_QUERIES = 15


def list_queries(client, school, query=""):
    """The number of queries of one view of ``school``'s incident list (after a first view, as a user reloads)."""
    url = reverse("incidents:list", args=[school.slug]) + query
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def record(school, pupil, teacher, count):
    """``count`` records the teacher made, every fifth a safeguarding concern (the first one too), with their search
    texts; returns them."""
    incidents = [
        concern(school, pupils=[pupil], recorded_by=teacher, description="Worried about home.")
        if n % 5 == 0
        else IncidentFactory(school=school, pupils=[pupil], recorded_by=teacher, description=f"Pushed in queue {n}")
        for n in range(count)
    ]
    search_documents_rebuild(school=school)
    return incidents


def listed(page, incidents):
    """How many of ``incidents`` the page lists (each row links to its record)."""
    return sum(str(incident.public_id) in page for incident in incidents)


def verify(client):
    session = client.session
    session[otp.SESSION_KEY] = time.time()
    session.save()


class TestTheDSLsList:
    def test_the_same_queries_for_3_and_30_records(self, client, school, pupil, teacher, dsl):
        client.force_login(dsl)
        verify(client)
        incidents = record(school, pupil, teacher, 3)
        few, page = list_queries(client, school)
        assert listed(page, incidents) == 3
        incidents += record(school, pupil, teacher, 27)
        many, page = list_queries(client, school)
        assert listed(page, incidents) == 30 and pupil.display_name in page
        assert few == many <= DSL_LIST_QUERIES

    def test_the_staff_to_give_actions_to_are_not_listed_on_the_list(self, client, school, pupil, teacher, dsl):
        client.force_login(dsl)
        record(school, pupil, teacher, 3)
        _count, page = list_queries(client, school)
        assert "Reassign their actions…" in page
        assert 'name="assignee"' not in page and 'name="from_assignee"' not in page

    def test_lesson_lists_cost_no_more_query(self, client, school, pupil, teacher, dsl, office):
        client.force_login(dsl)
        verify(client)
        record(school, pupil, teacher, 3)
        without, _page = list_queries(client, school)
        services.lesson_entry_add(actor=office, school=school, kind="periods", name="Period 1")
        services.lesson_entry_add(actor=office, school=school, kind="subjects", name="Maths")
        with_lists, page = list_queries(client, school)
        assert "Period 1" in page and "Maths" in page
        assert with_lists == without

    def test_a_search_by_words_adds_only_its_audit(self, client, school, pupil, teacher, dsl):
        client.force_login(dsl)
        verify(client)
        incidents = record(school, pupil, teacher, 3)
        plain, _page = list_queries(client, school)
        incidents += record(school, pupil, teacher, 27)
        searched, page = list_queries(client, school, "?text=queue")
        assert listed(page, incidents) == 23  # not the 7 concerns: their words are not "queue"
        assert searched <= plain + 3  # the search's audit event, in its transaction


class TestTheClassTeachersList:
    def test_the_same_queries_for_3_and_30_records(self, client, school, pupil, teacher):
        client.force_login(teacher)
        incidents = record(school, pupil, teacher, 3)
        few, page = list_queries(client, school)
        assert listed(page, incidents) == 2  # not the concern: concerns are the DSL team's
        incidents += record(school, pupil, teacher, 27)
        many, page = list_queries(client, school)
        assert listed(page, incidents) == 23
        assert few == many <= TEACHER_LIST_QUERIES
