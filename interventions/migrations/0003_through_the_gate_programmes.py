"""Getting it Right and Healing Trauma join the programme catalogue (one place for what a programme is): run by
Through the Gate in prison or the community, module by module, with no waiting list or group. Referrals gain where
the programme runs, the first module's date and the Change Plan Journal; module attendance gets its table.
Resettlement's migration 0007 moves its enrolments here."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# Moved from resettlement's catalogue (its migration 0002): code, name, description, modules, genders, journal.
THROUGH_THE_GATE = [
    ("getting-it-right", "Getting it Right",
     "Four weekly modules ending in the Change Plan Journal, a personal relapse prevention plan.", 4, [], True),
    ("healing-trauma", "Healing Trauma", "Six weekly modules on the impact of trauma, for women.", 6, ["female"], False),
]


def add_through_the_gate_programmes(apps, schema_editor):
    Programme = apps.get_model("interventions", "Programme")
    for code, name, description, modules, genders, journal in THROUGH_THE_GATE:
        Programme.objects.update_or_create(code=code, defaults={
            "name": name, "description": description, "sessions": modules, "genders": genders,
            "through_the_gate": True, "requires_change_plan_journal": journal})


def refuse_deletes(apps, schema_editor):
    """As 0001 for the other tables: PostgreSQL refuses to DELETE attendance rows (history about a person)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE TRIGGER interventions_moduleattendance_refuse_delete BEFORE DELETE ON "
                              "interventions_moduleattendance FOR EACH ROW EXECUTE FUNCTION probation_refuse_delete()")


def allow_deletes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS interventions_moduleattendance_refuse_delete ON "
                              "interventions_moduleattendance")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_continuity_absences_reallocation_tier_plans_endings'),
        ('interventions', '0002_programme_session_places_and_partner'),
        ('partners', '0008_token_expiry_in_deadline_engine'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ModuleAttendance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1)])),
                ('attended', models.BooleanField()),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['referral', 'number'],
            },
        ),
        migrations.AddField(
            model_name='programme',
            name='requires_change_plan_journal',
            field=models.BooleanField(default=False, help_text='Completion needs the Change Plan Journal as well as every session.'),
        ),
        migrations.AddField(
            model_name='programme',
            name='through_the_gate',
            field=models.BooleanField(default=False, help_text='Enrolled directly by Through the Gate, in prison or the community, and recorded module by module (one a week from the start date) instead of through a group.'),
        ),
        migrations.AddField(
            model_name='referral',
            name='change_plan_journal_completed_on',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='referral',
            name='prison_code',
            field=models.CharField(blank=True, help_text='The prison running it (its three-letter code, e.g. PVI) when in prison.', max_length=3),
        ),
        migrations.AddField(
            model_name='referral',
            name='setting',
            field=models.CharField(choices=[('prison', 'In prison'), ('community', 'In the community')], default='community', max_length=16),
        ),
        migrations.AddField(
            model_name='referral',
            name='starts_on',
            field=models.DateField(blank=True, help_text='Through the Gate: the first module; the others follow weekly.', null=True),
        ),
        migrations.AlterField(
            model_name='referral',
            name='borough',
            field=models.ForeignKey(blank=True, help_text='Where the person will attend: the waiting list it joins. Blank only for a Through the Gate enrolment of someone with no borough yet (in custody).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='programme_referrals', to='partners.borough'),
        ),
        migrations.AddConstraint(
            model_name='referral',
            constraint=models.CheckConstraint(condition=models.Q(('borough__isnull', False), ('starts_on__isnull', False), _connector='OR'), name='referral_names_borough_unless_through_the_gate'),
        ),
        migrations.AddConstraint(
            model_name='referral',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('setting', 'prison'), _negated=True), models.Q(('prison_code', ''), _negated=True), _connector='OR'), name='prison_referral_names_prison'),
        ),
        migrations.AddField(
            model_name='moduleattendance',
            name='recorded_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='moduleattendance',
            name='referral',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='module_attendances', to='interventions.referral'),
        ),
        migrations.AddConstraint(
            model_name='moduleattendance',
            constraint=models.UniqueConstraint(fields=('referral', 'number'), name='one_attendance_per_referral_module'),
        ),
        migrations.RunPython(add_through_the_gate_programmes, migrations.RunPython.noop),
        migrations.RunPython(refuse_deletes, allow_deletes),
    ]
