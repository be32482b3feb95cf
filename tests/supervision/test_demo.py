import pytest
from django.core.management import call_command

from supervision.models import Appointment, ContactPreference, Enforcement, Failure, Step

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_week_in_the_diary_one_warning_and_one_breach_in_progress_and_seeds_once():
    call_command("seed_demo", "--people", "0", "--quiet-logins")
    appointments = Appointment.objects.filter(officer__username="om").count()
    assert appointments >= 10
    assert Failure.objects.count() >= 2
    assert Enforcement.objects.filter(decision=Step.WARNING).exists()
    assert Enforcement.objects.filter(decision__in=[Step.BREACH, Step.RECALL, Step.MAGISTRATES_BREACH],
                                      countersigned_at__isnull=True).count() == 1
    assert ContactPreference.objects.count() == 4
    call_command("seed_demo", "--people", "0", "--quiet-logins")
    assert Appointment.objects.filter(officer__username="om").count() == appointments
