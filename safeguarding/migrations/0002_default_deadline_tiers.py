"""The default deadline tiers (DOMAIN.md): red 4 elapsed hours, amber 24 and green 72 working-day hours, blue none."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    ("red", Decimal("4"), "elapsed"),
    ("amber", Decimal("24"), "working_days"),
    ("green", Decimal("72"), "working_days"),
    ("blue", None, "working_days"),
]


def create(apps, schema_editor):
    DeadlineTier = apps.get_model("safeguarding", "DeadlineTier")
    for rating, hours, clock in DEFAULTS:
        DeadlineTier.objects.get_or_create(organisation=None, rating=rating, defaults={"hours": hours, "clock": clock})


class Migration(migrations.Migration):
    dependencies = [("safeguarding", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
