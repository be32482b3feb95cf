"""The supervision deadlines, swept by beat: outcome chasing, evidence due, enforcement decisions, countersigning,
breach/recall referral. Each step is declared as data (what is due, how it is claimed, whom to tell) and run by one
set-based loop: a batch is locked with FOR UPDATE SKIP LOCKED, claimed with one UPDATE, and its notifications are
written with one INSERT whose unique dedupe keys make a second run (or a second worker) notify nobody twice.

The deadline engine on branch `engine` (probation/deadlines.py) had not landed when this was written; the steps are
declared so they can be handed to it unchanged (see the report on issue #14)."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Callable

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from probation.models import Notification
from supervision.models import COUNTERSIGNED_STEPS, LONDON, Appointment, Enforcement, EvidenceStatus

logger = logging.getLogger(__name__)

Notice = tuple  # (recipient, key, subject, body, url)


@dataclass(frozen=True)
class DeadlineStep:
    name: str
    model: type
    due: Callable[[datetime.datetime], Q]  # rows whose step is due at `now` (and not yet claimed)
    claim: Callable[[datetime.datetime], dict]  # the UPDATE that claims them
    order_by: str
    select_related: tuple[str, ...]
    notices: Callable[[object, datetime.datetime], list[Notice]]


def _when(moment) -> str:
    return moment.astimezone(LONDON).strftime("%d %b %Y %H:%M") if moment else ""


def _manager(person):
    team = person.team
    return team.manager if team is not None and team.manager_id else None


def _people(*users):
    seen, out = set(), []
    for user in users:
        if user is not None and user.pk not in seen:
            seen.add(user.pk)
            out.append(user)
    return out


def _case_url(person) -> str:
    return reverse("cases:case_detail", args=[person.crn])


def _enforcement_url(enforcement) -> str:
    return reverse("supervision:enforcement", args=[enforcement.pk])


# --- the steps ------------------------------------------------------------------------------------------------------

def _outcome_chase_notices(appointment, now):
    person = appointment.person
    subject = f"Outcome needed: {appointment.get_type_display().lower()} with {person.crn}"
    body = (f"The {appointment.get_type_display().lower()} on {_when(appointment.starts_at)} ({appointment.run_by}) "
            f"has no outcome a working day after it ended. Record what happened.")
    url = reverse("supervision:outcome", args=[appointment.pk])
    return [(user, f"supervision:appointment:{appointment.pk}:outcome-chase:{user.pk}", subject, body, url)
            for user in _people(appointment.officer or person.offender_manager, person.offender_manager,
                                _manager(person))]


def _evidence_late_notices(appointment, now):
    person = appointment.person
    subject = f"Evidence late for {person.crn}: decide the absence"
    body = (f"Evidence for the absence on {appointment.local_date:%d %b %Y} "
            f"({appointment.get_absence_reason_display().lower()}) was due by {appointment.evidence_due_on:%d %b %Y} "
            f"and has not come. Decide whether the absence is acceptable.")
    url = reverse("supervision:evidence", args=[appointment.pk])
    return [(user, f"supervision:appointment:{appointment.pk}:evidence-late:{user.pk}", subject, body, url)
            for user in _people(person.offender_manager)]


def _decision_reminder_notices(enforcement, now):
    person = enforcement.person
    subject = f"Reminder: enforcement decision for {person.crn} due {_when(enforcement.decision_due_at)}"
    body = f"Proposed: {enforcement.get_proposed_display().lower()}. {enforcement.proposal_reason}"
    return [(user, f"supervision:enforcement:{enforcement.pk}:decision-reminder:{user.pk}", subject, body,
             _enforcement_url(enforcement)) for user in _people(person.offender_manager)]


def _decision_escalation_notices(enforcement, now):
    person = enforcement.person
    subject = f"Overdue: enforcement decision for {person.crn}"
    body = (f"The decision on the failure of {enforcement.failure.occurred_on:%d %b %Y} was due by "
            f"{_when(enforcement.decision_due_at)} (offender manager: {person.offender_manager or 'none'}). "
            f"Proposed: {enforcement.get_proposed_display().lower()}.")
    return [(user, f"supervision:enforcement:{enforcement.pk}:decision-escalation:{user.pk}", subject, body,
             _enforcement_url(enforcement)) for user in _people(person.offender_manager, _manager(person))]


def _countersign_escalation_notices(enforcement, now):
    person = enforcement.person
    subject = f"Overdue: countersign the {enforcement.get_decision_display().lower()} for {person.crn}"
    body = (f"{enforcement.decided_by} decided {enforcement.get_decision_display().lower()} on "
            f"{_when(enforcement.decided_at)}; the countersignature was due by {_when(enforcement.countersign_due_at)}.")
    return [(user, f"supervision:enforcement:{enforcement.pk}:countersign-escalation:{user.pk}", subject, body,
             _enforcement_url(enforcement)) for user in _people(_manager(person), person.offender_manager)]


def _referral_escalation_notices(enforcement, now):
    person = enforcement.person
    step = enforcement.get_decision_display() if enforcement.decision else enforcement.get_proposed_display()
    subject = f"Breach deadline missed: {step.lower()} for {person.crn} not started"
    body = (f"National Standards: proceedings start within 10 working days of the failure of "
            f"{enforcement.failure.occurred_on:%d %b %Y}, by {_when(enforcement.referral_due_at)}. It has not been "
            f"sent.")
    return [(user, f"supervision:enforcement:{enforcement.pk}:referral-escalation:{user.pk}", subject, body,
             _enforcement_url(enforcement)) for user in _people(person.offender_manager, _manager(person))]


APPOINTMENT_SELECT = ("person__team__manager", "person__offender_manager", "officer", "partner_organisation")
ENFORCEMENT_SELECT = ("person__team__manager", "person__offender_manager", "failure", "decided_by")

STEPS: list[DeadlineStep] = [
    # index appt_outcome_chase_idx
    DeadlineStep("outcome_chase", Appointment,
                 due=lambda now: Q(outcome="", cancelled_at__isnull=True, outcome_chased_at__isnull=True,
                                   outcome_due_at__lte=now),
                 claim=lambda now: {"outcome_chased_at": now}, order_by="outcome_due_at",
                 select_related=APPOINTMENT_SELECT, notices=_outcome_chase_notices),
    # index appt_evidence_due_idx: awaited evidence past its due day becomes a decision for the officer
    DeadlineStep("evidence_late", Appointment,
                 due=lambda now: Q(evidence_status=EvidenceStatus.AWAITED,
                                   evidence_due_on__lt=now.astimezone(LONDON).date()),
                 claim=lambda now: {"evidence_status": EvidenceStatus.LATE, "evidence_chased_at": now},
                 order_by="evidence_due_on", select_related=APPOINTMENT_SELECT, notices=_evidence_late_notices),
    # index enf_decision_due_idx: a working day's notice, then escalation to the SPO at the deadline
    DeadlineStep("decision_reminder", Enforcement,
                 due=lambda now: Q(decided_at__isnull=True, decision_reminded_at__isnull=True,
                                   decision_escalated_at__isnull=True,
                                   decision_due_at__lte=now + datetime.timedelta(days=1)),
                 claim=lambda now: {"decision_reminded_at": now}, order_by="decision_due_at",
                 select_related=ENFORCEMENT_SELECT, notices=_decision_reminder_notices),
    DeadlineStep("decision_escalation", Enforcement,
                 due=lambda now: Q(decided_at__isnull=True, decision_escalated_at__isnull=True,
                                   decision_due_at__lte=now),
                 claim=lambda now: {"decision_escalated_at": now}, order_by="decision_due_at",
                 select_related=ENFORCEMENT_SELECT, notices=_decision_escalation_notices),
    # index enf_countersign_due_idx
    DeadlineStep("countersign_escalation", Enforcement,
                 due=lambda now: Q(countersigned_at__isnull=True, countersign_escalated_at__isnull=True,
                                   countersign_due_at__isnull=False, countersign_due_at__lte=now,
                                   closed_at__isnull=True),
                 claim=lambda now: {"countersign_escalated_at": now}, order_by="countersign_due_at",
                 select_related=ENFORCEMENT_SELECT, notices=_countersign_escalation_notices),
    # index enf_referral_due_idx: breach or recall not sent within 10 working days of the failure
    DeadlineStep("referral_escalation", Enforcement,
                 due=lambda now: Q(referred_at__isnull=True, referral_escalated_at__isnull=True,
                                   referral_due_at__isnull=False, referral_due_at__lte=now, closed_at__isnull=True)
                 & (Q(decision__in=COUNTERSIGNED_STEPS) | Q(decided_at__isnull=True)),
                 claim=lambda now: {"referral_escalated_at": now}, order_by="referral_due_at",
                 select_related=ENFORCEMENT_SELECT, notices=_referral_escalation_notices),
]


def run_step(step: DeadlineStep, *, now: datetime.datetime, batch_size: int = 500) -> int:
    """Claim one batch of due rows and queue their notices, all in one transaction. Returns how many were claimed.
    Two workers at once take different rows (SKIP LOCKED); a row claimed by a committed run no longer matches."""
    model = step.model
    with transaction.atomic():
        rows = list(
            model.objects.filter(step.due(now)).select_related(*step.select_related)
            .select_for_update(skip_locked=True, of=("self",)).order_by(step.order_by)[:batch_size]
        )
        if not rows:
            return 0
        model.objects.filter(pk__in=[r.pk for r in rows]).update(**step.claim(now))
        notifications = []
        for row in rows:
            for recipient, key, subject, body, url in step.notices(row, now):
                notifications.append(Notification(recipient=recipient, dedupe_key=key[:200], subject=subject[:200],
                                                  body=body, url=url[:300], created_at=now))
        Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    return len(rows)


def supervision_sweep(*, now: datetime.datetime | None = None, batch_size: int = 500) -> dict:
    """Every step, until each has nothing due (batches of `batch_size`). Safe to run twice and to overlap."""
    now = now or timezone.now()
    counts = {}
    for step in STEPS:
        total = 0
        while True:
            try:
                claimed = run_step(step, now=now, batch_size=batch_size)
            except Exception:  # one failing step never stops the others; it is retried next run
                logger.exception("supervision sweep step failed", extra={"step": step.name})
                counts[f"{step.name}_failed"] = 1
                break
            total += claimed
            if claimed < batch_size:
                break
        counts[step.name] = total
    return counts
