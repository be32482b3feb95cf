"""Writes for supervision: booking, moving and cancelling appointments, outcomes, evidence, failures, enforcement
and letters. Every function is keyword-only and atomic; views, the API, admin and the sweeps call these and hold no
rules. A bad request raises ValidationError naming the field, and nothing is stored."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import Person, Requirement, Sentence
from probation.calendar import Clock, WorkingCalendar, due_at, get_calendar
from probation.deadlines import deadline_set, deadlines_cancel, deadlines_set
from probation.models import Role
from probation.services import notification_send
from supervision import conf
from supervision import deadlines as steps
from supervision.contact import contact_deadlines_refresh
from supervision.models import (
    COUNTERSIGNED_STEPS,
    ESCALATION_BY_PATH,
    EVIDENCE_REASONS,
    LONDON,
    NPS_STEPS,
    RECORDABLE_OUTCOMES,
    AamrReading,
    Appointment,
    AppointmentSeries,
    AppointmentType,
    ContactPreference,
    Enforcement,
    EvidenceStatus,
    Failure,
    FailureKind,
    Letter,
    Outcome,
    Path,
    Reminder,
    Step,
)

logger = logging.getLogger(__name__)


class ClashWarning(ValidationError):
    """The booking clashes with another appointment of the officer or the person; book anyway only if confirmed."""

    def __init__(self, clashes: list[str]):
        self.clashes = clashes
        super().__init__({"__all__": clashes})


# --- calendar helpers -----------------------------------------------------------------------------------------------

def add_working_days(day: datetime.date, count: int, calendar: WorkingCalendar | None = None) -> datetime.date:
    """The `count`-th working day after `day` (bank holidays and closure days skipped)."""
    calendar = calendar or get_calendar()
    for _ in range(count):
        day = calendar.next_working_day(day)
    return day


def end_of_local_day(day: datetime.date) -> datetime.datetime:
    """The end of a London day (its following midnight), as an aware datetime."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=LONDON)


def local_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(LONDON).date()


def outcome_due(ends_at: datetime.datetime, calendar: WorkingCalendar | None = None) -> datetime.datetime:
    """A working day after the appointment ends: then its missing outcome is chased."""
    return due_at(ends_at, 24, Clock.WORKING_DAYS, calendar or get_calendar())


def _fmt(moment: datetime.datetime) -> str:
    return timezone.localtime(moment, LONDON).strftime("%a %d %b %Y %H:%M")


# --- booking ----------------------------------------------------------------------------------------------------------

def sentence_on(person: Person, day: datetime.date) -> Sentence | None:
    """The order or licence under which `person` is supervised on `day` (the latest one covering it)."""
    for sentence in Sentence.objects.filter(person=person, sentence_date__lte=day, supervision_end_date__gte=day) \
            .order_by("-sentence_date", "-id"):
        return sentence
    return None


def is_on_caseload(person: Person, officer) -> bool:
    """The officer is the case's offender manager, or a colleague in its team (cover)."""
    if officer is None:
        return False
    if person.offender_manager_id == officer.pk:
        return True
    profile = getattr(officer, "staff_profile", None)
    return person.team_id is not None and profile is not None and profile.team_id == person.team_id


@dataclass
class Booking:
    person: Person
    type: str
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    officer: object = None
    partner_organisation: object = None
    requirement: Requirement | None = None
    notes: str = ""
    # A session of an accredited programme group, run by one of its facilitators (who does not hold the case). Only
    # valid for a programme-session appointment against the person's own accredited programme requirement.
    run_by_facilitator: bool = False


def _validate_booking(booking: Booking, *, new: bool, now: datetime.datetime) -> None:
    errors: dict[str, list[str]] = {}
    start, end = booking.starts_at, booking.ends_at
    for name, value in (("starts_at", start), ("ends_at", end)):
        if value is None or value.tzinfo is None:
            errors.setdefault(name, []).append("Enter a date and time.")
    if errors:
        raise ValidationError(errors)
    if end <= start:
        errors.setdefault("ends_at", []).append("The appointment must end after it starts.")
    elif end - start > datetime.timedelta(hours=12):
        errors.setdefault("ends_at", []).append("An appointment cannot last more than 12 hours.")
    limit = conf.booking_past_limit_days()
    if new and start < now - datetime.timedelta(days=limit):
        errors.setdefault("starts_at", []).append(
            f"A new appointment cannot start more than {limit} days ago; record older contacts with the NPS.")
    day = local_day(start)
    sentence = sentence_on(booking.person, day)
    if sentence is None:
        errors.setdefault("starts_at", []).append(
            f"{day:%d %b %Y} is outside {booking.person.full_name}'s order or licence dates.")
    if booking.requirement is not None:
        requirement = booking.requirement
        if requirement.sentence.person_id != booking.person.pk:
            errors.setdefault("requirement", []).append("That requirement belongs to another person's sentence.")
        elif not requirement.start_date <= day <= requirement.end_date:
            errors.setdefault("starts_at", []).append(
                f"The requirement runs from {requirement.start_date:%d %b %Y} to {requirement.end_date:%d %b %Y}.")
    if booking.officer is None and booking.partner_organisation is None:
        errors.setdefault("officer", []).append("Choose the officer or the partner who runs the appointment.")
    if booking.run_by_facilitator:
        if booking.type != AppointmentType.PROGRAMME:
            errors.setdefault("type", []).append("Only a programme session is run by a facilitator.")
        if booking.officer is None:
            errors.setdefault("officer", []).append("Choose the facilitator who runs the session.")
        if booking.requirement is None or booking.requirement.kind != Requirement.Kind.ACCREDITED_PROGRAMME:
            errors.setdefault("requirement", []).append(
                "A facilitator books only against the person's accredited programme requirement.")
    elif booking.officer is not None and not is_on_caseload(booking.person, booking.officer):
        errors.setdefault("officer", []).append(
            f"{booking.person.full_name} is not on {booking.officer}'s caseload or team.")
    if errors:
        raise ValidationError(errors)


def appointment_clashes(*, person: Person, officer, starts_at, ends_at, exclude_pk: int | None = None) -> list[str]:
    """Live appointments that overlap, for the officer and for the person: warnings, not errors."""
    overlapping = Appointment.objects.overlapping(starts_at, ends_at).select_related("person", "officer")
    if exclude_pk:
        overlapping = overlapping.exclude(pk=exclude_pk)
    clashes = []
    if officer is not None:
        for other in overlapping.filter(officer=officer)[:5]:
            clashes.append(f"{officer} already has {other.get_type_display().lower()} with {other.person.full_name} "
                           f"at {_fmt(other.starts_at)}.")
    for other in overlapping.filter(person=person).exclude(officer=officer)[:5] if officer else \
            overlapping.filter(person=person)[:5]:
        clashes.append(f"{person.full_name} already has {other.get_type_display().lower()} at {_fmt(other.starts_at)}.")
    return clashes


def _create(booking: Booking, *, by, now, clashes, arm: bool = True, **extra) -> Appointment:
    appointment = Appointment.objects.create(
        person=booking.person, type=booking.type, place=booking.place, starts_at=booking.starts_at,
        ends_at=booking.ends_at, officer=booking.officer, partner_organisation=booking.partner_organisation,
        requirement=booking.requirement, notes=booking.notes, booked_by=by, booked_at=now, clash_warnings=clashes,
        outcome_due_at=outcome_due(booking.ends_at), **extra,
    )
    if arm:
        deadline_set(step=steps.OUTCOME_CHASE, owner_id=appointment.pk, due_at=appointment.outcome_due_at)
        _arm_day_before(appointment, now)
    return appointment


def _arm_day_before(appointment: Appointment, now) -> None:
    """The day-before reminder at 10:00 London, unless that moment has passed (the booking message covers it)."""
    when = datetime.datetime.combine(appointment.local_date - datetime.timedelta(days=1), datetime.time(10),
                                     tzinfo=LONDON)
    if when > now:
        deadline_set(step=steps.REMINDER_DAY_BEFORE, owner_id=appointment.pk, due_at=when)


def _reminder_queue(appointment: Appointment, kind: str, *, now) -> Reminder | None:
    """A message to the person now (booked or moved), only with consent, an address and no opt-out; once per key."""
    preference = ContactPreference.objects.filter(person_id=appointment.person_id).first()
    if preference is None or not preference.may_send or appointment.starts_at <= now:
        return None
    reminder, _ = Reminder.objects.get_or_create(
        dedupe_key=f"reminder:{appointment.pk}:{kind}",
        defaults={"appointment": appointment, "kind": kind, "channel": preference.channel, "to": preference.address,
                  "created_at": now, "next_attempt_at": now})
    return reminder


@transaction.atomic
def appointment_book(*, booking: Booking, by, allow_clash: bool = False, now=None) -> Appointment:
    now = now or timezone.now()
    _validate_booking(booking, new=True, now=now)
    clashes = appointment_clashes(person=booking.person, officer=booking.officer, starts_at=booking.starts_at,
                                  ends_at=booking.ends_at)
    if clashes and not allow_clash:
        raise ClashWarning(clashes)
    appointment = _create(booking, by=by, now=now, clashes=clashes)
    _reminder_queue(appointment, Reminder.Kind.BOOKED, now=now)
    contact_deadlines_refresh(person_ids=[booking.person.pk], now=now)  # a booking in time moves the contact due
    return appointment


@dataclass
class SeriesResult:
    series: AppointmentSeries
    appointments: list[Appointment]
    skipped: list[datetime.date]
    clashes: list[str]


@transaction.atomic
def appointment_series_book(*, booking: Booking, every_days: int, count: int, by, allow_clash: bool = False,
                            now=None) -> SeriesResult:
    """Book `count` occurrences `every_days` apart at the same London wall-clock time; occurrences on bank holidays
    and closure days are skipped (listed on the series), not moved. All or nothing."""
    now = now or timezone.now()
    if not 1 <= every_days <= 28:
        raise ValidationError({"every_days": "Repeat every 1 to 28 days."})
    if not 1 <= count <= 52:
        raise ValidationError({"count": "Book between 1 and 52 appointments at once."})
    calendar = get_calendar()
    first_start = booking.starts_at.astimezone(LONDON)
    duration = booking.ends_at - booking.starts_at
    occurrences, skipped = [], []
    for n in range(count):
        day = first_start.date() + datetime.timedelta(days=every_days * n)
        if not calendar.is_working_day(day) and day.weekday() < 5 or day in calendar.closures:
            skipped.append(day)
            continue
        start = datetime.datetime.combine(day, first_start.time().replace(tzinfo=None), tzinfo=LONDON)
        occurrences.append(Booking(**{**booking.__dict__, "starts_at": start, "ends_at": start + duration}))
    if not occurrences:
        raise ValidationError({"starts_at": "Every date in the series falls on a bank holiday or closure day."})
    clashes = []
    for occurrence in occurrences:
        _validate_booking(occurrence, new=True, now=now)
        clashes += appointment_clashes(person=occurrence.person, officer=occurrence.officer,
                                       starts_at=occurrence.starts_at, ends_at=occurrence.ends_at)
    if clashes and not allow_clash:
        raise ClashWarning(clashes)
    series = AppointmentSeries.objects.create(person=booking.person, every_days=every_days, requested=count,
                                              skipped_dates=[d.isoformat() for d in skipped], created_by=by)
    appointments = [_create(o, by=by, now=now, clashes=[], series=series, arm=False) for o in occurrences]
    deadlines_set(step=steps.OUTCOME_CHASE, due={a.pk: a.outcome_due_at for a in appointments})
    for appointment in appointments:
        _arm_day_before(appointment, now)
    _reminder_queue(appointments[0], Reminder.Kind.BOOKED, now=now)  # one message for the series, then day-befores
    contact_deadlines_refresh(person_ids=[booking.person.pk], now=now)
    return SeriesResult(series, appointments, skipped, clashes)


def _locked(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().select_related("person").get(pk=appointment.pk)


def _require_live(appointment: Appointment, field="__all__") -> None:
    if appointment.cancelled_at is not None:
        raise ValidationError({field: "This appointment was cancelled."})
    if Appointment.objects.filter(moved_from=appointment).exists():
        raise ValidationError({field: "This appointment was moved; change the new one."})


@transaction.atomic
def appointment_move(*, appointment: Appointment, starts_at, ends_at, by, reason: str, officer=None,
                     allow_clash: bool = False, now=None) -> Appointment:
    """Move: a new row linked to the old, which keeps its row with the outcome "rescheduled"."""
    now = now or timezone.now()
    # Race: two people moving the same appointment at once; the lock makes the second see it moved.
    old = _locked(appointment)
    _require_live(old)
    if old.outcome:
        raise ValidationError({"__all__": "This appointment already has an outcome; book a new one instead."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the appointment is moving."})
    booking = Booking(person=old.person, type=old.type, place=old.place, starts_at=starts_at, ends_at=ends_at,
                      officer=officer or old.officer, partner_organisation=old.partner_organisation,
                      requirement=old.requirement, notes=old.notes)
    _validate_booking(booking, new=True, now=now)
    clashes = appointment_clashes(person=old.person, officer=booking.officer, starts_at=starts_at, ends_at=ends_at,
                                  exclude_pk=old.pk)
    if clashes and not allow_clash:
        raise ClashWarning(clashes)
    Appointment.objects.filter(pk=old.pk).update(outcome=Outcome.RESCHEDULED, outcome_recorded_at=now,
                                                 outcome_recorded_by=by)
    deadlines_cancel(owner_id=old.pk, steps=[steps.OUTCOME_CHASE, steps.REMINDER_DAY_BEFORE])
    Reminder.objects.filter(appointment=old, status=Reminder.Status.PENDING).update(status=Reminder.Status.WITHDRAWN)
    new = _create(booking, by=by, now=now, clashes=clashes, moved_from=old, move_reason=reason.strip()[:300],
                  series=old.series)
    _reminder_queue(new, Reminder.Kind.MOVED, now=now)
    contact_deadlines_refresh(person_ids=[old.person_id], now=now)
    return new


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, by, reason: str, now=None) -> Appointment:
    now = now or timezone.now()
    appointment = _locked(appointment)
    _require_live(appointment)
    if appointment.outcome:
        raise ValidationError({"__all__": "This appointment already has an outcome."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the appointment is cancelled."})
    Appointment.objects.filter(pk=appointment.pk).update(
        cancelled_at=now, cancelled_by=by, cancel_reason=reason.strip()[:300], outcome=Outcome.CANCELLED,
        outcome_recorded_at=now, outcome_recorded_by=by)
    deadlines_cancel(owner_id=appointment.pk, steps=[steps.OUTCOME_CHASE, steps.REMINDER_DAY_BEFORE])
    Reminder.objects.filter(appointment=appointment, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.WITHDRAWN)
    contact_deadlines_refresh(person_ids=[appointment.person_id], now=now)  # a cancelled booking no longer counts
    appointment.refresh_from_db()
    return appointment


# --- outcomes ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def appointment_record_outcome(*, appointment: Appointment, outcome: str, by, notes: str = "",
                               absence_reason: str = "", now=None) -> Appointment:
    """Record what happened. Unacceptable absence and failing to comply make one Failure and one enforcement
    proposal; an acceptable absence whose reason needs evidence waits for it (not counted until decided).

    Idempotent: recording the same outcome again (a second officer at the same moment) changes nothing."""
    now = now or timezone.now()
    # Race: two people recording the same appointment at once. The row lock serialises them; the second sees the
    # first's outcome and returns it (the Failure's one-per-appointment constraint is the backstop).
    appointment = _locked(appointment)
    if outcome not in RECORDABLE_OUTCOMES:
        raise ValidationError({"outcome": "Choose attended, failed to comply, acceptable or unacceptable absence."})
    if appointment.outcome:
        if appointment.outcome == outcome:
            return appointment
        raise ValidationError({"outcome": f"An outcome ({appointment.get_outcome_display().lower()}) was already "
                                          f"recorded on {_fmt(appointment.outcome_recorded_at)}."})
    _require_live(appointment, "outcome")
    if appointment.starts_at > now:
        raise ValidationError({"outcome": "This appointment has not happened yet: record its outcome afterwards."})
    update = {"outcome": outcome, "outcome_recorded_at": now, "outcome_recorded_by": by,
              "outcome_notes": (notes or "").strip()}
    if outcome == Outcome.ACCEPTABLE_ABSENCE:
        if not absence_reason:
            raise ValidationError({"absence_reason": "Choose the reason the absence is acceptable."})
        update["absence_reason"] = absence_reason
        if absence_reason in EVIDENCE_REASONS:
            update["evidence_status"] = EvidenceStatus.AWAITED
            update["evidence_due_on"] = add_working_days(local_day(now), conf.evidence_working_days())
    elif absence_reason:
        raise ValidationError({"absence_reason": "A reason is only recorded for an acceptable absence."})
    for field, value in update.items():
        setattr(appointment, field, value)
    appointment.save(update_fields=list(update))
    deadlines_cancel(owner_id=appointment.pk, steps=[steps.OUTCOME_CHASE])
    if appointment.evidence_due_on is not None:
        deadline_set(step=steps.EVIDENCE_DUE, owner_id=appointment.pk,
                     due_at=end_of_local_day(appointment.evidence_due_on))
    # A kept contact moves the contact deadline on; an absence means the booking no longer counts as contact.
    contact_deadlines_refresh(person_ids=[appointment.person_id], now=now)
    if outcome in (Outcome.UNACCEPTABLE_ABSENCE, Outcome.FAILED_TO_COMPLY):
        kind = FailureKind.UNACCEPTABLE_ABSENCE if outcome == Outcome.UNACCEPTABLE_ABSENCE else FailureKind.FAILED_TO_COMPLY
        failure_record(person=appointment.person, kind=kind, occurred_on=appointment.local_date,
                       appointment=appointment, by=by, now=now)
    return appointment


@transaction.atomic
def evidence_receive(*, appointment: Appointment, by, note: str, now=None) -> Appointment:
    now = now or timezone.now()
    appointment = _locked(appointment)
    if appointment.evidence_status != EvidenceStatus.AWAITED:
        raise ValidationError({"note": "No evidence is awaited for this appointment."})
    if not (note or "").strip():
        raise ValidationError({"note": "Say what evidence came (e.g. a fit note dated 3 March)."})
    Appointment.objects.filter(pk=appointment.pk).update(evidence_status=EvidenceStatus.RECEIVED,
                                                         evidence_received_at=now, evidence_note=note.strip()[:300])
    deadlines_cancel(owner_id=appointment.pk, steps=[steps.EVIDENCE_DUE])
    appointment.refresh_from_db()
    return appointment


@transaction.atomic
def evidence_decide(*, appointment: Appointment, accept: bool, by, reason: str = "", now=None) -> Appointment:
    """The officer decides an absence awaiting (or late with) evidence: acceptable, or unacceptable (a failure)."""
    now = now or timezone.now()
    appointment = _locked(appointment)
    if not appointment.awaits_evidence:
        raise ValidationError({"accept": "This absence is not waiting for a decision."})
    if not accept and not (reason or "").strip():
        raise ValidationError({"reason": "Say why the absence is not acceptable."})
    update = {"evidence_status": EvidenceStatus.ACCEPTED if accept else EvidenceStatus.REJECTED,
              "evidence_decided_at": now, "evidence_decided_by": by}
    if not accept:
        update["outcome"] = Outcome.UNACCEPTABLE_ABSENCE
        update["outcome_notes"] = (appointment.outcome_notes + "\n" + reason.strip()).strip()
    Appointment.objects.filter(pk=appointment.pk).update(**update)
    deadlines_cancel(owner_id=appointment.pk, steps=[steps.EVIDENCE_DUE])
    appointment.refresh_from_db()
    if not accept:
        failure_record(person=appointment.person, kind=FailureKind.UNACCEPTABLE_ABSENCE,
                       occurred_on=appointment.local_date, appointment=appointment, by=by, now=now)
    return appointment


# --- failures and enforcement ---------------------------------------------------------------------------------------

def path_for(sentence: Sentence | None, day: datetime.date) -> str:
    """The law the person is under on `day`: an order (community/suspended), a licence, or PSS."""
    if sentence is None or sentence.kind != Sentence.Kind.CUSTODY:
        return Path.COMMUNITY
    if sentence.pss_start_date and sentence.pss_start_date <= day:
        return Path.PSS
    return Path.LICENCE


def failure_record(*, person: Person, kind: str, occurred_on: datetime.date, by, appointment=None,
                   aamr_reading=None, now=None) -> Failure:
    """One failure per appointment (or AAMR alert), however many record it. A confirmed failure gets its
    enforcement proposal at once; an AAMR alert is a candidate the officer judges first."""
    now = now or timezone.now()
    lookup = {"appointment": appointment} if appointment is not None else {"aamr_reading": aamr_reading}
    status = Failure.Status.CANDIDATE if kind == FailureKind.AAMR_ALERT else Failure.Status.CONFIRMED
    try:
        with transaction.atomic():
            failure, created = Failure.objects.get_or_create(
                **lookup, defaults={"person": person, "kind": kind, "occurred_on": occurred_on, "recorded_by": by,
                                    "recorded_at": now, "status": status,
                                    "sentence": sentence_on(person, occurred_on)})
    except IntegrityError:  # the other writer won the race: theirs is the one failure
        failure, created = Failure.objects.get(**lookup), False
    if status == Failure.Status.CONFIRMED:
        enforcement_propose(failure=failure, now=now)
    elif created:
        _tell_officer(person, key=f"supervision:failure:{failure.pk}:candidate",
                      subject=f"Alcohol monitoring alert for {person.crn}: judge it",
                      body=f"The monitoring provider reported {failure.get_kind_display().lower()} on "
                           f"{occurred_on:%d %b %Y}. Decide whether it is a failure to comply.")
    return failure


@transaction.atomic
def failure_judge(*, failure: Failure, confirm: bool, by, reason: str, now=None) -> Failure:
    """The officer judges a candidate failure (an AAMR alert): a failure to comply, or dismissed with a reason."""
    now = now or timezone.now()
    failure = Failure.objects.select_for_update().get(pk=failure.pk)
    if failure.status != Failure.Status.CANDIDATE:
        raise ValidationError({"confirm": "This has already been judged."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give the reason for your judgement."})
    failure.status = Failure.Status.CONFIRMED if confirm else Failure.Status.DISMISSED
    failure.judged_at, failure.judged_by, failure.judgement_reason = now, by, reason.strip()[:500]
    failure.save(update_fields=["status", "judged_at", "judged_by", "judgement_reason"])
    if confirm:
        enforcement_propose(failure=failure, now=now)
    return failure


def previous_warning(person: Person, before: datetime.date, *, exclude_failure=None) -> Enforcement | None:
    """A warning given to the person in the 12 months before `before` (the failure's date)."""
    since = end_of_local_day(before - relativedelta(months=conf.warning_months()) - datetime.timedelta(days=1))
    warnings = Enforcement.objects.warnings_given().filter(person=person, decided_at__gte=since,
                                                           decided_at__lt=end_of_local_day(before))
    if exclude_failure is not None:
        warnings = warnings.exclude(failure=exclude_failure)
    return warnings.order_by("-decided_at").first()


def enforcement_propose(*, failure: Failure, now=None) -> Enforcement:
    """The lawful next step for a failure: one warning unless one was given in the previous 12 months; then breach
    (orders), recall (licence) or a magistrates' breach (PSS), due within 10 working days of the failure. One
    proposal per failure (get_or_create on the one-to-one)."""
    now = now or timezone.now()
    existing = Enforcement.objects.filter(failure=failure).first()
    if existing is not None:
        return existing
    calendar = get_calendar()
    path = path_for(failure.sentence, failure.occurred_on)
    warning = previous_warning(failure.person, failure.occurred_on, exclude_failure=failure)
    if warning is not None:
        proposed = ESCALATION_BY_PATH[path]
        reason = (f"A warning was given on {timezone.localtime(warning.decided_at):%d %b %Y}, within the previous "
                  f"12 months: {Step(proposed).label.lower()} must follow.")
    else:
        proposed = Step.WARNING
        reason = "No warning in the previous 12 months: one warning."
    decision_due = end_of_local_day(add_working_days(failure.occurred_on, conf.decision_working_days(), calendar))
    referral_due = (end_of_local_day(add_working_days(failure.occurred_on, conf.breach_working_days(), calendar))
                    if proposed in COUNTERSIGNED_STEPS else None)
    try:
        with transaction.atomic():
            enforcement = Enforcement.objects.create(
                failure=failure, person=failure.person, path=path, proposed=proposed, proposal_reason=reason,
                previous_warning=warning, proposed_at=now, decision_due_at=max(decision_due, now),
                referral_due_at=referral_due)
    except IntegrityError:
        return Enforcement.objects.get(failure=failure)
    reminder = enforcement.decision_due_at - datetime.timedelta(days=1)
    if reminder > now:
        deadline_set(step=steps.DECISION_REMINDER, owner_id=enforcement.pk, due_at=reminder)
    deadline_set(step=steps.DECISION_OVERDUE, owner_id=enforcement.pk, due_at=enforcement.decision_due_at)
    if referral_due is not None:
        deadline_set(step=steps.REFERRAL_OVERDUE, owner_id=enforcement.pk, due_at=referral_due)
    _tell_officer(failure.person, key=f"supervision:enforcement:{enforcement.pk}:proposed",
                  subject=f"Enforcement decision needed for {failure.person.crn}",
                  body=f"{failure.get_kind_display()} on {failure.occurred_on:%d %b %Y}. Proposed: "
                       f"{enforcement.get_proposed_display().lower()}. {reason} Decide by "
                       f"{_fmt(enforcement.decision_due_at)}.",
                  url=reverse("supervision:enforcement", args=[enforcement.pk]))
    return enforcement


ALLOWED_DECISIONS = {
    Path.COMMUNITY: {Step.WARNING, Step.BREACH, Step.NO_ACTION},
    Path.LICENCE: {Step.WARNING, Step.RECALL, Step.NO_ACTION},
    Path.PSS: {Step.WARNING, Step.MAGISTRATES_BREACH, Step.NO_ACTION},
}


@transaction.atomic
def enforcement_decide(*, enforcement: Enforcement, decision: str, by, reason: str = "", now=None) -> Enforcement:
    """The officer's decision. A departure from the proposal needs a reason. A warning closes the matter and makes
    the warning letter; a breach or recall goes to the SPO to countersign."""
    now = now or timezone.now()
    # Race: two officers deciding at once; the lock makes the second see the first's decision.
    enforcement = Enforcement.objects.select_for_update().select_related("failure", "person").get(pk=enforcement.pk)
    if enforcement.decided_at is not None:
        if enforcement.decision == decision:
            return enforcement
        raise ValidationError({"decision": f"Already decided ({enforcement.get_decision_display().lower()}) on "
                                           f"{_fmt(enforcement.decided_at)}."})
    if decision not in ALLOWED_DECISIONS[enforcement.path]:
        raise ValidationError({"decision": f"{Step(decision).label if decision in Step.values else 'That'} does "
                                           f"not apply to a {Path(enforcement.path).label.split(' (')[0].lower()} case."})
    reason = (reason or "").strip()
    if decision != enforcement.proposed and not reason:
        raise ValidationError({"reason": f"You are departing from the proposed "
                                         f"{enforcement.get_proposed_display().lower()}: say why."})
    calendar = get_calendar()
    enforcement.decision, enforcement.decided_at, enforcement.decided_by = decision, now, by
    enforcement.departure_reason = reason[:500] if decision != enforcement.proposed else ""
    if decision == Step.WARNING:
        enforcement.warning_expires_on = local_day(now) + relativedelta(months=conf.warning_months())
        enforcement.closed_at = now
        enforcement.referral_due_at = None
    elif decision in COUNTERSIGNED_STEPS:
        enforcement.countersign_due_at = end_of_local_day(
            add_working_days(local_day(now), conf.countersign_working_days(), calendar))
        if enforcement.referral_due_at is None:
            enforcement.referral_due_at = end_of_local_day(
                add_working_days(enforcement.failure.occurred_on, conf.breach_working_days(), calendar))
    else:
        enforcement.closed_at = now
        enforcement.referral_due_at = None
    enforcement.save()
    deadlines_cancel(owner_id=enforcement.pk, steps=[steps.DECISION_REMINDER, steps.DECISION_OVERDUE])
    if decision in COUNTERSIGNED_STEPS:
        deadline_set(step=steps.COUNTERSIGN_OVERDUE, owner_id=enforcement.pk, due_at=enforcement.countersign_due_at)
        deadline_set(step=steps.REFERRAL_OVERDUE, owner_id=enforcement.pk, due_at=enforcement.referral_due_at)
    else:
        deadlines_cancel(owner_id=enforcement.pk, steps=[steps.REFERRAL_OVERDUE])
    if decision == Step.WARNING:
        letter_for_failure(failure=enforcement.failure, by=by)
    elif decision in COUNTERSIGNED_STEPS:
        manager = _team_manager(enforcement.person)
        if manager is not None:
            notification_send(recipient=manager, key=f"supervision:enforcement:{enforcement.pk}:countersign",
                              subject=f"Countersign: {enforcement.get_decision_display().lower()} for "
                                      f"{enforcement.person.crn}",
                              body=f"{by} decided {enforcement.get_decision_display().lower()}. Countersign by "
                                   f"{_fmt(enforcement.countersign_due_at)}.",
                              url=reverse("supervision:enforcement", args=[enforcement.pk]))
    return enforcement


@transaction.atomic
def enforcement_countersign(*, enforcement: Enforcement, by, now=None) -> Enforcement:
    now = now or timezone.now()
    enforcement = Enforcement.objects.select_for_update().select_related("failure", "person").get(pk=enforcement.pk)
    if not enforcement.needs_countersignature or enforcement.decided_at is None:
        raise ValidationError({"__all__": "Only a decided breach or recall is countersigned."})
    if enforcement.countersigned_at is not None:
        return enforcement
    if by.role not in (Role.TEAM_MANAGER, Role.ADMIN):
        raise ValidationError({"__all__": "A senior probation officer countersigns."})
    if by.pk == enforcement.decided_by_id:
        raise ValidationError({"__all__": "Someone other than the officer who decided must countersign."})
    enforcement.countersigned_at, enforcement.countersigned_by = now, by
    enforcement.save(update_fields=["countersigned_at", "countersigned_by"])
    deadlines_cancel(owner_id=enforcement.pk, steps=[steps.COUNTERSIGN_OVERDUE])
    letter_for_failure(failure=enforcement.failure, by=by)
    return enforcement


@transaction.atomic
def enforcement_refer(*, enforcement: Enforcement, by, now=None) -> Enforcement:
    """The breach pack or recall request goes to the NPS (or the breach is laid before the magistrates)."""
    now = now or timezone.now()
    enforcement = Enforcement.objects.select_for_update().get(pk=enforcement.pk)
    if enforcement.countersigned_at is None:
        raise ValidationError({"__all__": "The SPO must countersign before it is sent."})
    if enforcement.referred_at is not None:
        return enforcement
    enforcement.referred_at, enforcement.referred_by = now, by
    if enforcement.decision not in NPS_STEPS:
        enforcement.closed_at = now  # laid before the magistrates: the court takes it from here
    enforcement.save(update_fields=["referred_at", "referred_by", "closed_at"])
    deadlines_cancel(owner_id=enforcement.pk, steps=[steps.REFERRAL_OVERDUE])
    return enforcement


@transaction.atomic
def enforcement_record_response(*, enforcement: Enforcement, accepted: bool, reason: str, by, now=None) -> Enforcement:
    now = now or timezone.now()
    enforcement = Enforcement.objects.select_for_update().get(pk=enforcement.pk)
    if enforcement.decision not in NPS_STEPS or enforcement.referred_at is None:
        raise ValidationError({"__all__": "Only a breach or recall sent to the NPS gets its response."})
    if enforcement.response:
        raise ValidationError({"__all__": f"The NPS's response ({enforcement.response}) is already recorded."})
    if not accepted and not (reason or "").strip():
        raise ValidationError({"reason": "Record the NPS's reason for rejecting it."})
    enforcement.response = "accepted" if accepted else "rejected"
    enforcement.response_reason = (reason or "").strip()[:500]
    enforcement.response_recorded_at, enforcement.response_recorded_by = now, by
    enforcement.closed_at = now
    enforcement.save()
    return enforcement


# --- letters ----------------------------------------------------------------------------------------------------------

def _store_letter(*, key: str, person, kind, by, build, appointment=None, failure=None) -> Letter:
    """One letter per key: the first writer makes it, any other gets that one."""
    existing = Letter.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing
    from supervision.letters import render_pdf

    pdf = render_pdf(**build())
    try:
        with transaction.atomic():
            return Letter.objects.create(person=person, kind=kind, dedupe_key=key, appointment=appointment,
                                         failure=failure, pdf=pdf, created_by=by)
    except IntegrityError:
        return Letter.objects.get(dedupe_key=key)


def letter_for_failure(*, failure: Failure, by) -> Letter:
    """The one letter a failure produces, whoever touches it: a warning letter, or the breach/recall letter."""
    enforcement = Enforcement.objects.select_related("person").get(failure=failure)
    person = enforcement.person
    kind = {Step.WARNING: Letter.Kind.WARNING, Step.RECALL: Letter.Kind.RECALL}.get(enforcement.decision,
                                                                                    Letter.Kind.BREACH)
    from supervision.letters import failure_letter

    return _store_letter(key=f"failure:{failure.pk}", person=person, kind=kind, by=by, failure=failure,
                         build=lambda: failure_letter(enforcement=enforcement, failure=failure))


def letter_for_appointment(*, appointment: Appointment, by) -> Letter:
    from supervision.letters import appointment_letter

    return _store_letter(key=f"appointment:{appointment.pk}", person=appointment.person, kind=Letter.Kind.APPOINTMENT,
                         by=by, appointment=appointment, build=lambda: appointment_letter(appointment=appointment))


# --- reminders: consent and opt-out ----------------------------------------------------------------------------------

@transaction.atomic
def reminders_consent_record(*, person: Person, channel: str, mobile: str = "", email: str = "", by,
                             now=None) -> ContactPreference:
    """The person agrees to reminders by text or email, to this number or address (a new consent after an opt-out
    starts them again)."""
    now = now or timezone.now()
    preference = ContactPreference.objects.select_for_update().filter(person=person).first() or \
        ContactPreference(person=person)
    preference.channel, preference.mobile, preference.email = channel, (mobile or "").strip(), (email or "").strip()
    preference.consented_at, preference.consent_recorded_by = now, by
    preference.opted_out_at = preference.opt_out_recorded_by = None
    errors = {}
    if channel == ContactPreference.Channel.SMS and not preference.mobile:
        errors["mobile"] = "Enter the mobile number the person agreed to be texted on."
    if channel == ContactPreference.Channel.EMAIL and not preference.email:
        errors["email"] = "Enter the email address the person agreed to."
    if errors:
        raise ValidationError(errors)
    preference.full_clean(exclude=["person"])
    preference.save()
    return preference


@transaction.atomic
def reminders_opt_out(*, person: Person, by, now=None) -> ContactPreference | None:
    """No more messages: the preference records the opt-out and every message still queued is withdrawn."""
    now = now or timezone.now()
    preference = ContactPreference.objects.select_for_update().filter(person=person).first()
    if preference is None:
        return None
    preference.opted_out_at, preference.opt_out_recorded_by = now, by
    preference.save(update_fields=["opted_out_at", "opt_out_recorded_by"])
    Reminder.objects.filter(appointment__person=person, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.WITHDRAWN)
    return preference


# --- AAMR -------------------------------------------------------------------------------------------------------------

@transaction.atomic
def aamr_reading_record(*, requirement: Requirement, organisation, day: datetime.date, result: str, by,
                        now=None) -> tuple[AamrReading, bool]:
    """A day's reading from the monitoring provider; an alert is a failure-to-comply candidate for the officer.
    The same reading sent twice is stored once."""
    now = now or timezone.now()
    if requirement.kind != Requirement.Kind.AAMR:
        raise ValidationError({"requirement": "That requirement is not alcohol abstinence monitoring."})
    if not requirement.start_date <= day <= requirement.end_date:
        raise ValidationError({"day": "That day is outside the requirement's dates."})
    if day > local_day(now):
        raise ValidationError({"day": "A reading cannot be for a future day."})
    try:
        with transaction.atomic():
            reading, created = AamrReading.objects.get_or_create(
                requirement=requirement, day=day, result=result,
                defaults={"organisation": organisation, "received_at": now, "received_by": by})
    except IntegrityError:
        reading, created = AamrReading.objects.get(requirement=requirement, day=day, result=result), False
    if reading.is_alert:
        failure_record(person=requirement.sentence.person, kind=FailureKind.AAMR_ALERT, occurred_on=day,
                       aamr_reading=reading, by=by, now=now)
    return reading, created


# --- helpers ----------------------------------------------------------------------------------------------------------

def _team_manager(person: Person):
    team = person.team
    return team.manager if team is not None else None


def _tell_officer(person: Person, *, key: str, subject: str, body: str, url: str = "") -> None:
    officer = person.offender_manager
    url = url or reverse("cases:case_detail", args=[person.crn])
    if officer is not None:
        notification_send(recipient=officer, key=key, subject=subject, body=body, url=url)
