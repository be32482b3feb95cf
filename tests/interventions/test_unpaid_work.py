"""Community Payback rules: credited time, absences through supervision's enforcement (once), double booking,
unsuitable projects, capacity, the ledger."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from cases.models import Gender, Register, RegisterCode, RoshLevel
from interventions import selectors, services
from interventions.models import Booking, Project, credited
from supervision.models import Enforcement, Failure, Outcome
from tests.interventions.factories import ProjectFactory, attend, book, session, upw_case

pytestmark = pytest.mark.django_db


def test_credited_time_is_worked_less_stood_down_and_never_negative():
    assert credited(420, 60) == 360
    assert credited(60, 120) == 0
    assert credited(None, 0) == 0


def test_attendance_credits_worked_less_stood_down_and_counts_in_the_ledger():
    person = upw_case(hours=40)
    booking = attend(book(session(), person), worked=420, stood_down=90)
    assert booking.credited_minutes == 330
    assert booking.appointment.outcome == Outcome.ATTENDED
    [ledger] = selectors.ledgers(list(person.sentences.get().requirements.all()), today=datetime.date(2026, 3, 11))
    assert (ledger.ordered_hours, ledger.worked_hours, ledger.remaining_hours) == (40, 5.5, 34.5)
    assert ledger.deadline == datetime.date(2027, 1, 5)
    requirement = person.sentences.get().requirements.get()
    assert requirement.commenced_on == datetime.date(2026, 3, 10)


def test_stood_down_longer_than_worked_credits_nothing():
    booking = attend(book(session(), upw_case()), worked=60, stood_down=120)
    assert booking.credited_minutes == 0


def test_an_unacceptable_absence_credits_nothing_and_is_one_failure_for_enforcement_even_recorded_twice():
    booking = book(session(), upw_case())
    attend(booking, Outcome.UNACCEPTABLE_ABSENCE)
    attend(booking, Outcome.UNACCEPTABLE_ABSENCE)  # the partner's API call arriving after the supervisor's page
    booking.refresh_from_db()
    assert booking.credited_minutes == 0
    assert Failure.objects.filter(appointment=booking.appointment).count() == 1
    assert Enforcement.objects.filter(failure__appointment=booking.appointment).count() == 1


def test_an_absence_with_minutes_is_refused_naming_the_field():
    booking = book(session(), upw_case())
    with pytest.raises(ValidationError) as error:
        services.attendance_record(booking=booking, outcome=Outcome.UNACCEPTABLE_ABSENCE, by=booking.booked_by,
                                   minutes_worked=300, now=booking.ends_at)
    assert "minutes_worked" in error.value.message_dict


def test_different_attendance_after_it_was_recorded_is_refused():
    booking = attend(book(session(), upw_case()))
    with pytest.raises(ValidationError) as error:
        attend(booking, Outcome.UNACCEPTABLE_ABSENCE)
    assert "outcome" in error.value.message_dict
    assert not Failure.objects.exists()


def test_worked_minutes_beyond_the_session_are_refused():
    booking = book(session(), upw_case())
    with pytest.raises(ValidationError) as error:
        attend(booking, worked=500)
    assert "minutes_worked" in error.value.message_dict


def test_a_person_cannot_be_booked_onto_two_sessions_at_once():
    person = upw_case()
    day = datetime.date(2026, 3, 10)
    book(session(day=day), person)
    with pytest.raises(ValidationError) as error:
        book(session(day=day, start=datetime.time(13)), person)
    assert "already booked" in str(error.value.message_dict["person"])
    assert Booking.objects.count() == 1


def test_the_same_person_twice_on_one_session_is_refused():
    person, first = upw_case(), session()
    book(first, person)
    with pytest.raises(ValidationError):
        book(first, person)


def test_a_woman_cannot_be_booked_onto_a_men_only_group():
    woman = upw_case(gender=Gender.FEMALE, first_name="Ann")
    with pytest.raises(ValidationError) as error:
        book(session(ProjectFactory(gender=Project.Gender.MEN_ONLY)), woman)
    assert "men only" in str(error.value.message_dict["person"])


def test_a_man_cannot_be_booked_onto_a_women_only_project_but_a_woman_can():
    with pytest.raises(ValidationError):
        book(session(ProjectFactory(gender=Project.Gender.WOMEN_ONLY)), upw_case())
    assert book(session(ProjectFactory(gender=Project.Gender.WOMEN_ONLY)), upw_case(gender=Gender.FEMALE))


def test_a_case_with_a_child_safeguarding_register_cannot_work_where_children_are_present():
    person = upw_case()
    Register.objects.create(person=person, code=RegisterCode.RCCO, start_date=datetime.date(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        book(session(ProjectFactory(children_present=True)), person)
    assert "child safeguarding" in str(error.value.message_dict["person"])
    assert book(session(ProjectFactory(children_present=False)), person)


def test_an_ended_register_no_longer_bars_a_project_with_children():
    person = upw_case()
    Register.objects.create(person=person, code=RegisterCode.RCPR, start_date=datetime.date(2025, 1, 1),
                            end_date=datetime.date(2025, 6, 1))
    assert book(session(ProjectFactory(children_present=True)), person)


def test_a_register_ending_on_the_session_day_no_longer_bars_a_project_with_children():
    """A register's end date is the first day it no longer applies (Register.in_force), here as everywhere."""
    person = upw_case()
    Register.objects.create(person=person, code=RegisterCode.RCCO, start_date=datetime.date(2025, 1, 1),
                            end_date=datetime.date(2026, 3, 10))  # the default session day
    assert book(session(ProjectFactory(children_present=True)), person)


def test_a_high_rosh_case_may_only_work_on_a_project_marked_no_public_contact():
    for level in (RoshLevel.HIGH, RoshLevel.VERY_HIGH):
        person = upw_case(rosh_level=level)
        with pytest.raises(ValidationError) as error:
            book(session(ProjectFactory(no_public_contact=False)), person)
        assert "no public contact" in str(error.value.message_dict["person"])
        assert book(session(ProjectFactory(no_public_contact=True)), person)
    assert book(session(ProjectFactory(no_public_contact=False)), upw_case(rosh_level=RoshLevel.MEDIUM))


def test_a_stalking_register_in_force_bars_public_contact_and_an_ended_one_does_not():
    person = upw_case()
    register = Register.objects.create(person=person, code=RegisterCode.RSTK, start_date=datetime.date(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        book(session(ProjectFactory()), person)
    assert "stalking" in str(error.value.message_dict["person"])
    assert book(session(ProjectFactory(no_public_contact=True)), person)
    register.end_date = datetime.date(2025, 6, 1)
    register.save()
    assert book(session(ProjectFactory(), day=datetime.date(2026, 3, 11)), person)


def test_a_full_session_refuses_the_next_person():
    full = session(ProjectFactory(capacity=1))
    book(full, upw_case())
    with pytest.raises(ValidationError) as error:
        book(full, upw_case())
    assert "full" in str(error.value.message_dict["session"])


def test_a_person_without_unpaid_work_cannot_be_booked():
    from tests.supervision.factories import case_on_order

    with pytest.raises(ValidationError) as error:
        book(session(), case_on_order(sentence_date=datetime.date(2026, 1, 5)))
    assert "no unpaid work requirement" in str(error.value.message_dict["person"])


def test_a_booking_is_a_supervision_appointment_run_by_the_placement_partner():
    booking = book(session(), upw_case())
    appointment = booking.appointment
    assert appointment.type == "unpaid_work"
    assert appointment.partner_organisation_id == booking.session.project.partner_id
    assert appointment.requirement_id == booking.requirement_id


def test_cancelling_a_booking_frees_the_place_and_cancels_the_appointment():
    full = session(ProjectFactory(capacity=1))
    booking = book(full, upw_case())
    services.booking_cancel(booking=booking, by=booking.booked_by, reason="Started work",
                            now=full.starts_at - datetime.timedelta(days=1))
    booking.appointment.refresh_from_db()
    assert booking.appointment.cancelled_at is not None
    assert book(full, upw_case())


def test_the_database_refuses_credit_beyond_the_time_worked():
    booking = attend(book(session(), upw_case()), worked=60)
    with pytest.raises(IntegrityError):
        Booking.objects.filter(pk=booking.pk).update(credited_minutes=120)


def test_behind_schedule_compares_credit_with_a_steady_pace_to_the_deadline():
    start, deadline = datetime.date(2026, 1, 5), datetime.date(2027, 1, 5)
    ordered = 100 * 60
    # Half way through the year, 50 hours is on pace; 30 is 20 hours behind (more than two sessions).
    half = datetime.date(2026, 7, 6)
    assert not selectors.is_behind(ordered, 50 * 60, start, deadline, half)
    assert selectors.is_behind(ordered, 30 * 60, start, deadline, half)
    assert not selectors.is_behind(ordered, 40 * 60, start, deadline, half)  # 10 hours short: within tolerance
    assert selectors.is_behind(ordered, 99 * 60, start, deadline, deadline)
    assert not selectors.is_behind(ordered, ordered, start, deadline, deadline + datetime.timedelta(days=5))


def test_the_database_refuses_to_delete_a_booking_or_a_budget_spend():
    from django.db import transaction

    from tests.interventions.test_budgets_and_deadlines import _budget, _spend

    booking = book(session(), upw_case())
    spend = _spend(_budget(), "5.00")
    for row in (booking, spend):
        with pytest.raises(Exception), transaction.atomic():
            type(row).objects.filter(pk=row.pk).delete()
    assert Booking.objects.filter(pk=booking.pk).exists()
