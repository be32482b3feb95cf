"""MASH responses go only to the requesting organisation's own email domains. Existing organisations start with the
domains of their own address and their contacts' addresses; an administrator adds others in admin."""

from django.db import migrations, models


def domains_from_known_addresses(apps, schema_editor):
    Organisation = apps.get_model("partners", "Organisation")
    for organisation in Organisation.objects.prefetch_related("contacts"):
        addresses = [organisation.email] + [contact.email for contact in organisation.contacts.all()]
        domains = sorted({a.rpartition("@")[2].lower() for a in addresses if a and "@" in a})
        if domains:
            organisation.response_email_domains = "\n".join(domains)
            organisation.save(update_fields=["response_email_domains"])


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0005_token_expiry_reminders_mash_lead_message'),
    ]

    operations = [
        migrations.AddField(
            model_name='organisation',
            name='response_email_domains',
            field=models.TextField(blank=True, help_text='One domain per line, e.g. camden.gov.uk. MASH responses are emailed only to addresses on these domains; a request naming another address is refused at intake. Empty: every address is refused.', verbose_name='email domains for MASH responses'),
        ),
        migrations.RunPython(domains_from_known_addresses, migrations.RunPython.noop),
    ]
