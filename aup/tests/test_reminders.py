"""Chasing: sending an agreement to everyone who has not signed, and the daily reminder sweep — each e-mail once,
never after signing, and after a missed week only the latest reminder."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from aup import services
from aup.models import ReminderSent, SignatureRequest
from aup.services_requests import requests_send
from aup.tasks import send_agreement_reminders
from aup.tests.factories import pupil_agreement, staff_agreement
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.models import PupilGuardian
from safeguard.directory.tests import factories


@pytest.fixture
def academic_year(school):
    return factories.AcademicYearFactory(school=school)


@pytest.fixture
def agreement(school, academic_year):
    return pupil_agreement(school, reminder_days="7,14,28")


@pytest.fixture
def families(pupil, guardian_link):
    """Amara (one parent with parental responsibility) and Leo (two parents with it, and a grandparent without)."""
    leo = factories.PupilFactory(
        school=pupil.school, year_group=pupil.year_group, school_class=pupil.school_class, legal_first_name="Leo"
    )
    factories.PupilGuardianFactory(pupil=leo, has_parental_responsibility=True)
    factories.PupilGuardianFactory(pupil=leo, has_parental_responsibility=True, contact_order=2)
    factories.PupilGuardianFactory(
        pupil=leo,
        has_parental_responsibility=False,
        relationship=PupilGuardian.Relationship.GRANDPARENT,
        contact_order=3,
    )
    return pupil, leo


def _send(actor, agreement, school, capture):
    with capture(execute=True):
        return requests_send(actor=actor, agreement=agreement, school=school)


def _sent_days_ago(days):
    """Pretend every request went out ``days`` ago; returns the sweep's "now"."""
    now = timezone.now()
    SignatureRequest.objects.update(sent_at=now - datetime.timedelta(days=days))
    return now


@pytest.mark.django_db
class TestSendingRequests:
    def test_sending_twice_emails_each_parent_once(
        self, school, office, agreement, families, celery_eager, django_capture_on_commit_callbacks
    ):
        first = _send(office, agreement, school, django_capture_on_commit_callbacks)
        assert first == {"opened": 2, "queued": 2, "already_sent": 0, "signed": 0}
        assert len(mail.outbox) == 3  # Amara's parent and Leo's two; the grandparent has no parental responsibility
        recipients = sorted(address for message in mail.outbox for address in message.to)
        assert len(set(recipients)) == 3

        second = _send(office, agreement, school, django_capture_on_commit_callbacks)
        assert second == {"opened": 0, "queued": 0, "already_sent": 2, "signed": 0}
        assert len(mail.outbox) == 3
        assert AuditEvent.objects.filter(action="aup.requests.sent").count() == 2

    def test_the_send_button_on_the_coverage_page(
        self, client, school, office, agreement, families, celery_eager, django_capture_on_commit_callbacks
    ):
        client.force_login(office)
        url = reverse("aup:requests_send", args=[school.slug, agreement.public_id])
        assert client.get(url).status_code == 405
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, follow=True)
        assert "Requests are on their way: 2 sent now" in response.text
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, follow=True)
        assert "Nothing new to send" in response.text
        assert len(mail.outbox) == 3

    def test_pupils_who_have_signed_are_not_sent_it(
        self, school, office, agreement, families, celery_eager, django_capture_on_commit_callbacks
    ):
        amara, _leo = families
        request, _ = services.signature_request_open(actor=office, agreement=agreement, school=school, pupil=amara)
        services.paper_return_record(
            actor=office,
            request=request,
            returned_on=datetime.date(2026, 11, 2),
            returned_by="Mother",
            names={"parent": "Dana Whitfield", "pupil": "Amara Whitfield"},
        )
        counts = _send(office, agreement, school, django_capture_on_commit_callbacks)
        assert counts["signed"] == 1 and counts["queued"] == 1
        assert len(mail.outbox) == 2  # Leo's parents only

    def test_staff_agreement_goes_to_every_member_of_staff(
        self, school, office, teacher, head, governor, academic_year, celery_eager, django_capture_on_commit_callbacks
    ):
        agreement = staff_agreement(school)
        counts = _send(office, agreement, school, django_capture_on_commit_callbacks)
        assert counts["queued"] == 3
        assert sorted(m.to[0] for m in mail.outbox) == sorted([office.email, teacher.email, head.email])

    def test_a_teacher_may_not_send(self, school, teacher, agreement):
        with pytest.raises(PermissionError):
            requests_send(actor=teacher, agreement=agreement, school=school)

    def test_a_superseded_agreement_is_not_sent(self, school, office, agreement):
        agreement.version.status = agreement.version.Status.SUPERSEDED
        agreement.version.save()
        with pytest.raises(DomainError):
            requests_send(actor=office, agreement=agreement, school=school)


@pytest.mark.django_db
class TestReminders:
    @pytest.fixture
    def sent(self, school, office, agreement, families, celery_eager, django_capture_on_commit_callbacks):
        _send(office, agreement, school, django_capture_on_commit_callbacks)
        mail.outbox.clear()
        return families

    def test_running_the_reminder_task_twice_sends_each_reminder_once(self, sent):
        now = _sent_days_ago(8)
        assert send_agreement_reminders(now=now) == 3
        assert send_agreement_reminders(now=now) == 0
        assert send_agreement_reminders(now=now + datetime.timedelta(hours=3)) == 0
        assert len(mail.outbox) == 3
        assert set(ReminderSent.objects.exclude(offset_days=0).values_list("offset_days", flat=True)) == {7}

    def test_someone_who_signs_gets_no_more_reminders(self, school, office, sent):
        amara, _leo = sent
        now = _sent_days_ago(8)
        request = SignatureRequest.objects.get(pupil=amara)
        services.paper_return_record(
            actor=office,
            request=request,
            returned_on=school.today(),
            returned_by="Mother",
            names={"parent": "Dana Whitfield", "pupil": "Amara Whitfield"},
        )
        send_agreement_reminders(now=now)
        assert len(mail.outbox) == 2
        assert amara.guardian_links.get().guardian.email not in {m.to[0] for m in mail.outbox}
        mail.outbox.clear()
        send_agreement_reminders(now=now + datetime.timedelta(days=7))
        assert amara.guardian_links.get().guardian.email not in {m.to[0] for m in mail.outbox}

    def test_after_a_missed_week_only_the_latest_due_reminder_is_sent(self, sent):
        now = _sent_days_ago(15)  # both the 7-day and the 14-day reminders are due
        send_agreement_reminders(now=now)
        assert len(mail.outbox) == 3
        assert set(ReminderSent.objects.exclude(offset_days=0).values_list("offset_days", flat=True)) == {14}
        send_agreement_reminders(now=now + datetime.timedelta(days=1))
        assert len(mail.outbox) == 3
        send_agreement_reminders(now=now + datetime.timedelta(days=13))  # 28 days after sending
        assert len(mail.outbox) == 6

    def test_nothing_is_sent_before_the_first_offset(self, sent):
        send_agreement_reminders(now=_sent_days_ago(6))
        assert mail.outbox == []

    def test_a_quiet_day_reads_ids_not_whole_requests(self, sent):
        now = _sent_days_ago(8)
        assert send_agreement_reminders(now=now) == 3
        with CaptureQueriesContext(connection) as queries:
            assert send_agreement_reminders(now=now + datetime.timedelta(days=1)) == 0
        # the requests, their agreements' offsets, what was sent and the parents' addresses (no staff request here)
        assert len(queries) == 4
        assert not any('"directory_school"' in query["sql"] for query in queries)  # no request loaded whole

    def test_a_parent_added_after_the_reminder_is_still_reminded(self, sent):
        _amara, leo = sent
        now = _sent_days_ago(8)
        assert send_agreement_reminders(now=now) == 3
        new_parent = factories.PupilGuardianFactory(pupil=leo, has_parental_responsibility=True, contact_order=4)
        mail.outbox.clear()
        assert send_agreement_reminders(now=now + datetime.timedelta(days=1)) == 1
        assert [message.to for message in mail.outbox] == [[new_parent.guardian.email]]


@pytest.mark.django_db
def test_beat_runs_the_reminder_sweep_daily_at_half_past_seven_london_time():
    import importlib

    from django.apps import apps

    task = PeriodicTask.objects.get(name="aup: agreement reminders")
    assert task.task == "aup.tasks.send_agreement_reminders" and task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("30", "7", "*")
    assert str(task.crontab.timezone) == "Europe/London"
    # Running the migration's function again registers nothing new.
    migration = importlib.import_module("aup.migrations.0002_agreement_reminders_schedule")
    migration.register(apps, None)
    assert PeriodicTask.objects.filter(name="aup: agreement reminders").count() == 1
