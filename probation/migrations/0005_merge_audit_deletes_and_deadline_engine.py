# Merges main's 0004 (audit truncate trigger, refuse deletes) with branch engine's 0004 (deadline engine), which were
# written in parallel. No operations: the two are independent. Added on branch supervision, which needs both.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("probation", "0004_audit_truncate_trigger_and_refuse_deletes"),
        ("probation", "0004_deadline_engine"),
    ]
    operations = []
