"""Booking, moving, cancelling, series, clashes, outcomes and RAR days: behaviours and bad input."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from probation.models import ClosureDay
from probation.calendar import clear_calendar_cache
from supervision import services
from supervision.models import Appointment, AppointmentSeries, Outcome
from supervision.selectors import rar_days
from tests.cases.factories import AllocatedPersonFactory
from tests.supervision.factories import at, book, booking, case_on_order, colleague_of, rar_requirement, record

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2025, 3, 3)


def _refused(field, **call):
    with pytest.raises(ValidationError) as error:
        services.appointment_book(**call)
    assert field in error.value.message_dict, error.value.message_dict
    assert Appointment.objects.count() == 0
    return error.value.message_dict[field]


def test_an_appointment_ending_before_it_starts_is_refused_and_nothing_is_stored():
    person = case_on_order()
    start = at(MONDAY)
    b = booking(person, start)
    b.ends_at = start - datetime.timedelta(minutes=30)
    messages = _refused("ends_at", booking=b, by=person.offender_manager, now=start - datetime.timedelta(days=1))
    assert "end after it starts" in messages[0]


def test_a_new_booking_further_in_the_past_than_the_limit_is_refused():
    person = case_on_order()
    messages = _refused("starts_at", booking=booking(person, at(MONDAY)), by=person.offender_manager,
                        now=at(MONDAY + datetime.timedelta(days=8)))
    assert "7 days ago" in messages[0]


def test_a_booking_within_the_past_limit_is_accepted_for_a_late_record():
    person = case_on_order()
    appointment = services.appointment_book(booking=booking(person, at(MONDAY)), by=person.offender_manager,
                                            now=at(MONDAY + datetime.timedelta(days=6)))
    assert appointment.pk


def test_a_booking_outside_the_order_dates_is_refused():
    person = case_on_order(sentence_date=datetime.date(2025, 1, 6), months=6)
    messages = _refused("starts_at", booking=booking(person, at(datetime.date(2025, 8, 4))),
                        by=person.offender_manager, now=at(datetime.date(2025, 8, 1)))
    assert "outside" in messages[0]


def test_a_booking_for_a_person_not_on_the_officers_caseload_is_refused():
    person = case_on_order()
    stranger = AllocatedPersonFactory().offender_manager  # another team's officer
    messages = _refused("officer", booking=booking(person, at(MONDAY), officer=stranger), by=stranger,
                        now=at(MONDAY - datetime.timedelta(days=1)))
    assert "caseload" in messages[0]


def test_a_colleague_in_the_team_may_run_an_appointment_as_cover():
    person = case_on_order()
    colleague = colleague_of(person)
    appointment = book(person, at(MONDAY), officer=colleague)
    assert appointment.officer == colleague


def test_an_outcome_for_a_future_appointment_is_refused():
    person = case_on_order()
    appointment = book(person, at(MONDAY, 14))
    with pytest.raises(ValidationError) as error:
        record(appointment, Outcome.ATTENDED, now=at(MONDAY, 9))
    assert "outcome" in error.value.message_dict
    appointment.refresh_from_db()
    assert appointment.outcome == ""


def test_clashes_for_the_officer_and_the_person_are_warned_and_booked_only_when_confirmed():
    person = case_on_order()
    other = AllocatedPersonFactory(team=person.team, offender_manager=person.offender_manager)
    from tests.cases.factories import SentenceFactory

    SentenceFactory(person=other, sentence_date=datetime.date(2025, 1, 6), offence_date=datetime.date(2024, 12, 1),
                    length_months=24)
    book(person, at(MONDAY, 10))
    now = at(MONDAY - datetime.timedelta(days=1))
    with pytest.raises(services.ClashWarning) as warning:
        services.appointment_book(booking=booking(other, at(MONDAY, 10, 30)), by=person.offender_manager, now=now)
    assert any("already has" in c for c in warning.value.clashes)
    with pytest.raises(services.ClashWarning) as warning:
        services.appointment_book(booking=booking(person, at(MONDAY, 10, 30), officer=colleague_of(person)),
                                  by=person.offender_manager, now=now)
    assert any(person.full_name in c for c in warning.value.clashes)
    assert Appointment.objects.count() == 1
    confirmed = services.appointment_book(booking=booking(other, at(MONDAY, 10, 30)), by=person.offender_manager,
                                          allow_clash=True, now=now)
    assert confirmed.clash_warnings


def test_a_weekly_series_skips_bank_holidays_and_closure_days_and_keeps_the_london_time():
    person = case_on_order()
    ClosureDay.objects.create(date=datetime.date(2025, 4, 28), reason="Office move")
    clear_calendar_cache()
    # Mondays 17 March to 2 June: Easter Monday (21 April), early May (5 May) and spring (26 May) bank holidays.
    first = at(datetime.date(2025, 3, 17), 10)
    result = services.appointment_series_book(booking=booking(person, first), every_days=7, count=12,
                                              by=person.offender_manager, now=first - datetime.timedelta(days=1))
    skipped = [datetime.date(2025, 4, 21), datetime.date(2025, 4, 28), datetime.date(2025, 5, 5),
               datetime.date(2025, 5, 26)]
    assert result.skipped == skipped
    assert len(result.appointments) == 8
    assert {timezone.localtime(a.starts_at).hour for a in result.appointments} == {10}  # across the clock change
    assert AppointmentSeries.objects.get().skipped_dates == [d.isoformat() for d in skipped]


def test_moving_makes_a_new_row_linked_to_the_old_which_is_kept_as_rescheduled():
    person = case_on_order()
    old = book(person, at(MONDAY, 10))
    new = services.appointment_move(appointment=old, starts_at=at(MONDAY, 15), ends_at=at(MONDAY, 16),
                                    by=person.offender_manager, reason="Person asked", now=at(MONDAY, 8))
    old.refresh_from_db()
    assert new.moved_from == old and old.outcome == Outcome.RESCHEDULED
    assert list(Appointment.objects.live()) == [new]
    with pytest.raises(ValidationError):
        services.appointment_move(appointment=old, starts_at=at(MONDAY, 16), ends_at=at(MONDAY, 17),
                                  by=person.offender_manager, reason="again", now=at(MONDAY, 8))


def test_cancelling_keeps_the_row_with_who_and_why():
    person = case_on_order()
    appointment = book(person, at(MONDAY, 10))
    services.appointment_cancel(appointment=appointment, by=person.offender_manager, reason="Officer sick",
                                now=at(MONDAY, 8))
    appointment.refresh_from_db()
    assert appointment.cancelled_by == person.offender_manager and appointment.outcome == Outcome.CANCELLED
    with pytest.raises(ValidationError):
        record(appointment, Outcome.ATTENDED)


def test_two_rar_activities_on_one_day_count_one_rar_day():
    person = case_on_order()
    requirement = rar_requirement(person, days=20)
    for hour in (10, 14):
        record(book(person, at(MONDAY, hour), type="rar_activity", requirement=requirement), Outcome.ATTENDED)
    record(book(person, at(MONDAY + datetime.timedelta(days=1), 10), type="rar_activity", requirement=requirement),
           Outcome.ATTENDED)
    [summary] = rar_days([requirement], now=at(MONDAY + datetime.timedelta(days=2)))
    assert (summary.completed, summary.booked, summary.remaining) == (2, 0, 18)


def test_a_moved_rar_appointment_does_not_count_twice():
    person = case_on_order()
    requirement = rar_requirement(person)
    later = MONDAY + datetime.timedelta(days=14)
    old = book(person, at(later, 10), type="rar_activity", requirement=requirement, now=at(MONDAY))
    services.appointment_move(appointment=old, starts_at=at(later + datetime.timedelta(days=1), 10),
                              ends_at=at(later + datetime.timedelta(days=1), 11), by=person.offender_manager,
                              reason="Clash with work", now=at(MONDAY))
    [summary] = rar_days([requirement], now=at(MONDAY))
    assert (summary.completed, summary.booked) == (0, 1)


def test_an_absence_is_not_a_rar_day():
    person = case_on_order()
    requirement = rar_requirement(person)
    record(book(person, at(MONDAY), type="rar_activity", requirement=requirement), Outcome.UNACCEPTABLE_ABSENCE)
    [summary] = rar_days([requirement], now=at(MONDAY + datetime.timedelta(days=1)))
    assert summary.completed == 0
