"""Demo data: a realistic week in the Camden working-age men team's diary for the demo officer `om` (this week's
appointments, last week's with outcomes), some failures to comply, one warning given and one breach in progress
(decided by `om`, waiting for `spo` to countersign). Built through the services, so every rule applies.
Idempotent: nothing is added once the demo caseload has appointments."""

import datetime

from django.utils import timezone

from cases.models import Person
from probation.models import User
from supervision import services
from supervision.models import LONDON, Appointment, Outcome, Step

SLOTS = [(9, 30), (10, 45), (12, 0), (14, 0), (15, 15), (16, 15)]
KINDS = [("supervision", "office"), ("supervision", "office"), ("home_visit", "home"), ("supervision", "video"),
         ("induction", "office"), ("supervision", "phone")]


def _at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


def _working_days_before(day, count, calendar):
    days = []
    while len(days) < count:
        day -= datetime.timedelta(days=1)
        if calendar.is_working_day(day):
            days.append(day)
    return days


def seed_supervision(*, size: int, stdout) -> None:
    om = User.objects.filter(username="om").first()
    if om is None:
        return
    people = list(Person.objects.filter(offender_manager=om).order_by("crn"))
    if not people or Appointment.objects.filter(person__in=people).exists():
        return
    from probation.calendar import get_calendar

    calendar = get_calendar()
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    week = [monday + datetime.timedelta(days=n) for n in range(5) if calendar.is_working_day(monday + datetime.timedelta(days=n))]
    last_week = [d - datetime.timedelta(days=7) for d in week]
    covered = [p for p in people if services.sentence_on(p, today - datetime.timedelta(days=60))
               and services.sentence_on(p, today + datetime.timedelta(days=7))]
    current = [p for p in people if services.sentence_on(p, last_week[0] if last_week else today)
               and services.sentence_on(p, today + datetime.timedelta(days=7))]
    now = timezone.now()

    def book(person, start, kind=("supervision", "office"), minutes=45):
        booking = services.Booking(person=person, type=kind[0], place=kind[1], starts_at=start,
                                   ends_at=start + datetime.timedelta(minutes=minutes), officer=om,
                                   notes="Demo diary")
        return services.appointment_book(booking=booking, by=om, allow_clash=True,
                                         now=min(now, start - datetime.timedelta(days=1)))

    def record(appointment, outcome, reason=""):
        return services.appointment_record_outcome(appointment=appointment, outcome=outcome, by=om,
                                                   absence_reason=reason,
                                                   now=appointment.ends_at + datetime.timedelta(minutes=20))

    # Four people agreed to text reminders (Ofcom's drama numbers 07700 900xxx, never a real phone).
    for n, person in enumerate(current[:4]):
        services.reminders_consent_record(person=person, channel="sms", mobile=f"07700 900{100 + n:03d}", by=om)
    booked = 0
    # A week in the diary: each current case seen once this week and once last week, spread across the days.
    for index, person in enumerate(current):
        for days in (last_week, week):
            if not days:
                continue
            day = days[index % len(days)]
            hour, minute = SLOTS[(index // len(days)) % len(SLOTS)]
            appointment = book(person, _at(day, hour, minute), KINDS[index % len(KINDS)])
            booked += 1
            if appointment.ends_at < now:
                outcome = Outcome.ATTENDED
                if days is last_week and index % 7 == 3:
                    record(appointment, Outcome.ACCEPTABLE_ABSENCE, "illness")  # evidence awaited
                    continue
                if days is last_week and index % 7 == 5:
                    outcome = Outcome.UNACCEPTABLE_ABSENCE  # a first failure: a warning proposed
                record(appointment, outcome)
    # One warning given, then a second failure within 12 months: breach decided, waiting for the countersignature.
    if covered:
        orders_first = sorted(covered, key=lambda p: services.sentence_on(p, today).kind == "custody")
        person = orders_first[0]
        first, second = _working_days_before(today, 35, calendar)[-1], _working_days_before(today, 3, calendar)[-1]
        earlier = record(book(person, _at(first, 11)), Outcome.UNACCEPTABLE_ABSENCE)
        services.enforcement_decide(enforcement=earlier.failure.enforcement, decision=Step.WARNING, by=om,
                                    now=_at(first, 16))
        later = record(book(person, _at(second, 10)), Outcome.UNACCEPTABLE_ABSENCE)
        enforcement = later.failure.enforcement  # breach for an order; recall or magistrates' breach otherwise
        services.enforcement_decide(enforcement=enforcement, decision=enforcement.proposed, by=om,
                                    now=min(now, _at(second, 17)))
        booked += 2
    from supervision.contact import contact_deadlines_arm_all

    armed = contact_deadlines_arm_all()  # every demo case's next contact due, as the engine will chase it
    stdout.write(f"  om's diary: {booked} appointments this week and last, one warning, one breach in progress; "
                 f"contact deadlines for {armed} cases")
