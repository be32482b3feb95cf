"""Building blocks for supervision tests: a case on an order, and appointments booked and recorded through the
services (so every test goes through the same rules as the pages)."""

import datetime

from cases.models import Requirement, Sentence
from supervision import services
from supervision.models import LONDON, Outcome
from tests.cases.factories import AllocatedPersonFactory, RequirementFactory, SentenceFactory, StaffProfileFactory


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


def case_on_order(*, sentence_date=datetime.date(2025, 1, 6), months=36, kind=Sentence.Kind.COMMUNITY_ORDER, **kwargs):
    """A person allocated to an officer in a team, on a community order (by default) running `months`."""
    person = AllocatedPersonFactory(**kwargs)
    SentenceFactory(person=person, kind=kind, sentence_date=sentence_date, offence_date=sentence_date
                    - datetime.timedelta(days=60), length_months=months)
    return person


def colleague_of(person):
    return StaffProfileFactory(team=person.team).user


def rar_requirement(person, days=20):
    sentence = person.sentences.first()
    return RequirementFactory(sentence=sentence, kind=Requirement.Kind.RAR, rar_days=days,
                              start_date=sentence.sentence_date, end_date=sentence.end_date)


def booking(person, starts_at, *, minutes=60, officer=None, type="supervision", requirement=None):
    return services.Booking(person=person, type=type, place="office", starts_at=starts_at,
                            ends_at=starts_at + datetime.timedelta(minutes=minutes),
                            officer=officer or person.offender_manager, requirement=requirement)


def book(person, starts_at, *, now=None, **kwargs):
    """Book as the officer, `now` a day before the appointment unless given."""
    now = now or starts_at - datetime.timedelta(days=1)
    return services.appointment_book(booking=booking(person, starts_at, **kwargs), by=person.offender_manager,
                                     allow_clash=True, now=now)


def record(appointment, outcome, *, by=None, reason="", now=None):
    now = now or appointment.ends_at + datetime.timedelta(hours=1)
    return services.appointment_record_outcome(appointment=appointment, outcome=outcome,
                                               by=by or appointment.person.offender_manager, absence_reason=reason,
                                               now=now)


def failed_appointment(person, day: datetime.date):
    """An unacceptable absence on `day` (booked the day before, recorded an hour after it ended)."""
    appointment = book(person, at(day))
    return record(appointment, Outcome.UNACCEPTABLE_ABSENCE)


def warned(person, day: datetime.date):
    """A failure on `day` and the warning decided the next day. Returns the enforcement."""
    appointment = failed_appointment(person, day)
    enforcement = appointment.failure.enforcement
    return services.enforcement_decide(enforcement=enforcement, decision="warning", by=person.offender_manager,
                                       now=at(day + datetime.timedelta(days=1), 9))
