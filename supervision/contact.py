"""The nightly overdue-contact job: every allocated CRC case under supervision is checked against its contact
standard (tier and phase, from admin); the overdue ones are listed for the night (one row per case per night, so a
second run adds nothing) and each officer and team manager is told once."""

from __future__ import annotations

import datetime
from collections import Counter

from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from cases.models import Person, Sentence
from probation.calendar import get_calendar
from probation.models import Notification
from supervision.models import KEPT_OUTCOMES, Appointment, OverdueContact
from supervision.selectors import contact_due_on, contact_standards


def _people_under_supervision(today: datetime.date):
    current = Sentence.objects.filter(person=OuterRef("pk"), sentence_date__lte=today,
                                      supervision_end_date__gte=today).order_by("-sentence_date", "-id")
    contact = Appointment.objects.filter(person=OuterRef("pk"), starts_at__lte=timezone.now()).filter(
        Q(outcome__in=KEPT_OUTCOMES) | Q(outcome="", cancelled_at__isnull=True))
    return (Person.objects.crc().filter(offender_manager__isnull=False)
            .annotate(start=Subquery(current.annotate(s=Coalesce("release_date", "sentence_date")).values("s")[:1]),
                      last_contact=Subquery(contact.order_by().values("person")
                                            .annotate(m=Max("local_date")).values("m")))
            .filter(start__isnull=False)
            .order_by("pk")
            .values_list("pk", "tier", "team_id", "offender_manager_id", "start", "last_contact"))


def overdue_contact_list(*, today: datetime.date | None = None, chunk: int = 2000) -> dict:
    today = today or timezone.localdate()
    standards = contact_standards()
    calendar = get_calendar()
    per_officer, per_team = Counter(), Counter()
    batch = []
    already = OverdueContact.objects.filter(listed_on=today).count()

    def flush():
        nonlocal batch
        with transaction.atomic():
            OverdueContact.objects.bulk_create(batch, ignore_conflicts=True)  # one listing per case per night
        batch = []

    for pk, tier, team_id, officer_id, start, last in _people_under_supervision(today).iterator(chunk_size=chunk):
        due = contact_due_on(tier=tier, start=start, last_contact=last, today=today, standards=standards,
                             calendar=calendar)
        if due is None or due >= today:
            continue
        batch.append(OverdueContact(listed_on=today, person_id=pk, officer_id=officer_id, team_id=team_id,
                                    due_on=due, last_contact_on=last))
        per_officer[officer_id] += 1
        if team_id:
            per_team[team_id] += 1
        if len(batch) >= chunk:
            flush()
    if batch:
        flush()
    _notify(today, per_officer, per_team)
    listed = OverdueContact.objects.filter(listed_on=today).count() - already
    return {"overdue": sum(per_officer.values()), "listed": listed}


def _notify(today, per_officer: Counter, per_team: Counter) -> None:
    from cases.models import Team

    notes = []
    url = reverse("supervision:my_day")
    for officer_id, count in per_officer.items():
        notes.append(Notification(recipient_id=officer_id, dedupe_key=f"supervision:overdue:{today}:{officer_id}",
                                  subject=f"{count} case{'s' if count != 1 else ''} overdue for contact",
                                  body="Book an appointment for each case listed on your day page.", url=url))
    team_url = reverse("supervision:team")
    for team in Team.objects.filter(pk__in=per_team, manager__isnull=False):
        count = per_team[team.pk]
        notes.append(Notification(recipient_id=team.manager_id,
                                  dedupe_key=f"supervision:overdue-team:{today}:{team.pk}",
                                  subject=f"{team.name}: {count} case{'s' if count != 1 else ''} overdue for contact",
                                  body="See the team's overdue contacts.", url=team_url))
    Notification.objects.bulk_create(notes, ignore_conflicts=True)

