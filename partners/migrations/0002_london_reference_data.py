from django.db import migrations

from partners.london import load_reference_data


def load(apps, schema_editor):
    load_reference_data(
        HospArea=apps.get_model("partners", "HospArea"),
        Borough=apps.get_model("partners", "Borough"),
        Service=apps.get_model("partners", "Service"),
    )


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
