"""An index on (recorded_by, occurred_at) of incidents: a class teacher's list shows this academic year's records by
default (issue 18 item 4), and their own records since its start are then read from this index rather than by
intersecting their every record with every school's records of those months."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0005_request_decline_expiry_chase"),
        ("incidents", "0014_search_document_school_fill"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["recorded_by", "occurred_at"], name="incidents_recorder_occurred"),
        ),
    ]
