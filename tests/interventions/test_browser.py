"""A Community Payback supervisor's session in a real browser: the borough page, everyone's attendance recorded on
one page, and the ledger on the case page; each page checked with axe-core (no serious or critical violations).
Screenshots go to test-results/."""

import datetime
import os

import pytest
from django.utils import timezone

from interventions.models import Booking
from tests.interventions.factories import ProjectFactory, book, session, upw_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "test-results"
AXE = os.path.join(os.path.dirname(__file__), "..", "..", "node_modules", "axe-core", "axe.min.js")


def _shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/interventions-{name}.png", full_page=True)


def _axe(page):
    with open(AXE) as source:  # evaluated through the devtools protocol: the page's CSP stays on
        page.evaluate(source.read())
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    serious = [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in violations
               if v["impact"] in ("serious", "critical")]
    assert not serious, serious


def test_a_supervisor_records_a_sessions_attendance_on_one_page(page, live_server, sign_in):
    today = timezone.localdate()
    first = upw_case(first_name="Dwayne", last_name="Mensah", sentence_date=today - datetime.timedelta(days=60))
    second = upw_case(first_name="Liam", last_name="Okafor", sentence_date=today - datetime.timedelta(days=60))
    supervisor = first.offender_manager
    project = ProjectFactory(name="Regent's Canal towpath clearance", supervisor=supervisor)
    yesterday = today - datetime.timedelta(days=1)
    held = session(project, day=yesterday)
    for person in (first, second):
        book(held, person, by=supervisor)
    sign_in(page, supervisor)
    page.goto(f"{live_server.url}/interventions/unpaid-work/boroughs/camden/?from={yesterday:%Y-%m-%d}")
    page.wait_for_selector("[data-testid=sessions]")
    _axe(page)
    _shot(page, "borough")
    page.click("[data-testid=sessions] a:has-text('Attendance')")
    page.wait_for_selector("[data-testid=attendance]")
    _axe(page)
    page.select_option("#id_row-0-outcome", "attended")
    page.fill("#id_row-0-minutes_stood_down", "60")
    page.select_option("#id_row-0-behaviour", "good")
    page.select_option("#id_row-1-outcome", "unacceptable_absence")
    page.fill("#id_row-1-minutes_worked", "")
    _shot(page, "session-filled")
    page.click("button:has-text('Record attendance')")
    page.wait_for_selector("text=Attendance recorded for 2 people")
    _shot(page, "session-recorded")
    credited = dict(Booking.objects.values_list("person__last_name", "credited_minutes"))
    assert credited == {"Mensah": 360, "Okafor": 0}
    page.goto(f"{live_server.url}/cases/{first.crn}/")
    page.wait_for_selector("[data-testid=upw-ledger]")
    _axe(page)
    _shot(page, "case-ledger")


def test_a_facilitator_records_a_programme_session_on_one_page(page, live_server, sign_in):
    from interventions import services
    from tests.interventions.test_programme_attendance import BEFORE, _group_with

    group, facilitator, _ = _group_with(2)
    services.group_places_book(group=group, by=facilitator, now=BEFORE)
    first = group.sessions.get(number=1)
    sign_in(page, facilitator)
    page.goto(f"{live_server.url}/interventions/programmes/sessions/{first.pk}/")
    page.wait_for_selector("[data-testid=attendance]")
    _axe(page)
    page.select_option("#id_row-0-outcome", "attended")
    page.select_option("#id_row-1-outcome", "acceptable_absence")
    page.select_option("#id_row-1-absence_reason", "custody")
    _shot(page, "programme-session-filled")
    page.click("button:has-text('Record attendance')")
    page.wait_for_selector("text=Attendance recorded for 2 people")
    _axe(page)
    _shot(page, "programme-session-recorded")
