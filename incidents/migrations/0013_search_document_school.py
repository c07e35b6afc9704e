"""The incident list's search by words within one school (issue 18 items 4 and 6), first step: each search text gets
a column for its incident's school, added empty (no table rewrite) with its own index; 0014 fills it and builds the
GIN index on (school, words). Two migrations so that this index exists (committed) before the fill: see 0014."""

import django.db.models.deletion
from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0012_transfer_prepared_file"),
        ("directory", "0005_request_decline_expiry_chase"),
    ]

    operations = [
        BtreeGinExtension(),
        migrations.AddField(
            model_name="incidentsearchdocument",
            name="school",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="directory.school",
            ),
        ),
    ]
