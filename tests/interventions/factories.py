"""Building blocks for interventions tests: a placement project, a case with an unpaid work requirement, sessions,
and bookings made and recorded through the services (so every test goes through the same rules as the pages)."""

import datetime

import factory
from factory.django import DjangoModelFactory

from cases.models import Requirement
from interventions import services
from interventions.models import LONDON, Project
from tests.cases.factories import RequirementFactory
from tests.partners.factories import SupplyChainPartnerFactory
from tests.supervision.factories import case_on_order

SENTENCED = datetime.date(2026, 1, 5)


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON)


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Park clearance {n}")
    partner = factory.SubFactory(SupplyChainPartnerFactory)
    borough = factory.LazyFunction(lambda: __import__("partners.models").models.Borough.objects.get(code="camden"))
    address = "Regent's Park, London NW1"
    capacity = 6


def upw_case(*, hours=100, sentence_date=SENTENCED, **kwargs):
    """A person on a 24-month community order with an unpaid work requirement of `hours`."""
    person = case_on_order(sentence_date=sentence_date, months=24, **kwargs)
    sentence = person.sentences.get()
    RequirementFactory(sentence=sentence, kind=Requirement.Kind.UNPAID_WORK, rar_days=None, hours=hours,
                       start_date=sentence_date, end_date=sentence.end_date)
    return person


def session(project=None, day=datetime.date(2026, 3, 10), **kwargs):
    return services.session_create(project=project or ProjectFactory(), day=day, **kwargs)


def book(session, person, *, by=None):
    """Book as the person's officer two days before the session."""
    return services.session_book(session=session, person=person, by=by or person.offender_manager,
                                 now=session.starts_at - datetime.timedelta(days=2))


def attend(booking, outcome="attended", *, worked=420, stood_down=0, behaviour="good", by=None, reason=""):
    absent = outcome not in ("attended", "failed_to_comply")
    return services.attendance_record(
        booking=booking, outcome=outcome, by=by or booking.session.supervisor or booking.person.offender_manager,
        minutes_worked=None if absent else worked, minutes_stood_down=0 if absent else stood_down,
        behaviour="" if absent else behaviour, absence_reason=reason,
        now=booking.session.ends_at + datetime.timedelta(minutes=30))
