"""Demo data for the foundation: one sign-in per role. Idempotent: run it as often as you like."""

import os

from django_otp.plugins.otp_totp.models import TOTPDevice

from probation.models import Role, User

DEMO_DEVICE_NAME = "Demo authenticator"

DEMO_USERS = [
    # username, role, first, last, job title
    ("hub", Role.HUB, "Hana", "Begum", "Allocations Hub officer"),
    ("om", Role.OFFENDER_MANAGER, "Oliver", "Mensah", "Probation officer"),
    ("spo", Role.TEAM_MANAGER, "Sarah", "Pryce", "Senior probation officer"),
    ("hosp", Role.HOSP, "Helen", "Osei", "Head of Stakeholders and Partnerships"),
    ("partner", Role.PARTNER, "Priya", "Anand", "MASH social worker"),
    ("admin", Role.ADMIN, "Adam", "Dunn", "Service administrator"),
]


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "probation-demo-2026")


def seed_foundation(*, size: int, stdout) -> None:
    password = demo_password()
    for username, role, first, last, title in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "first_name": first,
                "last_name": last,
                "job_title": title,
                "email": f"{username}@probation-ops.example",
                "is_superuser": role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(password)
            user.save()
        # Demo users get an authenticator already enrolled; `manage.py demo_totp <user>` prints its current code.
        TOTPDevice.objects.get_or_create(user=user, name=DEMO_DEVICE_NAME, defaults={"confirmed": True})
