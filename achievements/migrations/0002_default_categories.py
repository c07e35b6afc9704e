"""Give every existing school the default achievement categories (new schools get them from the ``post_save`` on
``School`` in ``AchievementsConfig.ready()``). Idempotent: categories a school already has, by code, are kept."""

from django.db import migrations


def forwards(apps, schema_editor):
    from django.utils import translation

    from achievements.defaults import CATEGORIES
    from safeguard.country_words import school_language

    School = apps.get_model("directory", "School")
    AchievementCategory = apps.get_model("achievements", "AchievementCategory")
    for school in School.objects.all():
        with translation.override(school_language(school)):
            have = set(AchievementCategory.objects.filter(school=school).values_list("code", flat=True))
            for order, (code, name, guidance, points) in enumerate(CATEGORIES, start=1):
                if code not in have:
                    AchievementCategory.objects.create(
                        school=school,
                        code=code,
                        name=str(name),
                        guidance=str(guidance),
                        default_points=points,
                        order=order,
                    )


class Migration(migrations.Migration):
    dependencies = [
        ("achievements", "0001_initial"),
        ("directory", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
