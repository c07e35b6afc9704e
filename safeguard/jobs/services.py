"""Queue background work so that it is never lost and never depends on the broker being up at save time.

``enqueue(task, *args)`` is what services call instead of ``task.delay(*args)``:

1. it writes an ``OutboxTask`` row in the caller's transaction (nothing is queued for a change that rolls back);
2. after commit it claims the row and publishes the task without retrying (neither the connection nor the publish),
   so a stopped Redis costs the user no wait and no error — the row is released and stays waiting;
3. ``drain_outbox`` (beat, every minute) publishes every row still waiting once the broker answers again.

A row is claimed (``dispatched_at`` set by a conditional update) before it is published, so the after-commit hand-over
and the drain never publish the same row twice. Tasks take ids and are idempotent, so a task published and then
retried by Celery does its work once.
"""

import datetime
import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from .models import OutboxTask

logger = logging.getLogger(__name__)

# What publishing to an unreachable broker raises (redis-py's ConnectionError is an OSError subclass only in part).
BROKER_ERRORS = (KombuError, OSError, ConnectionError)
try:  # pragma: no branch — redis is installed wherever Redis is the broker
    from redis.exceptions import RedisError

    BROKER_ERRORS = (*BROKER_ERRORS, RedisError)
except ImportError:  # pragma: no cover
    pass

# Rows younger than this are left to their own after-commit hand-over.
DRAIN_GRACE = datetime.timedelta(seconds=30)


def enqueue(task, *args, **kwargs):
    """Queue ``task`` (a Celery task) with JSON-serialisable ``args``/``kwargs`` (ids, ISO dates) after commit.

    Call it inside the transaction that makes the change; outside one it commits at once. Returns the
    ``OutboxTask`` row. Never raises for a broker outage.
    """
    row = OutboxTask.objects.create(task_name=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: dispatch(row.pk))
    return row


def dispatch(row_id, *, now=None):
    """Publish one waiting outbox row (int pk) to the broker. Returns True if published.

    The row is claimed first; if publishing fails (broker down) the claim is undone and the error kept on the row
    for ``drain_outbox`` to try again.
    """
    now = now or timezone.now()
    claimed = OutboxTask.objects.filter(pk=row_id, dispatched_at__isnull=True).update(dispatched_at=now)
    if not claimed:
        return False
    row = OutboxTask.objects.get(pk=row_id)
    task = current_app.tasks[row.task_name]
    if current_app.conf.task_always_eager:  # debugging and tests: the task runs here and now, no broker involved
        OutboxTask.objects.filter(pk=row_id).update(attempts=row.attempts + 1, last_error="")
        task.apply_async(args=row.args, kwargs=row.kwargs)
        return True
    try:
        with current_app.producer_or_acquire() as producer:
            # Connect without kombu's connection retries: ``retry=False`` covers only the publish, and connecting to
            # a stopped Redis would otherwise be retried for ``broker_connection_timeout`` (about 6 s measured) while
            # the user waits. A pooled connection that is still up is reused as it is.
            producer.connection.ensure_connection(max_retries=0)
            task.apply_async(args=row.args, kwargs=row.kwargs, producer=producer, retry=False)
    except BROKER_ERRORS as error:
        logger.warning("Broker unavailable; %s stays in the outbox (%s)", row.task_name, error)
        OutboxTask.objects.filter(pk=row_id).update(
            dispatched_at=None, attempts=row.attempts + 1, last_error=f"{error.__class__.__name__}: {error}"[:2000]
        )
        return False
    OutboxTask.objects.filter(pk=row_id).update(attempts=row.attempts + 1, last_error="")
    return True


def drain(*, now=None, limit=1000):
    """Publish waiting rows older than ``DRAIN_GRACE``, oldest first; stop at the first broker failure.

    Returns the number published. ``limit`` bounds one run (the next run takes the rest).
    """
    now = now or timezone.now()
    waiting = OutboxTask.objects.filter(dispatched_at__isnull=True, created_at__lte=now - DRAIN_GRACE).order_by(
        "created_at", "pk"
    )
    published = 0
    for row_id in waiting.values_list("pk", flat=True)[:limit]:
        if dispatch(row_id, now=now):
            published += 1
        elif OutboxTask.objects.filter(pk=row_id, dispatched_at__isnull=True).exists():
            break  # the broker is still down: try again next minute
    return published


def queued_since(task, since):
    """The argument lists, as tuples, of ``task`` (a Celery task) queued through the outbox at or after ``since``
    (aware datetime) and still on their way: waiting, or handed to the broker and not failed for good since (a
    ``TaskFailure`` of the same arguments recorded after it). Two queries.

    A daily sweep skips what it finds here, so that running it twice before the queue drains queues nothing twice
    (issue 18 item 3), while a task that failed for good — or was queued before the window — is queued again."""
    from .models import TaskFailure

    queued = {}
    for args, at in OutboxTask.objects.filter(task_name=task.name, created_at__gte=since).values_list(
        "args", "created_at"
    ):
        if isinstance(args, list):
            key = tuple(args)
            queued[key] = max(at, queued.get(key, at))
    if not queued:
        return set()
    failed = {}
    for args, at in TaskFailure.objects.filter(task_name=task.name, created_at__gte=since).values_list(
        "args", "created_at"
    ):
        if isinstance(args, list):
            key = tuple(args)
            failed[key] = max(at, failed.get(key, at))
    return {key for key, at in queued.items() if key not in failed or failed[key] < at}
