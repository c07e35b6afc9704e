"""The incident list's search by words within one school (issue 18 items 4 and 6): each search text carries its
incident's school, and on PostgreSQL one GIN index on (school, words) (``btree_gin``) replaces the index on the
words alone, which found the matching words of every school of the database before the school's filter applied.

Cheap on a big table: the column was added empty (no table rewrite) with its own index by 0013; here the index on
the words alone is dropped, the column is filled by one ``UPDATE … FROM``, then the GIN index is built. In that
order on purpose: with the column's index already committed (0013; Django creates a new field's index only at the
end of its migration), the ``UPDATE`` writes new index entries (no HOT update), so the GIN index built after it is
usable at once; built over HOT chains it would stay unusable until every transaction of the server older than the
migration had ended (``pg_index.indcheckxmin``). A trigger fills the school of a search text written
without it (bulk-loaded benchmark data, ``reports.benchdata.search_documents_build``), so no writer can leave a
text out of every search.
"""

from django.db import migrations

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
    schema_editor.execute("DROP INDEX IF EXISTS incidents_search_vector_gin")  # not kept up to date by the fill
    schema_editor.execute(FILL_POSTGRESQL)
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the new school's checks now: no index is built before
    schema_editor.execute(TRIGGER_POSTGRESQL)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS incidents_search_school_vector_gin"
        " ON incidents_incidentsearchdocument USING gin (school_id, vector)"
    )
    schema_editor.execute("ANALYZE incidents_incidentsearchdocument")


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
        ("incidents", "0013_search_document_school"),
    ]

    operations = [
        migrations.RunPython(fill_and_index, unindex),
    ]
