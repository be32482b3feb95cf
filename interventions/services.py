"""Writes for interventions: Community Payback projects, sessions, bookings and attendance; personalised budgets.
Keyword-only, atomic; a bad request raises ValidationError naming the field and stores nothing. Attendance goes
through supervision.services.appointment_record_outcome so an absence is enforced in one place, once."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases.models import Gender, Person, Register, RegisterCode, Requirement, RoshLevel
from interventions.models import (
    LONDON,
    SESSION_HOURS,
    Booking,
    BudgetSpend,
    PersonalBudget,
    Project,
    Session,
    SpendPurpose,
    credited,
)
from supervision import services as supervision
from supervision.models import AppointmentType, Outcome, Place

# Registers that mean a person must not work where children are present.
CHILD_SAFEGUARDING_CODES = (RegisterCode.RCCO, RegisterCode.RCPR)
# Who must work out of the public's sight: a high or very high risk of serious harm, or a stalking register in force.
# Such a person may be booked only onto a project marked "no public contact" (a workshop, a closed site); every other
# project puts them among the public.
NO_PUBLIC_CONTACT_ROSH = (RoshLevel.HIGH, RoshLevel.VERY_HIGH)
NO_PUBLIC_CONTACT_CODES = (RegisterCode.RSTK,)
UPW_MONTHS = 12  # unpaid work must be completed within 12 months of the order


def upw_deadline(requirement: Requirement) -> datetime.date:
    return requirement.sentence.sentence_date + relativedelta(months=UPW_MONTHS)


# --- sessions ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def session_create(*, project: Project, day: datetime.date, start: datetime.time = datetime.time(9),
                   hours: int = SESSION_HOURS, supervisor=None) -> Session:
    if not project.is_active:
        raise ValidationError({"project": "This project is closed."})
    if not 1 <= hours <= 10:
        raise ValidationError({"hours": "A session lasts 1 to 10 hours."})
    starts_at = datetime.datetime.combine(day, start, tzinfo=LONDON)
    return Session.objects.create(project=project, starts_at=starts_at,
                                  ends_at=starts_at + datetime.timedelta(hours=hours),
                                  supervisor=supervisor or project.supervisor)


# --- bookings ---------------------------------------------------------------------------------------------------------

def unsuitability(project: Project, person: Person, *, on: datetime.date) -> list[str]:
    """Why a project is unsuitable for the person (empty: suitable). Two queries at most."""
    reasons = []
    if project.gender == Project.Gender.WOMEN_ONLY and person.gender != Gender.FEMALE:
        reasons.append(f"{project} is for women only.")
    if project.gender == Project.Gender.MEN_ONLY and person.gender != Gender.MALE:
        reasons.append(f"{project} is for men only.")
    if project.children_present:
        active = Register.objects.in_force(on).filter(person=person, code__in=CHILD_SAFEGUARDING_CODES)
        if active.exists():
            reasons.append(f"Children may be present at {project}, and {person.full_name} has a child "
                           f"safeguarding register.")
    if not project.no_public_contact:
        if person.rosh_level in NO_PUBLIC_CONTACT_ROSH:
            reasons.append(f"{person.full_name}'s risk of serious harm is {person.get_rosh_level_display().lower()}: "
                           f"book a project marked no public contact; {project} is not.")
        elif Register.objects.filter(person=person, code__in=NO_PUBLIC_CONTACT_CODES).in_force(on).exists():
            reasons.append(f"{person.full_name} has a stalking register: book a project marked no public contact; "
                           f"{project} is not.")
    return reasons


def upw_requirement_on(person: Person, day: datetime.date) -> Requirement | None:
    return (Requirement.objects.select_related("sentence")
            .filter(sentence__person=person, kind=Requirement.Kind.UNPAID_WORK, start_date__lte=day, end_date__gte=day)
            .order_by("start_date", "id").first())


@transaction.atomic
def session_book(*, session: Session, person: Person, by, now=None) -> Booking:
    """Book a person onto a session: a supervision appointment run by the placement partner, counting towards the
    unpaid work requirement. Refused if the session is full, the project unsuitable, or the person already booked
    onto a session at an overlapping time."""
    now = now or timezone.now()
    # Races: two bookers filling the last place (the session row lock), and one person booked onto two overlapping
    # sessions by two bookers at once (the person row lock). Always lock the session first, then the person.
    session = Session.objects.select_for_update().select_related("project", "project__partner").get(pk=session.pk)
    person = Person.objects.select_for_update().get(pk=person.pk)
    errors: dict[str, list[str]] = {}
    if session.cancelled_at:
        errors.setdefault("session", []).append("This session was cancelled.")
    if session.ends_at <= now:
        errors.setdefault("session", []).append("This session is over; book a future one.")
    requirement = upw_requirement_on(person, session.local_date)
    if requirement is None:
        errors.setdefault("person", []).append(
            f"{person.full_name} has no unpaid work requirement running on {session.local_date:%d %b %Y}.")
    for reason in unsuitability(session.project, person, on=session.local_date):
        errors.setdefault("person", []).append(reason)
    live = Booking.objects.live()
    if live.filter(session=session).count() >= session.project.capacity:
        errors.setdefault("session", []).append(f"The session is full ({session.project.capacity} places).")
    other = live.filter(person=person, starts_at__lt=session.ends_at, ends_at__gt=session.starts_at).first()
    if other is not None:
        errors.setdefault("person", []).append(
            f"{person.full_name} is already booked onto a session at that time ({other.session_id}).")
    if errors:
        raise ValidationError(errors)
    appointment = supervision.appointment_book(
        booking=supervision.Booking(
            person=person, type=AppointmentType.UNPAID_WORK, place=Place.OFFICE, starts_at=session.starts_at,
            ends_at=session.ends_at, partner_organisation=session.project.partner, requirement=requirement,
            notes=f"Community Payback: {session.project} at {session.project.address}"[:500]),
        by=by, allow_clash=True, now=now)
    return Booking.objects.create(session=session, person=person, requirement=requirement, appointment=appointment,
                                  starts_at=session.starts_at, ends_at=session.ends_at, booked_by=by, booked_at=now)


@transaction.atomic
def booking_cancel(*, booking: Booking, by, reason: str, now=None) -> Booking:
    now = now or timezone.now()
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.cancelled_at:
        return booking
    if booking.attendance_recorded_at:
        raise ValidationError({"reason": "Attendance is already recorded for this booking."})
    supervision.appointment_cancel(appointment=booking.appointment, by=by, reason=reason, now=now)
    Booking.objects.filter(pk=booking.pk).update(cancelled_at=now, cancelled_by=by, cancel_reason=reason.strip()[:300])
    booking.refresh_from_db()
    return booking


# --- attendance -------------------------------------------------------------------------------------------------------

ATTENDED_OUTCOMES = (Outcome.ATTENDED, Outcome.FAILED_TO_COMPLY)


@transaction.atomic
def attendance_record(*, booking: Booking, outcome: str, by, minutes_worked: int | None = None,
                      minutes_stood_down: int = 0, behaviour: str = "", absence_reason: str = "", notes: str = "",
                      now=None) -> Booking:
    """Record one person's attendance at a session. Credited time is worked less stood down, never negative; an
    absence credits nothing. The outcome is recorded on the supervision appointment (one failure, one enforcement
    proposal, whoever records it). Recording the same thing again changes nothing; something different is refused."""
    now = now or timezone.now()
    # Race: the supervisor on the page and the partner through the API at once; the row lock serialises them.
    booking = Booking.objects.select_for_update().select_related("session", "appointment").get(pk=booking.pk)
    if booking.cancelled_at:
        raise ValidationError({"outcome": "This booking was cancelled."})
    errors: dict[str, list[str]] = {}
    session_minutes = booking.session.minutes
    if outcome in ATTENDED_OUTCOMES:
        if minutes_worked is None:
            errors.setdefault("minutes_worked", []).append("Enter the minutes worked.")
        elif not 0 <= minutes_worked <= session_minutes:
            errors.setdefault("minutes_worked", []).append(f"Enter 0 to {session_minutes} minutes (the session).")
        if not 0 <= (minutes_stood_down or 0) <= session_minutes:
            errors.setdefault("minutes_stood_down", []).append(f"Enter 0 to {session_minutes} minutes.")
        if not behaviour:
            errors.setdefault("behaviour", []).append("Choose how the person behaved.")
    else:
        if minutes_worked or minutes_stood_down:
            errors.setdefault("minutes_worked", []).append("An absence credits no time: leave the minutes empty.")
        minutes_worked, minutes_stood_down, behaviour = None, 0, ""
    if errors:
        raise ValidationError(errors)
    wanted = {"minutes_worked": minutes_worked, "minutes_stood_down": minutes_stood_down or 0,
              "credited_minutes": credited(minutes_worked, minutes_stood_down), "behaviour": behaviour}
    if booking.attendance_recorded_at:
        same = booking.appointment.outcome == outcome and all(getattr(booking, k) == v for k, v in wanted.items())
        if same:
            return booking
        raise ValidationError({"outcome": "Attendance was already recorded for this booking on "
                                          f"{timezone.localtime(booking.attendance_recorded_at, LONDON):%d %b %Y %H:%M}."})
    booking.appointment = supervision.appointment_record_outcome(
        appointment=booking.appointment, outcome=outcome, by=by, notes=notes, absence_reason=absence_reason, now=now)
    for field, value in {**wanted, "attendance_notes": (notes or "").strip()[:500], "attendance_recorded_at": now,
                         "attendance_recorded_by": by}.items():
        setattr(booking, field, value)
    booking.save()
    if outcome in ATTENDED_OUTCOMES:
        # The requirement has commenced on its first attended session.
        Requirement.objects.filter(pk=booking.requirement_id, commenced_on__isnull=True).update(
            commenced_on=booking.session.local_date)
    return booking


# --- personalised budgets ---------------------------------------------------------------------------------------------

@transaction.atomic
def budget_create(*, person: Person, amount: Decimal, starts_on: datetime.date, ends_on: datetime.date, by,
                  holder=None) -> PersonalBudget:
    errors = {}
    if person.gender != Gender.FEMALE:
        errors["person"] = "Personalised budgets are for women on probation."
    if amount is None or amount <= 0:
        errors["amount"] = "Enter an amount more than £0."
    if ends_on < starts_on:
        errors["ends_on"] = "The budget cannot end before it starts."
    if errors:
        raise ValidationError(errors)
    return PersonalBudget.objects.create(person=person, amount=amount, starts_on=starts_on, ends_on=ends_on,
                                         holder=holder, created_by=by)


def _money(value) -> Decimal | None:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return amount if amount.is_finite() else None


@transaction.atomic
def budget_spend(*, budget: PersonalBudget, amount, purpose: str, supplier: str, approver, by,
                 spent_on: datetime.date | None = None) -> BudgetSpend:
    """Spend against a woman's budget. Never beyond what remains: the budget row is locked, so two staff spending
    the last of it at once queue and the second is refused (and the check constraint backs it)."""
    spent_on = spent_on or timezone.localdate()
    errors: dict[str, str] = {}
    money = _money(amount)
    if money is None or money <= 0:
        errors["amount"] = "Enter an amount more than £0, like 45.00."
    if purpose not in SpendPurpose.values:
        errors["purpose"] = "Choose what the money is for."
    if not (supplier or "").strip():
        errors["supplier"] = "Enter who is paid."
    if approver is None:
        errors["approver"] = "Choose who approved the spend."
    if errors:
        raise ValidationError(errors)
    # Race: two staff spending the last of the budget at once. The lock makes the second read the first's spend.
    budget = PersonalBudget.objects.select_for_update().get(pk=budget.pk)
    if not budget.starts_on <= spent_on <= budget.ends_on:
        raise ValidationError({"spent_on": f"The budget runs from {budget.starts_on:%d %b %Y} to "
                                           f"{budget.ends_on:%d %b %Y}."})
    if money > budget.remaining:
        raise ValidationError({"amount": f"Only £{budget.remaining} of this budget remains."})
    spend = BudgetSpend.objects.create(budget=budget, amount=money, purpose=purpose, supplier=supplier.strip()[:150],
                                       spent_on=spent_on, approved_by=approver, recorded_by=by)
    PersonalBudget.objects.filter(pk=budget.pk).update(spent=F("spent") + money)
    return spend


# --- accredited programmes --------------------------------------------------------------------------------------------

def programme_eligibility(*, programme, person: Person, on: datetime.date | None = None) -> list[str]:
    """Why the person is not eligible by risk and need (empty: eligible). One query for the registers."""
    on = on or timezone.localdate()
    reasons = []
    if programme.rosh_levels and person.rosh_level not in programme.rosh_levels:
        reasons.append(f"{programme} is for RoSH {', '.join(programme.rosh_levels)}; "
                       f"{person.full_name} is {person.get_rosh_level_display().lower()}.")
    if programme.genders and person.gender not in programme.genders:
        reasons.append(f"{programme} is for {' or '.join(programme.genders)} participants.")
    if programme.needs_any_register:
        active = Register.objects.in_force(on).filter(person=person, code__in=programme.needs_any_register)
        if not active.exists():
            reasons.append(f"{programme} needs one of the registers {', '.join(programme.needs_any_register)}.")
    return reasons


def _status_change(referral, *, to: str, by, reason: str, now, from_status: str = ""):
    from interventions.models import ReferralStatusChange

    return ReferralStatusChange.objects.create(referral=referral, from_status=from_status, to_status=to, at=now,
                                               by=by, reason=reason)


@transaction.atomic
def referral_create(*, person: Person, programme, by, reason: str, override_reason: str = "", requirement=None,
                    borough=None, now=None):
    """Refer a person to a programme. Eligibility comes from risk and need; an ineligible person is referred only
    with an override reason. One open referral per person and programme."""
    from interventions.models import FINAL_STATUSES, Referral, ReferralStatus

    now = now or timezone.now()
    errors: dict[str, str] = {}
    if not (reason or "").strip():
        errors["reason"] = "Say why the person is referred."
    if not programme.is_active:
        errors["programme"] = "This programme is not running."
    reasons = programme_eligibility(programme=programme, person=person, on=timezone.localdate(now))
    if reasons and not (override_reason or "").strip():
        errors["override_reason"] = " ".join(reasons) + " Give a reason to refer anyway."
    if requirement is not None and requirement.sentence.person_id != person.pk:
        errors["requirement"] = "That requirement belongs to another person's sentence."
    borough = borough or person.home_borough
    if borough is None:
        errors["borough"] = "Choose the borough where the person will attend."
    if errors:
        raise ValidationError(errors)
    # Race: two referrals of the same person at once; the partial unique constraint keeps one open.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if Referral.objects.filter(person=person, programme=programme).exclude(status__in=FINAL_STATUSES).exists():
        raise ValidationError({"programme": f"{person.full_name} already has an open referral to {programme}."})
    referral = Referral.objects.create(
        person=person, programme=programme, requirement=requirement, borough=borough, eligible=not reasons,
        ineligible_reasons=reasons, override_reason=(override_reason or "").strip()[:500] if reasons else "",
        referred_at=now, referred_by=by, status_changed_at=now)
    _status_change(referral, to=ReferralStatus.REFERRED, by=by, reason=reason.strip()[:500], now=now)
    return referral


@transaction.atomic
def referral_move(*, referral, to: str, by, reason: str, group=None, now=None, ended_on: datetime.date | None = None):
    """Move a referral along its allowed transitions only; every move is kept with who, when and why."""
    from interventions.models import ProgrammeGroup, Referral, ReferralStatus

    now = now or timezone.now()
    # Race: two people moving the same referral at once; the lock makes the second see the first's move.
    referral = Referral.objects.select_for_update().select_related("programme").get(pk=referral.pk)
    current = ReferralStatus(referral.status)
    if to not in ReferralStatus.values:
        raise ValidationError({"to": "Choose a status."})
    transitions = referral.programme.transitions
    if to not in transitions[current]:
        allowed = ", ".join(ReferralStatus(s).label.lower() for s in sorted(transitions[current])) or "nothing"
        raise ValidationError({"to": f"A referral that is {current.label.lower()} cannot become "
                                     f"{ReferralStatus(to).label.lower()}; it can become: {allowed}."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why."})
    if referral.programme.through_the_gate and to == ReferralStatus.COMPLETED and not _modules_done(referral):
        raise ValidationError({"to": f"{referral.programme} is completed by attending every module"
                                     f"{' and the Change Plan Journal' if referral.programme.requires_change_plan_journal else ''}."})
    update = {"status": to, "status_changed_at": now}
    if to == ReferralStatus.ALLOCATED:
        if group is None:
            raise ValidationError({"group": "Choose the group."})
        # Race: two referrals taking the last place in a group; the group row lock serialises them.
        group = ProgrammeGroup.objects.select_for_update().get(pk=group.pk)
        if group.programme_id != referral.programme_id:
            raise ValidationError({"group": "That group runs a different programme."})
        taken = Referral.objects.filter(group=group, status__in=[ReferralStatus.ALLOCATED, ReferralStatus.ON_PROGRAMME,
                                                                 ReferralStatus.COMPLETED]).count()
        if taken >= group.capacity:
            raise ValidationError({"group": f"The group is full ({group.capacity} places)."})
        update["group"] = group
    elif to == ReferralStatus.WAITING:
        update["group"] = None
    if to in (ReferralStatus.COMPLETED, ReferralStatus.TERMINATED):
        update["ended_on"] = ended_on or timezone.localdate(now)
    for field, value in update.items():
        setattr(referral, field, value)
    referral.save(update_fields=list(update))
    _status_change(referral, from_status=current, to=to, by=by, reason=reason.strip()[:500], now=now)
    return referral


@transaction.atomic
def group_create(*, programme, borough, start_date: datetime.date, facilitators, by, start: datetime.time =
                 datetime.time(18), hours: int = 2, every_days: int = 7, capacity: int = 12, partner=None):
    """A group with its facilitators and a start date, and its numbered sessions `every_days` apart."""
    from interventions.models import GroupSession, ProgrammeGroup

    errors = {}
    if not facilitators:
        errors["facilitators"] = "Choose at least one facilitator."
    if not 1 <= every_days <= 14:
        errors["every_days"] = "Sessions are 1 to 14 days apart."
    if errors:
        raise ValidationError(errors)
    group = ProgrammeGroup.objects.create(programme=programme, borough=borough, start_date=start_date, created_by=by,
                                          capacity=capacity, partner=partner)
    group.facilitators.set(facilitators)
    sessions = []
    for number in range(1, programme.sessions + 1):
        starts_at = datetime.datetime.combine(start_date + datetime.timedelta(days=every_days * (number - 1)), start,
                                              tzinfo=LONDON)
        sessions.append(GroupSession(group=group, number=number, starts_at=starts_at,
                                     ends_at=starts_at + datetime.timedelta(hours=hours)))
    GroupSession.objects.bulk_create(sessions)
    return group


@transaction.atomic
def catch_up_add(*, referral, number: int, starts_at: datetime.datetime, hours: int = 2):
    """A catch-up of session `number` for one person on the group who missed it."""
    from interventions.models import GroupSession, Referral, ReferralStatus

    referral = Referral.objects.select_related("programme").get(pk=referral.pk)
    if referral.group_id is None or referral.status not in (ReferralStatus.ALLOCATED, ReferralStatus.ON_PROGRAMME):
        raise ValidationError({"referral": "Only a person on a group can have a catch-up session."})
    if not 1 <= number <= referral.programme.sessions:
        raise ValidationError({"number": f"Sessions are numbered 1 to {referral.programme.sessions}."})
    return GroupSession.objects.create(group_id=referral.group_id, number=number, starts_at=starts_at,
                                       ends_at=starts_at + datetime.timedelta(hours=hours), catch_up_for=referral)


# --- Through the Gate programmes (Getting it Right, Healing Trauma) ------------------------------------------------
# Enrolled directly (no waiting list or group), in prison or the community, one module a week from the start date;
# attendance is recorded module by module and the last module (with the Change Plan Journal where the programme
# needs it) completes the referral. Resettlement's screens reach these through cases.programmes (see
# interventions/through_the_gate.py), so resettlement never imports interventions.

def _modules_done(referral) -> bool:
    programme = referral.programme
    attended = referral.module_attendances.filter(attended=True).count()
    journal_ok = not programme.requires_change_plan_journal or referral.change_plan_journal_completed_on
    return attended >= programme.sessions and bool(journal_ok)


@transaction.atomic
def module_enrol(*, programme, person: Person, setting: str, starts_on: datetime.date, by, prison_code: str = "",
                 now=None):
    """Enrol a person on a Through the Gate programme: a referral that goes straight on programme (its own path of
    allowed moves), with both moves in the history."""
    from interventions.models import FINAL_STATUSES, Referral, ReferralStatus, Setting

    now = now or timezone.now()
    if not programme.through_the_gate:
        raise ValidationError({"programme": f"{programme} is run in groups: refer the person to it instead."})
    if programme.women_only and person.gender != Gender.FEMALE:
        raise ValidationError({"programme": f"{programme} is for women."})
    if setting not in Setting.values:
        raise ValidationError({"setting": "Choose prison or community."})
    if setting == Setting.PRISON and not prison_code:
        raise ValidationError({"prison": "Choose the prison running the programme."})
    if setting == Setting.COMMUNITY:
        prison_code = ""
    if not programme.is_active:
        raise ValidationError({"programme": "This programme is not running."})
    # Race: two enrolments of the same person at once; the partial unique constraint keeps one open.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if Referral.objects.filter(person=person, programme=programme).exclude(status__in=FINAL_STATUSES).exists():
        raise ValidationError({"programme": f"This person is already enrolled on {programme}."})
    borough = person.home_borough_id or (person.team.borough_id if person.team_id else None)
    referral = Referral.objects.create(
        person=person, programme=programme, borough_id=borough, eligible=True, referred_at=now, referred_by=by,
        status_changed_at=now, setting=setting, prison_code=prison_code, starts_on=starts_on)
    _status_change(referral, to=ReferralStatus.REFERRED, by=by, now=now,
                   reason=f"Enrolled by Through the Gate ({Setting(setting).label.lower()})")
    return referral_move(referral=referral, to=ReferralStatus.ON_PROGRAMME, by=by, now=now,
                         reason=f"First module on {starts_on:%d %b %Y}")


def _module_referral_for_update(referral):
    from interventions.models import Referral, ReferralStatus

    # Race: two staff recording the same enrolment at once; the row lock makes the second see the first's record.
    referral = Referral.objects.select_for_update().select_related("programme").get(pk=referral.pk)
    if not referral.programme.through_the_gate:
        raise ValidationError({"__all__": f"{referral.programme} is recorded through its group sessions."})
    return referral, referral.status == ReferralStatus.ON_PROGRAMME


def _complete_if_done(referral, *, by, now) -> None:
    from interventions.models import ReferralStatus

    if _modules_done(referral):
        last = referral.module_date(referral.programme.sessions)
        journal = referral.change_plan_journal_completed_on
        referral_move(referral=referral, to=ReferralStatus.COMPLETED, by=by, now=now,
                      ended_on=max([last] + ([journal] if journal else [])),
                      reason="Every module attended" + (" and the Change Plan Journal completed" if journal else ""))


@transaction.atomic
def module_attendance_record(*, referral, number: int, attended: bool, by, now=None):
    from interventions.models import ModuleAttendance

    now = now or timezone.now()
    referral, active = _module_referral_for_update(referral)
    if not active:
        raise ValidationError({"module_number": "This enrolment has ended."})
    if not 1 <= number <= referral.programme.sessions:
        raise ValidationError({"module_number": f"Choose a module from 1 to {referral.programme.sessions}."})
    if referral.module_date(number) > timezone.localdate(now):
        raise ValidationError({"module_number": "That module has not happened yet."})
    row, _ = ModuleAttendance.objects.update_or_create(referral=referral, number=number,
                                                       defaults={"attended": attended, "recorded_by": by,
                                                                 "recorded_at": now})
    _complete_if_done(referral, by=by, now=now)
    return row


@transaction.atomic
def module_journal_complete(*, referral, completed_on: datetime.date, by, now=None):
    now = now or timezone.now()
    referral, active = _module_referral_for_update(referral)
    if not referral.programme.requires_change_plan_journal:
        raise ValidationError({"completed_on": f"{referral.programme} has no Change Plan Journal."})
    if not active:
        raise ValidationError({"completed_on": "This enrolment has ended."})
    if completed_on < referral.starts_on or completed_on > timezone.localdate(now):
        raise ValidationError({"completed_on": "The journal date must be between the start and today."})
    referral.change_plan_journal_completed_on = completed_on
    referral.save(update_fields=["change_plan_journal_completed_on"])
    _complete_if_done(referral, by=by, now=now)
    return referral


@transaction.atomic
def module_withdraw(*, referral, withdrawn_on: datetime.date, reason: str, by, now=None):
    """Withdraw a person from a Through the Gate programme after its start: a termination, ended on that date."""
    from interventions.models import ReferralStatus

    now = now or timezone.now()
    referral, active = _module_referral_for_update(referral)
    if not active:
        raise ValidationError({"withdrawn_on": "This enrolment has already ended."})
    if withdrawn_on < referral.starts_on or withdrawn_on > timezone.localdate(now):
        raise ValidationError({"withdrawn_on": "The date must be between the start and today."})
    return referral_move(referral=referral, to=ReferralStatus.TERMINATED, by=by, now=now, ended_on=withdrawn_on,
                         reason=(reason or "").strip()[:200] or "Withdrawn (no reason given)")


# --- programme session places and attendance --------------------------------------------------------------------

PLACE_STATUSES = ("allocated", "on_programme")
MISSED_OUTCOMES = (Outcome.ACCEPTABLE_ABSENCE, Outcome.UNACCEPTABLE_ABSENCE)


def _place_book(*, session, referral, by, now):
    """One participant's place at one group session: a programme-session appointment run by the group's partner if a
    partner delivers it, else by its first facilitator (supervision allows that for the person's own accredited
    programme requirement)."""
    from interventions.models import GroupPlace

    partner = session.group.partner
    facilitator = None if partner else session.group.facilitators.order_by("id").first()
    if referral.requirement_id is None:
        raise ValidationError({"referral": f"{referral.person.full_name}'s referral names no accredited programme "
                                           f"requirement."})
    appointment = supervision.appointment_book(
        booking=supervision.Booking(
            person=referral.person, type=AppointmentType.PROGRAMME, place=Place.OFFICE, starts_at=session.starts_at,
            ends_at=session.ends_at, officer=facilitator, partner_organisation=partner, requirement=referral.requirement,
            run_by_facilitator=facilitator is not None,
            notes=f"{session}"[:500]),
        by=by, allow_clash=True, now=now)
    return GroupPlace.objects.create(session=session, referral=referral, appointment=appointment, booked_by=by,
                                     booked_at=now)


@transaction.atomic
def group_places_book(*, group, by, now=None) -> int:
    """Book every participant allocated to (or on) the group onto each of its numbered sessions still to come.
    Safe to run again (after a new allocation): places already booked are kept. Returns how many were added."""
    from interventions.models import GroupPlace, GroupSession, ProgrammeGroup, Referral

    now = now or timezone.now()
    group = ProgrammeGroup.objects.select_for_update().get(pk=group.pk)
    referrals = list(Referral.objects.select_related("person", "requirement__sentence")
                     .filter(group=group, status__in=PLACE_STATUSES))
    sessions = list(GroupSession.objects.select_related("group__programme", "group__partner")
                    .filter(group=group, catch_up_for__isnull=True, starts_at__gt=now))
    booked = set(GroupPlace.objects.filter(session__in=sessions).values_list("session_id", "referral_id"))
    added = 0
    for session in sessions:
        for referral in referrals:
            if (session.pk, referral.pk) not in booked:
                _place_book(session=session, referral=referral, by=by, now=now)
                added += 1
    return added


@transaction.atomic
def catch_up_book(*, referral, number: int, starts_at: datetime.datetime, by, hours: int = 2, now=None):
    """A catch-up for a numbered session the person missed (absent, acceptably or not), with their place on it."""
    from interventions.models import GroupPlace

    now = now or timezone.now()
    missed = GroupPlace.objects.filter(referral=referral, session__number=number,
                                       session__catch_up_for__isnull=True,
                                       appointment__outcome__in=MISSED_OUTCOMES).exists()
    if not missed:
        raise ValidationError({"number": f"Session {number} was not missed: a catch-up is for a missed session."})
    if GroupPlace.objects.filter(referral=referral, session__number=number,
                                 session__catch_up_for=referral).exists():
        raise ValidationError({"number": f"A catch-up for session {number} is already booked."})
    session = catch_up_add(referral=referral, number=number, starts_at=starts_at, hours=hours)
    session = type(session).objects.select_related("group__programme", "group__partner").get(pk=session.pk)
    return _place_book(session=session, referral=referral.__class__.objects.select_related(
        "person", "requirement__sentence").get(pk=referral.pk), by=by, now=now)


@transaction.atomic
def group_attendance_record(*, session, marks: dict, by, now=None) -> list:
    """A facilitator records a whole session at once: `marks` maps each place id to (outcome, absence_reason).
    Each is the appointment's outcome through supervision (an unacceptable absence: one failure, one proposal).
    All or nothing: one bad mark stores none, with the error under that place's field."""
    from interventions.models import GroupPlace

    places = {p.pk: p for p in GroupPlace.objects.select_related("appointment").filter(session=session)}
    unknown = [pk for pk in marks if pk not in places]
    if unknown:
        raise ValidationError({"__all__": "A place is not on this session."})
    recorded = []
    for pk, (outcome, reason) in marks.items():
        try:
            recorded.append(supervision.appointment_record_outcome(
                appointment=places[pk].appointment, outcome=outcome, absence_reason=reason or "", by=by, now=now))
        except ValidationError as error:
            raise ValidationError({f"place_{pk}": error.messages}) from error
    return recorded


# --- women's hubs -----------------------------------------------------------------------------------------------------

@transaction.atomic
def hub_session_create(*, hub, title: str, starts_at: datetime.datetime, hours: int = 2):
    from interventions.models import HubSession

    if not (title or "").strip():
        raise ValidationError({"title": "Name the session."})
    if starts_at.tzinfo is None:
        raise ValidationError({"starts_at": "Enter a date and time."})
    return HubSession.objects.create(hub=hub, title=title.strip()[:150], starts_at=starts_at,
                                     ends_at=starts_at + datetime.timedelta(hours=hours))


@transaction.atomic
def hub_place_book(*, session, person: Person, by, now=None):
    """A place for a woman at a hub session: a women's hub appointment run by the hub's partner."""
    from interventions.models import HubPlace, HubSession

    now = now or timezone.now()
    session = HubSession.objects.select_for_update().select_related("hub").get(pk=session.pk)
    if person.gender != Gender.FEMALE:
        raise ValidationError({"person": "Women's hub sessions are for women."})
    if HubPlace.objects.filter(session=session, person=person).exists():
        raise ValidationError({"person": f"{person.full_name} already has a place at this session."})
    appointment = supervision.appointment_book(
        booking=supervision.Booking(person=person, type=AppointmentType.WOMENS_HUB, place=Place.HUB,
                                    starts_at=session.starts_at, ends_at=session.ends_at,
                                    partner_organisation=session.hub.organisation,
                                    notes=f"{session.title} at {session.hub}"[:500]),
        by=by, allow_clash=True, now=now)
    return HubPlace.objects.create(session=session, person=person, appointment=appointment, booked_by=by,
                                   booked_at=now)


def hub_attendance_record(*, place, outcome: str, by, absence_reason: str = "", notes: str = "", now=None):
    """Attendance at a hub session is the appointment's outcome, recorded by supervision (one failure if any)."""
    return supervision.appointment_record_outcome(appointment=place.appointment, outcome=outcome, by=by,
                                                  absence_reason=absence_reason, notes=notes, now=now)
