"""Sending to a selection (issue 17 item 5): a class, a year group, chosen pupils or chosen staff — not only the
whole audience — from the send page, with how long the request stays valid."""

import pytest
from django.core import mail
from django.urls import reverse

from aup.middleware import GATE_CLEAR_SESSION_KEY
from aup.models import SignatureRequest
from aup.services_requests import requests_send
from aup.tests.factories import pupil_agreement, staff_agreement
from safeguard.audit.models import AuditEvent
from safeguard.directory.tests import factories


@pytest.fixture
def academic_year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.fixture
def agreement(school, academic_year):
    return pupil_agreement(school)


@pytest.fixture
def classes(school, pupil, guardian_link):
    """3 Oak: Amara and Leo; 4 Elm (Year 4): Maya. One parent each."""
    leo = factories.PupilFactory(
        school=school, year_group=pupil.year_group, school_class=pupil.school_class, legal_first_name="Leo"
    )
    factories.PupilGuardianFactory(pupil=leo, has_parental_responsibility=True)
    year4 = factories.YearGroupFactory(school=school, code="Y4", name="Year 4", order=4)
    elm = factories.SchoolClassFactory(school=school, year_group=year4, name="4 Elm")
    maya = factories.PupilFactory(school=school, year_group=year4, school_class=elm, legal_first_name="Maya")
    factories.PupilGuardianFactory(pupil=maya, has_parental_responsibility=True)
    return {"amara": pupil, "leo": leo, "maya": maya, "oak": pupil.school_class, "elm": elm, "year4": year4}


@pytest.mark.django_db
class TestSendToASelection:
    def test_send_to_a_class(
        self, client, school, office, agreement, classes, celery_eager, django_capture_on_commit_callbacks
    ):
        client.force_login(office)
        page = client.get(reverse("aup:requests_send_choose", args=[school.slug, agreement.public_id]))
        assert page.status_code == 200
        assert "Maya" in page.text and "A class" in page.text

        url = reverse("aup:requests_send", args=[school.slug, agreement.public_id])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"who": "class", "school_class": classes["elm"].pk, "expiry_days": 20})
        assert response.status_code == 302
        request = SignatureRequest.objects.get()
        assert request.pupil == classes["maya"] and request.expiry_days == 20
        assert len(mail.outbox) == 1
        assert AuditEvent.objects.get(action="aup.requests.sent").data["class"] == classes["elm"].pk

        # Then the rest: Oak's two, and Maya is not sent it again.
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url)
        assert SignatureRequest.objects.count() == 3 and len(mail.outbox) == 3

    def test_a_class_must_be_chosen(self, client, school, office, agreement, classes):
        client.force_login(office)
        url = reverse("aup:requests_send", args=[school.slug, agreement.public_id])
        response = client.post(url, {"who": "class", "expiry_days": 30})
        assert response.status_code == 200
        assert "Choose the class to send it to." in response.text
        response = client.post(url, {"who": "everyone", "expiry_days": 0})
        assert response.status_code == 200 and not SignatureRequest.objects.exists()

    def test_a_year_group_and_chosen_pupils(
        self, school, office, agreement, classes, celery_eager, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            counts = requests_send(actor=office, agreement=agreement, school=school, year_group=classes["year4"])
        assert counts["queued"] == 1
        with django_capture_on_commit_callbacks(execute=True):
            counts = requests_send(
                actor=office, agreement=agreement, school=school, pupil_ids=[classes["leo"].public_id]
            )
        assert counts["queued"] == 1
        assert set(SignatureRequest.objects.values_list("pupil__legal_first_name", flat=True)) == {"Maya", "Leo"}

    def test_chosen_staff(
        self, client, school, office, teacher, head, celery_eager, django_capture_on_commit_callbacks
    ):
        agreement = staff_agreement(school)
        client.force_login(office)
        session = client.session
        session[GATE_CLEAR_SESSION_KEY] = True  # the office has not signed it either: past the sign-in gate
        session.save()
        page = client.get(reverse("aup:requests_send_choose", args=[school.slug, agreement.public_id]))
        assert "The people I choose" in page.text
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("aup:requests_send", args=[school.slug, agreement.public_id]),
                {"who": "chosen", "people": [str(teacher.public_id)], "expiry_days": 30},
            )
        assert list(SignatureRequest.objects.values_list("user", flat=True)) == [teacher.pk]
        assert [m.to for m in mail.outbox] == [[teacher.email]]

    def test_the_send_page_is_the_office_s(self, client, school, teacher, agreement):
        client.force_login(teacher)
        assert (
            client.get(reverse("aup:requests_send_choose", args=[school.slug, agreement.public_id])).status_code == 404
        )
