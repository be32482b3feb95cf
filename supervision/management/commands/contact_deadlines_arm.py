"""Arm (or re-arm) every case's next-contact-due deadline: once after upgrading from the nightly overdue-contact
listing, or to reconcile after a bulk import that bypassed the services."""

from django.core.management.base import BaseCommand

from supervision.contact import contact_deadlines_arm_all


class Command(BaseCommand):
    help = "Recompute every case's contact deadline (supervision.contact_overdue) from the contact standards."

    def handle(self, *args, **options):
        self.stdout.write(f"{contact_deadlines_arm_all()} cases refreshed.")
