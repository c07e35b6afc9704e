"""Register the outbox drain with django-celery-beat: every minute, so work saved while Redis was down is queued
within a minute of its return. Idempotent; an operator's later changes (interval, enabled) are kept."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "jobs: drain the outbox"


def register(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule = IntervalSchedule.objects.filter(every=1, period="minutes").first()
    if schedule is None:
        schedule = IntervalSchedule.objects.create(every=1, period="minutes")
    _task, created = PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "safeguard.jobs.tasks.drain_outbox",
            "interval": schedule,
            "enabled": True,
            "description": "Queue background work that was saved while the broker (Redis) was unavailable.",
        },
    )
    if created:
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unregister(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(register, unregister)]
