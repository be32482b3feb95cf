"""On PostgreSQL: TRUNCATE of the audit log is refused too (a statement-level trigger; TRUNCATE fires no row
trigger, so 0002's UPDATE/DELETE trigger never saw it), and one trigger function that the business apps attach to the
tables holding people and their supervision, so that a DELETE is refused by the database whatever code or tool runs
it (records are closed, ended or superseded, never deleted)."""

from django.db import migrations

CREATE = """
CREATE TRIGGER probation_auditevent_no_truncate
    BEFORE TRUNCATE ON probation_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION probation_audit_append_only();
CREATE OR REPLACE FUNCTION probation_refuse_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'records in % are never deleted: close, end or supersede them', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""

DROP = """
DROP TRIGGER IF EXISTS probation_auditevent_no_truncate ON probation_auditevent;
DROP FUNCTION IF EXISTS probation_refuse_delete();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("probation", "0003_user_session_epoch")]
    operations = [migrations.RunPython(forwards, backwards)]
