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
            self._print_sign_ins()

    def _print_sign_ins(self):
        """Only sign-ins that work: demo users with the demo password and a demo authenticator (so `demo_totp`
        gives their code), each on its own line, ending with a newline."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from probation.demo import DEMO_DEVICE_NAME
        from probation.models import Role, User

        password = demo_password()
        with_device = set(TOTPDevice.objects.filter(name=DEMO_DEVICE_NAME, confirmed=True).values_list("user_id", flat=True))
        first = [username for username, *_ in DEMO_USERS]
        users = sorted(User.objects.filter(pk__in=with_device, is_active=True),
                       key=lambda u: (u.username not in first, first.index(u.username) if u.username in first else 0, u.username))
        self.stdout.write(self.style.SUCCESS(f"\nDemo sign-ins (password for all: {password})"))
        for user in users:
            if user.check_password(password):
                detail = Role(user.role).label
                membership = getattr(user, "partner_membership", None) if user.role == Role.PARTNER else None
                if membership is not None:
                    detail += f", {membership.organisation.name}"
                self.stdout.write(f"  {user.username:<10} {detail}")
        self.stdout.write(
            "Two-factor code for a demo user (valid 30 seconds): .venv/bin/python manage.py demo_totp <user name>"
        )
        self.stdout.write("")  # a blank line before what the server prints next
