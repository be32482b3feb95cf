"""What interventions adds to other apps' pages (registered in apps.py): the unpaid work ledger and the budget on
the case page, and the borough report's sections. Each runs a fixed number of queries."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q, Sum

from interventions import selectors
from interventions.models import Booking, SpendPurpose
from probation.policy import can
from supervision.models import Outcome


def case_panel(request, person):
    # The case page has prefetched the sentences and their requirements: the ledger is one query.
    requirements = [r for sentence in person.sentences.all() for r in sentence.requirements.all()]
    ledgers = selectors.ledgers(requirements)
    if not ledgers or not can(request.user, "interventions.view_case", person):
        return None
    upcoming = list(Booking.objects.live().filter(person=person, attendance_recorded_at__isnull=True)
                    .select_related("session__project").order_by("starts_at")[:5])
    return {"person": person, "ledgers": ledgers, "upcoming": upcoming}


def _month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    return month, month + relativedelta(months=1) - datetime.timedelta(days=1)


def unpaid_work_section(borough_code: str, month: datetime.date) -> dict:
    """Unpaid work delivered at the borough's projects in the month: counts only, no personal data."""
    first, last = _month_bounds(month)
    totals = Booking.objects.live().filter(session__project__borough__code=borough_code,
                                           session__local_date__gte=first, session__local_date__lte=last).aggregate(
        credited=Sum("credited_minutes", filter=Q(attendance_recorded_at__isnull=False)),
        sessions=Count("session", distinct=True),
        attended=Count("id", filter=Q(appointment__outcome__in=[Outcome.ATTENDED, Outcome.FAILED_TO_COMPLY])),
        acceptable=Count("id", filter=Q(appointment__outcome=Outcome.ACCEPTABLE_ABSENCE)),
        unacceptable=Count("id", filter=Q(appointment__outcome=Outcome.UNACCEPTABLE_ABSENCE)),
    )
    return {
        "summary": [
            ["Hours of unpaid work credited", round((totals["credited"] or 0) / 60, 1)],
            ["Sessions", totals["sessions"]],
            ["Attendances", totals["attended"]],
            ["Acceptable absences", totals["acceptable"]],
            ["Unacceptable absences (sent to enforcement)", totals["unacceptable"]],
        ],
        "chart": {"type": "bar", "labels": ["Attended", "Acceptable absence", "Unacceptable absence"],
                  "datasets": [{"label": "Unpaid work attendance", "data": [
                      totals["attended"], totals["acceptable"], totals["unacceptable"]],
                      "colours": ["green", "amber", "red"]}]},
    }


def budgets_section(borough_code: str, month: datetime.date) -> dict:
    """Personalised budgets spent for women living in the borough, by purpose: counts and money only."""
    first, last = _month_bounds(month)
    rows = selectors.budget_spend_by_purpose(borough_code, first, last)
    labels = dict(SpendPurpose.choices)
    total = sum((r["total"] for r in rows), start=0)
    return {
        "summary": [["Spent from personalised budgets (£)", float(total)],
                    ["Spends", sum(r["spends"] for r in rows)]],
        "table": {"headers": ["Purpose", "Spends", "Women", "Spent (£)"],
                  "rows": [[labels.get(r["purpose"], r["purpose"]), r["spends"], r["women"], float(r["total"])]
                           for r in rows]},
    }


def programmes_section(borough_code: str, month: datetime.date) -> dict:
    """Accredited programme completions in the borough in the month: counts and rates only."""
    first, last = _month_bounds(month)
    rows = selectors.completion_rates(first=first, last=last, borough_code=borough_code)
    ended, completed = sum(r["ended"] for r in rows), sum(r["completed"] for r in rows)
    return {
        "summary": [["Programme referrals ended", ended], ["Completed", completed],
                    ["Completion rate (%)", round(100 * completed / ended, 1) if ended else None]],
        "table": {"headers": ["Programme", "Ended", "Completed", "Rate (%)"],
                  "rows": [[r["programme__name"], r["ended"], r["completed"], r["rate"]] for r in rows]},
    }


def womens_hubs_section(borough_code: str, month: datetime.date) -> dict:
    first, last = _month_bounds(month)
    totals = selectors.hub_attendance_by_borough(borough_code, first, last)
    return {"summary": [["Women's hub sessions", totals["sessions"]], ["Places booked", totals["places"]],
                        ["Attendances", totals["attended"]], ["Women attending", totals["women"]]]}


def requirement_starts_section(borough_code: str, month: datetime.date) -> dict:
    """Requirements of the month's sentences in the borough's teams: started on time, late, not started (as of the
    month's end, so a past month's figures do not change)."""
    first, last = _month_bounds(month)
    rows = selectors.requirement_starts(first=first, last=last, as_of=last, borough_code=borough_code)
    return {"table": {"headers": ["Team", "Requirements", "Started on time", "Started late", "Not started",
                                  "On time (%)"],
                      "rows": [[r["team"], r["total"], r["on_time"], r["late"], r["not_started"], r["rate"]]
                               for r in rows]}}
