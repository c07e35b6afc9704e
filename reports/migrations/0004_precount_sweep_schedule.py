"""Register the hourly sweep of the pre-counted figures with django-celery-beat (minute 20 of every hour, UTC): each
school's snapshots are rebuilt soon after its own midnight, whatever its time zone (``reports.tasks.precount_sweep``).

Idempotent: an existing schedule or task of the same name is reused, never duplicated, and an operator's later
changes to the task (enabled, schedule) are left as they are.
"""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "reports: pre-counted figures for the new day"
SCHEDULE = {"minute": "20", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}


def register(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule = CrontabSchedule.objects.filter(**SCHEDULE, timezone="UTC").first()
    if schedule is None:
        schedule = CrontabSchedule.objects.create(**SCHEDULE, timezone="UTC")
    _task, created = PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "reports.tasks.precount_sweep",
            "crontab": schedule,
            "enabled": True,
            "description": "Hourly: pre-count the incident figures of each school whose day has turned.",
        },
    )
    if created:
        # Tell a running beat that its schedule changed (what PeriodicTasks.changed() does outside migrations).
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unregister(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_figure_snapshots"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(register, unregister)]
