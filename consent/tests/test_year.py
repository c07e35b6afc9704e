"""The new academic year: per-year answers expire, whole-stay answers do not; the office asks every family with one
button (each family once), and the daily sweep reminds each guardian once per offset until they answer."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from aup.evidence import content_sha256
from consent import services
from consent.models import ConsentFormVersion, ConsentReminderSent, ConsentRequest, ConsentResponse
from consent.selectors import effective_answers
from consent.services import form_content
from consent.services_forms import consent_requests_send
from consent.tasks_requests import send_consent_reminders
from consent.tests.factories import published_form
from safeguard.audit.models import AuditEvent
from safeguard.base import DomainError
from safeguard.directory.models import PupilGuardian
from safeguard.directory.tests import factories
from safeguard.jobs.models import OutboxTask

LAST_YEAR = datetime.datetime(2026, 5, 12, 18, 0, tzinfo=datetime.UTC)
THIS_YEAR = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC)
CODES = [
    "images_website", "images_social_media", "images_local_press", "images_marketing",
    "videos_website", "videos_social_media", "videos_local_press", "videos_marketing",
]  # fmt: skip


@pytest.fixture
def years(school):
    return (
        factories.AcademicYearFactory(
            school=school, name="2025/26", starts_on=datetime.date(2025, 9, 1), ends_on=datetime.date(2026, 8, 31)
        ),
        factories.AcademicYearFactory(school=school),
    )


def answer(version, pupil, guardian, answers, *, now):
    return services.consent_response_record(
        pupil=pupil, version=version, answers=answers, guardian=guardian, method=ConsentResponse.Method.INVITATION_LINK,
        typed_name="Jane Whitfield", shown_sha256=content_sha256(form_content(version)), now=now,
    )  # fmt: skip


def grid(school, pupil, now):
    _purposes, decisions = effective_answers(school=school, pupils=[pupil], now=now)
    return {code: (d.allowed, d.reason) for code, d in decisions[pupil.pk].items()}


@pytest.fixture
def families(pupil, guardian_link):
    """Amara (one parent with parental responsibility) and Leo (two parents with it, and a grandparent without)."""
    leo = factories.PupilFactory(
        school=pupil.school, year_group=pupil.year_group, school_class=pupil.school_class, legal_first_name="Leo"
    )
    mum = factories.PupilGuardianFactory(pupil=leo, has_parental_responsibility=True)
    dad = factories.PupilGuardianFactory(pupil=leo, has_parental_responsibility=True, contact_order=2)
    factories.PupilGuardianFactory(
        pupil=leo,
        has_parental_responsibility=False,
        relationship=PupilGuardian.Relationship.GRANDPARENT,
        contact_order=3,
    )
    return {
        "amara": pupil,
        "leo": leo,
        "amara_parent": guardian_link.guardian,
        "mum": mum.guardian,
        "dad": dad.guardian,
    }


def _sent_days_ago(days, now=None):
    now = now or timezone.now()
    ConsentRequest.objects.update(sent_at=now - datetime.timedelta(days=days))
    return now


@pytest.mark.django_db
class TestAnswersAcrossYears:
    def test_last_years_answer_has_expired_this_year(self, school, years, pupil, guardian_link):
        version = published_form(school)
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True), now=LAST_YEAR)
        assert grid(school, pupil, LAST_YEAR)["images_website"] == (True, "consented")
        assert set(grid(school, pupil, THIS_YEAR).values()) == {(False, "expired")}

    def test_an_answer_for_the_whole_stay_still_counts(self, school, years, pupil, guardian_link):
        version = published_form(school, duration=ConsentFormVersion.Duration.WHOLE_STAY)
        answer(version, pupil, guardian_link.guardian, dict.fromkeys(CODES, True), now=LAST_YEAR)
        assert set(grid(school, pupil, THIS_YEAR).values()) == {(True, "consented")}

    def test_the_year_page_counts_who_needs_asking(self, client, school, years, office, families):
        version = published_form(school)
        answer(version, families["amara"], families["amara_parent"], dict.fromkeys(CODES, True), now=LAST_YEAR)
        answer(version, families["leo"], families["mum"], dict.fromkeys(CODES, False), now=timezone.now())
        client.force_login(office)
        page = client.get(reverse("consent:year", args=[school.slug])).content.decode()
        assert "1 pupil of 2 on roll needs asking." in page  # Amara's answer expired; Leo's mum said no this year
        assert "Ask every family for this year’s consent" in page


@pytest.mark.django_db
class TestAskingEveryFamily:
    def test_pressing_the_button_twice_emails_each_parent_once(
        self, client, school, years, office, families, celery_eager, django_capture_on_commit_callbacks
    ):
        published_form(school)
        client.force_login(office)
        url = reverse("consent:requests_send", args=[school.slug])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
        assert response.url == reverse("consent:year", args=[school.slug])
        assert sorted(a for m in mail.outbox for a in m.to) == sorted(
            [families["amara_parent"].email, families["mum"].email, families["dad"].email]
        )  # the grandparent has no parental responsibility
        message = mail.outbox[0]
        assert "/consent/answer/link/" in message.body and "photo and video consent" in message.subject
        assert ConsentRequest.objects.filter(sent_at__isnull=False).count() == 2

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, follow=True)
        assert len(mail.outbox) == 3
        assert "Nothing new to send" in response.content.decode()
        assert ConsentRequest.objects.count() == 2
        assert AuditEvent.objects.filter(action="consent.requests.sent").count() == 2

    def test_families_who_have_answered_are_not_asked(
        self, school, years, office, families, celery_eager, django_capture_on_commit_callbacks
    ):
        version = published_form(school)
        answer(version, families["leo"], families["dad"], dict.fromkeys(CODES, True), now=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            counts = consent_requests_send(actor=office, school=school)
        assert counts == {"opened": 1, "queued": 1, "already_sent": 0, "complete": 1}
        assert [m.to for m in mail.outbox] == [[families["amara_parent"].email]]

    def test_only_the_office_asks_and_only_with_a_published_form(self, school, years, office, teacher, families):
        with pytest.raises(DomainError):
            consent_requests_send(actor=office, school=school)
        published_form(school)
        with pytest.raises(PermissionError):
            consent_requests_send(actor=teacher, school=school)


@pytest.mark.django_db
class TestReminders:
    @pytest.fixture
    def asked(self, school, years, office, families, celery_eager, django_capture_on_commit_callbacks):
        version = published_form(school)
        with django_capture_on_commit_callbacks(execute=True):
            consent_requests_send(actor=office, school=school)
        mail.outbox.clear()
        return version

    def test_the_sweep_is_registered_with_beat(self, db):
        task = PeriodicTask.objects.get(name="consent: consent reminders")
        assert task.task == "consent.tasks_requests.send_consent_reminders" and task.enabled

    @pytest.fixture
    def remind(self, django_capture_on_commit_callbacks):
        """Run the sweep; the reminders it queues are sent (eager) before it returns."""

        def run(now):
            with django_capture_on_commit_callbacks(execute=True):
                return send_consent_reminders(now=now)

        return run

    def test_running_the_sweep_twice_reminds_once(self, asked, families, remind):
        now = _sent_days_ago(8)
        assert remind(now) == 3
        assert remind(now) == 0
        assert len(mail.outbox) == 3 and "Reminder" in mail.outbox[0].subject
        assert set(ConsentReminderSent.objects.exclude(offset_days=0).values_list("offset_days", flat=True)) == {7}

    def test_running_the_sweep_twice_before_the_queue_drains_queues_once(self, asked, families):
        now = _sent_days_ago(8)
        assert send_consent_reminders(now=now) == 3  # queued in the outbox; no worker has taken them yet
        assert send_consent_reminders(now=now) == 0
        queued = OutboxTask.objects.filter(task_name="consent.tasks_requests.send_consent_reminder")
        assert queued.count() == 3 and mail.outbox == []

    def test_nothing_before_a_week_and_only_the_latest_offset_after_a_gap(self, asked, families, remind):
        assert remind(_sent_days_ago(6)) == 0
        now = _sent_days_ago(30)
        assert remind(now) == 3
        assert set(ConsentReminderSent.objects.exclude(offset_days=0).values_list("offset_days", flat=True)) == {28}

    def test_a_reminder_more_than_a_week_overdue_is_left_to_the_office(self, asked, families, remind):
        """The worker was down: a reminder up to REMINDER_CATCH_UP_DAYS late still goes; one later than that would
        arrive weeks late, so the sweep leaves it (and stops reading the request)."""
        assert remind(_sent_days_ago(36)) == 0
        assert mail.outbox == []
        assert remind(_sent_days_ago(35)) == 3
        assert set(ConsentReminderSent.objects.exclude(offset_days=0).values_list("offset_days", flat=True)) == {28}

    def test_a_guardian_who_answers_gets_no_more_reminders(self, asked, families, remind):
        now = _sent_days_ago(8)
        remind(now)
        mail.outbox.clear()
        # Leo's mum says no to everything: Leo's answers are settled, so neither of his parents is chased again.
        answer(asked, families["leo"], families["mum"], dict.fromkeys(CODES, False), now=now)
        later = now + datetime.timedelta(days=7)
        assert remind(later) == 1
        assert [m.to for m in mail.outbox] == [[families["amara_parent"].email]]
        # Amara's parent answers too: nobody is reminded at 28 days.
        answer(asked, families["amara"], families["amara_parent"], dict.fromkeys(CODES, True), now=later)
        assert remind(now + datetime.timedelta(days=21)) == 0


@pytest.mark.django_db
def test_a_quiet_day_costs_the_same_statements_for_3_and_30_requests_already_reminded(
    school, years, office, pupil, celery_eager, django_capture_on_commit_callbacks
):
    published_form(school)

    def statements(count):
        for _number in range(count - ConsentRequest.objects.count()):
            child = factories.PupilFactory(school=school, year_group=pupil.year_group, school_class=pupil.school_class)
            factories.PupilGuardianFactory(pupil=child, has_parental_responsibility=True)
        with django_capture_on_commit_callbacks(execute=True):
            consent_requests_send(actor=office, school=school)
        now = _sent_days_ago(8)
        with django_capture_on_commit_callbacks(execute=True):
            send_consent_reminders(now=now)  # everyone due is reminded
        reminded = ConsentReminderSent.objects.filter(offset_days=7).count()
        assert reminded == ConsentReminderSent.objects.filter(offset_days=0).count() >= count - 1
        with CaptureQueriesContext(connection) as queries:
            assert send_consent_reminders(now=now) == 0  # the quiet day
        return len(queries)

    assert statements(3) == statements(30)


@pytest.mark.django_db
def test_a_quiet_day_when_one_parent_of_each_pupil_answered_costs_the_same_statements_for_3_and_30_pupils(
    school, years, office, pupil, celery_eager, django_capture_on_commit_callbacks
):
    """The usual state after the first weeks (issue 18 item 3): one parent answered, the other never will, so every
    pupil's request is due and its second parent is not yet reminded — the sweep reads ids, not whole rows, and works
    out the answers of the whole school in a fixed number of statements, queueing nothing."""
    version = published_form(school)
    now = timezone.now()

    def statements(count):
        for _number in range(count - school.pupils.count()):
            child = factories.PupilFactory(school=school, year_group=pupil.year_group, school_class=pupil.school_class)
            factories.PupilGuardianFactory(pupil=child, has_parental_responsibility=True)
            factories.PupilGuardianFactory(pupil=child, has_parental_responsibility=True, contact_order=2)
        with django_capture_on_commit_callbacks(execute=True):
            consent_requests_send(actor=office, school=school)
        sent_at = now - datetime.timedelta(days=30)
        ConsentRequest.objects.filter(sent_at__gt=sent_at).update(sent_at=sent_at)
        for request in ConsentRequest.objects.select_related("pupil"):
            link = request.pupil.guardian_links.filter(has_parental_responsibility=True).order_by("contact_order")
            link = link.first()
            if link and not ConsentResponse.objects.filter(pupil=request.pupil, guardian=link.guardian).exists():
                answered_at = sent_at + datetime.timedelta(days=1)
                answer(version, request.pupil, link.guardian, dict.fromkeys(CODES, True), now=answered_at)
        with CaptureQueriesContext(connection) as queries:
            assert send_consent_reminders(now=now) == 0  # every pupil's answers are complete
        assert ConsentRequest.objects.count() == count
        return len(queries)

    assert statements(3) == statements(30)
