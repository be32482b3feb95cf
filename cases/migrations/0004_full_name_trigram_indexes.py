"""Full-name trigram indexes: the typed name is compared with "first last" as one string, so typos in both names and
transposed names (trigram sets ignore word order) are found with one selective index scan. PostgreSQL only."""

from django.db import migrations

FULL_NAME_INDEXES = [
    # Used by cases.selectors._candidates_postgres for names of two or more words.
    ("person_full_name_trgm", "cases_person"),
    ("alias_full_name_trgm", "cases_alias"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in FULL_NAME_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((first_name || ' ' || last_name) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in FULL_NAME_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_trigram_search_and_defaults")]

    operations = [migrations.RunPython(create, drop)]
