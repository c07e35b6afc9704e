"""Redis stopped during a save, against a real ``redis-server``: the save succeeds with no wait and no error, the work
waits in the outbox, and once Redis is back the drain publishes it and a real worker sends the e-mail.

The test runs a Redis server of its own on a free port (never the shared one on 6379, whose data other tests and
developers use), so the worker can consume the default queue ("celery") there without taking anyone else's tasks.
The worker runs in a thread of this process, so Django's in-memory mail outbox is shared with the test. Skipped
with the reason when the ``redis`` package or Redis (``REDIS_URL``) is missing, or the ``redis-server`` binary is.
"""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from safeguard.accounts.models import Invitation
from safeguard.accounts.services import invitation_create
from safeguard.celery import app
from safeguard.jobs.models import OutboxTask
from safeguard.jobs.services import DRAIN_GRACE, drain

from .conftest import broker, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_save_while_redis_is_down_is_sent_when_redis_returns(redis_server, office, guardian, mailoutbox):
    redis_server.start()
    with broker(redis_server.url):
        # The web process has talked to Redis before it stopped: its pooled connection is now dead.
        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=0)
        redis_server.stop()

        started = time.monotonic()
        invitation = invitation_create(actor=office, guardian=guardian)  # commits; the hand-over runs and fails
        took = time.monotonic() - started

        assert took < 3, f"the save took {took:.1f} s with Redis down"
        assert Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).exists()
        row = OutboxTask.objects.get()
        assert row.dispatched_at is None and row.attempts == 1 and row.last_error
        assert drain(now=timezone.now() + DRAIN_GRACE * 2) == 0  # beat's drain while Redis is still down
        assert OutboxTask.objects.get().dispatched_at is None

        redis_server.start()  # Redis is back, on the same port
        assert drain(now=timezone.now() + DRAIN_GRACE * 2) == 1
        assert drain(now=timezone.now() + DRAIN_GRACE * 2) == 0
        with start_worker(app, pool="solo", perform_ping_check=False, queues=["celery"], shutdown_timeout=20):
            wait_for(lambda: mailoutbox, timeout=20)
            time.sleep(0.2)  # a second e-mail, were there one, would follow at once

    assert len(mailoutbox) == 1, "the worker did not send the invitation within 20 seconds"
    assert mailoutbox[0].to == [guardian.email]
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    row = OutboxTask.objects.get()
    assert row.dispatched_at is not None and row.last_error == "" and row.attempts == 3
