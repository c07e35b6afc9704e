"""Issue 16 item 8: each member of staff chooses immediate e-mails or a daily digest for their alerts and actions;
safeguarding alerts stay immediate. Issue 18 item 3: the reminder sweeps cost the same whatever the number of
actions."""

import datetime
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import services, tasks
from incidents.models import Action, Alert, IncidentPupil
from incidents.tests.factories import ActionFactory, IncidentFactory, category
from notifications.models import Delivery, DigestSent, NotificationPreference
from notifications.services import notification_preference_set


def record_behaviour(recorder, school, pupil, alert):
    """A level 2 behaviour incident recorded by ``recorder`` who chose to alert ``alert``."""
    return services.incident_record(
        actor=recorder,
        school=school,
        occurred_at=timezone.now() - datetime.timedelta(hours=2),
        location="playground",
        categories=[category(school, "low-level-disruption")],
        behaviour_level=2,
        pupils=[(pupil, IncidentPupil.Role.SUBJECT)],
        description="Threw a pencil case across the room.",
        alert_user_ids=[alert.pk],
    )


def raise_concern(recorder, school, pupil):
    return services.incident_record(
        actor=recorder,
        school=school,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        location="classroom",
        categories=[category(school, "neglect")],
        pupils=[(pupil, IncidentPupil.Role.SUBJECT)],
        description="Said there was no food at home at the weekend.",
    )


def to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


@pytest.fixture
def dsl_on_digest(dsl):
    notification_preference_set(actor=dsl, delivery=Delivery.DIGEST)
    return dsl


@pytest.fixture
def tomorrow(school):
    return (school.today() + datetime.timedelta(days=1)).isoformat()


class TestDigestInsteadOfImmediateEmails:
    def test_a_behaviour_alert_waits_for_next_mornings_digest(
        self, school, pupil, teacher, dsl_on_digest, tomorrow, celery_eager, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            incident = record_behaviour(teacher, school, pupil, alert=dsl_on_digest)
        assert to(dsl_on_digest) == []
        alert = Alert.objects.get(incident=incident, recipient=dsl_on_digest)
        assert alert.emailed_at is None

        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_notification_digests(today=tomorrow) == 1
        [digest] = to(dsl_on_digest)
        assert "your daily summary of alerts and actions" in digest.subject
        assert "You have been alerted to an incident you have not opened yet" in digest.body
        assert f"recorded by {teacher.full_name}" in digest.body
        assert "“Behaviour”" in digest.body
        assert pupil.legal_last_name not in digest.body  # no pupil named
        assert reverse("incidents:alerts", args=[school.slug]) in digest.body
        assert reverse("notifications:settings") in digest.body
        alert.refresh_from_db()
        assert alert.emailed_at is not None and alert.read_at is None

    def test_the_alert_stays_in_the_alert_list(
        self, client, school, pupil, teacher, dsl_on_digest, celery_eager, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            incident = record_behaviour(teacher, school, pupil, alert=dsl_on_digest)
        client.force_login(dsl_on_digest)
        response = client.get(reverse("incidents:alerts", args=[school.slug]))
        assert [alert.incident_id for alert in response.context["page"]] == [incident.pk]

    def test_someone_who_kept_immediate_emails_gets_the_alert_at_once_and_no_digest(
        self, school, pupil, teacher, dsl, tomorrow, celery_eager, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            record_behaviour(teacher, school, pupil, alert=dsl)
        assert len(to(dsl)) == 1 and "new incident for you to see" in to(dsl)[0].subject
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_notification_digests(today=tomorrow) == 0
        assert len(to(dsl)) == 1

    def test_an_alert_already_opened_is_not_e_mailed_again(
        self, school, pupil, teacher, dsl_on_digest, tomorrow, celery_eager, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            incident = record_behaviour(teacher, school, pupil, alert=dsl_on_digest)
        services.alerts_mark_read(user=dsl_on_digest, incident=incident)
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_notification_digests(today=tomorrow) == 0
        assert to(dsl_on_digest) == []


class TestSafeguardingAlertsStayImmediate:
    def test_a_concern_is_e_mailed_at_once_to_a_dsl_on_the_digest(
        self, school, pupil, teacher, dsl_on_digest, tomorrow, celery_eager, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            raise_concern(teacher, school, pupil)
        [message] = to(dsl_on_digest)
        assert "a safeguarding concern has been recorded" in message.subject
        # Nothing else waits for the morning: no digest.
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_notification_digests(today=tomorrow) == 0
        assert len(to(dsl_on_digest)) == 1

    def test_the_settings_page_says_so(self, client, dsl):
        client.force_login(dsl)
        response = client.get(reverse("notifications:settings"))
        assert "Safeguarding concerns are always e-mailed straight away" in response.content.decode()


class TestOnceADay:
    def test_running_the_digest_twice_sends_once(
        self, school, pupil, teacher, dsl_on_digest, tomorrow, celery_eager, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            record_behaviour(teacher, school, pupil, alert=dsl_on_digest)
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_notification_digests(today=tomorrow) == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_notification_digests(today=tomorrow) == 0
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_notification_digest(dsl_on_digest.pk, tomorrow) is False  # a redelivered task
        assert len(to(dsl_on_digest)) == 1
        assert DigestSent.objects.get(recipient=dsl_on_digest).alerts == 1

    def test_an_alert_after_the_days_digest_waits_for_the_next_one(
        self, school, pupil, teacher, slt, dsl_on_digest, tomorrow, celery_eager, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            record_behaviour(teacher, school, pupil, alert=dsl_on_digest)
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_notification_digests(today=tomorrow)
        with django_capture_on_commit_callbacks(execute=True):
            record_behaviour(slt, school, pupil, alert=dsl_on_digest)
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_notification_digests(today=tomorrow) == 0
        assert len(to(dsl_on_digest)) == 1
        day_after = (datetime.date.fromisoformat(tomorrow) + datetime.timedelta(days=1)).isoformat()
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_notification_digests(today=day_after) == 1
        assert len(to(dsl_on_digest)) == 2
        assert f"recorded by {slt.full_name}" in to(dsl_on_digest)[1].body
        assert f"recorded by {teacher.full_name}" not in to(dsl_on_digest)[1].body

    def test_a_refused_e_mail_is_sent_by_the_retry(self, school, pupil, teacher, dsl_on_digest, tomorrow):
        record_behaviour(teacher, school, pupil, alert=dsl_on_digest)
        refused = mock.patch("incidents.tasks.send_templated_email", side_effect=smtplib.SMTPException("down"))
        with refused, pytest.raises(smtplib.SMTPException):
            tasks.send_notification_digest.run(dsl_on_digest.pk, tomorrow)
        assert not DigestSent.objects.exists()
        assert Alert.objects.get(recipient=dsl_on_digest).emailed_at is None
        assert tasks.send_notification_digest.run(dsl_on_digest.pk, tomorrow) is True
        assert len(to(dsl_on_digest)) == 1


class TestActionsInTheDigest:
    def test_actions_due_come_in_the_digest_not_in_the_morning_list(
        self, school, teacher, dsl_on_digest, celery_eager, django_capture_on_commit_callbacks
    ):
        incident = IncidentFactory(school=school, recorded_by=teacher)
        today = school.today()
        ActionFactory(incident=incident, assignee=dsl_on_digest, kind=Action.Kind.INVESTIGATE, due_on=today)
        ActionFactory(incident=incident, assignee=teacher, due_on=today)
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_action_reminders(today=today.isoformat()) == 1  # the teacher's list only
        assert to(dsl_on_digest) == [] and len(to(teacher)) == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_notification_digests(today=today.isoformat()) == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_notification_digests(today=today.isoformat()) == 0
        [digest] = to(dsl_on_digest)
        assert "This action assigned to you is due today" in digest.body
        assert "Investigate — due today" in digest.body
        assert "You have been alerted" not in digest.body
        # The reminder is recorded: choosing immediate e-mails again the same day sends it no second time.
        notification_preference_set(actor=dsl_on_digest, delivery=Delivery.IMMEDIATE)
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_action_reminders(today=today.isoformat()) == 0
        assert len(to(dsl_on_digest)) == 1


def _actions(school, people, count):
    incident = IncidentFactory(school=school, recorded_by=people[0])
    today = school.today()
    for number in range(count):
        due_on = today - datetime.timedelta(days=number)
        ActionFactory(incident=incident, assignee=people[number % len(people)], due_on=due_on)


class TestSweepsAreSetBased:
    """Issue 18 item 3: "action reminders make one query per action" — no longer."""

    def _statements(self, sweep, today):
        with CaptureQueriesContext(connection) as queries:
            sweep(today=today)
        return len(queries)

    def test_the_action_reminder_sweep_costs_the_same_for_3_or_30_actions(self, school, teacher, slt):
        today = school.today().isoformat()
        _actions(school, [teacher, slt], 3)
        few = self._statements(tasks.send_action_reminders, today)
        _actions(school, [teacher, slt], 30)
        many = self._statements(tasks.send_action_reminders, today)
        assert many == few

    def test_on_each_schools_own_date_the_action_reminder_sweep_reads_no_school_per_action(self, school, teacher, slt):
        _actions(school, [teacher, slt], 3)
        few = self._statements(tasks.send_action_reminders, None)
        _actions(school, [teacher, slt], 30)
        many = self._statements(tasks.send_action_reminders, None)
        assert many == few

    def test_the_digest_sweep_costs_the_same_for_3_or_30_actions_and_alerts(self, school, teacher, slt, dsl):
        for person in (teacher, slt):
            notification_preference_set(actor=person, delivery=Delivery.DIGEST)
        today = school.today().isoformat()
        _actions(school, [teacher, slt], 3)
        few = self._statements(tasks.send_notification_digests, today)
        _actions(school, [teacher, slt], 30)
        for _number in range(30):
            incident = IncidentFactory(school=school, recorded_by=dsl)
            Alert.objects.create(incident=incident, recipient=teacher, reason=Alert.Reason.CHOSEN)
        many = self._statements(tasks.send_notification_digests, today)
        assert many == few


def test_the_choice_is_kept_per_person_with_history(teacher, dsl):
    notification_preference_set(actor=teacher, delivery=Delivery.DIGEST)
    assert NotificationPreference.objects.get(user=teacher).delivery == Delivery.DIGEST
    assert not NotificationPreference.objects.filter(user=dsl).exists()
    history = NotificationPreference.objects.get(user=teacher).history.order_by("history_date")
    assert [record.delivery for record in history][-1] == Delivery.DIGEST


def test_the_digest_runs_every_morning_before_the_action_lists(db):
    from django_celery_beat.models import PeriodicTask

    from safeguard.celery import app

    digest = PeriodicTask.objects.select_related("crontab").get(name="notifications: daily digest")
    assert digest.enabled and digest.task in app.tasks
    assert (digest.crontab.hour, digest.crontab.minute, str(digest.crontab.timezone)) == ("7", "10", "Europe/London")
    reminders = PeriodicTask.objects.select_related("crontab").get(task="incidents.tasks.send_action_reminders")
    assert int(reminders.crontab.minute) > int(digest.crontab.minute)
