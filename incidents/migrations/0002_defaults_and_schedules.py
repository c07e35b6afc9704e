"""Give every existing school the default incident categories and behaviour levels, and register the daily sweeps
(action reminders at 07:15, unconfirmed file transfers at 07:20, Europe/London) with django-celery-beat.

Idempotent: existing categories, levels, schedules and an operator's later changes to them are kept.
"""

from django.db import migrations
from django.utils import timezone

TASKS = [
    ("incidents: action reminders", "incidents.tasks.send_action_reminders", "15",
     "Daily: remind whoever an incident action is assigned to, on the due date and weekly when overdue."),
    ("incidents: unconfirmed file transfers", "incidents.tasks.warn_unconfirmed_transfers", "20",
     "Daily: warn the DSL team when a child protection file sent 5 school days ago has no confirmed receipt."),
]


def forwards(apps, schema_editor):
    from incidents.defaults import CATEGORIES, LEVELS

    School = apps.get_model("directory", "School")
    IncidentCategory = apps.get_model("incidents", "IncidentCategory")
    BehaviourLevel = apps.get_model("incidents", "BehaviourLevel")
    from django.utils import translation

    for school in School.objects.all():
        with translation.override(school.default_language or "en-gb"):
            have = set(IncidentCategory.objects.filter(school=school).values_list("code", flat=True))
            for order, (code, group, name, guidance) in enumerate(CATEGORIES, start=1):
                if code not in have:
                    IncidentCategory.objects.create(
                        school=school, code=code, group=group, name=str(name), guidance=str(guidance), order=order
                    )
            have_levels = set(BehaviourLevel.objects.filter(school=school).values_list("level", flat=True))
            for level, title, descriptors, responses in LEVELS:
                if level not in have_levels:
                    BehaviourLevel.objects.create(
                        school=school, level=level, title=str(title), descriptors=str(descriptors),
                        responses=str(responses),
                    )

    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    changed = False
    for name, task, minute, description in TASKS:
        fields = dict(minute=minute, hour="7", day_of_week="*", day_of_month="*", month_of_year="*",
                      timezone="Europe/London")
        schedule = CrontabSchedule.objects.filter(**fields).first() or CrontabSchedule.objects.create(**fields)
        _task, created = PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": schedule, "enabled": True, "description": description}
        )
        changed |= created
    if changed:
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
        ("directory", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
