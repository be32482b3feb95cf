import pytest
from django.core.management import call_command

from interventions.models import Booking, BudgetSpend, GroupPlace, PersonalBudget, ProgrammeGroup, Project, Referral
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
    tsp = ProgrammeGroup.objects.get(programme__code="thinking-skills-programme")
    assert tsp.facilitators.count() == 2
    assert tsp.sessions.filter(catch_up_for__isnull=True).count() == 19
    assert tsp.sessions.filter(catch_up_for__isnull=False).count() == 1  # a catch-up for an excused absence
    held = GroupPlace.objects.filter(session__group=tsp, appointment__outcome="attended")
    assert held.exists() and GroupPlace.objects.filter(session__group=tsp, appointment__outcome="").exists()
    assert Failure.objects.filter(appointment__group_place__isnull=False).exists()
    group = Referral.objects.filter(programme__through_the_gate=False)
    assert group.filter(status="waiting").count() >= 2
    assert group.filter(status="on_programme", group=tsp).count() >= 3
    assert group.filter(status="completed").count() == 1 and group.filter(status="terminated").count() == 1
    assert group.filter(eligible=False).exclude(override_reason="").exists()
    journey = [h.to_status for h in group.filter(group=tsp).first().history.all()]
    assert journey == ["referred", "assessed", "waiting", "allocated", "on_programme"]
    # Getting it Right and Healing Trauma enrolments (resettlement's demo) are referrals of the same model.
    assert Referral.objects.filter(programme__through_the_gate=True).exists()
    counts = (Booking.objects.count(), BudgetSpend.objects.count(), Referral.objects.count(), GroupPlace.objects.count())
    call_command("seed_demo", "--people", "0", "--quiet-logins")
    assert (Booking.objects.count(), BudgetSpend.objects.count(), Referral.objects.count(),
            GroupPlace.objects.count()) == counts
