"""Writes for cases: arrival, RoSH, escalation to the NPS, registers, sentences, allocation and cohorts.

Every function is atomic and keyword-only; views, the API, admin and Celery tasks call these and hold no rules.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    GTO_CAP,
    GTO_PILOT_BOROUGHS,
    OVERLAY_FLAGS,
    Allocation,
    CohortRecalculation,
    CohortRule,
    NpsHandover,
    Person,
    Provider,
    Register,
    RegisterCode,
    RoshAssessment,
    RoshLevel,
    StaffProfile,
    Team,
)
from cases.selectors import (
    capacity_for,
    case_points,
    grade_capacities,
    officer_workloads,
    tier_points,
    workload_changed,
)
from cases.sentence_dates import add_months

logger = logging.getLogger(__name__)

NPS_LEVELS = frozenset({RoshLevel.HIGH, RoshLevel.VERY_HIGH})
GTO_CAP_LOCK = 0x67746F  # advisory lock key for the GtO cap ("gto")


class AllocationError(ValidationError):
    """An allocation that must not happen; `.message_dict` names the field at fault."""


# --- escalation to the NPS ----------------------------------------------------------------------------------------

@transaction.atomic
def person_escalate_to_nps(*, person: Person, by, reason: str) -> NpsHandover:
    """Hand a case over to the NPS: record who, when and why; the case leaves CRC caseloads and queues.

    Idempotent: a case already with the NPS gets no second hand-over (its existing one is returned).
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the case is being escalated to the NPS."})
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.provider == Provider.NPS:
        existing = person.nps_handovers.first()
        if existing is not None:
            return existing
    handover = NpsHandover.objects.create(
        person=person,
        handed_over_by=by,
        reason=reason.strip()[:500],
        rosh_level=person.rosh_level,
        previous_offender_manager_id=person.offender_manager_id,
        previous_team_id=person.team_id,
    )
    previous_om = person.offender_manager
    previous_team_id = person.team_id
    transaction.on_commit(lambda: workload_changed(team_ids=[previous_team_id]))
    Person.objects.filter(pk=person.pk).update(
        provider=Provider.NPS, offender_manager=None, team=None, allocation_due_since=None, updated_at=timezone.now()
    )
    officer_caseloads_refresh(officer_ids=[person.offender_manager_id])  # the case leaves their CRC caseload
    from cases.deadlines import allocation_target_cancel

    allocation_target_cancel(person_id=person.pk)
    from cases.registry import case_changed

    case_changed([person.pk])
    if previous_om is not None and previous_om != by:
        from probation.services import notification_send

        notification_send(
            recipient=previous_om,
            key=f"cases:nps-handover:{handover.pk}",
            subject=f"Case {person.crn} escalated to the NPS",
            body=f"Case {person.crn} has been escalated to the National Probation Service and has left your caseload.",
            url=reverse("cases:case_detail", args=[person.crn]),
        )
    return handover


@transaction.atomic
def person_record_rosh(*, person: Person, level: str, by, reason: str = "") -> RoshAssessment:
    """Record a RoSH assessment (kept as history). High or very high escalates a CRC case to the NPS."""
    if level not in RoshLevel.values:
        raise ValidationError({"level": "Choose a RoSH level."})
    person = Person.objects.select_for_update().get(pk=person.pk)
    assessment = RoshAssessment.objects.create(person=person, level=level, assessed_by=by, reason=(reason or "")[:300])
    Person.objects.filter(pk=person.pk).update(rosh_level=level, updated_at=timezone.now())
    person.rosh_level = level
    person_recompute_tier(person=person, trigger=f"RoSH assessed as {RoshLevel(level).label.lower()}", by=by)
    if level in NPS_LEVELS and person.provider == Provider.CRC:
        person_escalate_to_nps(
            person=person, by=by, reason=f"RoSH assessed as {RoshLevel(level).label.lower()}. {reason}".strip()
        )
    return assessment


# --- registers ---------------------------------------------------------------------------------------------------

def gto_check(*, person: Person, start_date: datetime.date, lock: bool = True) -> None:
    """Gripping the Offender: its pilot boroughs and its cap only (DOMAIN.md). Serialised on PostgreSQL with a
    transaction-level advisory lock, so two staff adding the last places at once cannot pass the cap together."""
    if person.home_borough is None or person.home_borough.code not in GTO_PILOT_BOROUGHS:
        raise ValidationError({"code": "Gripping the Offender applies only to people living in its pilot boroughs "
                                       "(Camden, Enfield, Hackney, Haringey, Islington, Newham, Tower Hamlets and "
                                       "Waltham Forest)."})
    if lock and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GTO_CAP_LOCK])
    taken = (
        Register.objects.filter(code=RegisterCode.IGTO).filter(Q(end_date__isnull=True) | Q(end_date__gt=start_date))
        .exclude(person=person).values("person").distinct().count()
    )
    if taken >= GTO_CAP:
        raise ValidationError({"code": f"Gripping the Offender is full: its cap is {GTO_CAP} people."})


@transaction.atomic
def register_add(*, person: Person, code: str, by, start_date: datetime.date | None = None) -> Register:
    """Add a register flag (an active one of the same code is returned as is). IIOM and IGTO set the overlay flags
    only while they are in force: one starting in the future sets nothing until its start (overlay_flags_sync).
    IGTO is limited to the pilot boroughs and cap, and never implies IOM."""
    existing = person.registers.filter(code=code, end_date__isnull=True).first()
    if existing:
        return existing
    register = Register(person=person, code=code, added_by=by, start_date=start_date or timezone.localdate())
    register.full_clean()
    if code == RegisterCode.IGTO:
        gto_check(person=person, start_date=register.start_date)
    register.save()
    if code in OVERLAY_FLAGS:
        overlay_flags_sync(person_ids=[person.pk], by=by)
    person_recompute_tier(person=person, trigger=f"Register added: {code}", by=by)
    return register


@transaction.atomic
def register_end(*, register: Register, by, end_date: datetime.date | None = None) -> Register:
    """End a register on `end_date` (default today): it is no longer in force from that day (the nDelius
    deregistration date), so ending it today clears the overlay flag now and a future end clears it only when that
    day comes (overlay_flags_sync, daily)."""
    register.end_date = end_date or timezone.localdate()
    register.full_clean()
    register.save(update_fields=["end_date"])
    if register.code in OVERLAY_FLAGS:
        overlay_flags_sync(person_ids=[register.person_id], by=by)
    person_recompute_tier(person=register.person, trigger=f"Register ended: {register.code}", by=by)
    return register


def register_save(*, register: Register, by) -> Register:
    """Save a register as edited elsewhere (admin): a new one goes through register_add's rules, an edited one is
    saved and the person's overlay flags follow its dates."""
    if register.pk is None:
        if register.end_date is not None:
            with transaction.atomic():
                added = register_add(person=register.person, code=register.code, by=by, start_date=register.start_date)
                return register_end(register=added, by=by, end_date=register.end_date)
        return register_add(person=register.person, code=register.code, by=by, start_date=register.start_date)
    with transaction.atomic():
        register.full_clean()
        register.save()
        if register.code in OVERLAY_FLAGS:
            overlay_flags_sync(person_ids=[register.person_id], by=by)
    return register


def overlay_flags_sync(*, today: datetime.date | None = None, person_ids=None, by=None) -> int:
    """Make is_iom / is_gto say whether an IIOM / IGTO register is in force today (Register.in_force: started on or
    before today, ending after today). Date-aware, idempotent, and proportional to what changed: one UPDATE per flag and
    direction over the rows that differ, and a CaseEvent for each change. Returns the number of changes."""
    from cases.models import CaseEvent

    today = today or timezone.localdate()
    now = timezone.now()
    people = Person.objects.all() if person_ids is None else Person.objects.filter(pk__in=person_ids)
    events = []
    for code, flag in OVERLAY_FLAGS.items():
        in_force = Register.objects.in_force(today).filter(person=OuterRef("pk"), code=code)
        for value, queryset in ((True, people.filter(**{flag: False}).filter(Exists(in_force))),
                                (False, people.filter(**{flag: True}).exclude(Exists(in_force)))):
            with transaction.atomic():
                ids = list(queryset.select_for_update().values_list("pk", flat=True))
                if not ids:
                    continue
                Person.objects.filter(pk__in=ids).update(**{flag: value}, updated_at=now)
                label = RegisterCode(code).label.split(" – ")[-1]
                events += [CaseEvent(person_id=pk, kind=CaseEvent.Kind.OVERLAY_FLAG_CHANGED, at=now, by=by,
                                     summary=f"{label}: {'set' if value else 'cleared'} ({code} register "
                                             f"{'in force' if value else 'not in force'} on {today:%d %b %Y})",
                                     changes={flag: [not value, value]}) for pk in ids]
    CaseEvent.objects.bulk_create(events)
    return len(events)


# --- arrival and allocation ---------------------------------------------------------------------------------------

def team_for(*, borough_id: int | None, cohort: str) -> Team | None:
    if not borough_id or not cohort:
        return None
    return Team.objects.filter(borough_id=borough_id, cohort=cohort).order_by("id").first()


@transaction.atomic
def person_receive_from_nps(*, person: Person) -> Person:
    """A new case allocated to the CRC by the NPS on the day of sentence: it joins the queue of the team for its
    home borough and cohort, unallocated."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not person.cohort:
        person.cohort = cohort_for(person.gender, person.date_of_birth, timezone.localdate(), _active_rules()) or ""
    person.team = person.team or team_for(borough_id=person.home_borough_id, cohort=person.cohort)
    person.provider = Provider.CRC
    person.allocation_due_since = person.allocation_due_since or timezone.now()
    person.save(update_fields=["cohort", "team", "provider", "allocation_due_since", "updated_at"])
    officer_caseloads_refresh(officer_ids=[person.offender_manager_id])  # back from the NPS: a CRC case again
    if person.offender_manager_id is None:
        _queue_arm(person_id=person.pk, queued_at=person.allocation_due_since)
    return person


def _queue_arm(*, person_id: int, queued_at) -> None:
    """Same-day allocation: the deadline engine tells the SPO if the case is still waiting beyond the target."""
    from cases.deadlines import allocation_target_arm
    from cases.models import CaseworkSettings

    allocation_target_arm(person_id=person_id, queued_at=queued_at,
                          target_days=CaseworkSettings.current().allocation_target_working_days)


@transaction.atomic
def case_allocate(*, person: Person, officer, by, reason: str = "", automatic: bool = False) -> Allocation:
    """Allocate an unallocated case to an offender manager in its team, if they have room for it.

    Race: two team managers (or a manager and the auto-allocation job) allocating at once could allocate one case
    twice, or each see the same officer's headroom and together overload them. So, inside this transaction, we lock
    the case row first and then the officer's StaffProfile row (always in that order, so no deadlock), and check
    "not yet allocated" and the officer's workload only after holding both locks.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.provider != Provider.CRC:
        raise AllocationError({"person": "This case is supervised by the NPS and cannot be allocated."})
    if person.offender_manager_id is not None:
        raise AllocationError({"person": "This case has already been allocated."})
    if person.team_id is None:
        raise AllocationError({"person": "This case has no team: set its home borough and cohort first."})
    profile = _lock_profile(officer)
    today = timezone.localdate()
    # Not offered and not allocatable: an officer away (leave, sickness, training) on the allocation date.
    workload = _check_officer_can_take(person=person, profile=profile, on=today)
    waited = None
    if person.allocation_due_since is not None:
        from cases.selectors import working_days_between

        waited = working_days_between(timezone.localtime(person.allocation_due_since).date(), today)
    allocation = Allocation.objects.create(
        person=person,
        team_id=person.team_id,
        offender_manager=profile.user,
        allocated_by=None if automatic else by,
        reason=(reason or _default_reason(workload, automatic))[:300],
        is_automatic=automatic,
        workload_points_before=workload.points,
        capacity_points=workload.capacity,
        effective_from=today,
        queued_at=person.allocation_due_since,
        working_days_waited=waited,
    )
    Person.objects.filter(pk=person.pk).update(offender_manager=profile.user, updated_at=timezone.now())
    person.offender_manager = profile.user
    officer_caseloads_refresh(officer_ids=[profile.user_id])
    from cases.deadlines import allocation_target_cancel

    allocation_target_cancel(person_id=person.pk)
    from cases.registry import case_changed

    case_changed([person.pk])
    team_id = person.team_id  # the queue's cached candidates for the team (selectors.queue_candidates)
    transaction.on_commit(lambda: workload_changed(team_ids=[team_id]))
    return allocation


def _default_reason(workload, automatic: bool) -> str:
    prefix = "Allocated automatically" if automatic else "Allocated"
    return f"{prefix}: lowest workload in the team ({workload.percent or 0}% of capacity)."


def team_auto_allocate(*, team: Team) -> dict:
    """Allocate a team's unallocated cases (oldest first) to its least-loaded officers. One bad case never stops
    the rest; each allocation is its own transaction with the locks of `case_allocate`."""
    from cases.selectors import allocation_suggestions

    done = failed = skipped = 0
    points = tier_points()
    for person in Person.objects.unallocated().filter(team=team).order_by("allocation_due_since", "id"):
        suggestions = allocation_suggestions(person, points=points)
        if not suggestions:
            skipped += 1
            continue
        try:
            case_allocate(person=person, officer=suggestions[0].user, by=None, automatic=True)
            done += 1
        except AllocationError:
            failed += 1  # someone allocated it meanwhile, or the officer filled up: the next run retries
        except Exception:
            logger.exception("Auto-allocation failed for person %s", person.pk)
            failed += 1
    return {"allocated": done, "failed": failed, "no_capacity": skipped}


# --- cohorts -----------------------------------------------------------------------------------------------------

def _active_rules() -> list[CohortRule]:
    return list(CohortRule.objects.filter(is_active=True).order_by("priority", "id"))


def _years_before(day: datetime.date, years: int) -> datetime.date:
    return add_months(day, -12 * years)


def cohort_for(gender: str, date_of_birth: datetime.date, today: datetime.date, rules: list[CohortRule]) -> str | None:
    """The first rule naming this gender whose ages fit; None when none does (a manager then chooses)."""
    from cases.sentence_dates import age_on

    age = age_on(date_of_birth, today)
    for rule in rules:
        if rule.gender != gender:
            continue
        if rule.min_age is not None and age < rule.min_age:
            continue
        if rule.max_age is not None and age > rule.max_age:
            continue
        return rule.cohort
    return None


def cohort_expression(rules: list[CohortRule], today: datetime.date):
    """SQL CASE giving each person's cohort under `rules` on `today` (ages from date of birth)."""
    whens = []
    for rule in rules:
        condition = Q(gender=rule.gender)
        if rule.min_age is not None:
            condition &= Q(date_of_birth__lte=_years_before(today, rule.min_age))
        if rule.max_age is not None:
            condition &= Q(date_of_birth__gt=_years_before(today, rule.max_age + 1))
        whens.append(When(condition, then=Value(rule.cohort)))
    return Case(*whens, default=Value(""))


def cohorts_recompute(*, today: datetime.date | None = None, full: bool = False) -> CohortRecalculation:
    """Bring every case's cohort in line with the rules. Idempotent; cost proportional to what changed.

    Only these can have changed since the last run: people edited since then (updated_at), people who crossed
    an age boundary of a rule since then (their date of birth is one of a few dates), and everyone when the rules
    changed. Those candidates are updated in one UPDATE ... WHERE cohort differs.
    """
    today = today or timezone.localdate()
    rules = _active_rules()
    last = CohortRecalculation.objects.filter(ran_on__lt=today).order_by("-ran_on").first()
    rules_changed = last is None or CohortRule.objects.filter(updated_at__gte=last.started_at).exists()
    full = full or rules_changed
    expression = cohort_expression(rules, today)
    queryset = Person.objects.filter(cohort_chosen_by__isnull=True)  # a manager's choice stands
    if not full:
        boundaries = {r.min_age for r in rules if r.min_age is not None}
        boundaries |= {r.max_age + 1 for r in rules if r.max_age is not None}
        days = [(today - datetime.timedelta(days=n)) for n in range(0, max(1, (today - last.ran_on).days) + 1)]
        birthdays = {_years_before(day, age) for day in days for age in boundaries}
        # 29 February birthdays: add_months clamps to the 28th, so also catch the 29th of that February.
        birthdays |= {d + datetime.timedelta(days=1) for d in birthdays if d.month == 2 and d.day == 28}
        queryset = queryset.filter(Q(updated_at__gte=last.started_at) | Q(date_of_birth__in=birthdays))
    started = timezone.now()
    with transaction.atomic():
        changed = queryset.exclude(cohort=expression).update(cohort=expression)
        run, _ = CohortRecalculation.objects.update_or_create(
            ran_on=today, defaults={"started_at": started, "full": full, "changed": changed}
        )
    return run


@transaction.atomic
def person_choose_cohort(*, person: Person, cohort: str, by, reason: str) -> Person:
    """A manager's choice of cohort, with a reason: for people no rule fits (gender other or not stated, unless a
    rule names it) or an exception to the rules. The daily job keeps it; the case joins its borough and cohort
    team's queue if it had no team."""
    from cases.models import CaseEvent, Cohort

    errors = {}
    if cohort not in Cohort.values:
        errors["cohort"] = "Choose a cohort."
    if not (reason or "").strip():
        errors["reason"] = "Say why this cohort: it is recorded with your name."
    if errors:
        raise ValidationError(errors)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = person.cohort
    person.cohort = cohort
    person.cohort_chosen_by, person.cohort_chosen_at, person.cohort_choice_reason = by, timezone.now(), reason.strip()[:300]
    fields = ["cohort", "cohort_chosen_by", "cohort_chosen_at", "cohort_choice_reason", "updated_at"]
    if person.offender_manager_id is None:
        team = team_for(borough_id=person.home_borough_id, cohort=cohort)
        if team is not None and team.pk != person.team_id:
            person.team = team
            person.allocation_due_since = person.allocation_due_since or timezone.now()
            fields += ["team", "allocation_due_since"]
    person.save(update_fields=fields)
    CaseEvent.objects.create(person=person, kind=CaseEvent.Kind.COHORT_CHOSEN, by=by,
                             summary=f"Cohort chosen: {Cohort(cohort).label}. {person.cohort_choice_reason}"[:300],
                             changes={"cohort": [before, cohort]})
    return person


@transaction.atomic
def person_create_from_nps(*, person: Person, sentence, by) -> Person:
    """Record a new case the NPS has allocated to us, with its sentence and first RoSH level; it joins its team's
    queue unallocated. All or nothing: any invalid part raises ValidationError (by field) and nothing is saved."""
    from django.db import IntegrityError

    person.full_clean()
    if person.rosh_level in NPS_LEVELS:
        raise ValidationError({"rosh_level": "High and very high risk cases are supervised by the NPS."})
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ValidationError({"crn": "A person with this CRN already exists: search for them instead."}) from None
    if sentence is not None:
        sentence.person = person
        sentence.full_clean()
        sentence.save()
    RoshAssessment.objects.create(person=person, level=person.rosh_level, assessed_by=by, reason="On allocation from the NPS")
    person_recompute_tier(person=person, trigger="New case from the NPS", by=by)
    if sentence is not None:
        sentence_plan_start(sentence=sentence)
    person = person_receive_from_nps(person=person)
    from cases.registry import case_changed

    case_changed([person.pk])
    return person


# --- continuity: absences and hours -----------------------------------------------------------------------------

@transaction.atomic
def absence_record(*, officer, kind: str, start_date: datetime.date, end_date: datetime.date, by,
                   note: str = "") -> "Absence":
    """Record leave, sickness or training from `start_date` to `end_date` (inclusive). From its first day the
    officer is not offered for allocation and their capacity falls with the hours lost."""
    from cases.models import Absence

    absence = Absence(officer=officer, kind=kind, start_date=start_date, end_date=end_date, note=(note or "")[:200],
                      recorded_by=by)
    absence.full_clean()
    absence.save()
    from cases.deadlines import absence_arm
    from cases.models import CaseworkSettings

    absence_arm(absence=absence, limit_days=CaseworkSettings.current().absence_flag_days)
    transaction.on_commit(lambda: workload_changed(officer_ids=[absence.officer_id]))
    return absence


@transaction.atomic
def absence_cancel(*, absence, by) -> None:
    from cases.models import Absence

    from cases.deadlines import absence_disarm

    Absence.objects.filter(pk=absence.pk, cancelled_at__isnull=True).update(cancelled_at=timezone.now())
    absence_disarm(absence_id=absence.pk)
    transaction.on_commit(lambda: workload_changed(officer_ids=[absence.officer_id]))


@transaction.atomic
def working_pattern_set(*, officer, hours_per_week, effective_from: datetime.date, by) -> "WorkingPattern":
    """Contracted hours from a date (part-time work, a return from part-time); earlier rows stay as history."""
    from cases.models import WorkingPattern

    pattern, _ = WorkingPattern.objects.update_or_create(
        officer=officer, effective_from=effective_from, defaults={"hours_per_week": hours_per_week, "recorded_by": by}
    )
    pattern.full_clean()
    transaction.on_commit(lambda: workload_changed(officer_ids=[pattern.officer_id]))
    return pattern


def officer_away_on(officer_id: int, day: datetime.date):
    """The live absence covering `day`, or None."""
    from cases.models import Absence

    return Absence.objects.filter(officer_id=officer_id, cancelled_at__isnull=True, start_date__lte=day,
                                  end_date__gte=day).first()


# --- continuity: reallocation, transfer, bulk reallocation -------------------------------------------------------

def _check_officer_can_take(*, person: Person, profile, on: datetime.date, team_id: int | None = None,
                            check_capacity: bool = True):
    """The officer is in the right team, holds cases, is not away on `on` and (optionally) has room. Returns their
    workload. The caller holds the locks on the case and on the profile."""
    team_id = team_id if team_id is not None else person.team_id
    if profile.team_id != team_id:
        raise AllocationError({"officer": "Choose an offender manager in the case's team."})
    if profile.grade == StaffProfile.Grade.SPO:
        raise AllocationError({"officer": "Senior probation officers do not hold cases: choose an offender manager."})
    if not profile.is_available:
        raise AllocationError({"officer": "This offender manager is unavailable."})
    away = officer_away_on(profile.user_id, on)
    if away is not None:
        raise AllocationError({"officer": f"{profile.user} is away ({away.get_kind_display().lower()}) from "
                                          f"{away.start_date:%-d %B %Y} to {away.end_date:%-d %B %Y}."})
    points = tier_points()
    capacities = grade_capacities()
    workload = officer_workloads(StaffProfile.objects.filter(pk=profile.pk), points=points, capacities=capacities,
                                 on=on)[0]
    needed = case_points(person, points)
    if check_capacity and workload.points + needed > workload.capacity:
        raise AllocationError(
            {"officer": f"{profile.user} has no room for this case ({workload.points} of {workload.capacity} points)."}
        )
    return workload


def _lock_profile(officer) -> StaffProfile:
    try:
        return StaffProfile.objects.select_for_update().select_related("user").get(user=officer)
    except StaffProfile.DoesNotExist:
        raise AllocationError({"officer": "Choose an offender manager with a staff profile."}) from None


def _move_case(*, person: Person, allocation, to_user, to_team_id: int, by) -> None:
    """Apply a move: the case's holder and team change, open work follows, the old and new holders are told."""
    from cases.registry import open_work_follow
    from probation.services import notification_send

    from cases.deadlines import allocation_target_cancel

    from_user = person.offender_manager
    from_team_id = person.team_id
    queued_at = None if to_user else timezone.now()
    Person.objects.filter(pk=person.pk).update(offender_manager=to_user, team_id=to_team_id,
                                               allocation_due_since=queued_at, updated_at=timezone.now())
    officer_caseloads_refresh(officer_ids=[getattr(from_user, "pk", None), getattr(to_user, "pk", None)])
    if queued_at is not None:
        _queue_arm(person_id=person.pk, queued_at=queued_at)
    else:
        allocation_target_cancel(person_id=person.pk)
    moved = open_work_follow(person=person, from_user=from_user, to_user=to_user, by=by)
    from cases.registry import case_changed

    case_changed([person.pk])
    transaction.on_commit(lambda: workload_changed(team_ids=[from_team_id, to_team_id]))
    person.offender_manager, person.team_id = to_user, to_team_id
    url = reverse("cases:case_detail", args=[person.crn])
    if to_user is not None and to_user != by:
        notification_send(recipient=to_user, key=f"cases:allocation:{allocation.pk}:new-holder",
                          subject=f"Case {person.crn} is now yours",
                          body=f"{person.crn} has been moved to you: {allocation.reason}. "
                               f"{moved} open item{'s' if moved != 1 else ''} came with it. "
                               f"Hand-over note: {allocation.handover_note or 'none'}", url=url)
    if from_user is not None and from_user != by and from_user != to_user:
        notification_send(recipient=from_user, key=f"cases:allocation:{allocation.pk}:old-holder",
                          subject=f"Case {person.crn} has moved to {to_user or 'the team queue'}",
                          body=f"{person.crn} is no longer on your caseload: {allocation.reason}.", url=url)


@transaction.atomic
def case_reallocate(*, person: Person, officer, by, reason: str, handover_note: str = "",
                    effective_from: datetime.date | None = None, expected_officer_id: int | None = None,
                    check_capacity: bool = True):
    """Move an allocated case to another offender manager in its team, with a reason and a hand-over note, from
    `effective_from` (today, or a later date: the nightly job applies it then). Every holder stays in the history
    (Allocation rows); open work registered by other apps follows the case.

    Race: two hub workers reallocating the same case at once. Both saw the same holder (`expected_officer_id`, sent
    with the form). We lock the case row, then the officer's profile (the order case_allocate uses), and compare
    the holder only after the lock: the first wins; the second finds the holder changed and is told who moved it.
    """
    from cases.models import Allocation

    if not (reason or "").strip():
        raise AllocationError({"reason": "Say why the case is being reallocated."})
    today = timezone.localdate()
    effective_from = effective_from or today
    if effective_from < today:
        raise AllocationError({"effective_from": "The reallocation cannot take effect in the past."})
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.provider != Provider.CRC:
        raise AllocationError({"person": "This case is supervised by the NPS."})
    if person.offender_manager_id is None:
        raise AllocationError({"person": "This case is not allocated yet: allocate it from the queue."})
    if expected_officer_id is not None and person.offender_manager_id != expected_officer_id:
        latest = person.allocations.select_related("allocated_by", "offender_manager").first()
        who = f" by {latest.allocated_by}" if latest and latest.allocated_by else ""
        raise AllocationError({"person": f"Someone else has just reallocated this case{who}: it is now held by "
                                         f"{person.offender_manager}. Check the case and try again if needed."})
    if person.allocations.filter(is_pending=True).exists():
        raise AllocationError({"person": "A reallocation of this case is already waiting to take effect."})
    if officer.pk == person.offender_manager_id:
        raise AllocationError({"officer": "The case is already held by this offender manager."})
    profile = _lock_profile(officer)
    workload = _check_officer_can_take(person=person, profile=profile, on=effective_from, check_capacity=check_capacity)
    allocation = Allocation.objects.create(
        person=person, team_id=person.team_id, offender_manager=profile.user, allocated_by=by,
        reason=reason.strip()[:300], kind=Allocation.Kind.REALLOCATION, effective_from=effective_from,
        is_pending=effective_from > today, handover_note=(handover_note or "").strip(),
        previous_offender_manager_id=person.offender_manager_id, previous_team_id=person.team_id,
        workload_points_before=workload.points, capacity_points=workload.capacity,
    )
    if not allocation.is_pending:
        _move_case(person=person, allocation=allocation, to_user=profile.user, to_team_id=person.team_id, by=by)
    return allocation


def reallocations_apply_due(*, today: datetime.date | None = None) -> dict:
    """Nightly: future-dated reallocations whose day has come. Each is claimed (is_pending True -> False) in its own
    transaction before the case moves, so overlapping runs move a case once; a failure is logged and retried."""
    from cases.models import Allocation

    today = today or timezone.localdate()
    done = failed = 0
    for pk in Allocation.objects.filter(is_pending=True, effective_from__lte=today).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                if Allocation.objects.filter(pk=pk, is_pending=True).update(is_pending=False) != 1:
                    continue
                allocation = Allocation.objects.select_related("offender_manager").get(pk=pk)
                person = Person.objects.select_for_update(of=("self",)).select_related("offender_manager").get(
                    pk=allocation.person_id)
                if person.offender_manager_id != allocation.previous_offender_manager_id:
                    Allocation.objects.filter(pk=pk).update(cancelled_at=timezone.now())  # moved meanwhile
                    continue
                _move_case(person=person, allocation=allocation, to_user=allocation.offender_manager,
                           to_team_id=allocation.team_id, by=None)
                done += 1
        except Exception:
            logger.exception("applying reallocation %s failed", pk)
            failed += 1
    return {"applied": done, "failed": failed}


def officer_caseload_reallocate(*, officer, by, reason: str, handover_note: str = "") -> dict:
    """Bulk reallocation when an officer leaves (or is away long): each of their cases goes to the least-loaded
    available colleague in the case's team who has room; a case that fits no one goes back to the team's queue,
    waiting from now. One transaction per case (with the locks of case_reallocate), so one failure never stops
    the rest."""
    from cases.models import Allocation
    from cases.selectors import allocation_suggestions

    if not (reason or "").strip():
        raise AllocationError({"reason": "Say why the caseload is being reallocated."})
    moved = queued = failed = 0
    for person in Person.objects.crc().filter(offender_manager=officer).select_related("team").order_by("id"):
        try:
            suggestions = [w for w in allocation_suggestions(person) if w.user.pk != officer.pk]
            if suggestions:
                case_reallocate(person=person, officer=suggestions[0].user, by=by, reason=reason,
                                handover_note=handover_note, expected_officer_id=officer.pk)
                moved += 1
                continue
            with transaction.atomic():
                locked = Person.objects.select_for_update().get(pk=person.pk)
                if locked.offender_manager_id != officer.pk:
                    continue
                allocation = Allocation.objects.create(
                    person=locked, team_id=locked.team_id, offender_manager=None, allocated_by=by,
                    reason=f"Returned to the team queue: {reason.strip()}"[:300], kind=Allocation.Kind.REALLOCATION,
                    effective_from=timezone.localdate(), handover_note=handover_note,
                    previous_offender_manager=officer, previous_team_id=locked.team_id)
                locked.offender_manager = officer
                _move_case(person=locked, allocation=allocation, to_user=None, to_team_id=locked.team_id, by=by)
                queued += 1
        except Exception:
            logger.exception("bulk reallocation of person %s failed", person.pk)
            failed += 1
    return {"reallocated": moved, "returned_to_queue": queued, "failed": failed}


def _is_spo_of(user, team) -> bool:
    return user is not None and (team.manager_id == user.pk or getattr(user, "role", "") == "admin")


@transaction.atomic
def transfer_request(*, person: Person, to_team: Team, by, reason: str, handover_note: str = "", to_officer=None):
    """Ask to move a case to another team. Both teams' SPOs must approve; an SPO who asks approves for their own
    team at once."""
    from django.db import IntegrityError

    from cases.models import CaseTransfer

    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the case is moving team."})
    person = Person.objects.select_for_update(of=("self",)).select_related("team").get(pk=person.pk)
    if person.team_id is None:
        raise ValidationError({"to_team": "The case has no team to transfer from."})
    if to_team.pk == person.team_id:
        raise ValidationError({"to_team": "Choose a different team: reallocate within the team instead."})
    if to_officer is not None and getattr(getattr(to_officer, "staff_profile", None), "team_id", None) != to_team.pk:
        raise ValidationError({"to_officer": "Choose an offender manager in the receiving team."})
    now = timezone.now()
    transfer = CaseTransfer(person=person, from_team=person.team, to_team=to_team, to_officer=to_officer,
                            reason=reason.strip()[:300], handover_note=(handover_note or "").strip(), requested_by=by)
    if _is_spo_of(by, person.team):
        transfer.from_approved_by, transfer.from_approved_at = by, now
    if _is_spo_of(by, to_team):
        transfer.to_approved_by, transfer.to_approved_at = by, now
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        raise ValidationError({"to_team": "A transfer of this case is already waiting for approval."}) from None
    for team in (person.team, to_team):
        if team.manager_id and team.manager_id != by.pk:
            from probation.services import notification_send

            notification_send(recipient=team.manager, key=f"cases:transfer:{transfer.pk}:ask:{team.pk}",
                              subject=f"Transfer of {person.crn} needs your approval",
                              body=f"{person.crn}: {person.team} to {to_team}. Reason: {transfer.reason}",
                              url=reverse("cases:transfer_decide", args=[transfer.pk]))
    return _transfer_complete_if_approved(transfer)


@transaction.atomic
def transfer_approve(*, transfer, by):
    """An SPO approves for their side (both sides if they manage both teams). When both have, the case moves."""
    from cases.models import CaseTransfer

    transfer = CaseTransfer.objects.select_for_update().select_related("from_team", "to_team").get(pk=transfer.pk)
    if not transfer.is_open:
        raise ValidationError({"transfer": "This transfer has already been decided."})
    now, changed = timezone.now(), False
    if _is_spo_of(by, transfer.from_team) and transfer.from_approved_at is None:
        transfer.from_approved_by, transfer.from_approved_at, changed = by, now, True
    if _is_spo_of(by, transfer.to_team) and transfer.to_approved_at is None:
        transfer.to_approved_by, transfer.to_approved_at, changed = by, now, True
    if not changed:
        raise ValidationError({"transfer": "Only the SPO of either team can approve, once."})
    transfer.save()
    return _transfer_complete_if_approved(transfer)


@transaction.atomic
def transfer_refuse(*, transfer, by, reason: str):
    from cases.models import CaseTransfer

    transfer = CaseTransfer.objects.select_for_update().select_related("from_team", "to_team").get(pk=transfer.pk)
    if not transfer.is_open:
        raise ValidationError({"transfer": "This transfer has already been decided."})
    if not (_is_spo_of(by, transfer.from_team) or _is_spo_of(by, transfer.to_team)):
        raise ValidationError({"transfer": "Only the SPO of either team can refuse."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the transfer is refused."})
    transfer.refused_at, transfer.refused_by, transfer.refusal_reason = timezone.now(), by, reason.strip()[:300]
    transfer.save()
    return transfer


def _transfer_complete_if_approved(transfer):
    """Both approvals in: the case moves team (to the named officer, or into the receiving team's queue)."""
    from cases.models import Allocation

    if transfer.from_approved_at is None or transfer.to_approved_at is None or transfer.completed_at is not None:
        return transfer
    person = Person.objects.select_for_update(of=("self",)).select_related("offender_manager").get(pk=transfer.person_id)
    if person.team_id != transfer.from_team_id:
        raise ValidationError({"transfer": "The case has changed team since the transfer was asked for."})
    to_user = None
    workload = None
    if transfer.to_officer_id:
        profile = _lock_profile(transfer.to_officer)
        workload = _check_officer_can_take(person=person, profile=profile, on=timezone.localdate(),
                                           team_id=transfer.to_team_id)
        to_user = profile.user
    allocation = Allocation.objects.create(
        person=person, team_id=transfer.to_team_id, offender_manager=to_user,
        allocated_by=transfer.requested_by, reason=f"Team transfer: {transfer.reason}"[:300],
        kind=Allocation.Kind.TRANSFER, effective_from=timezone.localdate(), handover_note=transfer.handover_note,
        previous_offender_manager_id=person.offender_manager_id, previous_team_id=person.team_id,
        workload_points_before=workload.points if workload else 0, capacity_points=workload.capacity if workload else 0,
    )
    _move_case(person=person, allocation=allocation, to_user=to_user, to_team_id=transfer.to_team_id,
               by=transfer.requested_by)
    transfer.completed_at = timezone.now()
    transfer.save(update_fields=["completed_at"])
    return transfer


# --- continuity: computed tier -----------------------------------------------------------------------------------

def tier_inputs(person: Person, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    # A register ended today no longer counts (it ended at once); one ending later still does.
    registers = sorted(person.registers.filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
                       .values_list("code", flat=True).distinct())
    return {"rosh": person.rosh_level, "registers": registers, "predictor": person.predictor_score}


def tier_compute(inputs: dict, rules: list, settings_row) -> str:
    """The tier the rules give for these inputs: protect points (RoSH, registers) give the letter; change points
    (predictor score bands, registers) give the digit. Pure: no database."""
    points = {"protect": 0, "change": 0}
    best_predictor = {"protect": 0, "change": 0}
    for rule in rules:
        if not rule.is_active:
            continue
        if rule.input == "rosh" and rule.value == inputs["rosh"]:
            points[rule.axis] += rule.points
        elif rule.input == "register" and rule.value in inputs["registers"]:
            points[rule.axis] += rule.points
        elif rule.input == "predictor" and inputs["predictor"] is not None and inputs["predictor"] >= int(rule.value):
            best_predictor[rule.axis] = max(best_predictor[rule.axis], rule.points)  # the highest band met counts
    protect = points["protect"] + best_predictor["protect"]
    change = points["change"] + best_predictor["change"]
    s = settings_row
    letter = ("A" if protect >= s.tier_protect_a_points else "B" if protect >= s.tier_protect_b_points
              else "C" if protect >= s.tier_protect_c_points else "D")
    digit = (3 if change >= s.tier_change_3_points else 2 if change >= s.tier_change_2_points
             else 1 if change >= s.tier_change_1_points else 0)
    return f"{letter}{digit}"


@transaction.atomic
def person_recompute_tier(*, person: Person, trigger: str, by=None, today: datetime.date | None = None):
    """Recompute a person's tier from RoSH, registers and the predictor score; record a TierChange when the
    computed tier or the tier in force changes (with what triggered it and who). A live override stays in force
    until it expires. Call inside the transaction that changed the input, once per change."""
    from cases.models import CaseworkSettings, TierChange, TierOverride, TierRule

    today = today or timezone.localdate()
    person = Person.objects.select_for_update().get(pk=person.pk)
    inputs = tier_inputs(person, today)
    computed = tier_compute(inputs, list(TierRule.objects.all()), CaseworkSettings.current())
    override = TierOverride.objects.filter(person=person, ended_at__isnull=True, expires_on__gt=today).first()
    in_force = override.tier if override else computed
    if computed == person.computed_tier and in_force == person.tier:
        return None
    change = TierChange.objects.create(person=person, by=by, trigger=trigger[:200], computed_tier=computed,
                                       tier=in_force, previous_tier=person.tier, inputs=inputs)
    Person.objects.filter(pk=person.pk).update(computed_tier=computed, tier=in_force, updated_at=timezone.now())
    if in_force != person.tier:
        from cases.registry import case_changed

        case_changed([person.pk])  # e.g. supervision's contact standard follows the tier
    if in_force != person.tier and person.offender_manager_id:  # the officer's points change with the tier
        if person.provider == Provider.CRC:
            officer_caseloads_refresh(officer_ids=[person.offender_manager_id])
        officer_id = person.offender_manager_id
        transaction.on_commit(lambda: workload_changed(officer_ids=[officer_id]))
    return change


@transaction.atomic
def person_set_predictor(*, person: Person, score: int | None, by):
    if score is not None and not (0 <= int(score) <= 100):
        raise ValidationError({"predictor_score": "Enter a predictor score from 0 to 100."})
    Person.objects.filter(pk=person.pk).update(predictor_score=score, updated_at=timezone.now())
    return person_recompute_tier(person=person, trigger=f"Reoffending predictor score {score}", by=by)


@transaction.atomic
def tier_override_set(*, person: Person, tier: str, reason: str, expires_on: datetime.date, by):
    """A manual tier with a reason, in force until `expires_on` (then the computed tier returns)."""
    from cases.models import TIER_VALIDATOR, TierOverride

    errors = {}
    try:
        TIER_VALIDATOR(tier or "")
    except ValidationError as exc:
        errors["tier"] = exc.messages
    if not (reason or "").strip():
        errors["reason"] = "Give the reason for overriding the computed tier."
    if expires_on is None or expires_on <= timezone.localdate():
        errors["expires_on"] = "The override must expire after today."
    if errors:
        raise ValidationError(errors)
    Person.objects.select_for_update().get(pk=person.pk)
    TierOverride.objects.filter(person=person, ended_at__isnull=True).update(ended_at=timezone.now())
    TierOverride.objects.create(person=person, tier=tier, reason=reason.strip()[:300], expires_on=expires_on, set_by=by)
    return person_recompute_tier(person=person, trigger=f"Override to {tier} until {expires_on:%-d %B %Y}: {reason}",
                                 by=by)


def tier_overrides_expire(*, today: datetime.date | None = None) -> dict:
    """Daily: overrides whose expiry date has come end, and the computed tier returns (with history). Claimed one
    by one (ended_at) so overlapping runs expire each once."""
    from cases.models import TierOverride

    today = today or timezone.localdate()
    expired = 0
    for override in TierOverride.objects.filter(ended_at__isnull=True, expires_on__lte=today).order_by("id"):
        try:
            with transaction.atomic():
                if TierOverride.objects.filter(pk=override.pk, ended_at__isnull=True).update(ended_at=timezone.now()) != 1:
                    continue
                person_recompute_tier(person=override.person, trigger=f"Override to {override.tier} expired",
                                      today=today)
                expired += 1
        except Exception:
            logger.exception("expiring tier override %s failed", override.pk)
    return {"expired": expired}


def tiers_recompute_all(*, trigger: str = "Tier rules changed", by=None) -> int:
    """After the rules change in admin: every CRC case, one transaction each (changes recorded as history)."""
    changed = 0
    for person in Person.objects.crc().only("pk").iterator():
        with transaction.atomic():
            changed += person_recompute_tier(person=person, trigger=trigger, by=by) is not None
    return changed


# --- continuity: sentence plans and endings ----------------------------------------------------------------------

def plan_due_by(sentence_date: datetime.date, working_days: int, calendar=None) -> datetime.date:
    from probation.calendar import get_calendar

    calendar = calendar or get_calendar()
    day = sentence_date
    for _ in range(working_days):
        day = calendar.next_working_day(day)
    return day


@transaction.atomic
def sentence_plan_start(*, sentence) -> "SentencePlan":
    """The plan for a sentence (idempotent), due within the configured working days of sentence."""
    from cases.models import CaseworkSettings, SentencePlan

    due = plan_due_by(sentence.sentence_date, CaseworkSettings.current().sentence_plan_due_working_days)
    plan, created = SentencePlan.objects.get_or_create(sentence=sentence, defaults={"due_by": due})
    if created:
        from cases.deadlines import plan_arm

        plan_arm(plan=plan)
    return plan


@transaction.atomic
def plan_objective_add(*, plan, text: str, target_date: datetime.date, by):
    from cases.models import PlanObjective

    errors = {}
    if not (text or "").strip():
        errors["text"] = "Describe the objective."
    if target_date is None:
        errors["target_date"] = "Enter the objective's target date."
    elif target_date < plan.sentence.sentence_date:
        errors["target_date"] = "The target date cannot be before the date of sentence."
    if errors:
        raise ValidationError(errors)
    return PlanObjective.objects.create(plan=plan, text=text.strip()[:300], target_date=target_date)


@transaction.atomic
def plan_agree(*, plan, on: datetime.date, by):
    from cases.models import CaseworkSettings, SentencePlan

    if not plan.objectives.exists():
        raise ValidationError({"plan": "Add at least one objective before agreeing the plan."})
    weeks = CaseworkSettings.current().plan_review_interval_weeks
    SentencePlan.objects.filter(pk=plan.pk).update(agreed_on=on, next_review_due=on + datetime.timedelta(weeks=weeks))
    plan.refresh_from_db()
    from cases.deadlines import plan_arm

    plan_arm(plan=plan)
    return plan


@transaction.atomic
def plan_review_record(*, plan, on: datetime.date, by, note: str = ""):
    from cases.models import CaseworkSettings, SentencePlan, SentencePlanReview

    if plan.agreed_on is None:
        raise ValidationError({"plan": "Agree the plan before reviewing it."})
    review = SentencePlanReview.objects.create(plan=plan, reviewed_on=on, reviewed_by=by, note=note)
    weeks = CaseworkSettings.current().plan_review_interval_weeks
    SentencePlan.objects.filter(pk=plan.pk).update(next_review_due=on + datetime.timedelta(weeks=weeks))
    plan.refresh_from_db()
    from cases.deadlines import plan_arm

    plan_arm(plan=plan)
    return review


@transaction.atomic
def order_end(*, sentence, reason: str, ended_on: datetime.date, by, rar_days_completed: int = 0,
              hours_completed: int = 0, note: str = ""):
    """Record how an order ended and what had been completed (requirements marked completed, RAR days, hours). An
    order closed with no requirement completed is flagged."""
    from django.db import IntegrityError

    from cases.models import OrderEnding

    if reason not in OrderEnding.Reason.values:
        raise ValidationError({"reason": "Choose how the order ended."})
    if ended_on is None or ended_on < sentence.sentence_date:
        raise ValidationError({"ended_on": "The order cannot end before the date of sentence."})
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": "The end date cannot be in the future."})
    requirements = list(sentence.requirements.all())
    completed = [r for r in requirements if r.completed_on is not None and r.completed_on <= ended_on]
    rar_ordered = sum(r.rar_days or 0 for r in requirements)
    hours_ordered = sum(r.hours or 0 for r in requirements)
    if rar_days_completed > rar_ordered:
        raise ValidationError({"rar_days_completed": f"No more than the {rar_ordered} RAR days ordered."})
    if hours_completed > hours_ordered:
        raise ValidationError({"hours_completed": f"No more than the {hours_ordered} hours ordered."})
    ending = OrderEnding(sentence=sentence, reason=reason, ended_on=ended_on, recorded_by=by, note=note,
                         requirements_total=len(requirements), requirements_completed=len(completed),
                         rar_days_completed=rar_days_completed, hours_completed=hours_completed,
                         no_requirement_completed=bool(requirements) and not completed)
    try:
        with transaction.atomic():
            ending.save()
    except IntegrityError:
        raise ValidationError({"sentence": "This order's ending is already recorded."}) from None
    return ending


# --- maintained caseload counts (OfficerCaseload) ------------------------------------------------------------------

def _caseloads_recount(officer_ids, *, write: bool = True) -> tuple[dict[int, tuple[dict, dict]], list[int]]:
    """Lock these officers' OfficerCaseload rows, recount them from their cases and (if `write`) store the counts.
    Returns the counts and the officers whose stored row (of today) differed from the recount."""
    from cases.models import OfficerCaseload
    from cases.selectors import caseload_counts_live

    ids = sorted({int(i) for i in officer_ids if i is not None})
    if not ids:
        return {}, []
    today, now = timezone.localdate(), timezone.now()
    with transaction.atomic():
        OfficerCaseload.objects.bulk_create([OfficerCaseload(officer_id=i, counted_on=today, counted_at=now)
                                             for i in ids], ignore_conflicts=True, batch_size=1000)
        stored = {
            uid: (counted_on, cases, reports) for uid, counted_on, cases, reports in
            OfficerCaseload.objects.select_for_update().filter(officer_id__in=ids).order_by("officer_id")
            .values_list("officer_id", "counted_on", "case_counts", "report_counts")
        }
        counts = caseload_counts_live(ids, on=today)
        drifted = [uid for uid in ids if stored[uid][0] == today and stored[uid][1:] != counts[uid]]
        if write:
            OfficerCaseload.objects.bulk_update(
                [OfficerCaseload(officer_id=uid, counted_on=today, case_counts=cases, report_counts=reports,
                                 counted_at=now) for uid, (cases, reports) in counts.items()],
                ["counted_on", "case_counts", "report_counts", "counted_at"], batch_size=1000)
    return counts, drifted


def officer_caseloads_refresh(*, officer_ids) -> dict[int, tuple[dict, dict]]:
    """Recount these officers' stored caseloads (OfficerCaseload) from their cases. Every service that changes an
    officer's caseload calls it inside its own transaction, after the change, so the pages read exact counts.

    Race: two transactions changing one officer's caseload at once (two allocations to them, an allocation and a
    tier change) would each count without the other's uncommitted case, and the later write would lose the
    earlier's change. So the officers' rows are locked first (created if missing; locked in officer order, so two
    refreshes never deadlock) and counted only after the lock is granted: under READ COMMITTED the count's statement
    then sees every change committed before, and a change still in flight recounts after its own lock."""
    return _caseloads_recount(officer_ids)[0]


def officer_caseloads_check(*, fix: bool = False, batch: int = 500) -> dict:
    """The drift check (manage.py workload_check; nightly with fix): recount every officer who holds CRC cases, has
    open reports or has a stored row, and compare. `drifted`: a row counted today that differs from the cases (a
    write path that did not refresh: a bug); `stale`: counted before today (a custody case may have become licence
    since: expected, recounted when next read); `missing`: an officer (or a holder of cases) with no row. Candidates are
    compared again under the refresh's lock, so a change committed meanwhile is not reported. With `fix` every
    candidate is recounted and stored."""
    from cases.models import CourtReport, OfficerCaseload
    from cases.selectors import caseload_counts_live

    today = timezone.localdate()
    stored = {uid: (counted_on, cases, reports) for uid, counted_on, cases, reports in
              OfficerCaseload.objects.values_list("officer_id", "counted_on", "case_counts", "report_counts")}
    holders = set(Person.objects.crc().filter(offender_manager__isnull=False)
                  .values_list("offender_manager_id", flat=True).distinct())
    holders |= set(CourtReport.objects.filter(completed_on__isnull=True).values_list("author_id", flat=True).distinct())
    holders |= set(StaffProfile.objects.values_list("user_id", flat=True))  # every officer has a row, even at zero
    live = caseload_counts_live(sorted(holders | set(stored)), on=today)
    missing = sorted(uid for uid in holders if uid not in stored)
    stale = sorted(uid for uid, row in stored.items() if row[0] != today)
    suspects = sorted(uid for uid, row in stored.items() if row[0] == today and row[1:] != live[uid])
    drifted: list[int] = []
    for start in range(0, len(suspects), batch):
        drifted += _caseloads_recount(suspects[start:start + batch], write=fix)[1]
    if fix:
        for ids in (missing, stale):
            for start in range(0, len(ids), batch):
                _caseloads_recount(ids[start:start + batch])
    if drifted:
        logger.warning("officer caseload counts had drifted for %d officers: %s", len(drifted), drifted[:50])
    return {"officers": len(live), "drifted": drifted, "stale": len(stale), "missing": len(missing), "fixed": fix}
