"""Register the roster sync sweep with django-celery-beat: every 5 minutes it starts each sync that is due
(``interop.tasks.sweep_roster_syncs``). Idempotent; an operator's later changes (interval, enabled) are kept."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "interop: roster syncs"


def register(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule = IntervalSchedule.objects.filter(every=5, period="minutes").first()
    if schedule is None:
        schedule = IntervalSchedule.objects.create(every=5, period="minutes")
    _task, created = PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "interop.tasks.sweep_roster_syncs",
            "interval": schedule,
            "enabled": True,
            "description": "Start each scheduled roster sync (folder, HTTPS or SFTP) that is due.",
        },
    )
    if created:
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unregister(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("interop", "0002_roster_sync"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(register, unregister)]
