"""The outbox (``safeguard.jobs.services.enqueue``): work is queued only for a change that commits, handed to the broker
after commit, and — when the broker is unreachable — kept without the user noticing, then published exactly once by
the drain when the broker is back. Failed tasks and the beat schedule are visible in the Django admin.

The broker here is kombu's in-memory one (root conftest) or a Redis address where nothing listens, which refuses
connections at once just as a stopped Redis does. Against a real Redis server that is stopped and started again,
see ``test_redis_outage.py``.
"""

import datetime
import smtplib
import time

import pytest
from django.contrib.messages import get_messages
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from safeguard.accounts.models import Invitation, User
from safeguard.accounts.services import invitation_create
from safeguard.accounts.tests.helpers import sign_in_with_second_factor
from safeguard.celery import app
from safeguard.jobs.models import OutboxTask, TaskFailure
from safeguard.jobs.services import DRAIN_GRACE, dispatch, drain
from safeguard.jobs.tasks import drain_outbox

from .conftest import UNREACHABLE_BROKER, broker, run_as_a_worker

SEND_INVITATION = "safeguard.accounts.tasks.send_invitation"
LATER = datetime.timedelta(minutes=1)  # past DRAIN_GRACE, as the next minute's drain_outbox run sees it
# A failed hand-over must cost the user no noticeable wait (it took 6 s before dispatch stopped kombu retrying).
FAST = 1.5


def _invite(office, guardian, capture):
    """Invite ``guardian`` and commit: the after-commit hand-over runs before this returns."""
    with capture(execute=True):
        return invitation_create(actor=office, guardian=guardian)


@pytest.mark.django_db
class TestEnqueue:
    def test_work_for_a_change_that_rolls_back_is_never_queued(
        self, office, guardian, celery_eager, django_capture_on_commit_callbacks, mailoutbox
    ):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            invitation_create(actor=office, guardian=guardian)
            raise RuntimeError("something later in the same save failed")
        assert callbacks == []
        assert not OutboxTask.objects.exists()
        assert not Invitation.objects.exists()
        assert mailoutbox == []

    def test_committed_work_is_handed_to_the_broker_after_commit(
        self, office, guardian, django_capture_on_commit_callbacks, memory_queue
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invitation_create(actor=office, guardian=guardian)
            waiting = OutboxTask.objects.get()
            assert waiting.dispatched_at is None  # not before the commit: a worker could not see the invitation yet
            assert memory_queue() == []

        row = OutboxTask.objects.get()
        assert (row.task_name, row.args) == (SEND_INVITATION, [invitation.pk])
        assert row.dispatched_at is not None and row.attempts == 1 and row.last_error == ""
        assert memory_queue() == [(SEND_INVITATION, [invitation.pk])]

    def test_a_row_is_never_published_twice(self, office, guardian, django_capture_on_commit_callbacks, memory_queue):
        with django_capture_on_commit_callbacks(execute=False):
            invitation = invitation_create(actor=office, guardian=guardian)  # the hand-over is not run
        row = OutboxTask.objects.get()
        assert dispatch(row.pk) is True
        assert dispatch(row.pk) is False  # the after-commit hand-over and a drain racing for the same row
        assert drain(now=timezone.now() + LATER) == 0
        assert memory_queue() == [(SEND_INVITATION, [invitation.pk])]


@pytest.mark.django_db
class TestBrokerDown:
    def test_a_failed_hand_over_is_fast_and_keeps_the_row_waiting(
        self, office, guardian, django_capture_on_commit_callbacks
    ):
        with broker(UNREACHABLE_BROKER):
            with django_capture_on_commit_callbacks(execute=False) as callbacks:
                invitation = invitation_create(actor=office, guardian=guardian)
            started = time.monotonic()
            callbacks[0]()  # the after-commit hand-over, as at the end of the user's request
            took = time.monotonic() - started
        assert took < FAST, f"publishing to a stopped broker took {took:.1f} s"
        row = OutboxTask.objects.get()
        assert row.dispatched_at is None and row.attempts == 1
        assert row.last_error.startswith("OperationalError: ") and "127.0.0.1:1" in row.last_error
        assert Invitation.objects.get() == invitation

    def test_drain_publishes_waiting_work_once_when_the_broker_is_back(
        self, office, guardian, second_guardian, django_capture_on_commit_callbacks, memory_queue, mailoutbox
    ):
        with broker(UNREACHABLE_BROKER):
            first = _invite(office, guardian, django_capture_on_commit_callbacks)
            second = _invite(office, second_guardian, django_capture_on_commit_callbacks)
            assert drain(now=timezone.now() + LATER) == 0  # still down: the drain stops at the first failure
        rows = list(OutboxTask.objects.order_by("pk"))
        assert [row.attempts for row in rows] == [2, 1]
        assert all(row.dispatched_at is None for row in rows)

        # The broker is back (memory://). Rows younger than DRAIN_GRACE are left to their own hand-over.
        assert drain() == 0
        assert drain(now=timezone.now() + DRAIN_GRACE + datetime.timedelta(seconds=1)) == 2
        assert drain(now=timezone.now() + LATER) == 0  # the next minute's run publishes nothing again
        for row in OutboxTask.objects.all():
            assert row.dispatched_at is not None and row.last_error == ""

        published = memory_queue()
        assert published == [(SEND_INVITATION, [first.pk]), (SEND_INVITATION, [second.pk])]
        run_as_a_worker(published)
        run_as_a_worker(published)  # delivered twice (a worker died before acknowledging): still one e-mail each
        assert sorted(message.to[0] for message in mailoutbox) == sorted([guardian.email, second_guardian.email])

    def test_the_beat_task_drains_the_outbox(self, office, guardian, django_capture_on_commit_callbacks, memory_queue):
        with broker(UNREACHABLE_BROKER):
            invitation = _invite(office, guardian, django_capture_on_commit_callbacks)
        OutboxTask.objects.update(created_at=timezone.now() - LATER)  # a minute later, when beat runs it
        assert drain_outbox() == 1
        assert drain_outbox() == 0
        assert memory_queue() == [(SEND_INVITATION, [invitation.pk])]


@pytest.mark.django_db(transaction=True)
def test_the_user_sees_no_error_when_the_broker_is_down(client, office, school, pupil, guardian, mailoutbox):
    """A real commit, so the hand-over runs inside the request as in production."""
    client.force_login(office)
    next_url = reverse("directory:pupil_detail", args=[school.slug, pupil.public_id])
    with broker(UNREACHABLE_BROKER):
        started = time.monotonic()
        response = client.post(
            reverse("directory:guardian_invite", args=[school.slug, guardian.public_id]), {"next": next_url}
        )
        took = time.monotonic() - started
    assert response.status_code == 302 and response.url == next_url
    shown = [str(message) for message in get_messages(response.wsgi_request)]  # on the page the user lands on
    assert shown == [f"An invitation is on its way to {guardian.email}."]
    assert took < 2 * FAST, f"the request took {took:.1f} s"
    invitation = Invitation.objects.get(guardian=guardian)
    row = OutboxTask.objects.get()
    assert row.args == [invitation.pk] and row.dispatched_at is None and row.last_error
    assert mailoutbox == []


class RefusingMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"parent@example.test": (550, b"5.1.1 Mailbox unavailable")})


@pytest.mark.django_db
class TestAdmin:
    @pytest.fixture
    def admin_client(self, client):
        sign_in_with_second_factor(
            client, User.objects.create_superuser("admin@example.test", full_name="Platform Administrator")
        )
        return client

    @pytest.fixture
    def failure(self, office, guardian, settings, django_capture_on_commit_callbacks):
        """The invitation e-mail failed for good: every retry was refused by the mail server."""
        invitation = _invite(office, guardian, django_capture_on_commit_callbacks)  # queued to memory://
        settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"
        propagates = app.conf.task_eager_propagates
        app.conf.task_eager_propagates = False  # as in a worker: retries run, the last failure is recorded
        try:
            app.tasks[SEND_INVITATION].apply(args=[invitation.pk])
        finally:
            app.conf.task_eager_propagates = propagates
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        return TaskFailure.objects.get()

    def test_an_administrator_sees_the_failed_task(self, admin_client, failure, guardian):
        assert failure.task_name == SEND_INVITATION
        assert failure.exception.startswith("SMTPRecipientsRefused: ")
        assert failure.retries == 6
        page = admin_client.get(reverse("admin:jobs_taskfailure_changelist")).content.decode()
        assert SEND_INVITATION in page and "SMTPRecipientsRefused" in page
        detail = admin_client.get(reverse("admin:jobs_taskfailure_change", args=[failure.pk]))
        assert detail.status_code == 200 and "Mailbox unavailable" in detail.content.decode()
        unresolved = admin_client.get(reverse("admin:jobs_taskfailure_changelist") + "?resolved=no")
        assert SEND_INVITATION in unresolved.content.decode()

    def test_queue_again_from_the_admin_sends_it(
        self, admin_client, failure, guardian, celery_eager, django_capture_on_commit_callbacks, mailoutbox
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                reverse("admin:jobs_taskfailure_changelist"),
                {"action": "retry_tasks", "_selected_action": [failure.pk]},
                follow=True,
            )
        assert "1 task queued again." in response.content.decode()
        failure.refresh_from_db()
        assert failure.resolved_at is not None
        assert [message.to for message in mailoutbox] == [[guardian.email]]

    def test_an_administrator_sees_waiting_work_and_the_beat_schedule(
        self, admin_client, office, guardian, django_capture_on_commit_callbacks
    ):
        with broker(UNREACHABLE_BROKER):
            _invite(office, guardian, django_capture_on_commit_callbacks)
        waiting = admin_client.get(reverse("admin:jobs_outboxtask_changelist") + "?dispatched_at__isempty=1")
        assert waiting.status_code == 200
        assert SEND_INVITATION in waiting.content.decode() and "OperationalError" in waiting.content.decode()

        schedule = admin_client.get(reverse("admin:django_celery_beat_periodictask_changelist")).content.decode()
        for name in ("aup: policy review reminders", "aup: agreement reminders", "jobs: drain the outbox"):
            assert name in schedule

    def test_school_staff_do_not_see_the_admin(self, client, head):
        client.force_login(head)
        response = client.get(reverse("admin:jobs_taskfailure_changelist"))
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
