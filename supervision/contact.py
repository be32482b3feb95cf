"""Contact standards as a deadline of the engine (step `supervision.contact_overdue`, in supervision.deadlines).

Each allocated CRC case under supervision has one deadline: the end of the London day by which its next contact is
due under the standard for its tier and phase (admin: ContactStandard). A contact is an appointment kept (attended,
or attended but failed to comply), or one booked that is still standing and awaiting its outcome: DOMAIN.md, "a case
with no appointment booked or kept inside its interval is overdue contact". A booking ahead inside the interval
carries the chain on from its day (if it is then missed or cancelled, the deadline moves back).

`contact_deadlines_refresh(person_ids=...)` recomputes and sets the deadlines of some people in a constant number of
statements (a lock, three reads and two writes, whatever the number of people); the services call it in the transaction
that books, moves, cancels or records an appointment, and `cases` calls it (registry `case_changed`) when a tier,
an allocation or a sentence changes. An administrator changing a standard re-arms everyone (`contact_deadlines_arm_all`,
in chunks, from a Celery task). The engine fires the deadline: the officer is told once, the SPO after a grace
period, and the episode is recorded (OverdueContact) for the team manager's page. A refresh that finds the person
in time again closes their open episode.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Person, Sentence
from probation.calendar import get_calendar
from probation.deadlines import deadlines_set
from supervision.models import LONDON, Appointment, OverdueContact
from supervision.selectors import contact_due_on, contact_standards

CHUNK = 2000


def end_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=LONDON)


def due_day(deadline: datetime.datetime) -> datetime.date:
    """The day a contact deadline (the end of that day) names."""
    return (deadline.astimezone(LONDON) - datetime.timedelta(seconds=1)).date()


def supervised(today: datetime.date):
    """The people the contact standard applies to: allocated CRC cases with an order or licence running `today`,
    annotated with when supervision started (release for custody, else the sentence date)."""
    current = Sentence.objects.filter(person=OuterRef("pk"), sentence_date__lte=today,
                                      supervision_end_date__gte=today).order_by("-sentence_date", "-id")
    return (Person.objects.crc().filter(offender_manager__isnull=False)
            .annotate(contact_start=Subquery(current.annotate(s=Coalesce("release_date", "sentence_date"))
                                             .values("s")[:1]))
            .filter(contact_start__isnull=False))


def last_contact_expression(now: datetime.datetime):
    """The London day of the person's latest contact up to `now` (uses the (person, starts_at) index)."""
    return Subquery(Appointment.objects.contacts().filter(person=OuterRef("pk"), starts_at__lte=now)
                    .order_by("-starts_at").values("local_date")[:1])


def next_contact_due(*, tier: str, start: datetime.date, last_contact: datetime.date | None,
                     booked: list[datetime.date], standards: dict, calendar) -> datetime.date | None:
    """The day by which the next contact is due: from the last contact, carried on by each booking ahead that falls
    inside the interval (a booking after the due day leaves the gap)."""
    today = None  # contact_due_on does not need it
    due = contact_due_on(tier=tier, start=start, last_contact=last_contact, today=today, standards=standards,
                         calendar=calendar)
    for day in sorted(booked):
        if due is None or day > due:
            break
        if last_contact is None or day > last_contact:
            last_contact = day
            due = contact_due_on(tier=tier, start=start, last_contact=day, today=today, standards=standards,
                                 calendar=calendar)
    return due


def contact_due_for(person_ids: list[int], *, now: datetime.datetime) -> dict[int, datetime.datetime | None]:
    """Each person's contact deadline (None: the standard does not apply). Three queries whatever the number."""
    today = timezone.localdate(now)
    rows = list(supervised(today).filter(pk__in=person_ids).annotate(last_contact=last_contact_expression(now))
                .values_list("pk", "tier", "contact_start", "last_contact"))
    booked: dict[int, list[datetime.date]] = {}
    for person_id, day in (Appointment.objects.contacts().filter(person_id__in=[r[0] for r in rows], starts_at__gt=now)
                           .values_list("person_id", "local_date")):
        booked.setdefault(person_id, []).append(day)
    standards, calendar = contact_standards(), get_calendar()
    due: dict[int, datetime.datetime | None] = dict.fromkeys(person_ids)
    for pk, tier, start, last in rows:
        day = next_contact_due(tier=tier, start=start, last_contact=last, booked=booked.get(pk, []),
                               standards=standards, calendar=calendar)
        due[pk] = end_of_day(day) if day is not None else None
    return due


def contact_deadlines_refresh(*, person_ids, now: datetime.datetime | None = None) -> dict[int, datetime.datetime | None]:
    """Set the contact deadline of each of these people from what is recorded now, in six statements. A deadline
    that has already fired (the officer told) is not fired again for the same overdue spell: it is re-armed only if
    the new due time is still to come (a contact was made or booked in time), which also closes the open episode."""
    from supervision.deadlines import CONTACT_OVERDUE

    now = now or timezone.now()
    ids = list(dict.fromkeys(pk for pk in person_ids if pk is not None))
    if not ids:
        return {}
    # Race: two bookings (or a booking and an outcome) for one person at once, each computing the due day without
    # the other's appointment. Locking the people first (in id order, no deadlock) serialises them: the second
    # reads the first's committed appointment.
    list(Person.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    due = contact_due_for(ids, now=now)
    deadlines_set(step=CONTACT_OVERDUE, due=due, now=now)
    in_time = [pk for pk, when in due.items() if when is None or when > now]
    if in_time:
        OverdueContact.objects.filter(person_id__in=in_time, resolved_on__isnull=True).update(
            resolved_on=timezone.localdate(now))
    return due


def contact_deadlines_arm_all(*, now: datetime.datetime | None = None, chunk: int = CHUNK) -> int:
    """Every case's contact deadline, recomputed in chunks (after a standard changes in admin, or once after
    upgrading from the nightly listing). Returns the number of people refreshed."""
    now = now or timezone.now()
    done, last = 0, 0
    while True:
        ids = list(Person.objects.crc().filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk])
        if not ids:
            return done
        with transaction.atomic():
            contact_deadlines_refresh(person_ids=ids, now=now)
        done += len(ids)
        last = ids[-1]


def on_case_changed(person_ids: list[int]) -> None:
    """cases.registry listener: a tier, allocation or sentence changed."""
    contact_deadlines_refresh(person_ids=person_ids)

