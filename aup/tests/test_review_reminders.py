"""Policy review reminders as the people on the e-mails see them: 60, 30 and 7 days before the due date to the owner
and review team, then a weekly escalation to the headteacher and trust admin until the review is approved — each
e-mail once, even when the sweep runs twice, misses a week, the mail server fails or a worker dies mid-task.

The sweep is called directly with ``today=`` (what beat does each morning, on a chosen day); ``celery_eager`` runs the
e-mail tasks it queues through the outbox when the test's transaction "commits". Dates are relative to the school's
real today, because the e-mail counts the days left from the moment it is sent.
"""

import datetime
import smtplib

import pytest
from django.conf import settings as django_settings
from django.core.mail import BadHeaderError
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from aup import services_reviews
from aup.models import Policy, ReviewReminderSent
from aup.reviews import REMINDER_OFFSETS, next_review_date, reminder_due
from aup.tasks_reviews import send_policy_review_reminders, send_review_email
from aup.tests.factories import PolicyFactory, PolicyVersionFactory
from safeguard.accounts.models import User
from safeguard.accounts.tests.helpers import sign_in_with_second_factor
from safeguard.celery import app
from safeguard.jobs.models import OutboxTask, TaskFailure

D = datetime.date
DAY = datetime.timedelta(days=1)
TITLE = "Child Protection and Safeguarding Policy"


@pytest.mark.parametrize(
    ("days_before_due", "expected"),
    [
        (61, None),
        (60, ("reminder", 60)),
        (45, ("reminder", 60)),
        (31, ("reminder", 60)),
        (30, ("reminder", 30)),
        (8, ("reminder", 30)),
        (7, ("reminder", 7)),
        (0, ("reminder", 7)),  # due today: still the 7-day reminder, not yet overdue
        (-1, ("escalation", -7)),  # one day overdue: the first weekly escalation
        (-7, ("escalation", -7)),
        (-8, ("escalation", -14)),  # the second week
        (-14, ("escalation", -14)),
        (-15, ("escalation", -21)),
    ],
)
def test_which_reminder_is_due(days_before_due, expected):
    due = D(2027, 3, 1)
    assert reminder_due(next_review_on=due, today=due - datetime.timedelta(days=days_before_due)) == expected


def test_no_review_date_means_no_reminder():
    assert reminder_due(next_review_on=None, today=D(2027, 3, 1)) is None
    assert REMINDER_OFFSETS == (60, 30, 7)


def _policy(school, *, owner, due, team=(), title=TITLE):
    policy = PolicyFactory(
        school=school,
        title=title,
        category=Policy.Category.SAFEGUARDING,
        owner=owner,
        next_review_on=due,
        last_approved_on=due - datetime.timedelta(days=365),
    )
    policy.review_team.set(team)
    PolicyVersionFactory(policy=policy, approved_on=due - datetime.timedelta(days=365))
    return policy


@pytest.fixture
def today(school):
    return school.today()


@pytest.fixture
def sweep(celery_eager, django_capture_on_commit_callbacks):
    """Run the daily sweep as beat would on ``day``; the e-mails it queues are sent before it returns."""

    def run(day):
        with django_capture_on_commit_callbacks(execute=True):
            return send_policy_review_reminders(today=day.isoformat())

    return run


def _to(mailoutbox):
    return sorted(address for message in mailoutbox for address in message.to)


def _count_to(mailoutbox, user):
    return sum(message.to == [user.email] for message in mailoutbox)


@pytest.mark.django_db
class TestBeforeTheDueDate:
    @pytest.fixture
    def policy(self, school, today, dsl, teacher, governor):
        """Owned by the DSL, reviewed by a teacher and a governor; due in 60 days."""
        return _policy(school, owner=dsl, team=[teacher, governor], due=today + 60 * DAY)

    def test_owner_and_review_team_get_the_60_day_reminder_once(
        self, sweep, policy, today, dsl, teacher, governor, head, trust_admin, mailoutbox
    ):
        assert sweep(today) == 3
        assert _to(mailoutbox) == sorted([dsl.email, teacher.email, governor.email])
        due = f"{policy.next_review_on:%-d %B %Y}"
        assert {message.subject for message in mailoutbox} == {
            f"Demo Primary School: “{TITLE}” is due for review on {due}"
        }

        assert sweep(today) == 0  # beat ran twice the same morning
        assert sweep(today + DAY) == 0  # the next morning: the 60-day reminder has gone
        assert len(mailoutbox) == 3
        assert set(ReviewReminderSent.objects.values_list("offset_days", flat=True)) == {60}

    def test_daily_sweeps_send_each_offset_once_to_each_person(self, sweep, policy, dsl, teacher, governor, mailoutbox):
        due = policy.next_review_on
        for day in range(61, -1, -1):  # every morning from 61 days before to the due date itself
            sweep(due - day * DAY)
        for person in (dsl, teacher, governor):
            assert _count_to(mailoutbox, person) == 3
        assert sorted(set(ReviewReminderSent.objects.values_list("offset_days", flat=True))) == [7, 30, 60]
        assert ReviewReminderSent.objects.count() == 9

    def test_a_missed_week_sends_only_the_nearest_reminder(self, sweep, school, today, dsl, teacher, mailoutbox):
        first_seen_at_55 = _policy(school, owner=dsl, due=today + 55 * DAY, title="Behaviour Policy")
        first_seen_at_28 = _policy(school, owner=teacher, due=today + 28 * DAY, title="SEND Policy")

        assert sweep(today) == 2  # beat was down: the first sweep runs 55 and 28 days before the two due dates
        sent = dict(ReviewReminderSent.objects.values_list("policy_id", "offset_days"))
        assert sent == {first_seen_at_55.pk: 60, first_seen_at_28.pk: 30}  # not 60 as well: no flood of old ones
        assert _to(mailoutbox) == sorted([dsl.email, teacher.email])

        for day in range(1, 21):  # the following three weeks: nothing new is due
            assert sweep(today + day * DAY) == 0
        assert sweep(today + 21 * DAY) == 1  # 7 days before the SEND policy's date
        assert sweep(today + 25 * DAY) == 1  # 30 days before the behaviour policy's date
        assert len(mailoutbox) == 4

    def test_a_review_in_progress_gets_no_reminder(self, sweep, policy, today, dsl, mailoutbox):
        services_reviews.review_start(actor=dsl, policy=policy)
        for day in (60, 30, 7, 0):
            assert sweep(policy.next_review_on - day * DAY) == 0
        assert mailoutbox == []

    def test_the_email_links_to_the_policy_and_carries_no_pupil_data(
        self, sweep, policy, today, dsl, pupil, mailoutbox
    ):
        sweep(today)
        message = next(message for message in mailoutbox if message.to == [dsl.email])
        link = django_settings.SITE_URL + reverse("aup:policy_detail", args=[policy.school.slug, policy.public_id])
        assert link.startswith("http")
        html = message.alternatives[0][0]
        for body in (message.body, html):
            assert link in body
            assert f"{policy.next_review_on:%-d %B %Y}, in 60 days" in body
            assert "You are its owner or on its review team." in body
            for pupil_detail in (pupil.legal_first_name, pupil.legal_last_name, pupil.upn):
                assert pupil_detail not in body


@pytest.mark.django_db
class TestOverdue:
    @pytest.fixture
    def policy(self, school, today, dsl, teacher):
        """Was due ten days ago: the owner (DSL) and review team (teacher) have been reminded already."""
        return _policy(school, owner=dsl, team=[teacher], due=today - 10 * DAY)

    def test_escalates_weekly_to_the_headteacher_and_trust_admin_only(
        self, sweep, policy, dsl, teacher, head, trust_admin, governor, mailoutbox
    ):
        due = policy.next_review_on
        for day in range(1, 8):  # the first overdue week, every morning
            sweep(due + day * DAY)
        assert _to(mailoutbox) == sorted([head.email, trust_admin.email])
        assert {message.subject for message in mailoutbox} == {
            f"Overdue policy review at Demo Primary School: “{TITLE}”"
        }

        sweep(due + 8 * DAY)  # the second week begins: a second escalation each
        assert _count_to(mailoutbox, head) == 2 and _count_to(mailoutbox, trust_admin) == 2
        for day in range(9, 15):
            sweep(due + day * DAY)
        assert len(mailoutbox) == 4
        for not_told in (dsl, teacher, governor):
            assert _count_to(mailoutbox, not_told) == 0
        assert sorted(ReviewReminderSent.objects.values_list("offset_days", flat=True)) == [-14, -14, -7, -7]

    def test_a_review_in_progress_is_still_escalated_until_approved(self, sweep, policy, dsl, head, mailoutbox):
        services_reviews.review_start(actor=dsl, policy=policy)
        sweep(policy.next_review_on + DAY)
        assert _to(mailoutbox) == [head.email]

    def test_approving_the_review_stops_the_escalations(self, sweep, policy, today, dsl, head, mailoutbox):
        due = policy.next_review_on
        sweep(due + DAY)
        assert _to(mailoutbox) == [head.email]

        late = [policy.pk, due.isoformat(), -14, head.pk]  # the second week's escalation, queued before the approval
        review = services_reviews.review_start(actor=dsl, policy=policy)
        services_reviews.review_confirm_no_changes(actor=dsl, review=review)
        services_reviews.review_submit(actor=dsl, review=review)
        services_reviews.review_approve(actor=head, review=review, approved_on=today)
        policy.refresh_from_db()
        assert policy.next_review_on == next_review_date(cycle="years", interval=1, month=None, approved_on=today)
        assert send_review_email.apply(args=late).get() is False  # it runs after the approval: nothing to send

        for day in (8, 15, 22):
            assert sweep(due + day * DAY) == 0
        assert len(mailoutbox) == 1

    def test_the_escalation_links_to_the_policy(self, sweep, school, today, dsl, head, pupil, mailoutbox):
        policy = _policy(school, owner=dsl, due=today - 3 * DAY, title="Behaviour Policy")
        sweep(today)
        [message] = mailoutbox
        assert message.to == [head.email]
        assert message.subject == "Overdue policy review at Demo Primary School: “Behaviour Policy”"
        link = django_settings.SITE_URL + reverse("aup:policy_detail", args=[school.slug, policy.public_id])
        for body in (message.body, message.alternatives[0][0]):
            assert link in body
            assert f"was due on {policy.next_review_on:%-d %B %Y} and is 3 days overdue" in body
            assert pupil.legal_last_name not in body


class FailingMailServer(BaseEmailBackend):
    """A mail server that refuses every message (as a full queue or a broken relay does)."""

    attempts = []

    def send_messages(self, email_messages):
        FailingMailServer.attempts.append(email_messages)
        raise smtplib.SMTPException("451 4.3.0 Mail server temporarily rejected message")


class HeaderRefusingMailServer(BaseEmailBackend):
    """An error that is not a mail server's (not retried): Django refuses a header with a line break in it."""

    def send_messages(self, email_messages):
        raise BadHeaderError("Header values can't contain newlines")


@pytest.fixture
def as_in_a_worker():
    """Celery's eager retries run at once, and the last failure is recorded rather than raised to the caller."""
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


@pytest.fixture
def failing_mail_server(settings, as_in_a_worker):
    """Every e-mail fails."""
    FailingMailServer.attempts = []
    settings.EMAIL_BACKEND = f"{__name__}.FailingMailServer"
    return FailingMailServer


@pytest.mark.django_db
class TestMailFailure:
    def test_a_mail_failure_retries_is_recorded_and_tomorrows_sweep_sends_it_once(
        self, sweep, school, today, dsl, settings, failing_mail_server, mailoutbox
    ):
        policy = _policy(school, owner=dsl, due=today + 60 * DAY)

        assert sweep(today) == 1
        send_review_email_retries = 5
        assert len(failing_mail_server.attempts) == 1 + send_review_email_retries
        failure = TaskFailure.objects.get()
        assert failure.task_name == "aup.tasks_reviews.send_review_email"
        assert failure.exception == "SMTPException: 451 4.3.0 Mail server temporarily rejected message"
        assert failure.args == [policy.pk, policy.next_review_on.isoformat(), 60, dsl.pk]
        assert failure.retries == send_review_email_retries
        assert failure.resolved_at is None
        assert not ReviewReminderSent.objects.exists()  # the claim was released: tomorrow's sweep tries again
        assert mailoutbox == []

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the mail server is back
        assert sweep(today + DAY) == 1
        assert sweep(today + DAY) == 0
        assert sweep(today + 2 * DAY) == 0
        assert _to(mailoutbox) == [dsl.email]
        assert ReviewReminderSent.objects.get().offset_days == 60
        assert OutboxTask.objects.filter(dispatched_at__isnull=True).count() == 0

    def test_an_unexpected_failure_is_recorded_at_once_and_can_be_queued_again_from_the_admin(
        self,
        sweep,
        school,
        today,
        dsl,
        settings,
        as_in_a_worker,
        client,
        django_capture_on_commit_callbacks,
        mailoutbox,
    ):
        policy = _policy(school, owner=dsl, due=today + 30 * DAY)
        settings.EMAIL_BACKEND = f"{__name__}.HeaderRefusingMailServer"
        assert sweep(today) == 1
        failure = TaskFailure.objects.get()
        assert failure.retries == 0  # not a mail server's error: not retried
        assert failure.exception == "BadHeaderError: Header values can't contain newlines"
        assert not ReviewReminderSent.objects.filter(policy=policy).exists()  # released: it can be sent again

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the cause is fixed
        sign_in_with_second_factor(
            client, User.objects.create_superuser("admin@example.test", full_name="Platform Administrator")
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("admin:jobs_taskfailure_changelist"),
                {"action": "retry_tasks", "_selected_action": [failure.pk]},
                follow=True,
            )
        assert "1 task queued again." in response.content.decode()
        assert _to(mailoutbox) == [dsl.email]
        assert sweep(today) == 0


class WorkerKilledMidSend(BaseEmailBackend):
    """The worker process is stopped while it talks to the mail server."""

    def send_messages(self, email_messages):
        raise SystemExit("worker stopped while talking to the mail server")


@pytest.mark.django_db
class TestRedelivery:
    """``acks_late``: a message is acknowledged after the task ran, so a worker that dies mid-task gets it again."""

    @pytest.fixture
    def args(self, school, today, dsl):
        policy = _policy(school, owner=dsl, due=today + 30 * DAY)
        return [policy.pk, policy.next_review_on.isoformat(), 30, dsl.pk]

    def test_the_same_task_delivered_twice_sends_one_email(self, args, dsl, mailoutbox):
        assert send_review_email.apply(args=args).get() is True
        assert send_review_email.apply(args=args).get() is False  # redelivered after a lost acknowledgement
        assert _to(mailoutbox) == [dsl.email]

    def test_a_worker_killed_after_claiming_leaves_no_double_send(self, args, settings, mailoutbox):
        """At most once: the claim is committed before the e-mail is handed to the mail server. A worker killed
        between the two leaves the claim behind, so the redelivered task (and every later sweep) sends nothing —
        one reminder may be lost, none is doubled; the next offset or the weekly escalation still goes out."""

        settings.EMAIL_BACKEND = f"{__name__}.WorkerKilledMidSend"
        with pytest.raises(SystemExit):
            send_review_email.run(*args)  # not an Exception: no handler runs, as when the process is killed
        assert ReviewReminderSent.objects.count() == 1

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert send_review_email.apply(args=args).get() is False  # redelivered to a new worker
        assert send_policy_review_reminders(today=(datetime.date.fromisoformat(args[1]) - 29 * DAY).isoformat()) == 0
        assert mailoutbox == []
