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
from cases.selectors import capacity_for, case_points, grade_capacities, officer_workloads, tier_points
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
    Person.objects.filter(pk=person.pk).update(
        provider=Provider.NPS, offender_manager=None, team=None, allocation_due_since=None, updated_at=timezone.now()
    )
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
    return person


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
    try:
        profile = StaffProfile.objects.select_for_update().select_related("user").get(user=officer)
    except StaffProfile.DoesNotExist:
        raise AllocationError({"officer": "Choose an offender manager with a staff profile."}) from None
    if profile.team_id != person.team_id:
        raise AllocationError({"officer": "Choose an offender manager in the case's team."})
    if not profile.is_available:
        raise AllocationError({"officer": "This offender manager is unavailable."})
    points = tier_points()
    capacities = grade_capacities()
    workload = officer_workloads(StaffProfile.objects.filter(pk=profile.pk), points=points, capacities=capacities)[0]
    needed = case_points(person, points)
    if workload.points + needed > workload.capacity:
        raise AllocationError(
            {"officer": f"{profile.user} has no room for this case ({workload.points} of {workload.capacity} points)."}
        )
    allocation = Allocation.objects.create(
        person=person,
        team_id=person.team_id,
        offender_manager=profile.user,
        allocated_by=None if automatic else by,
        reason=(reason or _default_reason(workload, automatic))[:300],
        is_automatic=automatic,
        workload_points_before=workload.points,
        capacity_points=capacity_for(profile, capacities),
    )
    Person.objects.filter(pk=person.pk).update(offender_manager=profile.user, updated_at=timezone.now())
    person.offender_manager = profile.user
    return allocation


def _default_reason(workload, automatic: bool) -> str:
    prefix = "Allocated automatically" if automatic else "Allocated"
    return f"{prefix}: lowest workload in the team ({workload.percent}% of capacity)."


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
    return person_receive_from_nps(person=person)
