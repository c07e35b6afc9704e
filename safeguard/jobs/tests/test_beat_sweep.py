"""The daily review sweep as production runs it: the schedule an administrator sees (django-celery-beat rows
registered by migrations), beat's database scheduler sending the due entry to the real Redis, and a real worker
running the sweep and then the e-mail tasks the sweep queued — one escalation e-mail per person, even when beat
sends the sweep twice.

The Redis test uses the shared Redis (``REDIS_URL``) with a queue of its own — every task, the sweep and the e-mails
it queues, is routed there for the duration — so a developer's worker cannot take them and nothing is left behind.
"""

import datetime
import importlib
import uuid
import zoneinfo

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.apps import apps
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from aup.models import Policy, ReviewReminderSent
from aup.tests.factories import PolicyFactory
from safeguard.celery import app
from safeguard.jobs.models import OutboxTask

from .conftest import broker, redis_url, wait_for

REVIEW_SWEEP = "aup: policy review reminders"
REVIEW_SWEEP_MIGRATION = "aup.migrations.0005_policy_review_reminders_schedule"


@pytest.mark.django_db
def test_the_schedules_an_administrator_sees_are_registered_and_enabled():
    app.loader.import_default_modules()  # what a worker does when it starts: it then knows every task beat sends
    tasks = {task.name: task for task in PeriodicTask.objects.select_related("crontab", "interval")}
    review = tasks[REVIEW_SWEEP]
    assert review.task == "aup.tasks_reviews.send_policy_review_reminders" and review.enabled
    assert (review.crontab.minute, review.crontab.hour, review.crontab.day_of_week) == ("45", "7", "*")
    assert str(review.crontab.timezone) == "Europe/London"
    agreements = tasks["aup: agreement reminders"]
    assert agreements.task == "aup.tasks.send_agreement_reminders" and agreements.enabled
    drain = tasks["jobs: drain the outbox"]
    assert drain.task == "safeguard.jobs.tasks.drain_outbox" and drain.enabled
    assert (drain.interval.every, drain.interval.period) == (1, "minutes")
    for task in (review, agreements, drain):
        assert task.task in app.tasks, f"beat sends {task.task}, which a worker does not know"


@pytest.mark.django_db
def test_registering_the_schedules_again_adds_nothing_and_keeps_an_operators_changes():
    PeriodicTask.objects.filter(name=REVIEW_SWEEP).update(enabled=False)  # an operator paused it in the admin
    for module in (REVIEW_SWEEP_MIGRATION, "safeguard.jobs.migrations.0002_drain_outbox_schedule"):
        importlib.import_module(module).register(apps, None)
    assert PeriodicTask.objects.filter(name=REVIEW_SWEEP).count() == 1
    assert PeriodicTask.objects.filter(name="jobs: drain the outbox").count() == 1
    assert PeriodicTask.objects.get(name=REVIEW_SWEEP).enabled is False


@pytest.fixture
def own_queue():
    """Route every task published during the test to a queue of its own (tasks name no queue, so the default
    queue applies — at publish time), and delete that queue from Redis afterwards."""
    queue = f"safeguard-test-{uuid.uuid4().hex}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = previous
        with broker(redis_url()), app.connection_for_write() as connection:
            bound = app.amqp.queues[queue](connection.default_channel)
            bound.declare()
            bound.delete()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_beat_sends_the_sweep_and_a_worker_emails_the_escalation_once(
    school, dsl, head, trust_admin, own_queue, mailoutbox, monkeypatch
):
    # An earlier test with real commits may have emptied the tables since migrate ran: register the schedule again
    # (idempotent, what the migration does).
    importlib.import_module(REVIEW_SWEEP_MIGRATION).register(apps, None)
    today = school.today()
    # django-celery-beat (2.9) loads a crontab entry only within two hours of its hour: beat's clock reads 07:50 in
    # London, when it sends the 07:45 sweep.
    london = zoneinfo.ZoneInfo("Europe/London")
    morning = timezone.localtime(timezone.now(), london).replace(hour=7, minute=50)
    monkeypatch.setattr("django_celery_beat.schedulers.aware_now", lambda: morning.astimezone(datetime.UTC))
    policy = PolicyFactory(
        school=school,
        title="Child Protection and Safeguarding Policy",
        category=Policy.Category.SAFEGUARDING,
        owner=dsl,
        next_review_on=today - datetime.timedelta(days=3),
    )
    # Beat last ran the sweep two days ago (it was down since): the entry is due now.
    PeriodicTask.objects.filter(name=REVIEW_SWEEP).update(last_run_at=timezone.now() - datetime.timedelta(days=2))

    sweeps_done = []

    def count_sweeps(sender=None, **_kwargs):
        if sender is not None and sender.name == "aup.tasks_reviews.send_policy_review_reminders":
            sweeps_done.append(True)

    task_postrun.connect(count_sweeps, weak=False)
    try:
        with (
            broker(redis_url()),
            start_worker(app, pool="solo", perform_ping_check=False, queues=[own_queue], shutdown_timeout=20),
        ):
            scheduler = DatabaseScheduler(app=app)
            entry = scheduler.schedule[REVIEW_SWEEP]
            assert entry.is_due().is_due
            scheduler.apply_entry(entry, producer=scheduler.producer)  # what beat's tick does with a due entry
            wait_for(lambda: len(mailoutbox) >= 2 and sweeps_done, timeout=20)

            scheduler.apply_entry(entry, producer=scheduler.producer)  # beat sends it again (a second beat, a restart)
            wait_for(lambda: len(sweeps_done) >= 2, timeout=20)
            wait_for(lambda: not OutboxTask.objects.filter(dispatched_at__isnull=True).exists(), timeout=5)
            scheduler.close()  # writes last_run_at back, as beat does, and releases its connection
    finally:
        task_postrun.disconnect(count_sweeps)

    assert len(sweeps_done) == 2, "the worker did not run both sweeps within 20 seconds"
    assert sorted(message.to[0] for message in mailoutbox) == sorted([head.email, trust_admin.email])
    for message in mailoutbox:
        assert (
            message.subject
            == "Overdue policy review at Demo Primary School: “Child Protection and Safeguarding Policy”"
        )
        assert f"/policies/{policy.public_id}/" in message.body
    assert sorted(ReviewReminderSent.objects.values_list("recipient", "offset_days")) == sorted(
        [(head.email, -7), (trust_admin.email, -7)]
    )
    assert OutboxTask.objects.filter(task_name="aup.tasks_reviews.send_review_email").count() == 2
