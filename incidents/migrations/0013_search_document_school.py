"""The incident list's search by words within one school (issue 18 items 4 and 6): each search text carries its
incident's school, and on PostgreSQL one GIN index on (school, words) (``btree_gin``) replaces the index on the
words alone, which found the matching words of every school of the database before the school's filter applied.

Cheap on a big table: the column is added empty (no table rewrite), filled by one ``UPDATE … FROM`` (a trust's
2,000,000 search texts in about a minute), then indexed. A trigger fills the school of a search text written
without it (bulk-loaded benchmark data, ``reports.benchdata.search_documents_build``), so no writer can leave a
text out of every search.
"""

import django.db.models.deletion
from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations, models

FILL_POSTGRESQL = """
UPDATE incidents_incidentsearchdocument AS d SET school_id = i.school_id
FROM incidents_incident AS i
WHERE i.id = d.incident_id AND d.school_id IS NULL
"""

FILL_OTHER = """
UPDATE incidents_incidentsearchdocument SET school_id = (
  SELECT i.school_id FROM incidents_incident AS i WHERE i.id = incidents_incidentsearchdocument.incident_id
) WHERE school_id IS NULL
"""

TRIGGER_POSTGRESQL = """
CREATE OR REPLACE FUNCTION incidents_search_document_school() RETURNS trigger AS $$
BEGIN
  SELECT i.school_id INTO NEW.school_id FROM incidents_incident AS i WHERE i.id = NEW.incident_id;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS incidents_search_document_school ON incidents_incidentsearchdocument;
CREATE TRIGGER incidents_search_document_school
  BEFORE INSERT OR UPDATE ON incidents_incidentsearchdocument
  FOR EACH ROW WHEN (NEW.school_id IS NULL)
  EXECUTE FUNCTION incidents_search_document_school();
"""


def fill_and_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(FILL_OTHER)
        return
    schema_editor.execute(FILL_POSTGRESQL)
    schema_editor.execute(TRIGGER_POSTGRESQL)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS incidents_search_school_vector_gin"
        " ON incidents_incidentsearchdocument USING gin (school_id, vector)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS incidents_search_vector_gin")


def unindex(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS incidents_search_vector_gin ON incidents_incidentsearchdocument USING gin (vector)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS incidents_search_school_vector_gin")
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS incidents_search_document_school ON incidents_incidentsearchdocument;"
        " DROP FUNCTION IF EXISTS incidents_search_document_school();"
    )


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
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="directory.school",
            ),
        ),
        migrations.RunPython(fill_and_index, unindex),
    ]
