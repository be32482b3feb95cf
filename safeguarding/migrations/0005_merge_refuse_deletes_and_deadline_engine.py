# Merges main's 0004 (refuse deletes) with branch engine's 0004 (escalation state in the deadline engine), written in
# parallel. No operations: the two are independent. Added on branch supervision, which needs both.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("safeguarding", "0004_escalation_state_in_deadline_engine"),
        ("safeguarding", "0004_refuse_deletes"),
    ]
    operations = []
