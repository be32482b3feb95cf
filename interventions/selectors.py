"""Reads for interventions: the unpaid work ledger, a borough's unpaid work, a session's roster, a woman's budget
statement. Each runs a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q, Sum
from django.utils import timezone

from cases.models import Requirement
from interventions.models import Booking, BudgetSpend, PersonalBudget, Project, Session
from supervision.models import Outcome

UPW_MONTHS = 12
# Behind schedule: more than this many hours short of a steady pace to the 12-month deadline (two sessions).
BEHIND_TOLERANCE_HOURS = 14


@dataclass
class Ledger:
    requirement: Requirement
    ordered_minutes: int
    credited_minutes: int
    booked_sessions: int
    deadline: datetime.date
    today: datetime.date

    @property
    def ordered_hours(self) -> int:
        return self.ordered_minutes // 60

    @property
    def worked_hours(self) -> float:
        return round(self.credited_minutes / 60, 2)

    @property
    def remaining_minutes(self) -> int:
        return max(0, self.ordered_minutes - self.credited_minutes)

    @property
    def remaining_hours(self) -> float:
        return round(self.remaining_minutes / 60, 2)

    @property
    def expected_minutes(self) -> int:
        return expected_minutes(self.ordered_minutes, self.requirement.sentence.sentence_date, self.deadline, self.today)

    @property
    def behind(self) -> bool:
        return is_behind(self.ordered_minutes, self.credited_minutes, self.requirement.sentence.sentence_date,
                         self.deadline, self.today)

    @property
    def complete(self) -> bool:
        return self.remaining_minutes == 0


def expected_minutes(ordered: int, start: datetime.date, deadline: datetime.date, today: datetime.date) -> int:
    """Minutes a steady pace would have credited by `today` (all of them by the deadline)."""
    total = max(1, (deadline - start).days)
    elapsed = min(max(0, (today - start).days), total)
    return ordered * elapsed // total


def is_behind(ordered: int, credited: int, start: datetime.date, deadline: datetime.date,
              today: datetime.date) -> bool:
    if credited >= ordered:
        return False
    if today >= deadline:
        return True
    return expected_minutes(ordered, start, deadline, today) - credited > BEHIND_TOLERANCE_HOURS * 60


def upw_deadline_for(sentence_date: datetime.date) -> datetime.date:
    return sentence_date + relativedelta(months=UPW_MONTHS)


def ledgers(requirements: list[Requirement], today: datetime.date | None = None) -> list[Ledger]:
    """The hours ledger of each unpaid work requirement given (sentences already loaded): one query."""
    today = today or timezone.localdate()
    upw = [r for r in requirements if r.kind == Requirement.Kind.UNPAID_WORK]
    if not upw:
        return []
    now = timezone.now()
    sums = {row["requirement"]: row for row in Booking.objects.live().filter(requirement__in=[r.pk for r in upw])
            .values("requirement").annotate(
                credited=Sum("credited_minutes", filter=Q(attendance_recorded_at__isnull=False)),
                booked=Count("id", filter=Q(attendance_recorded_at__isnull=True, starts_at__gt=now)))}
    result = []
    for requirement in upw:
        row = sums.get(requirement.pk, {})
        result.append(Ledger(requirement=requirement, ordered_minutes=(requirement.hours or 0) * 60,
                             credited_minutes=row.get("credited") or 0, booked_sessions=row.get("booked") or 0,
                             deadline=upw_deadline_for(requirement.sentence.sentence_date), today=today))
    return result


def borough_unpaid_work(borough, first: datetime.date, days: int = 14) -> dict:
    """A borough's projects, its sessions from `first` for `days` with places booked and attendance, and the hours
    credited this month: four queries."""
    last = first + datetime.timedelta(days=days - 1)
    projects = list(Project.objects.filter(borough=borough, is_active=True).select_related("partner", "supervisor"))
    sessions = list(
        Session.objects.filter(project__borough=borough).between(first, last).select_related("project")
        .annotate(booked=Count("bookings", filter=Q(bookings__cancelled_at__isnull=True)),
                  attended=Count("bookings", filter=Q(bookings__cancelled_at__isnull=True,
                                                      bookings__appointment__outcome__in=[Outcome.ATTENDED,
                                                                                          Outcome.FAILED_TO_COMPLY])),
                  absent=Count("bookings", filter=Q(bookings__appointment__outcome__in=[
                      Outcome.ACCEPTABLE_ABSENCE, Outcome.UNACCEPTABLE_ABSENCE]))))
    month = first.replace(day=1)
    delivered = Booking.objects.filter(session__project__borough=borough, session__local_date__gte=month,
                                       session__local_date__lt=month + relativedelta(months=1),
                                       attendance_recorded_at__isnull=False).aggregate(
        minutes=Sum("credited_minutes"), attendances=Count("id", filter=Q(credited_minutes__gt=0)))
    return {"projects": projects, "sessions": sessions, "first": first, "last": last, "month": month,
            "hours_delivered": round((delivered["minutes"] or 0) / 60, 1),
            "attendances": delivered["attendances"]}


def session_roster(session: Session) -> list[Booking]:
    return list(session.bookings.live().select_related("person", "appointment", "requirement__sentence",
                                                       "attendance_recorded_by").order_by("person__last_name", "pk"))


def budget_statement(person) -> list[dict]:
    """A woman's budgets, each with its spends and the balance after each: two queries."""
    budgets = list(PersonalBudget.objects.filter(person=person).select_related("holder"))
    spends = list(BudgetSpend.objects.filter(budget__in=budgets).select_related("approved_by", "recorded_by")
                  .order_by("spent_on", "id"))
    statement = []
    for budget in budgets:
        balance, lines = budget.amount, []
        for spend in (s for s in spends if s.budget_id == budget.pk):
            balance -= spend.amount
            lines.append({"spend": spend, "balance": balance})
        statement.append({"budget": budget, "lines": lines})
    return statement


def budget_spend_by_purpose(borough_code: str, first: datetime.date, last: datetime.date) -> list[dict]:
    return list(BudgetSpend.objects.filter(budget__person__home_borough__code=borough_code, spent_on__gte=first,
                                           spent_on__lte=last)
                .values("purpose").annotate(total=Sum("amount"), spends=Count("id"),
                                            women=Count("budget__person", distinct=True)).order_by("purpose"))


# --- accredited programmes --------------------------------------------------------------------------------------------

def waiting_list(borough):
    """The borough's waiting list, by programme, longest waiting first (a queryset: the page paginates it; the
    partial index referral_waiting_idx serves it)."""
    from interventions.models import Referral, ReferralStatus

    return (Referral.objects.filter(borough=borough, status=ReferralStatus.WAITING)
            .select_related("person", "programme", "person__offender_manager")
            .order_by("programme_id", "status_changed_at", "id"))


def group_page(group) -> dict:
    """A group's facilitators, sessions (numbered, and catch-ups) and members: three queries."""
    from interventions.models import Referral

    sessions = list(group.sessions.select_related("catch_up_for__person").order_by("starts_at", "number"))
    members = list(Referral.objects.filter(group=group).select_related("person", "person__offender_manager")
                   .order_by("person__last_name", "id"))
    return {"group": group, "facilitators": list(group.facilitators.order_by("last_name")), "sessions": sessions,
            "members": members}


def completion_rates(*, first: datetime.date, last: datetime.date, borough_code: str | None = None) -> list[dict]:
    """Of referrals that ended (completed or terminated) between `first` and `last`, how many completed, by
    programme, borough and month. Recomputable for any past period (it reads `ended_on`)."""
    from django.db.models.functions import TruncMonth

    from interventions.models import ENDED_STATUSES, Referral, ReferralStatus

    rows = Referral.objects.filter(status__in=ENDED_STATUSES, ended_on__gte=first, ended_on__lte=last)
    if borough_code:
        rows = rows.filter(borough__code=borough_code)
    rows = (rows.annotate(month=TruncMonth("ended_on"))
            .values("programme__name", "borough__name", "month")
            .annotate(ended=Count("id"), completed=Count("id", filter=Q(status=ReferralStatus.COMPLETED)))
            .order_by("month", "programme__name", "borough__name"))
    return [{**r, "rate": round(100 * r["completed"] / r["ended"], 1) if r["ended"] else None} for r in rows]


def hub_sessions(hub, first: datetime.date, last: datetime.date) -> list:
    """A hub's sessions in a period with places and attendance counted: one query."""
    from interventions.models import HubSession

    kept = [Outcome.ATTENDED, Outcome.FAILED_TO_COMPLY]
    return list(HubSession.objects.filter(hub=hub, starts_at__date__gte=first, starts_at__date__lte=last)
                .annotate(booked=Count("places"),
                          attended=Count("places", filter=Q(places__appointment__outcome__in=kept)))
                .order_by("starts_at"))


def hub_attendance_by_borough(borough_code: str, first: datetime.date, last: datetime.date) -> dict:
    from interventions.models import HubPlace

    return HubPlace.objects.filter(session__hub__borough__code=borough_code, session__starts_at__date__gte=first,
                                   session__starts_at__date__lte=last).aggregate(
        places=Count("id"), attended=Count("id", filter=Q(appointment__outcome__in=[Outcome.ATTENDED,
                                                                                   Outcome.FAILED_TO_COMPLY])),
        women=Count("person", distinct=True), sessions=Count("session", distinct=True))


def requirement_starts(*, first: datetime.date, last: datetime.date, as_of: datetime.date,
                       borough_code: str | None = None) -> list[dict]:
    """Requirements of sentences passed between `first` and `last`, by team and month of sentence: how many started
    on time (within a week, a month for a specialist one), started late, or had not started by `as_of`. Recomputable
    for any past date: it reads only the sentence date and the day each requirement commenced. One query."""
    from django.db.models import Case, DateField, ExpressionWrapper, F, IntegerField, When
    from django.db.models.functions import TruncMonth

    from interventions.deadlines import SPECIALIST_KINDS

    rows = Requirement.objects.filter(sentence__sentence_date__gte=first,
                                      sentence__sentence_date__lte=min(last, as_of))
    if borough_code:
        rows = rows.filter(sentence__person__team__borough__code=borough_code)
    due = Case(When(kind__in=SPECIALIST_KINDS, then=ExpressionWrapper(
        F("sentence__sentence_date") + datetime.timedelta(days=30), output_field=DateField())),
        default=ExpressionWrapper(F("sentence__sentence_date") + datetime.timedelta(days=7), output_field=DateField()))
    started = Q(commenced_on__isnull=False, commenced_on__lte=as_of)
    rows = (rows.annotate(due_on=due, month=TruncMonth("sentence__sentence_date"))
            .values("sentence__person__team__name", "month")
            .annotate(total=Count("id"),
                      on_time=Count("id", filter=started & Q(commenced_on__lte=F("due_on"))),
                      late=Count("id", filter=started & Q(commenced_on__gt=F("due_on"))),
                      not_started=Count("id", filter=~started))
            .order_by("month", "sentence__person__team__name"))
    return [{"team": r["sentence__person__team__name"] or "Unallocated", "month": r["month"], "total": r["total"],
             "on_time": r["on_time"], "late": r["late"], "not_started": r["not_started"],
             "rate": round(100 * r["on_time"] / r["total"], 1) if r["total"] else None} for r in rows]
