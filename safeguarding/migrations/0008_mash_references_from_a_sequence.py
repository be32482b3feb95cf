"""MASH reference numbers from a PostgreSQL sequence minus a per-year base (safeguarding.models.ReferenceCounter):
issuing one no longer locks the year's counter row until the submit commits. Each year's numbering continues where
it stopped: with the sequence starting at 1, base = -last."""

from django.db import migrations, models


def sequence_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS safeguarding_reference_seq START 1")


def sequence_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS safeguarding_reference_seq")


def base_from_last(apps, schema_editor):
    ReferenceCounter = apps.get_model("safeguarding", "ReferenceCounter")
    ReferenceCounter.objects.update(base=-models.F("last"))


def last_from_base(apps, schema_editor):
    """Back to `last`: the highest number issued in each year, from the references themselves."""
    ReferenceCounter = apps.get_model("safeguarding", "ReferenceCounter")
    SafeguardingRequest = apps.get_model("safeguarding", "SafeguardingRequest")
    for counter in ReferenceCounter.objects.all():
        numbers = [int(r.rsplit("-", 1)[1]) for r in SafeguardingRequest.objects.filter(
            reference__startswith=f"MASH-{counter.year}-").values_list("reference", flat=True)]
        counter.last = max(numbers, default=0)
        counter.save(update_fields=["last"])


class Migration(migrations.Migration):

    dependencies = [
        ("safeguarding", "0007_blue_requests_closed_by_the_hub"),
    ]

    operations = [
        migrations.RunPython(sequence_create, sequence_drop),
        migrations.AddField(model_name="referencecounter", name="base", field=models.BigIntegerField(default=0)),
        migrations.RunPython(base_from_last, last_from_base),
        migrations.RemoveField(model_name="referencecounter", name="last"),
    ]
