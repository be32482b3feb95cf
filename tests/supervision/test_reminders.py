"""Reminders to the person through GOV.UK Notify's official client, end to end against the loopback Notify
stand-in: consent, opt-out, the outbox with retries, the day-before deadline and delivery statuses."""

import datetime

import pytest
from django.conf import settings

from probation.deadlines import deadlines_run
from supervision import services
from supervision.deadlines import REMINDER_DAY_BEFORE
from supervision.models import Reminder
from supervision.notify import reminder_statuses_refresh, reminders_send
from supervision.notify_local import LocalNotify
from tests.supervision.factories import at, book, case_on_order

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2025, 3, 3)


@pytest.fixture
def notify(settings):
    server = LocalNotify(api_key=settings.NOTIFY_API_KEY, templates={settings.NOTIFY_SMS_TEMPLATE_ID,
                                                                      settings.NOTIFY_EMAIL_TEMPLATE_ID}).start()
    settings.NOTIFY_BASE_URL = server.url
    yield server
    server.stop()


def _consenting_case(mobile="07700 900123"):
    person = case_on_order()
    services.reminders_consent_record(person=person, channel="sms", mobile=mobile, by=person.offender_manager)
    return person


def test_a_booking_texts_the_consenting_person_through_notify_and_records_delivery(notify):
    person = _consenting_case()
    appointment = book(person, at(MONDAY, 14), now=at(MONDAY - datetime.timedelta(days=3)))
    reminder = Reminder.objects.get(appointment=appointment)
    assert (reminder.kind, reminder.status, reminder.to) == ("booked", "pending", "07700 900123")
    assert reminders_send(now=at(MONDAY - datetime.timedelta(days=3), 10))["sent"] == 1
    [message] = notify.messages.values()
    assert message["to"] == "07700 900123" and message["template_id"] == settings.NOTIFY_SMS_TEMPLATE_ID
    assert message["personalisation"]["time"] == "14:00" and message["personalisation"]["date"] == "Monday 03 March 2025"
    reminder.refresh_from_db()
    assert reminder.status == "sending" and reminder.notify_id == message["id"]
    reminder_statuses_refresh()
    reminder.refresh_from_db()
    assert reminder.status == "delivered"
    assert reminders_send(now=at(MONDAY - datetime.timedelta(days=3), 11))["claimed"] == 0  # sent once


def test_nothing_is_sent_without_consent(notify):
    person = case_on_order()
    book(person, at(MONDAY, 14), now=at(MONDAY - datetime.timedelta(days=3)))
    assert not Reminder.objects.exists()
    assert reminders_send()["claimed"] == 0 and not notify.requests


def test_opting_out_withdraws_what_is_queued_and_stops_the_day_before_reminder(notify):
    person = _consenting_case()
    appointment = book(person, at(MONDAY, 14), now=at(MONDAY - datetime.timedelta(days=3)))
    services.reminders_opt_out(person=person, by=person.offender_manager)
    assert Reminder.objects.get(appointment=appointment).status == "withdrawn"
    deadlines_run(steps=[REMINDER_DAY_BEFORE], now=at(MONDAY - datetime.timedelta(days=1), 10, 5))
    assert Reminder.objects.count() == 1
    assert reminders_send(now=at(MONDAY - datetime.timedelta(days=1), 11))["claimed"] == 0
    assert not notify.messages


def test_the_day_before_reminder_is_queued_once_by_the_deadline_engine(notify):
    person = _consenting_case()
    appointment = book(person, at(MONDAY, 9, 30), now=at(MONDAY - datetime.timedelta(days=5)))
    for minute in (1, 2):  # the engine run twice
        deadlines_run(steps=[REMINDER_DAY_BEFORE], now=at(MONDAY - datetime.timedelta(days=1), 10, minute))
    day_before = Reminder.objects.get(appointment=appointment, kind="day_before")
    assert day_before.status == "pending"
    assert reminders_send(now=at(MONDAY - datetime.timedelta(days=1), 10, 3))["sent"] == 2  # booked + day before


def test_moving_an_appointment_tells_the_person_and_drops_the_old_reminders(notify):
    person = _consenting_case()
    old = book(person, at(MONDAY, 14), now=at(MONDAY - datetime.timedelta(days=3)))
    new = services.appointment_move(appointment=old, starts_at=at(MONDAY, 16), ends_at=at(MONDAY, 17),
                                    by=person.offender_manager, reason="Officer in court",
                                    now=at(MONDAY - datetime.timedelta(days=2)))
    assert Reminder.objects.get(appointment=old).status == "withdrawn"
    assert Reminder.objects.get(appointment=new).kind == "moved"
    deadlines_run(steps=[REMINDER_DAY_BEFORE], now=at(MONDAY - datetime.timedelta(days=1), 10, 1))
    assert set(Reminder.objects.filter(kind="day_before").values_list("appointment", flat=True)) == {new.pk}


def test_a_failed_send_is_retried_with_back_off_then_sent(notify):
    person = _consenting_case()
    book(person, at(MONDAY, 14), now=at(MONDAY - datetime.timedelta(days=3)))
    notify.fail_next(1)
    now = at(MONDAY - datetime.timedelta(days=3), 10)
    assert reminders_send(now=now)["failed"] == 1
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.attempts) == ("pending", 1) and "500" in reminder.last_error
    assert reminders_send(now=now + datetime.timedelta(seconds=30))["claimed"] == 0  # backing off
    assert reminders_send(now=now + datetime.timedelta(minutes=3))["sent"] == 1


def test_an_unknown_number_is_recorded_as_a_permanent_failure(notify):
    person = _consenting_case(mobile="07700 900999")
    book(person, at(MONDAY, 14), now=at(MONDAY - datetime.timedelta(days=3)))
    reminders_send(now=at(MONDAY - datetime.timedelta(days=3), 10))
    reminder_statuses_refresh()
    assert Reminder.objects.get().status == "permanent-failure"


def test_a_wrong_api_key_is_refused_by_notify_and_not_retried_for_ever(notify, settings):
    settings.NOTIFY_API_KEY = "wrong-00000000-0000-4000-8000-000000000001-99999999-0000-4000-8000-000000000002"
    person = _consenting_case()
    book(person, at(MONDAY, 14), now=at(MONDAY - datetime.timedelta(days=3)))
    assert reminders_send(now=at(MONDAY - datetime.timedelta(days=3), 10))["failed"] == 1
    reminder = Reminder.objects.get()
    assert reminder.status == "failed" and "403" in reminder.last_error


def test_consent_needs_the_number_it_is_for():
    person = case_on_order()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.reminders_consent_record(person=person, channel="sms", mobile="", by=person.offender_manager)
    assert "mobile" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.reminders_consent_record(person=person, channel="sms", mobile="12345", by=person.offender_manager)
    assert "mobile" in error.value.message_dict
    from supervision.models import ContactPreference

    assert not ContactPreference.objects.exists()
