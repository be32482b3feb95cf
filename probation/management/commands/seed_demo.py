from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from probation.demo import DEMO_USERS, demo_password
from probation.registry import demo_seeders


class Command(BaseCommand):
    help = "Create demo data for every app (idempotent) and print one demo sign-in per role."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=300, help="How many people on probation to create.")
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo sign-ins.")

    def handle(self, *args, people, quiet_logins, **options):
        if people < 0:
            raise CommandError("--people must be zero or more.")
        for entry in demo_seeders():
            self.stdout.write(f"Seeding {entry.key}…")
            with transaction.atomic():
                entry.callable(size=people, stdout=self.stdout)
        if not quiet_logins:
            self.stdout.write(self.style.SUCCESS("\nDemo sign-ins (password for all: %s)" % demo_password()))
            for username, role, *_ in DEMO_USERS:
                self.stdout.write(f"  {username:<10} {role.label}")
            self.stdout.write(
                "Two-factor code for a demo user (valid 30 seconds): .venv/bin/python manage.py demo_totp <user name>"
            )
