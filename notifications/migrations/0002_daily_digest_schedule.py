"""Register the daily digest sweep with django-celery-beat: 07:10 Europe/London, before the action reminders (07:15),
as incidents/migrations/0002 registers the incident log's sweeps.

Idempotent: an existing schedule and an operator's later changes to it are kept.
"""

from django.db import migrations
from django.utils import timezone

NAME = "notifications: daily digest"
TASK = "incidents.tasks.send_notification_digests"
DESCRIPTION = (
    "Daily: one e-mail per person who chose the daily digest, with the alerts they have not opened and their actions "
    "due (safeguarding alerts are always e-mailed at once)."
)


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    fields = dict(
        minute="10", hour="7", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London"
    )
    schedule = CrontabSchedule.objects.filter(**fields).first() or CrontabSchedule.objects.create(**fields)
    _task, created = PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "crontab": schedule, "enabled": True, "description": DESCRIPTION}
    )
    if created:
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
