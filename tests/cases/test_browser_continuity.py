"""In a real browser: an SPO sees capacity from available hours and who is away, reallocates a case with a
hand-over note, and the hub sees every team's capacity. Screenshots under test-results/ for a reviewer."""

import datetime
import os

import pytest
from django.utils import timezone

from cases.models import Absence, Allocation, StaffProfile
from cases.services import absence_record, working_pattern_set
from tests.cases.factories import AllocatedPersonFactory, PersonFactory, StaffProfileFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name):
    os.makedirs("test-results", exist_ok=True)
    page.screenshot(path=f"test-results/continuity-{name}.png", full_page=True)


def test_an_spo_sees_capacity_and_absences_and_reallocates_with_a_handover_note(page, live_server, sign_in,
                                                                                 team_manager, hub_user):
    team = TeamFactory(manager=team_manager, name="Camden working-age men A")
    StaffProfile.objects.create(user=team_manager, grade=StaffProfile.Grade.SPO, team=team)
    holder = StaffProfileFactory(team=team).user
    colleague = StaffProfileFactory(team=team).user
    part_timer = StaffProfileFactory(team=team).user
    working_pattern_set(officer=part_timer, hours_per_week=18.5, effective_from=datetime.date(2026, 1, 1), by=None)
    for _ in range(12):
        PersonFactory(team=team, offender_manager=colleague, tier="B2")
    person = AllocatedPersonFactory(team=team, offender_manager=holder)
    today = timezone.localdate()
    absence_record(officer=holder, kind=Absence.Kind.SICKNESS, start_date=today - datetime.timedelta(days=1),
                   end_date=today + datetime.timedelta(days=20), by=team_manager)

    sign_in(page, team_manager)
    page.click("text=Team workload")
    page.wait_for_selector(f"[data-testid=workload-{colleague.username}]")
    assert "Manages the team: holds no caseload" in page.inner_text(f"[data-testid=workload-{team_manager.username}]")
    assert "Away until" in page.inner_text(f"[data-testid=workload-{holder.username}]")
    assert "1200 / 2176 points (55%)" in page.inner_text(f"[data-testid=workload-{colleague.username}]")
    assert page.locator(f"[data-testid=long-absence-{holder.username}]").count() == 1
    _shot(page, "team-workload-spo")

    page.goto(f"{live_server.url}/cases/{person.crn}/reallocate/")
    page.fill("#id_reason", "Officer on long-term sick leave")
    page.fill("#id_handover_note", "Next appointment booked for Thursday")
    _shot(page, "reallocate")
    page.click("button:has-text('Reallocate')")
    page.wait_for_selector("[data-testid=offender-manager]")
    allocation = Allocation.objects.get(person=person, kind="reallocation")
    assert allocation.previous_offender_manager == holder and allocation.handover_note.startswith("Next appointment")
    _shot(page, "case-after-reallocation")


def test_hub_staff_see_every_teams_capacity(page, live_server, sign_in, hub_user):
    team = TeamFactory(name="Hackney women")
    officer = StaffProfileFactory(team=team).user
    PersonFactory.create_batch(3, team=team, offender_manager=officer, tier="C1")
    sign_in(page, hub_user)
    page.click("text=Team workload")
    page.select_option("#id_team", str(team.pk))
    page.click("button:has-text('Show')")
    page.wait_for_selector(f"[data-testid=workload-{officer.username}]")
    assert "153 / 2176 points (7%)" in page.inner_text(f"[data-testid=workload-{officer.username}]")
    _shot(page, "team-workload-hub")
    page.goto(f"{live_server.url}/cases/allocation-figures/")
    page.wait_for_selector("h1")
    _shot(page, "allocation-figures")
