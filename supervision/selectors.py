"""Reads for supervision: the diary, compliance at a glance, RAR days, contact standards and team figures.
Each runs a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db.models import Count, DateField, OuterRef, Q, Subquery, Value
from django.utils import timezone

from cases.models import Person, Requirement
from supervision.models import (
    COUNTERSIGNED_STEPS,
    KEPT_OUTCOMES,
    LONDON,
    Appointment,
    ContactStandard,
    Enforcement,
    EvidenceStatus,
    Failure,
    OverdueContact,
    Phase,
    Step,
)

AWAITING_EVIDENCE = (EvidenceStatus.AWAITED, EvidenceStatus.RECEIVED)


def local_bounds(first: datetime.date, days: int) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=LONDON)
    end = datetime.datetime.combine(first + datetime.timedelta(days=days), datetime.time(), tzinfo=LONDON)
    return start, end


def diary(officer, first: datetime.date, days: int) -> dict[datetime.date, list[Appointment]]:
    """The officer's appointments day by day (moved-away and cancelled ones shown struck through): one query."""
    start, end = local_bounds(first, days)
    by_day: dict[datetime.date, list[Appointment]] = {first + datetime.timedelta(days=n): [] for n in range(days)}
    for appointment in Appointment.objects.for_diary().filter(officer=officer, starts_at__gte=start,
                                                              starts_at__lt=end).order_by("starts_at", "id"):
        by_day.setdefault(appointment.local_date, []).append(appointment)
    return by_day


@dataclass
class Compliance:
    failures_12_months: int = 0
    warning_expires_on: datetime.date | None = None
    in_progress: str = ""
    evidence_awaited: int = 0
    next_appointment_at: datetime.datetime | None = None
    last_contact_at: datetime.datetime | None = None
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def days_since_contact(self) -> int | None:
        if self.last_contact_at is None:
            return None
        return (self.today - self.last_contact_at.astimezone(LONDON).date()).days


def with_compliance(people, *, now=None):
    """Annotate a Person queryset with compliance at a glance: one query, whatever its length."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    person = OuterRef("pk")
    failures = (Failure.objects.counting().filter(person=person, occurred_on__gt=today - relativedelta(months=12))
                .order_by().values("person").annotate(n=Count("pk")).values("n"))
    warning = (Enforcement.objects.warnings_given().filter(person=person, warning_expires_on__gte=today)
               .order_by("-warning_expires_on").values("warning_expires_on")[:1])
    in_progress = (Enforcement.objects.open().filter(person=person)
                   .filter(Q(decision__in=COUNTERSIGNED_STEPS) | Q(decided_at__isnull=True, proposed__in=COUNTERSIGNED_STEPS))
                   .order_by("-proposed_at").values("proposed")[:1])
    evidence = (Appointment.objects.filter(person=person, evidence_status__in=AWAITING_EVIDENCE)
                .order_by().values("person").annotate(n=Count("pk")).values("n"))
    upcoming = (Appointment.objects.standing().filter(person=person, starts_at__gte=now)
                .order_by("starts_at").values("starts_at")[:1])
    last_contact = (Appointment.objects.filter(person=person, outcome__in=KEPT_OUTCOMES, starts_at__lte=now)
                    .order_by("-starts_at").values("starts_at")[:1])
    return people.annotate(
        sv_failures=Subquery(failures), sv_warning_expires=Subquery(warning), sv_in_progress=Subquery(in_progress),
        sv_evidence=Subquery(evidence), sv_next=Subquery(upcoming), sv_last_contact=Subquery(last_contact),
    )


def compliance_of(person: Person) -> Compliance:
    """Compliance from a person annotated by with_compliance()."""
    return Compliance(
        failures_12_months=person.sv_failures or 0,
        warning_expires_on=person.sv_warning_expires,
        in_progress=Step(person.sv_in_progress).label if person.sv_in_progress else "",
        evidence_awaited=person.sv_evidence or 0,
        next_appointment_at=person.sv_next,
        last_contact_at=person.sv_last_contact,
    )


def compliance_for(person_ids: list[int], *, now=None) -> dict[int, Compliance]:
    people = with_compliance(Person.objects.filter(pk__in=person_ids).order_by(), now=now)
    return {p.pk: compliance_of(p) for p in people}


def person_appointments(person: Person, *, now=None, upcoming_limit=10, past_limit=20):
    """The person's next and latest appointments (two index range scans on (person, starts_at)); the person is the
    one given, not joined again."""
    now = now or timezone.now()
    base = Appointment.objects.select_related("officer", "partner_organisation", "requirement").filter(person=person)
    upcoming = list(base.standing().filter(starts_at__gte=now).order_by("starts_at")[:upcoming_limit])
    past = list(base.filter(starts_at__lt=now).order_by("-starts_at")[:past_limit])
    for appointment in upcoming + past:
        appointment.person = person
    return upcoming, past


def open_enforcements(person: Person):
    return Enforcement.objects.filter(person=person).select_related(
        "failure", "decided_by", "countersigned_by").order_by("-proposed_at")[:10]


@dataclass
class RarDays:
    requirement: Requirement
    completed: int
    booked: int

    @property
    def ordered(self) -> int:
        return self.requirement.rar_days or 0

    @property
    def remaining(self) -> int:
        return max(self.ordered - self.completed, 0)

    @property
    def unbooked(self) -> int:
        return max(self.ordered - self.completed - self.booked, 0)

    @property
    def end_near_with_days_left(self) -> bool:
        today = timezone.localdate()
        return self.remaining > 0 and (self.requirement.end_date - today).days <= 28


def rar_days(requirements: list[Requirement], *, now=None) -> list[RarDays]:
    """RAR days completed (calendar days with at least one attended RAR activity: two on one day are one day),
    booked (future days with a live booking and not already completed; a moved appointment counts once, at its new
    time) and remaining. One query for all the requirements."""
    now = now or timezone.now()
    rar = [r for r in requirements if r.kind == Requirement.Kind.RAR]
    if not rar:
        return []
    completed, booked = defaultdict(set), defaultdict(set)
    rows = (Appointment.objects.filter(requirement__in=rar)
            .filter(Q(outcome__in=KEPT_OUTCOMES) | Q(outcome="", cancelled_at__isnull=True, moved_to__isnull=True,
                                                      starts_at__gte=now))
            .values_list("requirement_id", "local_date", "outcome").distinct())
    for requirement_id, day, outcome in rows:
        (completed if outcome else booked)[requirement_id].add(day)
    return [RarDays(r, len(completed[r.pk]), len(booked[r.pk] - completed[r.pk])) for r in rar]


# --- contact standards ------------------------------------------------------------------------------------------------

def contact_standards() -> dict[tuple[str, str], ContactStandard]:
    return {(s.tier, s.phase): s for s in ContactStandard.objects.all()}


def contact_due_on(*, tier: str, start: datetime.date, last_contact: datetime.date | None, today: datetime.date,
                   standards: dict, calendar) -> datetime.date | None:
    """When the next contact is due under the standard for the tier and phase (None when no standard applies)."""
    letter = (tier or "D")[:1]
    early = standards.get((letter, Phase.EARLY))
    later = standards.get((letter, Phase.LATER))
    if early is None or later is None:
        return None
    if last_contact is None:
        from supervision.services import add_working_days

        return add_working_days(start, early.first_within_working_days, calendar)
    in_early_phase = last_contact < start + datetime.timedelta(weeks=early.early_weeks)
    return last_contact + datetime.timedelta(days=(early if in_early_phase else later).interval_days)


def supervision_start_expression():
    """When supervision starts for the contact standard: release for custody, else the sentence date."""
    from cases.models import Sentence

    return Subquery(Sentence.objects.filter(person=OuterRef("pk")).order_by("-sentence_date", "-id")
                    .values("sentence_date")[:1])


# --- team manager figures -------------------------------------------------------------------------------------------

def team_overdue(team_ids: list[int], on: datetime.date | None = None):
    """The teams' cases overdue for contact: the open episodes recorded by the deadline engine (step
    supervision.contact_overdue), or those open at the end of a past day `on` (an old nightly listing counts for its
    night). Each row's `as_of` is the day its days overdue are counted to."""
    if on is None:  # the case's team now
        episodes = OverdueContact.objects.filter(person__team_id__in=team_ids, resolved_on__isnull=True)
    else:  # the team the case was in when it fell overdue
        episodes = (OverdueContact.objects.filter(team_id__in=team_ids, listed_on__lte=on)
                    .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=on)))
    return (episodes.select_related("person", "person__offender_manager", "team")
            .annotate(as_of=Value(on or timezone.localdate(), output_field=DateField()))
            .order_by("due_on", "person__crn"))


@dataclass
class Timeliness:
    month: datetime.date
    due: int
    on_time: int
    late: int
    still_open: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.due) if self.due else None


def enforcement_timeliness(team_ids: list[int], *, as_of: datetime.date, months: int = 6) -> list[Timeliness]:
    """Breaches and recalls whose 10-working-day deadline fell in each month, and how many were started (sent to
    the NPS or the court) by it, recomputed from the stored _at times as they stood at the end of `as_of`: a past
    day shows what was known then. One query."""
    from supervision.services import end_of_local_day

    cutoff = end_of_local_day(as_of)
    first = as_of.replace(day=1) - relativedelta(months=months - 1)
    rows = (Enforcement.objects.filter(person__team_id__in=team_ids, referral_due_at__isnull=False,
                                       referral_due_at__gte=local_bounds(first, 0)[0],
                                       referral_due_at__lt=cutoff, decided_at__lt=cutoff)
            .filter(Q(decision__in=COUNTERSIGNED_STEPS))
            .values_list("referral_due_at", "referred_at"))
    table = {first + relativedelta(months=n): [0, 0, 0, 0] for n in range(months)}
    for due, referred in rows:
        month = due.astimezone(LONDON).date().replace(day=1)
        counts = table.setdefault(month, [0, 0, 0, 0])
        counts[0] += 1
        if referred is not None and referred <= due and referred < cutoff:
            counts[1] += 1
        elif referred is not None and referred < cutoff:
            counts[2] += 1
        else:
            counts[3] += 1
    return [Timeliness(month, *counts) for month, counts in sorted(table.items())]


def officer_overdue_counts(team_ids: list[int], on: datetime.date | None = None) -> list[dict]:
    """How many of the teams' overdue cases each officer holds (the case's officer now)."""
    rows = (team_overdue(team_ids, on).order_by()
            .values("person__offender_manager__first_name", "person__offender_manager__last_name",
                    "person__offender_manager_id")
            .annotate(n=Count("pk")).order_by("-n"))
    return [{"officer__first_name": r["person__offender_manager__first_name"],
             "officer__last_name": r["person__offender_manager__last_name"],
             "officer_id": r["person__offender_manager_id"], "n": r["n"]} for r in rows]


def decisions_waiting(person_ids=None, *, officer=None, team_ids=None):
    qs = Enforcement.objects.filter(decided_at__isnull=True).select_related("person", "failure")
    if officer is not None:
        qs = qs.filter(person__offender_manager=officer)
    if team_ids is not None:
        qs = qs.filter(person__team_id__in=team_ids)
    return qs.order_by("decision_due_at")


def countersign_waiting(team_ids):
    return (Enforcement.objects.filter(person__team_id__in=team_ids, decision__in=COUNTERSIGNED_STEPS,
                                       decided_at__isnull=False, countersigned_at__isnull=True)
            .select_related("person", "failure", "decided_by").order_by("countersign_due_at"))


def evidence_decisions(officer):
    """Absences for the officer to decide: evidence received, or late (awaited past its due day)."""
    late = Q(evidence_status=EvidenceStatus.AWAITED, evidence_due_on__lt=timezone.localdate())
    return (Appointment.objects.filter(person__offender_manager=officer)
            .filter(late | Q(evidence_status=EvidenceStatus.RECEIVED))
            .select_related("person").order_by("evidence_due_on"))


def outcomes_needed(officer, *, now=None):
    now = now or timezone.now()
    return (Appointment.objects.awaiting_outcome().filter(officer=officer, ends_at__lte=now)
            .select_related("person").order_by("starts_at"))
