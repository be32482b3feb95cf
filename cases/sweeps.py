"""The deadline jobs of case management continuity (scheduled in probation/celery.py).

Each step is claimed before it notifies, as the other apps' sweeps do (see resettlement/sweeps.py): a conditional
UPDATE on the row (`flagged_at`, `overdue_notified_for`, `review_notified_for`) or, where the row has no claim
field, notification_send's unique key; so overlapping runs, retries and two workers notify once. Each row is handled
in its own transaction: a failure rolls back that row's claim (tried again next run), is logged, and the sweep goes
on. When probation/deadlines.py (the shared deadline engine) lands, these steps move onto it unchanged in meaning.
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.models import Absence, CaseworkSettings, Person, SentencePlan
from cases.registry import open_work_for
from cases.selectors import queue_ages, unallocated_queue_for
from probation.services import notification_send

logger = logging.getLogger(__name__)


class _System:
    """The nightly job sees every team's queue, as the hub does."""

    role = "hub"


def unallocated_beyond_target(*, today: datetime.date | None = None) -> dict:
    """Nightly: tell each team's SPO about every case in their queue beyond the same-day allocation target, once
    per case and arrival (the notification key is the claim)."""
    today = today or timezone.localdate()
    settings_row = CaseworkSettings.current()
    people = list(unallocated_queue_for(_System()).select_related("team__manager"))
    ages = queue_ages(people, today=today, settings_row=settings_row)
    totals = {"beyond_target": 0, "notified": 0, "failed": 0}
    for person in people:
        age = ages[person.pk]
        if not age.breached:
            continue
        totals["beyond_target"] += 1
        manager = person.team.manager if person.team_id else None
        try:
            totals["notified"] += notification_send(
                recipient=manager,
                key=f"cases:allocation-target:{person.pk}:{person.allocation_due_since:%Y%m%d%H%M%S}",
                subject=f"{person.crn} is unallocated beyond the target",
                body=f"{person.crn} has waited {age.working_days} working day{'s' if age.working_days != 1 else ''} "
                     f"for allocation in {person.team} (target: {settings_row.allocation_target_working_days}).",
                url=reverse("cases:case_allocate", args=[person.crn]),
            )
        except Exception:
            logger.exception("allocation target alert for person %s failed", person.pk)
            totals["failed"] += 1
    return totals


def flag_long_absences(*, today: datetime.date | None = None) -> dict:
    """Daily: an officer away today on an absence longer than the configured days is flagged to their SPO with
    their cases and the open work on them, once per absence (claimed on Absence.flagged_at)."""
    today = today or timezone.localdate()
    limit = CaseworkSettings.current().absence_flag_days
    totals = {"flagged": 0, "failed": 0}
    candidates = Absence.objects.filter(cancelled_at__isnull=True, flagged_at__isnull=True, start_date__lte=today,
                                        end_date__gte=today).select_related("officer__staff_profile__team__manager")
    for absence in candidates:
        if absence.days <= limit:
            continue
        try:
            with transaction.atomic():
                if Absence.objects.filter(pk=absence.pk, flagged_at__isnull=True).update(flagged_at=timezone.now()) != 1:
                    continue
                profile = getattr(absence.officer, "staff_profile", None)
                manager = profile.team.manager if profile and profile.team_id else None
                people = list(Person.objects.crc().filter(offender_manager=absence.officer).order_by("crn"))
                work = open_work_for([p.pk for p in people])
                lines = [f"{p.crn}: {len(work.get(p.pk, []))} open item(s)" for p in people]
                notification_send(
                    recipient=manager, key=f"cases:absence:{absence.pk}:flag",
                    subject=f"{absence.officer} is away {absence.days} days with {len(people)} cases",
                    body=f"{absence.officer} is away ({absence.get_kind_display().lower()}) from "
                         f"{absence.start_date:%-d %B %Y} to {absence.end_date:%-d %B %Y}. Their cases:\n" + "\n".join(lines),
                    url=reverse("cases:team_workload"),
                )
                totals["flagged"] += 1
        except Exception:
            logger.exception("long absence flag %s failed", absence.pk)
            totals["failed"] += 1
    return totals


def sentence_plan_deadlines(*, today: datetime.date | None = None) -> dict:
    """Daily: a plan not agreed by its due date, and a review past its date, are sent to the offender manager
    (and the SPO for a late plan), once per due date (claimed on overdue_notified_for / review_notified_for)."""
    today = today or timezone.localdate()
    totals = {"plans_late": 0, "reviews_late": 0, "failed": 0}
    base = SentencePlan.objects.select_related("sentence__person__offender_manager", "sentence__person__team__manager")
    steps = [
        ("plans_late", "overdue_notified_for", "due_by",
         base.filter(agreed_on__isnull=True, due_by__lt=today).filter(
             Q(overdue_notified_for__isnull=True) | Q(overdue_notified_for__lt=models_f("due_by")))),
        ("reviews_late", "review_notified_for", "next_review_due",
         base.filter(next_review_due__lt=today).filter(
             Q(review_notified_for__isnull=True) | Q(review_notified_for__lt=models_f("next_review_due")))),
    ]
    for total, claim, due_field, queryset in steps:
        for plan in queryset.order_by(due_field)[:1000]:
            due = getattr(plan, due_field)
            try:
                with transaction.atomic():
                    claimed = SentencePlan.objects.filter(pk=plan.pk).filter(
                        Q(**{f"{claim}__isnull": True}) | Q(**{f"{claim}__lt": due})).update(**{claim: due})
                    if claimed != 1:
                        continue
                    person = plan.sentence.person
                    what = "sentence plan" if total == "plans_late" else "sentence plan review"
                    recipients = [person.offender_manager]
                    if total == "plans_late" and person.team_id:
                        recipients.append(person.team.manager)
                    for recipient in {r.pk: r for r in recipients if r is not None}.values():
                        notification_send(
                            recipient=recipient, key=f"cases:plan:{plan.pk}:{claim}:{due:%Y%m%d}:{recipient.pk}",
                            subject=f"The {what} for {person.crn} is late",
                            body=f"The {what} for {person.crn} was due by {due:%-d %B %Y}.",
                            url=reverse("cases:case_detail", args=[person.crn]))
                    totals[total] += 1
            except Exception:
                logger.exception("sentence plan %s step %s failed", plan.pk, claim)
                totals["failed"] += 1
    return totals


def models_f(name):
    from django.db.models import F

    return F(name)
