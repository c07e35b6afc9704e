"""A search by words walks the years (issue 18 item 4), first step: each search text gets a column for its school and
the calendar year of its incident (``IncidentSearchDocument.school_year``), added empty (no table rewrite) with a
plain index of its own for now, so that 0018's fill writes new index entries (no HOT update) and the GIN index built
after it is usable at once (see 0014, which does the same for the school)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0016_action_incident_occurred_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="incidentsearchdocument",
            name="school_year",
            field=models.BigIntegerField(db_index=True, editable=False, null=True),
        ),
    ]
