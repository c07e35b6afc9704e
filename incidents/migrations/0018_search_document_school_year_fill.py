"""A search by words walks the years (issue 18 item 4): on PostgreSQL one GIN index on (school_year, words)
(``btree_gin``) replaces the one on (school, words), so one look-up finds one school's matches of one year, and a
search reads the years newest first only until it has counted enough, whatever the school's years of records.

Here the column added by 0017 is filled by one ``UPDATE … FROM`` (school id × 10,000 + the UTC calendar year of the
incident: ``incidents.models.school_year_key``), the trigger that fills the school of a text written without it
fills this column too (and sets both again when a text is rewritten without them), the GIN index is built, and the
plain index of 0017 — there only so the fill was no HOT update — is dropped.
"""

from django.db import migrations, models

FILL_POSTGRESQL = """
UPDATE incidents_incidentsearchdocument AS d
SET school_id = i.school_id,
    school_year = i.school_id::bigint * 10000 + extract(year FROM i.occurred_at AT TIME ZONE 'UTC')::bigint
FROM incidents_incident AS i
WHERE i.id = d.incident_id AND d.school_year IS NULL
"""

FILL_OTHER = """
UPDATE incidents_incidentsearchdocument SET school_year = (
  SELECT i.school_id * 10000 + CAST(strftime('%Y', i.occurred_at) AS INTEGER)
  FROM incidents_incident AS i WHERE i.id = incidents_incidentsearchdocument.incident_id
) WHERE school_year IS NULL
"""

TRIGGER_POSTGRESQL = """
CREATE OR REPLACE FUNCTION incidents_search_document_school() RETURNS trigger AS $$
BEGIN
  SELECT i.school_id, i.school_id::bigint * 10000 + extract(year FROM i.occurred_at AT TIME ZONE 'UTC')::bigint
    INTO NEW.school_id, NEW.school_year
    FROM incidents_incident AS i WHERE i.id = NEW.incident_id;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS incidents_search_document_school ON incidents_incidentsearchdocument;
CREATE TRIGGER incidents_search_document_school
  BEFORE INSERT OR UPDATE ON incidents_incidentsearchdocument
  FOR EACH ROW WHEN (NEW.school_id IS NULL OR NEW.school_year IS NULL)
  EXECUTE FUNCTION incidents_search_document_school();
"""

TRIGGER_BEFORE = """
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
    schema_editor.execute("DROP INDEX IF EXISTS incidents_search_school_vector_gin")  # not kept up to date by the fill
    schema_editor.execute(FILL_POSTGRESQL)
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks now: no index is built before
    schema_editor.execute(TRIGGER_POSTGRESQL)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS incidents_search_school_year_vector_gin"
        " ON incidents_incidentsearchdocument USING gin (school_year, vector)"
    )
    schema_editor.execute("ANALYZE incidents_incidentsearchdocument")


def unindex(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS incidents_search_school_vector_gin"
        " ON incidents_incidentsearchdocument USING gin (school_id, vector)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS incidents_search_school_year_vector_gin")
    schema_editor.execute(TRIGGER_BEFORE)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0017_search_document_school_year"),
    ]

    operations = [
        migrations.RunPython(fill_and_index, unindex),
        migrations.AlterField(
            model_name="incidentsearchdocument",
            name="school_year",
            field=models.BigIntegerField(editable=False, null=True),
        ),
    ]
