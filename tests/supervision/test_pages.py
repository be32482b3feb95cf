"""The officer's pages: diary, booking, outcomes, enforcement, case page panel and caseload column, with their
query counts constant as rows grow."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from probation.models import AuditEvent
from supervision.models import Appointment, Enforcement, Outcome, Step
from tests.cases.factories import AllocatedPersonFactory, SentenceFactory
from tests.supervision.factories import book, record

pytestmark = pytest.mark.django_db


def _current_case(**kwargs):
    person = AllocatedPersonFactory(**kwargs)
    today = timezone.localdate()
    SentenceFactory(person=person, sentence_date=today - datetime.timedelta(days=60),
                    offence_date=today - datetime.timedelta(days=90), length_months=12)
    return person


def _at_today(hour, days=0):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def _grow(person, n, start_hour=8):
    for i in range(n):
        appointment = book(person, _at_today(start_hour, days=-(i % 5) - 1) + datetime.timedelta(minutes=7 * i),
                           now=timezone.now() - datetime.timedelta(days=3))
        record(appointment, [Outcome.ATTENDED, Outcome.UNACCEPTABLE_ABSENCE][i % 2],
               now=timezone.now())
        book(person, _at_today(9, days=i % 5 + 1) + datetime.timedelta(minutes=7 * i), now=timezone.now())


def test_the_diary_shows_the_day_in_constant_queries(client):
    person = _current_case()
    officer = person.offender_manager
    client.force_login(officer)
    book(person, _at_today(10), now=timezone.now())
    small, _ = _queries(client, reverse("supervision:my_day") + "?view=week")
    for _ in range(4):
        _grow(_current_case(team=person.team, offender_manager=officer), 3)
    large, response = _queries(client, reverse("supervision:my_day") + "?view=week")
    assert small == large
    assert sum(len(v) for v in response.context["diary"].values()) >= 10


def test_the_case_page_panel_shows_compliance_in_constant_queries(client):
    person = _current_case()
    client.force_login(person.offender_manager)
    _grow(person, 1)
    small, _ = _queries(client, reverse("cases:case_detail", args=[person.crn]))
    _grow(person, 6)
    large, response = _queries(client, reverse("cases:case_detail", args=[person.crn]))
    assert small == large
    panel = response.context["case_panels"][0]["context"]
    assert panel["compliance"].failures_12_months == 3  # the unacceptable absences (every other one)
    assert panel["compliance"].next_appointment_at is not None
    assert b'data-testid="supervision-panel"' in response.content


def test_the_caseload_shows_compliance_at_a_glance_in_constant_queries(client):
    person = _current_case()
    officer = person.offender_manager
    client.force_login(officer)
    _grow(person, 2)
    small, _ = _queries(client, reverse("cases:caseload"))
    for _ in range(5):
        _grow(_current_case(team=person.team, offender_manager=officer), 2)
    large, response = _queries(client, reverse("cases:caseload"))
    assert small == large
    assert response.content.count(b'data-testid="caseload-compliance"') == 6


def test_booking_with_the_end_before_the_start_shows_the_error_and_stores_nothing(client):
    person = _current_case()
    client.force_login(person.offender_manager)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(reverse("supervision:book", args=[person.crn]), {
        "type": "supervision", "place": "office", "date": tomorrow.isoformat(), "start_time": "11:00",
        "end_time": "10:00", "officer": person.offender_manager.pk})
    assert response.status_code == 400
    assert "The appointment must end after it starts." in response.content.decode()
    assert not Appointment.objects.exists()


def test_booking_outside_the_order_shows_the_error_and_stores_nothing(client):
    person = _current_case()
    client.force_login(person.offender_manager)
    response = client.post(reverse("supervision:book", args=[person.crn]), {
        "type": "supervision", "place": "office", "date": "2030-01-07", "start_time": "10:00", "end_time": "11:00",
        "officer": person.offender_manager.pk})
    assert response.status_code == 400
    assert "outside" in response.content.decode()
    assert not Appointment.objects.exists()


def test_booking_for_an_officer_who_does_not_hold_the_case_names_the_officer_field(client):
    person = _current_case()
    stranger = AllocatedPersonFactory().offender_manager
    client.force_login(person.offender_manager)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(reverse("supervision:book", args=[person.crn]), {
        "type": "supervision", "place": "office", "date": tomorrow.isoformat(), "start_time": "10:00",
        "end_time": "11:00", "officer": stranger.pk})
    assert response.status_code == 400
    assert response.context["form"].errors["officer"]
    assert not Appointment.objects.exists()


def test_booking_a_weekly_series_through_the_page_is_audited(client):
    person = _current_case()
    client.force_login(person.offender_manager)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(reverse("supervision:book", args=[person.crn]), {
        "type": "supervision", "place": "office", "date": tomorrow.isoformat(), "start_time": "10:00",
        "end_time": "11:00", "officer": person.offender_manager.pk, "repeat_every": "7", "repeat_count": "4"})
    assert response.status_code == 302
    made = Appointment.objects.filter(person=person)
    assert 1 <= made.count() <= 4
    assert AuditEvent.objects.filter(object_type="supervision.appointment", action="create").count() == made.count()


def test_the_outcome_page_refuses_a_future_appointment(client):
    person = _current_case()
    appointment = book(person, _at_today(10, days=2), now=timezone.now())
    client.force_login(person.offender_manager)
    response = client.post(reverse("supervision:outcome", args=[appointment.pk]), {"outcome": "attended"})
    assert response.status_code == 400
    assert "has not happened yet" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.outcome == ""


def test_the_officer_decides_and_the_spo_countersigns_on_the_enforcement_page(client):
    person = _current_case()
    past = book(person, _at_today(9, days=-2), now=timezone.now() - datetime.timedelta(days=3))
    record(past, Outcome.UNACCEPTABLE_ABSENCE, now=timezone.now())
    enforcement = Enforcement.objects.get(person=person)
    client.force_login(person.offender_manager)
    url = reverse("supervision:enforcement", args=[enforcement.pk])
    response = client.post(url, {"action": "decide", "decision": Step.BREACH})
    assert response.status_code == 400 and "say why" in response.content.decode()
    response = client.post(url, {"action": "decide", "decision": Step.BREACH, "reason": "Threatening behaviour"})
    assert response.status_code == 302
    spo = person.team.manager
    client.force_login(spo)
    assert client.post(url, {"action": "countersign"}).status_code == 302
    enforcement.refresh_from_db()
    assert enforcement.countersigned_by == spo
    response = client.get(url)
    assert "Breach letter" in response.content.decode()


def test_the_team_page_shows_enforcement_timeliness_for_a_past_day(client):
    person = _current_case()
    client.force_login(person.team.manager)
    response = client.get(reverse("supervision:team") + "?on=2025-06-30")
    assert response.status_code == 200
    assert response.context["past"] is True


def test_an_appointment_letter_is_made_once_and_its_download_is_audited(client):
    person = _current_case()
    appointment = book(person, _at_today(10, days=2), now=timezone.now())
    client.force_login(person.offender_manager)
    url = reverse("supervision:appointment_letter", args=[appointment.pk])
    first, second = client.post(url), client.post(url)
    assert first["Location"] == second["Location"]
    response = client.get(first["Location"])
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export", object_type="supervision.letter").count() == 1


def test_another_teams_officer_cannot_open_the_outcome_page(client):
    person = _current_case()
    appointment = book(person, _at_today(9, days=-1), now=timezone.now() - datetime.timedelta(days=2))
    client.force_login(AllocatedPersonFactory().offender_manager)
    assert client.get(reverse("supervision:outcome", args=[appointment.pk])).status_code == 403
    assert client.post(reverse("supervision:outcome", args=[appointment.pk]), {"outcome": "attended"}).status_code == 403
    appointment.refresh_from_db()
    assert appointment.outcome == ""


def test_the_team_page_lists_the_cases_the_engine_found_overdue_for_contact(client):
    from probation.deadlines import deadlines_run
    from supervision.deadlines import CONTACT_OVERDUE

    person = _current_case(tier="B2")
    seen = timezone.now() - datetime.timedelta(days=10)
    record(book(person, seen, now=seen - datetime.timedelta(days=1)), Outcome.ATTENDED, now=seen + datetime.timedelta(hours=2))
    kept_up = _current_case(tier="B2", team=person.team, offender_manager=person.offender_manager)
    record(book(kept_up, timezone.now() - datetime.timedelta(days=2), now=seen), Outcome.ATTENDED, now=timezone.now())
    deadlines_run(steps=[CONTACT_OVERDUE])
    client.force_login(person.team.manager)
    response = client.get(reverse("supervision:team"))
    [row] = response.context["overdue"]
    assert row.person == person and row.days_overdue == 3  # due a week after the contact 10 days ago
    assert response.context["by_officer"][0]["n"] == 1
    assert person.crn in response.content.decode() and kept_up.crn not in response.content.decode()
