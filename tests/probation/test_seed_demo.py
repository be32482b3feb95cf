import pytest
from django.core.management import call_command

from probation.models import Role, User

pytestmark = pytest.mark.django_db


def test_seeding_twice_creates_no_duplicates_and_prints_a_login_per_role(capsys):
    call_command("seed_demo", "--people", "20")
    counts = {model: model.objects.count() for model in _seeded_models()}
    call_command("seed_demo", "--people", "20")
    assert {model: model.objects.count() for model in _seeded_models()} == counts
    out = capsys.readouterr().out
    for role in Role:
        assert role.label in out
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)


def _seeded_models():
    from django.apps import apps

    return [m for m in apps.get_models() if m._meta.app_label in {"probation", "cases", "partners", "safeguarding", "resettlement"} and m._meta.model_name not in {"auditevent"}]


def test_demo_users_get_a_two_factor_code_from_the_command(capsys):
    from django_otp import match_token

    call_command("seed_demo", "--people", "0", "--quiet-logins")
    capsys.readouterr()
    call_command("demo_totp", "hub")
    code = capsys.readouterr().out.strip()
    assert match_token(User.objects.get(username="hub"), code) is not None


def test_demo_totp_refuses_users_that_are_not_demo_users(hub_user):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("demo_totp", hub_user.username)


def test_every_sign_in_printed_works_with_the_password_and_demo_totp(capsys):
    """`make run` prints only sign-ins that work: each one's password and two-factor code are accepted."""
    import re

    from django_otp import match_token

    from probation.demo import demo_password

    call_command("seed_demo", "--people", "30")
    out = capsys.readouterr().out
    block = out.split("Demo sign-ins")[1]
    assert block.endswith("demo_totp <user name>\n\n")  # its own closing line, not run into the next output
    usernames = re.findall(r"^  (\S+)\s", block, re.M)
    assert {"hub", "om", "spo", "hosp", "partner", "admin", "stmungos", "novus", "penrose", "wip"} <= set(usernames)
    for username in usernames:
        user = User.objects.get(username=username)
        assert user.check_password(demo_password()), username
        call_command("demo_totp", username)
        assert match_token(user, capsys.readouterr().out.strip()) is not None, username
    assert "custody episodes created;" not in out  # one fact a line


def test_the_demo_looks_like_a_london_morning_at_the_hub():
    """Women in women's cohorts and teams, people across London, a few MASH requests close to their deadline and the
    overdue ones late by hours, not months, from MASHs across London."""
    import datetime
    from io import StringIO

    from django.utils import timezone
    from faker.providers.person.en_GB import Provider as Names

    from cases.models import Cohort, Person
    from probation.registry import demo_seeders
    from safeguarding.models import SafeguardingRequest

    for entry in demo_seeders():
        entry.callable(size=300, stdout=StringIO())
    people = Person.objects.all()
    assert not people.filter(gender="female").exclude(cohort=Cohort.WOMEN).exists()
    assert not people.filter(gender="female").exclude(team__isnull=True).exclude(team__cohort=Cohort.WOMEN).exists()
    womens_names = set(Names.first_names_female) - set(Names.first_names_male)
    assert not [p.first_name for p in people.filter(gender="male") if p.first_name in womens_names]
    assert people.values("home_borough").distinct().count() >= 6
    assert not User.objects.filter(first_name="Team", last_name__startswith="Manager").exists()

    now = timezone.now()
    open_requests = SafeguardingRequest.objects.open().exclude(due_at__isnull=True)
    overdue = open_requests.filter(due_at__lt=now)
    assert 1 <= overdue.count() <= 3
    assert not overdue.filter(due_at__lt=now - datetime.timedelta(days=1)).exists()  # hours late, not months
    assert open_requests.filter(due_at__gte=now, due_at__lt=now + datetime.timedelta(hours=3)).count() >= 2
    assert SafeguardingRequest.objects.values("organisation").distinct().count() >= 5
    assert set(SafeguardingRequest.objects.values_list("rating", flat=True)) == {"red", "amber", "green", "blue"}
