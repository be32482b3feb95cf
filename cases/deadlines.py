"""The deadline steps of case management continuity, run by the shared engine (probation/deadlines.py).

- `cases.allocation_target` (owner: Person): a queued case still unallocated when the same-day allocation target
  passes; the team's SPO is told once. Armed when the case joins a queue (arrival from the NPS, returned by a bulk
  reallocation, transferred in), cancelled when it is allocated or escalated.
- `cases.absence_long` (owner: Absence): an absence longer than the configured days reaches its first day; the
  officer's SPO is told once, with the officer's cases and the open work on them. Armed when recorded (if long
  enough), cancelled when the absence is cancelled.
- `cases.plan_late` (owner: SentencePlan): a plan not agreed by its due date (within the configured working days of
  sentence); the offender manager and the SPO are told. Armed when the plan starts, cancelled when agreed.
- `cases.plan_review_late` (owner: SentencePlan): a review past its date; the offender manager is told. Re-armed at
  each agreement and review.

Each due time is 08:00 Europe/London on the first day something is late, so notices arrive at the start of the day.
"""

import datetime
from zoneinfo import ZoneInfo

from django.db.models import F
from django.urls import reverse

from probation.deadlines import Notice, Outcome, Step, deadline_set, deadlines_cancel

LONDON = ZoneInfo("Europe/London")
MORNING = datetime.time(8)
ALLOCATION_TARGET = "cases.allocation_target"
ABSENCE_LONG = "cases.absence_long"
PLAN_LATE = "cases.plan_late"
PLAN_REVIEW_LATE = "cases.plan_review_late"


def morning_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, MORNING, tzinfo=LONDON)


# --- arming, from the services (inside their transactions) -------------------------------------------------------

def allocation_target_arm(*, person_id: int, queued_at: datetime.datetime | None, target_days: int,
                          calendar=None) -> None:
    """Due on the morning of the first working day beyond the target (target 0: the next working day)."""
    from django.utils import timezone

    from probation.calendar import get_calendar

    if queued_at is None:
        deadline_set(step=ALLOCATION_TARGET, owner_id=person_id, due_at=None)
        return
    calendar = calendar or get_calendar()
    day = timezone.localtime(queued_at).date()
    for _ in range(target_days + 1):
        day = calendar.next_working_day(day)
    deadline_set(step=ALLOCATION_TARGET, owner_id=person_id, due_at=morning_of(day))


def allocation_target_cancel(*, person_id: int) -> None:
    deadlines_cancel(owner_id=person_id, steps=[ALLOCATION_TARGET])


def absence_arm(*, absence, limit_days: int) -> None:
    if absence.days > limit_days and absence.cancelled_at is None:
        deadline_set(step=ABSENCE_LONG, owner_id=absence.pk, due_at=morning_of(absence.start_date))


def absence_disarm(*, absence_id: int) -> None:
    deadlines_cancel(owner_id=absence_id, steps=[ABSENCE_LONG])


def plan_arm(*, plan) -> None:
    due = None if plan.agreed_on else morning_of(plan.due_by + datetime.timedelta(days=1))
    deadline_set(step=PLAN_LATE, owner_id=plan.pk, due_at=due)
    review = plan.next_review_due
    deadline_set(step=PLAN_REVIEW_LATE, owner_id=plan.pk,
                 due_at=morning_of(review + datetime.timedelta(days=1)) if review else None)


# --- the steps ----------------------------------------------------------------------------------------------------

def _case_url(crn: str) -> str:
    return reverse("cases:case_detail", args=[crn])


class AllocationTargetStep(Step):
    name = ALLOCATION_TARGET

    def owners(self, ids):
        from cases.models import Person
        from cases.registry import held_elsewhere_subqueries

        queryset = Person.objects.unallocated().filter(pk__in=ids, team__isnull=False)
        for subquery in held_elsewhere_subqueries():
            queryset = queryset.exclude(pk__in=subquery)
        return {row["id"]: row for row in queryset.values(
            "id", "crn", "allocation_due_since", team_name=F("team__name"), manager_id=F("team__manager_id"))}

    def context(self, owners, now):
        from cases.models import CaseworkSettings

        return {"target": CaseworkSettings.current().allocation_target_working_days}

    def fire(self, owner, fired, ctx):
        if owner["manager_id"] is None:
            return Outcome(tally="no_manager")
        return Outcome(tally="beyond_target", notices=[Notice(
            recipient_id=owner["manager_id"],
            key=f"cases:allocation-target:{owner['id']}:{fired.due_at:%Y%m%d%H%M}:{owner['manager_id']}",
            subject=f"{owner['crn']} is unallocated beyond the target",
            body=f"{owner['crn']} has waited for allocation in {owner['team_name']} beyond the target of "
                 f"{ctx['target']} working day{'s' if ctx['target'] != 1 else ''}.",
            url=reverse("cases:case_allocate", args=[owner["crn"]]))])


class AbsenceLongStep(Step):
    name = ABSENCE_LONG

    def owners(self, ids):
        from cases.models import Absence

        return {a.pk: a for a in Absence.objects.filter(pk__in=ids, cancelled_at__isnull=True)
                .select_related("officer__staff_profile__team")}

    def context(self, owners, now):
        from cases.models import Person
        from cases.registry import open_work_for

        people = list(Person.objects.crc().filter(offender_manager_id__in={a.officer_id for a in owners.values()})
                      .order_by("crn").values("id", "crn", "offender_manager_id"))
        return {"people": people, "work": open_work_for([p["id"] for p in people])}

    def fire(self, absence, fired, ctx):
        profile = getattr(absence.officer, "staff_profile", None)
        manager_id = profile.team.manager_id if profile and profile.team_id else None
        if manager_id is None:
            return Outcome(tally="no_manager")
        cases = [p for p in ctx["people"] if p["offender_manager_id"] == absence.officer_id]
        lines = [f"{p['crn']}: {len(ctx['work'].get(p['id'], []))} open item(s)" for p in cases]
        return Outcome(tally="flagged", notices=[Notice(
            recipient_id=manager_id, key=f"cases:absence:{absence.pk}:flag:{manager_id}",
            subject=f"{absence.officer} is away {absence.days} days with {len(cases)} cases",
            body=f"{absence.officer} is away ({absence.get_kind_display().lower()}) from "
                 f"{absence.start_date:%-d %B %Y} to {absence.end_date:%-d %B %Y}. Their cases:\n" + "\n".join(lines),
            url=reverse("cases:team_workload"))])


class _PlanStep(Step):
    def owners(self, ids):
        from cases.models import SentencePlan

        return {row["id"]: row for row in SentencePlan.objects.filter(pk__in=ids, **self.still_due).values(
            "id", "due_by", "next_review_due", crn=F("sentence__person__crn"),
            officer_id=F("sentence__person__offender_manager_id"),
            manager_id=F("sentence__person__team__manager_id"))}


class PlanLateStep(_PlanStep):
    name = PLAN_LATE
    still_due = {"agreed_on__isnull": True}

    def fire(self, plan, fired, ctx):
        recipients = {r for r in (plan["officer_id"], plan["manager_id"]) if r is not None}
        return Outcome(tally="plans_late", notices=[Notice(
            recipient_id=r, key=f"cases:plan:{plan['id']}:late:{plan['due_by']:%Y%m%d}:{r}",
            subject=f"The sentence plan for {plan['crn']} is late",
            body=f"The sentence plan for {plan['crn']} was due by {plan['due_by']:%-d %B %Y} and is not agreed.",
            url=_case_url(plan["crn"])) for r in sorted(recipients)])


class PlanReviewLateStep(_PlanStep):
    name = PLAN_REVIEW_LATE
    still_due = {"next_review_due__isnull": False}

    def fire(self, plan, fired, ctx):
        if plan["officer_id"] is None:
            return Outcome(tally="no_officer")
        return Outcome(tally="reviews_late", notices=[Notice(
            recipient_id=plan["officer_id"],
            key=f"cases:plan:{plan['id']}:review:{plan['next_review_due']:%Y%m%d}:{plan['officer_id']}",
            subject=f"The sentence plan review for {plan['crn']} is late",
            body=f"The sentence plan review for {plan['crn']} was due by {plan['next_review_due']:%-d %B %Y}.",
            url=_case_url(plan["crn"]))])


STEPS = [AllocationTargetStep(), AbsenceLongStep(), PlanLateStep(), PlanReviewLateStep()]
