"""Register the daily policy review sweep with django-celery-beat (07:45 Europe/London), so beat runs it.

Idempotent: an existing schedule or task of the same name is reused, never duplicated, and an operator's later
changes to the task (enabled, schedule) are left as they are.
"""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "aup: policy review reminders"


def register(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule = CrontabSchedule.objects.filter(
        minute="45", hour="7", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London"
    ).first()
    if schedule is None:
        schedule = CrontabSchedule.objects.create(
            minute="45", hour="7", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London"
        )
    _task, created = PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "aup.tasks_reviews.send_policy_review_reminders",
            "crontab": schedule,
            "enabled": True,
            "description": (
                "Daily sweep: remind policy owners and review teams before a review is due (60, 30 and 7 days "
                "before); escalate overdue reviews to the headteacher and trust admins weekly."
            ),
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
        ("aup", "0004_policy_reviews"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(register, unregister)]
