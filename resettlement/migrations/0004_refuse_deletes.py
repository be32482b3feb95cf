"""On PostgreSQL the database refuses to DELETE the records of people and their supervision in this app, whatever
code or tool connects (a row trigger calling probation_refuse_delete() from probation 0004). They are closed, ended
or superseded instead; admin offers no delete for them either."""

from django.db import migrations

TABLES = (
    "resettlement_custodyepisode",
    "resettlement_prisontransfer",
    "resettlement_screening",
    "resettlement_resettlementplan",
    "resettlement_planreview",
    "resettlement_pathwayneed",
    "resettlement_planaction",
    "resettlement_programmeenrolment",
    "resettlement_moduleattendance",
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_refuse_delete BEFORE DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION probation_refuse_delete()"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_delete ON {table}")


class Migration(migrations.Migration):
    dependencies = [("resettlement", "0003_episode_sentence"), ("probation", "0004_audit_truncate_trigger_and_refuse_deletes")]
    operations = [migrations.RunPython(forwards, backwards)]
