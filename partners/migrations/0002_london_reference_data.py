from django.db import migrations

from partners.london import BOROUGHS, HOSP_AREAS, SERVICES


def load(apps, schema_editor):
    HospArea = apps.get_model("partners", "HospArea")
    Borough = apps.get_model("partners", "Borough")
    Service = apps.get_model("partners", "Service")
    areas = {name: HospArea.objects.get_or_create(name=name)[0] for name in HOSP_AREAS}
    for gss, code, name, area in BOROUGHS:
        Borough.objects.update_or_create(code=code, defaults={"name": name, "gss_code": gss, "hosp_area": areas[area]})
    for code, name in SERVICES:
        Service.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
