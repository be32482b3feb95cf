"""The officer's day in a real browser: the diary, booking with a clash warning, recording a missed appointment and
deciding the enforcement. Screenshots go to test-results/."""

import datetime
import os

import pytest
from django.utils import timezone

from supervision.models import Appointment, Enforcement
from tests.cases.factories import AllocatedPersonFactory, SentenceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "test-results"


def _shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/supervision-{name}.png", full_page=True)


def test_an_officer_books_records_a_missed_appointment_and_decides_the_warning(page, live_server, sign_in):
    from supervision import services

    person = AllocatedPersonFactory(first_name="Dwayne", last_name="Mensah")
    today = timezone.localdate()
    SentenceFactory(person=person, sentence_date=today - datetime.timedelta(days=60),
                    offence_date=today - datetime.timedelta(days=90), length_months=12)
    officer = person.offender_manager
    earlier = timezone.now() - datetime.timedelta(hours=3)
    missed = services.appointment_book(booking=services.Booking(
        person=person, type="supervision", place="office", starts_at=earlier,
        ends_at=earlier + datetime.timedelta(minutes=45), officer=officer), by=officer, allow_clash=True)
    sign_in(page, officer)
    page.click("text=My diary")
    page.wait_for_selector("[data-testid=needs-you]")
    _shot(page, "diary")
    page.click("text=Record the outcome")
    page.check("text=Unacceptable absence")
    page.click("button:has-text('Record the outcome')")
    page.wait_for_selector("[data-testid=supervision-panel]")
    _shot(page, "case-panel")
    page.click("text=Unacceptable absence on")
    assert "Warning" in page.inner_text("[data-testid=proposed]")
    page.click("button:has-text('Record decision')")
    page.wait_for_selector("text=Warning letter (PDF)")
    _shot(page, "enforcement")
    assert Enforcement.objects.get(failure__appointment=missed).decision == "warning"
    # Book a clashing appointment: warned first, then booked when confirmed.
    page.goto(f"{live_server.url}/supervision/cases/{person.crn}/book/")
    tomorrow = today + datetime.timedelta(days=1)
    services.appointment_book(booking=services.Booking(
        person=person, type="home_visit", place="home",
        starts_at=datetime.datetime.combine(tomorrow, datetime.time(10), tzinfo=timezone.get_current_timezone()),
        ends_at=datetime.datetime.combine(tomorrow, datetime.time(11), tzinfo=timezone.get_current_timezone()),
        officer=officer), by=officer)
    page.fill("#id_date", tomorrow.isoformat())
    page.fill("#id_start_time", "10:30")
    page.fill("#id_end_time", "11:15")
    page.click("button:has-text('Book')")
    page.wait_for_selector("[data-testid=clash-warning]")
    _shot(page, "clash")
    page.check("#id_confirm_clash")
    page.click("button:has-text('Book')")
    page.wait_for_selector("[data-testid=supervision-panel]")
    assert Appointment.objects.filter(person=person).count() == 3
