"""The invitation e-mail through a real Celery worker and the real Redis broker, as in production.

Skipped with the reason when Redis is unreachable (see conftest.py). The worker runs in a thread of this process,
so Django's in-memory mail outbox is shared with the test. Each run uses its own queue, so a developer's worker or
a parallel test run on the same Redis cannot take the task.
"""

import contextlib
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from conftest import reset_broker_pools
from safeguard.accounts import services
from safeguard.accounts.tasks import send_invitation
from safeguard.accounts.tokens import invitation_token
from safeguard.celery import app

from .conftest import invitation_path_from, redis_url

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@contextlib.contextmanager
def redis_broker():
    """Point the app at Redis for the duration (the root conftest points it at ``memory://``)."""
    previous = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = redis_url()
    app.conf.broker_transport_options = {}
    reset_broker_pools(app)
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = previous
        reset_broker_pools(app)


def test_worker_sends_the_invitation_from_the_redis_queue(office, guardian, mailoutbox):
    # Created before switching to Redis: the service's own after-commit enqueue goes to the in-memory broker and
    # leaves nothing behind in Redis. The test then enqueues the same task on a queue of its own.
    invitation = services.invitation_create(actor=office, guardian=guardian)  # committed: transaction=True
    queue = f"safeguard-test-{uuid.uuid4().hex}"
    with (
        redis_broker(),
        start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=20),
    ):
        send_invitation.apply_async(args=[invitation.pk], queue=queue)
        deadline = time.monotonic() + 20
        while not mailoutbox and time.monotonic() < deadline:
            time.sleep(0.1)
    with redis_broker(), app.connection_for_write() as connection:
        # Leave nothing of this run in Redis: a channel can only delete the bindings it has declared.
        bound = app.amqp.queues[queue](connection.default_channel)
        bound.declare()
        bound.delete()

    assert len(mailoutbox) == 1, "the worker did not send the invitation within 20 seconds"
    assert mailoutbox[0].to == [guardian.email]
    assert invitation_path_from(mailoutbox[0]) == reverse(
        "accounts:invitation_accept", args=[invitation_token(invitation)]
    )
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
