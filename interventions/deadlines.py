"""Interventions' deadlines, as steps of the deadline engine (probation/deadlines.py):

- `interventions.upw_pace`: every 4 weeks from an unpaid work requirement's start until it is done or its 12-month
  deadline passes, the officer is told if the person is behind a steady pace (selectors.is_behind). The engine
  claims only the requirements whose check is due, so the sweep's cost follows the work due, not the caseload.
- `interventions.commencement`: a requirement not started within a week of sentence (a month for a specialist one:
  an accredited programme) is chased with its officer and team manager, then weekly until it starts.

`requirement_deadlines_arm` arms both for requirements of recently recorded sentences that have none yet (one
statement each); the daily beat runs it, and `--all` in `manage.py interventions_arm` backfills every requirement.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Subquery, Sum
from django.urls import reverse
from django.utils import timezone

from cases.models import Person, Requirement, Sentence
from interventions.models import LONDON, Booking
from interventions.selectors import expected_minutes, is_behind, upw_deadline_for
from probation.deadlines import Fired, Notice, Outcome, Step, deadlines_set, register
from probation.models import Deadline

UPW_PACE = "interventions.upw_pace"
COMMENCEMENT = "interventions.commencement"
PACE_EVERY = datetime.timedelta(weeks=4)
CHASE_EVERY = datetime.timedelta(weeks=1)
SPECIALIST_KINDS = (Requirement.Kind.ACCREDITED_PROGRAMME,)


def _morning(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(7), tzinfo=LONDON)


def commencement_due_on(kind: str, sentence_date: datetime.date) -> datetime.date:
    """Requirements start within a week of sentence; specialist ones within a month."""
    if kind in SPECIALIST_KINDS:
        from dateutil.relativedelta import relativedelta

        return sentence_date + relativedelta(months=1)
    return sentence_date + datetime.timedelta(days=7)


def _notices(recipients, key, subject, body, url):
    seen, notices = set(), []
    for user_id in recipients:
        if user_id and user_id not in seen:
            seen.add(user_id)
            notices.append(Notice(recipient_id=user_id, key=f"{key}:{user_id}", subject=subject, body=body, url=url))
    return notices


def _owner_rows(requirements):
    """The requirements annotated with what a firing needs: the sentence date, the person's CRN, officer and team manager.
    Each is a correlated probe by primary key, not a join: joined, the planner hashes the whole sentences table as
    soon as a batch is a few hundred, so the sweep's cost would follow the caseload instead of the work due."""
    person = Person.objects.filter(sentences=OuterRef("sentence_id")).order_by()
    return requirements.annotate(
        sentence_date=Subquery(Sentence.objects.filter(pk=OuterRef("sentence_id")).order_by().values("sentence_date")),
        crn=Subquery(person.values("crn")), officer_id=Subquery(person.values("offender_manager_id")),
        manager_id=Subquery(person.values("team__manager_id")),
    ).order_by()


OWNER_FIELDS = ("id", "kind", "hours", "commenced_on", "sentence_date", "crn", "officer_id", "manager_id")


class UpwPace(Step):
    name = UPW_PACE

    def owners(self, ids):
        # The minutes credited are a correlated sum, one probe of upw_booking_credited_idx per requirement due
        # (an index-only scan), never a join over every booking: the sweep's cost follows the work due.
        credited = (Booking.objects.filter(requirement=OuterRef("pk"), attendance_recorded_at__isnull=False,
                                           cancelled_at__isnull=True)
                    .order_by().values("requirement").annotate(total=Sum("credited_minutes")).values("total"))
        rows = (_owner_rows(Requirement.objects.filter(pk__in=ids, kind=Requirement.Kind.UNPAID_WORK))
                .annotate(credited=Subquery(credited)).values(*OWNER_FIELDS, "credited"))
        return {r["id"]: r for r in rows}

    def fire(self, owner, fired: Fired, ctx):
        ordered, credited = (owner["hours"] or 0) * 60, owner["credited"] or 0
        start = owner["sentence_date"]
        deadline = upw_deadline_for(start)
        today = fired.now.astimezone(LONDON).date()
        if credited >= ordered:
            return Outcome()  # done: close it
        next_due = fired.due_at + PACE_EVERY
        if next_due.astimezone(LONDON).date() > deadline:
            next_due = _morning(deadline + datetime.timedelta(days=1)) if today <= deadline else None
        if not is_behind(ordered, credited, start, deadline, today):
            return Outcome(next_due=next_due, tally="on_track")
        short = (expected_minutes(ordered, start, deadline, today) - credited) / 60 if today < deadline else \
            (ordered - credited) / 60
        crn = owner["crn"]
        subject = (f"Unpaid work deadline passed for {crn}" if today >= deadline else
                   f"Unpaid work behind schedule: {crn}")
        body = (f"{credited / 60:.1f} of {ordered // 60} hours credited; {short:.1f} hours behind a steady pace to the "
                f"12-month deadline of {deadline:%d %b %Y}." if today < deadline else
                f"{(ordered - credited) / 60:.1f} of {ordered // 60} hours were not worked by {deadline:%d %b %Y}: "
                f"consider enforcement or an extension.")
        return Outcome(notices=_notices(
            [owner["officer_id"]],
            f"interventions:upw-pace:{owner['id']}:{fired.due_at:%Y%m%d}", subject, body,
            reverse("cases:case_detail", args=[crn])), next_due=next_due, tally="behind")


class Commencement(Step):
    name = COMMENCEMENT

    def owners(self, ids):
        return {r["id"]: r for r in _owner_rows(Requirement.objects.filter(pk__in=ids, commenced_on__isnull=True))
                .values(*OWNER_FIELDS)}

    def fire(self, owner, fired: Fired, ctx):
        crn = owner["crn"]
        kind = Requirement.Kind(owner["kind"]).label
        due = commencement_due_on(owner["kind"], owner["sentence_date"])
        return Outcome(notices=_notices(
            [owner["officer_id"], owner["manager_id"]],
            f"interventions:commencement:{owner['id']}:{fired.due_at:%Y%m%d}",
            f"Requirement not started: {crn}",
            f"{kind} for {crn} should have started by {due:%d %b %Y} and has not.",
            reverse("cases:case_detail", args=[crn])), next_due=fired.due_at + CHASE_EVERY, tally="chased")


def register_steps():
    register(UpwPace())
    register(Commencement())


def _unarmed(queryset, step):
    return queryset.filter(~Exists(Deadline.objects.filter(step=step, owner_id=OuterRef("pk"))))


def requirement_deadlines_arm(*, since_days: int | None = 3, now=None) -> dict:
    """Arm the pace and commencement deadlines of requirements that have none. `since_days`: only sentences recorded
    in the last so many days (the daily run: cost follows the new sentences); None: every requirement (backfill)."""
    now = now or timezone.now()
    requirements = Requirement.objects.select_related(None)
    if since_days is not None:
        requirements = requirements.filter(sentence__created_at__gte=now - datetime.timedelta(days=since_days))
    pace = {r["id"]: _morning(max(r["start_date"], r["sentence__sentence_date"]) + PACE_EVERY)
            for r in _unarmed(requirements.filter(kind=Requirement.Kind.UNPAID_WORK), UPW_PACE)
            .values("id", "start_date", "sentence__sentence_date")}
    chase = {r["id"]: _morning(commencement_due_on(r["kind"], r["sentence__sentence_date"]) + datetime.timedelta(days=1))
             for r in _unarmed(requirements.filter(commenced_on__isnull=True), COMMENCEMENT)
             .values("id", "kind", "sentence__sentence_date")}
    if pace:
        deadlines_set(step=UPW_PACE, due=pace, now=now)
    if chase:
        deadlines_set(step=COMMENCEMENT, due=chase, now=now)
    return {"pace": len(pace), "commencement": len(chase)}
