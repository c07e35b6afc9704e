"""Register the daily consent-reminder sweep with django-celery-beat (07:45 Europe/London), so beat runs it.

Idempotent: an existing schedule or task of the same name is reused, never duplicated, and an operator's later
changes to the task (enabled, schedule) are left as they are.
"""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "consent: consent reminders"
CRONTAB = {
    "minute": "45",
    "hour": "7",
    "day_of_week": "*",
    "day_of_month": "*",
    "month_of_year": "*",
    "timezone": "Europe/London",
}


def register(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule = CrontabSchedule.objects.filter(**CRONTAB).first() or CrontabSchedule.objects.create(**CRONTAB)
    _task, created = PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "consent.tasks_requests.send_consent_reminders",
            "crontab": schedule,
            "enabled": True,
            "description": "Daily sweep: remind parents who have not answered the photo and video consent form "
            "7, 14 and 28 days after it was sent.",
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
        ("consent", "0002_requests_and_reminders"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(register, unregister)]
