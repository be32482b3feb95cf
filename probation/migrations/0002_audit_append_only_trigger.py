"""On PostgreSQL the database itself refuses to change or delete audit rows, whatever code or tool connects."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION probation_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER probation_auditevent_append_only
    BEFORE UPDATE OR DELETE ON probation_auditevent
    FOR EACH ROW EXECUTE FUNCTION probation_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS probation_auditevent_append_only ON probation_auditevent;
DROP FUNCTION IF EXISTS probation_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("probation", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
