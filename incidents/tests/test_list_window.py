"""The incident list's default window (the lead's decision for issue 18 item 4): a reader of their own records only
(a class teacher) sees this academic year's incidents unless they choose a "from" date or "Show every year"; the
notice above the list says so. Whoever reads the whole school (DSL, SLT) still sees every year with no notice."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from incidents.services import incident_amend
from incidents.services_search import search_documents_rebuild
from incidents.tests.factories import ActionFactory, AlertFactory, IncidentFactory
from safeguard.accounts import otp
from safeguard.directory.models import AcademicYear
from safeguard.directory.tests.factories import AcademicYearFactory, PupilFactory

pytestmark = pytest.mark.django_db

NOTICE = "Showing this academic year"
EVERY_YEAR = "Show every year"


def list_page(client, school, **params):
    response = client.get(reverse("incidents:list", args=[school.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def offers_every_year(page):
    """Whether the notice offers "Show every year": a button of the filter form sending ``years=all`` (the form's
    other filters go with it)."""
    return (
        '<button type="submit" form="incident-filters" name="years" value="all"' in page
        and f">{EVERY_YEAR}</button>" in page
        and 'id="incident-filters"' in page
    )


@pytest.fixture
def this_year(school):
    """An academic year of the school that began ten days ago (the latest-starting year containing today)."""
    today = school.today()
    return AcademicYearFactory(
        school=school,
        name="This year",
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=300),
    )


@pytest.fixture
def records(school, pupil, teacher):
    """The teacher's record of last year (400 days ago) and of today, both searchable by "scuffle"."""
    now = timezone.now()
    old = IncidentFactory(
        school=school,
        pupils=[pupil],
        recorded_by=teacher,
        occurred_at=now - datetime.timedelta(days=400),
        description="Old scuffle in the yard",
    )
    new = IncidentFactory(
        school=school,
        pupils=[pupil],
        recorded_by=teacher,
        occurred_at=now - datetime.timedelta(hours=1),
        description="New scuffle in the hall",
    )
    search_documents_rebuild(school=school)
    return old, new


def shown(page, incident):
    return str(incident.public_id) in page


class TestATeachersList:
    def test_this_year_by_default_and_every_year_by_the_link(self, client, school, teacher, this_year, records):
        old, new = records
        client.force_login(teacher)
        page = list_page(client, school)
        assert shown(page, new) and not shown(page, old)
        start = dateformat.format(this_year.starts_on, "j F Y")
        assert f"Showing this academic year's incidents (from {start})." in page
        assert "1 incident" in page

        assert offers_every_year(page)
        page = list_page(client, school, years="all")  # the form, untouched, sent by that button
        assert shown(page, new) and shown(page, old)
        assert NOTICE not in page and "2 incidents" in page
        # The form carries the choice on when the filters change.
        assert 'name="years" value="all"' in page

    def test_every_year_with_the_other_filters(self, client, school, teacher, this_year, records):
        old, new = records
        client.force_login(teacher)
        page = list_page(client, school, q="Amara")
        assert shown(page, new) and not shown(page, old) and offers_every_year(page)
        assert 'value="Amara"' in page  # the filter the button sends again
        page = list_page(client, school, q="Amara", years="all")
        assert shown(page, new) and shown(page, old) and NOTICE not in page
        page = list_page(client, school, q="Nobody", years="all")
        assert not shown(page, new) and not shown(page, old)
        assert "No incidents match this filter." in page and 'name="years" value="all"' in page  # still every year

    def test_a_chosen_from_date_is_kept(self, client, school, teacher, this_year, records):
        old, new = records
        client.force_login(teacher)
        date_from = (old.occurred_at - datetime.timedelta(days=1)).date().isoformat()
        page = list_page(client, school, date_from=date_from)
        assert shown(page, old) and shown(page, new) and NOTICE not in page

    def test_a_to_date_before_this_year_asks_for_older_records(self, client, school, teacher, this_year, records):
        old, new = records
        client.force_login(teacher)
        date_to = (old.occurred_at + datetime.timedelta(days=1)).date().isoformat()
        page = list_page(client, school, date_to=date_to)
        assert shown(page, old) and not shown(page, new) and NOTICE not in page

    def test_without_an_academic_year_the_last_twelve_months(self, client, school, teacher, records):
        old, new = records
        today = school.today()
        AcademicYear.objects.filter(school=school, starts_on__lte=today, ends_on__gte=today).update(
            starts_on=today + datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=300)
        )
        client.force_login(teacher)
        page = list_page(client, school)
        assert shown(page, new) and not shown(page, old)
        start = dateformat.format(today.replace(year=today.year - 1), "j F Y")
        assert f"Showing the last 12 months' incidents (from {start})." in page
        assert offers_every_year(page)

    def test_a_search_by_words_too(self, client, school, teacher, this_year, records):
        old, new = records
        client.force_login(teacher)
        page = list_page(client, school, text="scuffle")
        assert shown(page, new) and not shown(page, old) and NOTICE in page
        assert offers_every_year(page) and 'value="scuffle"' in page
        page = list_page(client, school, text="scuffle", years="all")
        assert shown(page, new) and shown(page, old) and NOTICE not in page


class TestWholeSchoolReaders:
    @pytest.mark.parametrize("reader", ["dsl", "slt"])
    def test_every_year_with_no_notice(self, client, school, this_year, records, reader, request):
        old, new = records
        client.force_login(request.getfixturevalue(reader))
        if reader == "dsl":
            session = client.session
            session[otp.SESSION_KEY] = time.time()
            session.save()
        page = list_page(client, school)
        assert shown(page, old) and shown(page, new)
        assert NOTICE not in page and EVERY_YEAR not in page


class TestTheTeachersActions:
    """An incident the teacher neither recorded nor teaches the pupils of, with an action given to them: in the
    window by when the incident happened, kept when a correction moves it in time."""

    @pytest.fixture
    def assigned(self, school, slt, teacher, this_year):
        other_pupil = PupilFactory(school=school)
        incident = IncidentFactory(
            school=school,
            pupils=[other_pupil],
            recorded_by=slt,
            occurred_at=timezone.now() - datetime.timedelta(days=400),
            description="Graffiti on the fence",
        )
        ActionFactory(incident=incident, assignee=teacher, created_by=slt)
        search_documents_rebuild(school=school)
        return incident

    def test_last_years_action_under_every_year(self, client, school, teacher, assigned):
        client.force_login(teacher)
        assert not shown(list_page(client, school), assigned)
        assert shown(list_page(client, school, years="all"), assigned)

    def test_corrected_into_this_year_it_is_in_the_window(self, client, school, slt, teacher, assigned):
        incident_amend(
            actor=slt,
            incident=assigned,
            reason="The date was typed wrong",
            occurred_at=timezone.now() - datetime.timedelta(days=2),
        )
        client.force_login(teacher)
        page = list_page(client, school)
        assert shown(page, assigned) and NOTICE in page
        assert shown(list_page(client, school, text="graffiti"), assigned)

    def test_corrected_into_last_year_it_leaves_the_window(self, client, school, slt, teacher, assigned):
        incident_amend(
            actor=slt, incident=assigned, reason="Wrong year", occurred_at=timezone.now() - datetime.timedelta(days=1)
        )
        incident_amend(
            actor=slt,
            incident=assigned,
            reason="It was last year after all",
            occurred_at=timezone.now() - datetime.timedelta(days=500),
        )
        client.force_login(teacher)
        assert not shown(list_page(client, school), assigned)
        assert shown(list_page(client, school, years="all"), assigned)


class TestTheTeachersAlerts:
    def test_an_alert_of_last_year_under_every_year_and_moved_by_a_correction(
        self, client, school, slt, teacher, this_year
    ):
        incident = IncidentFactory(
            school=school,
            pupils=[PupilFactory(school=school)],
            recorded_by=slt,
            occurred_at=timezone.now() - datetime.timedelta(days=400),
        )
        AlertFactory(incident=incident, recipient=teacher)
        client.force_login(teacher)
        assert not shown(list_page(client, school), incident)
        assert shown(list_page(client, school, years="all"), incident)
        incident_amend(actor=slt, incident=incident, reason="The date was typed wrong", occurred_at=timezone.now())
        assert shown(list_page(client, school), incident)
