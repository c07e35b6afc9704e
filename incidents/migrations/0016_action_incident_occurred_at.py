"""Each action carries when its incident happened (``Action.incident_occurred_at``), with one index on (assignee,
incident_occurred_at), so a class teacher's list of this academic year reads the actions of this year's incidents
only, not every year's (issue 18 item 4). The column is added empty with its index, filled from the incidents by one
statement (the index already there, so no update is a HOT one and the index is usable at once: see 0014), then made
required; the history table does not get it (derived data)."""

from django.conf import settings
from django.db import migrations, models

FILL_POSTGRESQL = """
UPDATE incidents_action AS a SET incident_occurred_at = i.occurred_at
FROM incidents_incident AS i
WHERE i.id = a.incident_id AND a.incident_occurred_at IS NULL
"""

FILL_OTHER = """
UPDATE incidents_action SET incident_occurred_at = (
  SELECT i.occurred_at FROM incidents_incident AS i WHERE i.id = incidents_action.incident_id
) WHERE incident_occurred_at IS NULL
"""


def fill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(FILL_OTHER)
        return
    schema_editor.execute(FILL_POSTGRESQL)
    # The deferred foreign-key checks of the updated rows now, so the column can be altered in this transaction.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute("ANALYZE incidents_action")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0015_incident_recorder_occurred"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="incident_occurred_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["assignee", "incident_occurred_at"],
                include=["incident"],
                name="incidents_action_assignee_when",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="action",
            name="incident_occurred_at",
            field=models.DateTimeField(editable=False),
        ),
    ]
