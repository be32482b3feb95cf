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
