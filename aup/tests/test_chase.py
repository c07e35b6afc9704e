"""Remind now (issue 17 item 4): one person, a selection, a class or everyone unsigned, with an optional message;
never the same person twice in the same school day. And the daily reminder sweep is set-based (issue 18 item 3): a
quiet day costs the same few statements however many requests wait."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aup.models import AgreementChase, ChaseReminderSent, SignatureRequest
from aup.services_chase import chase_send
from aup.services_requests import requests_send
from aup.tasks import send_agreement_reminders
from aup.tests.factories import pupil_agreement
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.tests import factories

Scope = AgreementChase.Scope


@pytest.fixture
def academic_year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.fixture
def agreement(school, academic_year):
    return pupil_agreement(school, reminder_days="7,14,28")


@pytest.fixture
def classes(school, academic_year, pupil, guardian_link):
    """3 Oak: Amara (one parent) and Leo (two parents); 4 Elm: Maya (one parent)."""
    leo = factories.PupilFactory(
        school=school, year_group=pupil.year_group, school_class=pupil.school_class, legal_first_name="Leo"
    )
    factories.PupilGuardianFactory(pupil=leo, has_parental_responsibility=True)
    factories.PupilGuardianFactory(pupil=leo, has_parental_responsibility=True, contact_order=2)
    year4 = factories.YearGroupFactory(school=school, code="Y4", name="Year 4", order=4)
    elm = factories.SchoolClassFactory(school=school, year_group=year4, name="4 Elm")
    maya = factories.PupilFactory(school=school, year_group=year4, school_class=elm, legal_first_name="Maya")
    factories.PupilGuardianFactory(pupil=maya, has_parental_responsibility=True)
    return {"amara": pupil, "leo": leo, "maya": maya, "oak": pupil.school_class, "elm": elm}


@pytest.fixture
def sent(school, office, agreement, classes, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        requests_send(actor=office, agreement=agreement, school=school)
    mail.outbox.clear()
    return {name: SignatureRequest.objects.get(pupil=pupil) for name, pupil in classes.items() if name[0] in "alm"}


def _chase(capture, **kwargs):
    with capture(execute=True):
        return chase_send(**kwargs)


@pytest.mark.django_db
class TestRemindNow:
    def test_twice_in_a_day_sends_once(self, school, office, agreement, sent, django_capture_on_commit_callbacks):
        _chase(django_capture_on_commit_callbacks, actor=office, agreement=agreement, school=school, scope="everyone")
        assert len(mail.outbox) == 4  # Amara's parent, Leo's two, Maya's
        _chase(django_capture_on_commit_callbacks, actor=office, agreement=agreement, school=school, scope="everyone")
        _chase(
            django_capture_on_commit_callbacks,
            actor=office,
            agreement=agreement,
            school=school,
            scope=Scope.ONE,
            request_ids=[sent["amara"].public_id],
        )
        assert len(mail.outbox) == 4
        assert ChaseReminderSent.objects.count() == 4
        assert AuditEvent.objects.filter(action="aup.chase.sent").count() == 3

    def test_a_class_with_a_message(self, school, office, agreement, sent, classes, django_capture_on_commit_callbacks):
        _chase(
            django_capture_on_commit_callbacks,
            actor=office,
            agreement=agreement,
            school=school,
            scope=Scope.CLASS,
            school_class=classes["elm"],
            message="Please sign by Friday: the class starts using tablets on Monday.",
        )
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [classes["maya"].guardian_links.get().guardian.email]
        assert "Please sign by Friday" in message.body and "Maya" in message.body
        assert "/agreements/sign/link/" in message.body

    def test_one_person_and_a_parent_of_two_gets_one_email(
        self, school, office, agreement, sent, classes, django_capture_on_commit_callbacks
    ):
        sister = factories.PupilFactory(
            school=school, year_group=classes["maya"].year_group, school_class=classes["elm"], legal_first_name="Ava"
        )
        factories.PupilGuardianFactory(
            pupil=sister, guardian=classes["maya"].guardian_links.get().guardian, has_parental_responsibility=True
        )
        with django_capture_on_commit_callbacks(execute=True):
            requests_send(actor=office, agreement=agreement, school=school)
        mail.outbox.clear()
        _chase(
            django_capture_on_commit_callbacks,
            actor=office,
            agreement=agreement,
            school=school,
            scope=Scope.YEAR_GROUP,
            year_group=classes["maya"].year_group,
        )
        assert len(mail.outbox) == 1
        assert "Maya" in mail.outbox[0].body and "Ava" in mail.outbox[0].body

    def test_declined_expired_and_signed_are_never_reminded(self, school, office, agreement, sent):
        SignatureRequest.objects.filter(pk=sent["amara"].pk).update(status=SignatureRequest.Status.DECLINED)
        SignatureRequest.objects.filter(pk=sent["leo"].pk).update(expires_at=timezone.now())
        SignatureRequest.objects.filter(pk=sent["maya"].pk).update(status=SignatureRequest.Status.COMPLETED)
        with pytest.raises(DomainError):
            chase_send(actor=office, agreement=agreement, school=school, scope=Scope.EVERYONE)

    def test_the_page_for_the_office_only(
        self, client, school, office, teacher, agreement, sent, django_capture_on_commit_callbacks
    ):
        url = reverse("aup:chase", args=[school.slug, agreement.public_id])
        client.force_login(teacher)
        assert client.get(url).status_code == 404
        client.force_login(office)
        page = client.get(url, {"request": sent["leo"].public_id})
        assert page.status_code == 200
        assert page.context["form"]["requests"].value() == [str(sent["leo"].public_id)]
        assert client.post(url, {"who": Scope.SELECTED}).status_code == 200  # nobody ticked: the form says so
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"who": Scope.SELECTED, "requests": [sent["leo"].public_id], "message": ""})
        assert response.status_code == 302
        assert len(mail.outbox) == 2  # Leo's two parents
        assert AgreementChase.objects.get().scope == Scope.ONE


@pytest.mark.django_db
class TestTheDailySweep:
    def test_someone_reminded_by_the_office_today_is_not_reminded_again(
        self, school, office, agreement, sent, django_capture_on_commit_callbacks
    ):
        now = timezone.now()
        SignatureRequest.objects.update(sent_at=now - datetime.timedelta(days=8))
        _chase(django_capture_on_commit_callbacks, actor=office, agreement=agreement, school=school, scope="everyone")
        assert len(mail.outbox) == 4
        assert send_agreement_reminders(now=now) == 0
        assert len(mail.outbox) == 4

    def test_a_quiet_day_costs_the_same_statements_with_more_requests(
        self, school, office, agreement, sent, classes, celery_eager, django_capture_on_commit_callbacks
    ):
        now = timezone.now()
        SignatureRequest.objects.update(sent_at=now - datetime.timedelta(days=8))
        assert send_agreement_reminders(now=now) == 4  # the 7-day reminders

        def quiet_day():
            with CaptureQueriesContext(connection) as captured:
                assert send_agreement_reminders(now=now + datetime.timedelta(days=1)) == 0
            return len(captured)

        few = quiet_day()
        for _ in range(15):
            pupil = factories.PupilFactory(school=school, year_group=classes["maya"].year_group)
            factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=True)
        with django_capture_on_commit_callbacks(execute=True):
            requests_send(actor=office, agreement=agreement, school=school)
        SignatureRequest.objects.update(sent_at=now - datetime.timedelta(days=8))
        assert send_agreement_reminders(now=now) == 15
        many = quiet_day()
        assert many == few
        assert few <= 6
