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
