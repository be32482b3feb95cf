"""Overdue contact becomes a step of the deadline engine: an OverdueContact row is now an episode (opened when the
case's contact deadline passes, resolved when contact is back within the standard), not a nightly listing. The old
nightly listings are kept, each resolved the day after it was listed (so "as it stood on" a past night still shows
them). Deadlines for existing cases: run `manage.py contact_deadlines_arm` once after migrating."""

import datetime

from django.db import migrations, models


def resolve_nightly_listings(apps, schema_editor):
    OverdueContact = apps.get_model("supervision", "OverdueContact")
    for day in OverdueContact.objects.order_by().values_list("listed_on", flat=True).distinct():
        OverdueContact.objects.filter(listed_on=day).update(resolved_on=day + datetime.timedelta(days=1))


class Migration(migrations.Migration):

    dependencies = [
        ("supervision", "0001_appointments_outcomes_enforcement"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="overduecontact", name="one_overdue_listing_per_night"),
        migrations.AddField(
            model_name="overduecontact",
            name="resolved_on",
            field=models.DateField(blank=True, help_text="The day contact was back within the standard.", null=True),
        ),
        migrations.AlterField(
            model_name="overduecontact",
            name="listed_on",
            field=models.DateField(help_text="The day the case was found overdue."),
        ),
        migrations.RunPython(resolve_nightly_listings, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="overduecontact",
            constraint=models.UniqueConstraint(condition=models.Q(("resolved_on__isnull", True)), fields=("person",),
                                               name="one_open_overdue_episode"),
        ),
    ]
