"""The coverage page's "N matches" and pages: unfiltered, the count is the summary's total (no COUNT query of its own,
issue 18 item 6); filtered, the list's own count — for pupils and for staff."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aup.middleware import GATE_CLEAR_SESSION_KEY
from aup.tests.factories import pupil_agreement, staff_agreement
from aup.views_coverage import PAGE_SIZE
from safeguard.directory.tests import factories

pytestmark = pytest.mark.django_db


def _matches(response):
    assert response.status_code == 200
    return int(re.search(r"(\d+) match", response.content.decode())[1])


def _classes(school):
    year = factories.AcademicYearFactory(school=school)
    made = []
    for code, size in (("Y3", 3), ("Y4", PAGE_SIZE)):
        group = factories.YearGroupFactory(school=school, code=code, name=f"Year {code[1:]}", order=int(code[1:]))
        school_class = factories.SchoolClassFactory(school=school, academic_year=year, year_group=group, name=code)
        for _ in range(size):
            factories.PupilFactory(school=school, year_group=group, school_class=school_class)
        made.append(school_class)
    return made


def test_pupil_coverage_counts_everyone_unfiltered_and_the_class_filtered(client, school, office):
    small, large = _classes(school)
    factories.PupilFactory(school=school, left_on=school.today())  # has left: neither listed nor counted
    agreement = pupil_agreement(school)
    client.force_login(office)
    url = reverse("aup:coverage", args=[school.slug, agreement.public_id])

    client.get(url)
    with CaptureQueriesContext(connection) as unfiltered:
        response = client.get(url)
    assert _matches(response) == 3 + PAGE_SIZE
    assert not any('"__count"' in query["sql"] for query in unfiltered.captured_queries)  # the paginator's
    second = client.get(url, {"page": 2})
    assert _matches(second) == 3 + PAGE_SIZE
    assert second.context["page"].number == 2
    assert len(second.context["rows"]) == 3

    assert _matches(client.get(url, {"school_class": small.pk})) == 3
    assert _matches(client.get(url, {"school_class": large.pk})) == PAGE_SIZE
    assert _matches(client.get(url, {"status": "completed"})) == 0


def test_staff_coverage_counts_the_holders_of_the_roles(client, school, office, teacher, head):
    agreement = staff_agreement(school)
    client.force_login(office)
    session = client.session
    session[GATE_CLEAR_SESSION_KEY] = True  # the office has not signed the staff agreement: past the gate
    session.save()
    url = reverse("aup:coverage", args=[school.slug, agreement.public_id])
    response = client.get(url)
    expected = response.context["summary"]["total"].total
    assert expected >= 3  # office, teacher and head at least
    assert _matches(response) == expected == len(response.context["rows"])
