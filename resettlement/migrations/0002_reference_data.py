"""Reference data: London's prisons (flagging the resettlement prisons), the BCST deadline defaults and the
programmes. Loaded by migration so every environment has them; administrators can change them afterwards."""

from decimal import Decimal

from django.db import migrations

# code, name, population, resettlement prison, serves London. Codes as in the MoJ's prison register (see
# resettlement/data/prison_codes.csv); four were wrong before migration 0005 corrected existing databases.
PRISONS = [
    ("PVI", "HMP Pentonville", "men", True, True),
    ("WWI", "HMP Wandsworth", "men", True, True),
    ("TSI", "HMP Thameside", "men", True, True),
    ("BXI", "HMP Brixton", "men", True, True),
    ("WSI", "HMP Wormwood Scrubs", "men", True, True),
    ("BZI", "HMP Bronzefield", "women", True, True),
    ("DWI", "HMP Downview", "women", True, True),
    ("ISI", "HMP/YOI Isis", "young_adults", True, True),
    ("FMI", "HMP/YOI Feltham", "young_adults", True, True),
    ("BAI", "HMP Belmarsh", "men", False, True),
    ("HOI", "HMP High Down", "men", False, False),
    ("HPI", "HMP Highpoint", "men", False, False),
    ("SLI", "HMP Swaleside", "men", False, False),
    ("SDI", "HMP Send", "women", False, False),
]

PROGRAMMES = [
    ("getting-it-right", "Getting it Right", 4, False, True),
    ("healing-trauma", "Healing Trauma", 6, True, False),
]


def load(apps, schema_editor):
    Prison = apps.get_model("resettlement", "Prison")
    ScreeningRule = apps.get_model("resettlement", "ScreeningRule")
    Programme = apps.get_model("resettlement", "Programme")
    for code, name, population, resettlement, london in PRISONS:
        Prison.objects.update_or_create(
            code=code,
            defaults={"name": name, "population": population, "is_resettlement_prison": resettlement, "is_london": london},
        )
    ScreeningRule.objects.get_or_create(part="bcst1", defaults={"hours": Decimal("72"), "clock": "elapsed"})
    ScreeningRule.objects.get_or_create(part="bcst2", defaults={"hours": Decimal("120"), "clock": "working_days"})
    for code, name, modules, women_only, journal in PROGRAMMES:
        Programme.objects.get_or_create(
            code=code,
            defaults={"name": name, "module_count": modules, "women_only": women_only,
                      "requires_change_plan_journal": journal},
        )


class Migration(migrations.Migration):
    dependencies = [("resettlement", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
