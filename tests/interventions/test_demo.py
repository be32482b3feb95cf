import pytest
from django.core.management import call_command

from interventions.models import Booking, BudgetSpend, PersonalBudget, ProgrammeGroup, Project, Referral
from supervision.models import Failure

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_project_a_recorded_session_sessions_ahead_and_a_budget_and_seeds_once():
    call_command("seed_demo", "--people", "0", "--quiet-logins")
    assert Project.objects.count() == 2
    recorded = Booking.objects.filter(attendance_recorded_at__isnull=False)
    assert recorded.count() >= 2
    assert Failure.objects.filter(appointment__upw_booking__isnull=False).count() >= 1
    assert Booking.objects.filter(attendance_recorded_at__isnull=True).exists()
    assert PersonalBudget.objects.count() == 1 and BudgetSpend.objects.count() == 2
    assert ProgrammeGroup.objects.count() == 1
    assert Referral.objects.filter(status="waiting").count() == 2
    assert Referral.objects.filter(status="completed").count() == 1
    assert Referral.objects.filter(eligible=False).exclude(override_reason="").exists()
    counts = (Booking.objects.count(), BudgetSpend.objects.count(), Referral.objects.count())
    call_command("seed_demo", "--people", "0", "--quiet-logins")
    assert (Booking.objects.count(), BudgetSpend.objects.count(), Referral.objects.count()) == counts
