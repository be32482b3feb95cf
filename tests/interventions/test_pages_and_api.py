"""Interventions' pages and partner API: the borough's unpaid work and a session's attendance page in constant
queries at two sizes, everyone's attendance recorded on one page, the roster PDF, the ledger on the case page,
budgets through the page, the partner recording its own sessions only, the borough report sections."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions.models import Booking
from interventions.panels import budgets_section, unpaid_work_section
from probation.models import AuditEvent
from supervision.models import Failure, Outcome
from tests.cases.factories import StaffProfileFactory
from tests.interventions.factories import ProjectFactory, attend, book, session, upw_case
from tests.interventions.test_budgets_and_deadlines import _budget, _spend
from tests.partners.factories import PartnerMembershipFactory, api_client_for

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries), response


def _fill(project, people, day=DAY, record=True):
    s = session(project, day=day)
    for index, person in enumerate(people):
        booking = book(s, person)
        if record:
            attend(booking, [Outcome.ATTENDED, Outcome.UNACCEPTABLE_ABSENCE][index % 2])
    return s


def test_the_borough_unpaid_work_page_is_constant_in_queries(client):
    officer = StaffProfileFactory().user
    client.force_login(officer)
    url = reverse("interventions:unpaid_work_borough", args=["camden"]) + "?from=2026-03-09"
    _fill(ProjectFactory(), [upw_case()])
    small, _ = _queries(client, url)
    for n in range(3):
        project = ProjectFactory(capacity=10)
        for offset in range(3):
            _fill(project, [upw_case() for _ in range(3)], day=DAY + datetime.timedelta(days=offset))
    large, response = _queries(client, url)
    assert small == large
    assert len(response.context["sessions"]) == 10
    assert response.context["hours_delivered"] > 0
    assert b'data-testid="sessions"' in response.content


def test_the_session_attendance_page_is_constant_in_queries(client):
    person = upw_case()
    project = ProjectFactory(supervisor=person.offender_manager, capacity=12)
    small_session = _fill(project, [person], record=False)
    client.force_login(person.offender_manager)
    small, _ = _queries(client, reverse("interventions:session", args=[small_session.pk]))
    big = _fill(project, [upw_case() for _ in range(8)], day=DAY + datetime.timedelta(days=1), record=False)
    for booking in list(big.bookings.all())[:4]:
        attend(booking)
    large, response = _queries(client, reverse("interventions:session", args=[big.pk]))
    assert small == large
    assert len(response.context["rows"]) == 8


def _row(index, booking, **values):
    data = {f"row-{index}-booking": booking.pk}
    data.update({f"row-{index}-{k}": v for k, v in values.items()})
    return data


def test_a_supervisor_records_everyone_on_one_page_and_each_change_is_audited(client):
    person, other = upw_case(), upw_case()
    project = ProjectFactory(supervisor=person.offender_manager)
    s = _fill(project, [person, other], record=False)
    client.force_login(person.offender_manager)
    bookings = list(s.bookings.order_by("person__last_name", "pk"))
    data = {"row-TOTAL_FORMS": 2, "row-INITIAL_FORMS": 2}
    data |= _row(0, bookings[0], outcome="attended", minutes_worked=420, minutes_stood_down=30, behaviour="good")
    data |= _row(1, bookings[1], outcome="unacceptable_absence")
    response = client.post(reverse("interventions:session", args=[s.pk]), data)
    assert response.status_code == 302
    first, second = (Booking.objects.get(pk=b.pk) for b in bookings)
    assert first.credited_minutes == 390 and second.credited_minutes == 0
    assert Failure.objects.filter(appointment=second.appointment).count() == 1
    assert AuditEvent.objects.filter(object_type="interventions.booking", action="update").count() == 2


def test_bad_minutes_on_the_attendance_page_name_the_field_and_store_nothing_for_that_row(client):
    person = upw_case()
    s = _fill(ProjectFactory(supervisor=person.offender_manager), [person], record=False)
    client.force_login(person.offender_manager)
    booking = s.bookings.get()
    data = {"row-TOTAL_FORMS": 1, "row-INITIAL_FORMS": 1}
    data |= _row(0, booking, outcome="attended", minutes_worked=500, behaviour="good")
    response = client.post(reverse("interventions:session", args=[s.pk]), data)
    assert response.status_code == 400
    assert "Enter 0 to 420 minutes" in response.content.decode()
    booking.refresh_from_db()
    assert booking.attendance_recorded_at is None and booking.appointment.outcome == ""


def test_the_roster_is_a_pdf(client):
    person = upw_case()
    s = _fill(ProjectFactory(supervisor=person.offender_manager), [person], record=False)
    client.force_login(person.offender_manager)
    response = client.get(reverse("interventions:session_roster", args=[s.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_case_page_shows_the_hours_ledger(client):
    person = upw_case(hours=40)
    _fill(ProjectFactory(), [person])
    client.force_login(person.offender_manager)
    response = client.get(reverse("cases:case_detail", args=[person.crn]))
    assert b'data-testid="upw-ledger"' in response.content
    assert "Hours remaining" in response.content.decode()


def test_an_overspend_through_the_page_names_the_amount(client):
    budget = _budget("50.00")
    client.force_login(budget.person.offender_manager)
    response = client.post(reverse("interventions:budget_spend", args=[budget.pk]), {
        "amount": "50.01", "purpose": "travel", "supplier": "TfL", "approver": budget.person.team.manager_id,
        "spent_on": "2026-03-01"})
    assert response.status_code == 400
    assert "Only £50.00 of this budget remains" in response.content.decode()
    _spend(budget, "10.00")
    statement = client.get(reverse("interventions:budget_statement", args=[budget.person.crn]))
    assert "£40.00 left" in statement.content.decode()


def test_a_partner_records_attendance_for_its_own_sessions_only():
    person = upw_case()
    project = ProjectFactory()
    s = _fill(project, [person], record=False)
    booking = s.bookings.get()
    own = api_client_for(PartnerMembershipFactory(organisation=project.partner).user)
    other = api_client_for(PartnerMembershipFactory().user)
    url = reverse("interventions-api:booking-attendance", args=[booking.pk])
    assert other.post(url, {"outcome": "attended", "minutes_worked": 420, "behaviour": "good"},
                      format="json").status_code == 404
    bad = own.post(url, {"outcome": "attended", "minutes_worked": "lots"}, format="json")
    assert bad.status_code == 400 and [e["attr"] for e in bad.json()["errors"]] == ["minutes_worked"]
    missing = own.post(url, {"outcome": "attended", "minutes_worked": 420}, format="json")
    assert missing.status_code == 400 and [e["attr"] for e in missing.json()["errors"]] == ["behaviour"]
    ok = own.post(url, {"outcome": "attended", "minutes_worked": 420, "minutes_stood_down": 20, "behaviour": "good"},
                  format="json")
    assert ok.status_code == 200 and ok.json()["credited_minutes"] == 400
    assert own.get(reverse("interventions-api:booking-list")).json()["count"] == 1
    assert other.get(reverse("interventions-api:booking-list")).json()["count"] == 0


def test_the_borough_report_sections_count_hours_and_spends_without_names():
    people = [upw_case(), upw_case()]
    _fill(ProjectFactory(), people)
    section = unpaid_work_section("camden", datetime.date(2026, 3, 1))
    assert dict(section["summary"])["Hours of unpaid work credited"] == 7.0
    assert dict(section["summary"])["Unacceptable absences (sent to enforcement)"] == 1
    budget = _budget("100.00")
    _spend(budget, "30.00")
    spent = budgets_section("camden", datetime.date(2026, 3, 1))
    assert dict(spent["summary"])["Spent from personalised budgets (£)"] == 30.0
    assert all(person.crn not in str(section) + str(spent) for person in people + [budget.person])
