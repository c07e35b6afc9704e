"""Issue 16 item 7: a school that uses lessons or periods and subjects lists them; the recording and correcting forms
then offer them (optional), the record shows them and the incident list filters by them. A school that keeps neither
sees no change on its forms."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Incident, IncidentPupil, LessonPeriod, Subject
from incidents.tests.factories import IncidentFactory, category
from incidents.tests.test_record import form_data, record_url
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError

pytestmark = pytest.mark.django_db

P = IncidentPupil.Role.ALLEGED_PERPETRATOR


def lessons_url(school):
    return reverse("incidents:lessons", args=[school.slug])


def add(client, school, kind, name):
    return client.post(reverse("incidents:lesson_entry_add", args=[school.slug, kind]), {f"{kind}-name": name})


@pytest.fixture
def timetable(school, office):
    periods = [
        services.lesson_entry_add(actor=office, school=school, kind="periods", name=n)[0] for n in ("Period 1", "Lunch")
    ]
    subjects = [
        services.lesson_entry_add(actor=office, school=school, kind="subjects", name=n)[0] for n in ("Maths", "PE")
    ]
    return {"periods": periods, "subjects": subjects}


class TestTheSchoolsLists:
    def test_the_office_adds_periods_and_subjects_and_they_are_listed_in_order(self, client, school, office):
        client.force_login(office)
        assert add(client, school, "periods", "Period 1").status_code == 302
        add(client, school, "periods", "  Lunch ")
        add(client, school, "subjects", "Maths")
        page = client.get(lessons_url(school)).content.decode()
        assert page.index("Period 1") < page.index("Lunch") and "Maths" in page
        assert [p.name for p in LessonPeriod.objects.filter(school=school).order_by("order")] == ["Period 1", "Lunch"]
        assert AuditEvent.objects.filter(action="incidents.lesson_period.added", actor=office).count() == 2
        assert AuditEvent.objects.filter(action="incidents.subject.added").count() == 1

    def test_a_name_already_listed_is_not_added_twice_and_a_blank_one_is_refused(self, client, school, head):
        client.force_login(head)
        add(client, school, "subjects", "Maths")
        add(client, school, "subjects", "maths")
        assert Subject.objects.filter(school=school).count() == 1
        response = add(client, school, "subjects", "   ")
        assert response.status_code == 400
        assert "Enter a name." in response.content.decode()

    def test_removing_one_keeps_it_on_incidents_recorded_with_it(self, client, school, office, pupil, timetable):
        lunch = timetable["periods"][1]
        incident = IncidentFactory(school=school, period=lunch, pupils=[pupil])
        client.force_login(office)
        response = client.post(reverse("incidents:lesson_entry_remove", args=[school.slug, "periods", lunch.public_id]))
        assert response.status_code == 302
        lunch.refresh_from_db()
        assert lunch.removed_at is not None and lunch.history.count() == 2
        incident.refresh_from_db()
        assert incident.period == lunch
        page = client.get(lessons_url(school)).content.decode()
        assert "No longer offered" in page and "Lunch" in page
        assert AuditEvent.objects.filter(action="incidents.lesson_period.removed").count() == 1

    @pytest.mark.parametrize("who", ["teacher", "slt", "dsl", "governor"])
    def test_only_those_who_set_the_school_up_keep_the_lists(self, client, request, school, who):
        client.force_login(request.getfixturevalue(who))
        assert client.get(lessons_url(school)).status_code == 404
        assert add(client, school, "periods", "Period 1").status_code == 404
        assert not LessonPeriod.objects.exists()

    def test_another_schools_entry_answers_404(self, client, school, other_school, office):
        theirs = LessonPeriod.objects.create(school=other_school, name="Period 1")
        client.force_login(office)
        url = reverse("incidents:lesson_entry_remove", args=[school.slug, "periods", theirs.public_id])
        assert client.post(url).status_code == 404
        theirs.refresh_from_db()
        assert theirs.removed_at is None


class TestRecording:
    def test_a_school_with_no_lists_sees_no_new_field(self, client, school, teacher):
        client.force_login(teacher)
        page = client.get(record_url(school)).content.decode()
        assert 'name="period"' not in page and 'name="subject"' not in page
        assert "lesson-fields" not in page

    def test_the_form_offers_them_and_the_record_shows_them(self, client, school, teacher, slt, pupil, timetable):
        client.force_login(teacher)
        page = client.get(record_url(school)).content.decode()
        assert 'name="period"' in page and "Lunch" in page and "PE" in page
        lunch, pe = timetable["periods"][1], timetable["subjects"][1]
        data = form_data(school, [(pupil, P)], period=str(lunch.public_id), subject=str(pe.public_id))
        response = client.post(record_url(school), data)
        assert response.status_code == 302
        incident = Incident.objects.get(school=school)
        assert (incident.period, incident.subject) == (lunch, pe)
        client.force_login(slt)
        detail = client.get(reverse("incidents:incident_detail", args=[school.slug, incident.public_id])).content
        assert 'id="incident-period">Lunch<' in detail.decode() and 'id="incident-subject">PE<' in detail.decode()

    def test_they_are_optional(self, client, school, teacher, pupil, timetable):
        client.force_login(teacher)
        assert client.post(record_url(school), form_data(school, [(pupil, P)])).status_code == 302
        incident = Incident.objects.get(school=school)
        assert incident.period is None and incident.subject is None

    def test_a_removed_or_another_schools_period_is_refused(
        self, school, other_school, office, teacher, pupil, timetable
    ):
        theirs = LessonPeriod.objects.create(school=other_school, name="Period 9")
        lunch = timetable["periods"][1]
        services.lesson_entry_remove(actor=office, entry=lunch)
        for period in (theirs, lunch):
            with pytest.raises(DomainError) as error:
                services.incident_record(
                    actor=teacher,
                    school=school,
                    occurred_at=timezone.now(),
                    location="classroom",
                    categories=[category(school, "low-level-disruption")],
                    behaviour_level=1,
                    pupils=[(pupil, P)],
                    description="Talked through the lesson.",
                    period=period,
                )
            assert error.value.code == "period"
        assert not Incident.objects.exists()


class TestCorrectingAndFiltering:
    def test_a_correction_sets_the_period_and_the_history_shows_it(self, client, school, slt, pupil, timetable):
        occurred_at = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=2)
        incident = IncidentFactory(
            school=school, pupils=[pupil], period=timetable["periods"][0], occurred_at=occurred_at
        )
        client.force_login(slt)
        url = reverse("incidents:incident_amend", args=[school.slug, incident.public_id])
        page = client.get(url).content.decode()
        assert 'name="period"' in page and 'name="subject"' in page
        form = _amend_data(incident, period=str(timetable["periods"][1].public_id), reason="It was at lunch.")
        assert client.post(url, form).status_code == 302
        incident.refresh_from_db()
        assert incident.period == timetable["periods"][1]
        amendment = incident.amendments.get()
        assert amendment.changes == [{"field": "period", "old": "Period 1", "new": "Lunch"}]
        detail = client.get(reverse("incidents:incident_detail", args=[school.slug, incident.public_id])).content
        assert "Period 1" in detail.decode()  # the previous value, in the history

    def test_the_list_filters_by_period_and_subject(self, client, school, slt, pupil, timetable):
        lunch, maths = timetable["periods"][1], timetable["subjects"][0]
        at_lunch = IncidentFactory(school=school, pupils=[pupil], period=lunch, description="Pushed in the queue.")
        in_maths = IncidentFactory(school=school, pupils=[pupil], subject=maths, description="Threw a ruler.")
        client.force_login(slt)
        url = reverse("incidents:list", args=[school.slug])
        page = client.get(url, {"period": str(lunch.public_id)}).content.decode()
        assert str(at_lunch.public_id) in page and str(in_maths.public_id) not in page
        page = client.get(url, {"subject": str(maths.public_id)}).content.decode()
        assert str(in_maths.public_id) in page and str(at_lunch.public_id) not in page

    def test_a_school_with_no_lists_has_no_such_filter(self, client, school, slt):
        client.force_login(slt)
        page = client.get(reverse("incidents:list", args=[school.slug])).content.decode()
        assert 'name="period"' not in page and 'name="subject"' not in page

    def test_the_selected_records_csv_has_period_and_subject(self, client, school, slt, pupil, timetable):
        incident = IncidentFactory(
            school=school, pupils=[pupil], period=timetable["periods"][1], subject=timetable["subjects"][1]
        )
        client.force_login(slt)
        response = client.post(
            reverse("incidents:bulk_export", args=[school.slug]), {"incident": [str(incident.public_id)]}
        )
        text = response.content.decode("utf-8-sig")
        header, row = text.splitlines()[:2]
        assert "lesson_or_period,subject" in header and ",Lunch,PE," in row


def _amend_data(incident, **changes):
    local = timezone.localtime(incident.occurred_at, zoneinfo.ZoneInfo(incident.school.time_zone))
    data = {
        "occurred_at": local.strftime("%Y-%m-%dT%H:%M"),
        "location": incident.location,
        "location_detail": incident.location_detail,
        "categories": [str(c.pk) for c in incident.categories.all()],
        "behaviour_level": str(incident.behaviour_level or ""),
        "bullying_type": incident.bullying_type,
        "protected_characteristic": incident.protected_characteristic,
        "description": incident.description,
        "immediate_action": incident.immediate_action,
        "reported_by": incident.reported_by,
        "period": str(incident.period.public_id) if incident.period else "",
        "subject": str(incident.subject.public_id) if incident.subject else "",
    }
    data.update(changes)
    return data
