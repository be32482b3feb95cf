"""Supervision's deadlines, as steps of the deadline engine (probation/deadlines.py): outcome chasing, evidence due,
the enforcement decision (a reminder, then escalation to the SPO), the SPO's countersignature, and the
10-working-day deadline to start breach or recall proceedings (repeated every working day to the officer and the
SPO until it is sent). The services arm, move and cancel these deadlines in the transaction that makes the change;
the engine claims due ones in batches and queues the notices (unique keys: a rerun or a second worker notifies
nobody twice). Every `owners()` is one query; every `fire()` is pure.

Overdue contact (`supervision.contact_overdue`, one deadline per case, armed by supervision.contact) is a step like
the others: the officer is told the day after the contact was due, the SPO if the case is still overdue a grace
period after the officer was told (conf.contact_escalation_working_days), once per overdue episode."""

from __future__ import annotations

from django.urls import reverse

from probation.calendar import Clock, due_at, get_calendar
from probation.deadlines import Fired, Notice, Outcome, Step, next_repeat, register
from supervision.models import (
    COUNTERSIGNED_STEPS,
    LONDON,
    Appointment,
    AppointmentType,
    Enforcement,
    EvidenceStatus,
    OverdueContact,
    Reminder,
)
from supervision.models import Step as EnforcementStep

OUTCOME_CHASE = "supervision.outcome_chase"
EVIDENCE_DUE = "supervision.evidence_due"
DECISION_REMINDER = "supervision.decision_reminder"
DECISION_OVERDUE = "supervision.decision_overdue"
COUNTERSIGN_OVERDUE = "supervision.countersign_overdue"
REFERRAL_OVERDUE = "supervision.referral_overdue"
REMINDER_DAY_BEFORE = "supervision.reminder_day_before"
CONTACT_OVERDUE = "supervision.contact_overdue"
APPOINTMENT_STEPS = [OUTCOME_CHASE, EVIDENCE_DUE, REMINDER_DAY_BEFORE]
ENFORCEMENT_STEPS = [DECISION_REMINDER, DECISION_OVERDUE, COUNTERSIGN_OVERDUE, REFERRAL_OVERDUE]
CASE_STEPS = [CONTACT_OVERDUE]
STEPS = APPOINTMENT_STEPS + ENFORCEMENT_STEPS + CASE_STEPS


def _when(moment) -> str:
    return moment.astimezone(LONDON).strftime("%d %b %Y %H:%M") if moment else ""


def _stamp(moment) -> str:
    return moment.strftime("%Y%m%d%H%M") if moment else "none"


_PLACEHOLDER = 987654321  # an int, as the routes' <int:pk> take; reversed once a batch, then formatted per row
_CRN_PLACEHOLDER = "X987654321"


def _url_format(viewname: str, placeholder=_PLACEHOLDER) -> str:
    """The URL of `viewname` for one object as a format string ('/supervision/enforcement/{}/'): reverse() once a
    batch in `context`, never per row."""
    return reverse(viewname, args=[placeholder]).replace("{", "{{").replace("}", "}}").replace(str(placeholder), "{}")


def _case_url(ctx, crn: str) -> str:
    # A plain CRN (letters and digits, as issued) goes into the URL as it is; anything else is quoted by reverse().
    return ctx["case_url"].format(crn) if crn.isascii() and crn.isalnum() else reverse("cases:case_detail", args=[crn])


def _notices(recipients, key: str, subject: str, body: str, url: str) -> list[Notice]:
    seen, notices = set(), []
    for user_id in recipients:
        if user_id is not None and user_id not in seen:
            seen.add(user_id)
            notices.append(Notice(recipient_id=user_id, key=f"{key}:{user_id}", subject=subject, body=body, url=url))
    return notices


APPOINTMENT_FIELDS = ("id", "person__crn", "officer_id", "person__offender_manager_id", "person__team__manager_id",
                      "type", "starts_at", "local_date", "absence_reason", "evidence_due_on")


class OutcomeChase(Step):
    """A working day after an appointment ended with no outcome: whoever ran it, the case's officer and the SPO."""

    name = OUTCOME_CHASE

    def owners(self, ids):
        return {a["id"]: a for a in Appointment.objects.filter(pk__in=ids, outcome="", cancelled_at__isnull=True)
                .values(*APPOINTMENT_FIELDS)}

    def context(self, owners, now):
        return {"url": _url_format("supervision:outcome")}

    def fire(self, owner, fired: Fired, ctx):
        kind = AppointmentType(owner["type"]).label.lower()
        return Outcome(notices=_notices(
            [owner["officer_id"], owner["person__offender_manager_id"], owner["person__team__manager_id"]],
            f"supervision:appointment:{owner['id']}:outcome-chase:{_stamp(fired.due_at)}",
            f"Outcome needed: {kind} with {owner['person__crn']}",
            f"The {kind} on {_when(owner['starts_at'])} has no outcome a working day after it ended. Record what "
            f"happened.", ctx["url"].format(owner["id"])), tally="chased")


class EvidenceDue(Step):
    """Evidence for an acceptable absence not in by its due day: the absence becomes the officer's decision."""

    name = EVIDENCE_DUE

    def owners(self, ids):
        return {a["id"]: a for a in Appointment.objects.filter(pk__in=ids, evidence_status=EvidenceStatus.AWAITED)
                .values(*APPOINTMENT_FIELDS)}

    def context(self, owners, now):
        return {"url": _url_format("supervision:evidence")}

    def fire(self, owner, fired: Fired, ctx):
        return Outcome(notices=_notices(
            [owner["person__offender_manager_id"]],
            f"supervision:appointment:{owner['id']}:evidence-late:{_stamp(fired.due_at)}",
            f"Evidence late for {owner['person__crn']}: decide the absence",
            f"Evidence for the absence on {owner['local_date']:%d %b %Y} was due by "
            f"{owner['evidence_due_on']:%d %b %Y} and has not come. Decide whether the absence is acceptable.",
            ctx["url"].format(owner["id"])), tally="late")


ENFORCEMENT_FIELDS = ("id", "person__crn", "person__offender_manager_id", "person__team__manager_id", "proposed",
                      "decision", "proposal_reason", "failure__occurred_on", "decision_due_at", "countersign_due_at",
                      "referral_due_at", "decided_at")


def _step_label(owner) -> str:
    return EnforcementStep(owner["decision"] or owner["proposed"]).label.lower()


class DecisionReminder(Step):
    name = DECISION_REMINDER

    def owners(self, ids):
        return {e["id"]: e for e in Enforcement.objects.filter(pk__in=ids, decided_at__isnull=True)
                .values(*ENFORCEMENT_FIELDS)}

    def context(self, owners, now):
        return {"url": _url_format("supervision:enforcement")}

    def fire(self, owner, fired: Fired, ctx):
        return Outcome(notices=_notices(
            [owner["person__offender_manager_id"]],
            f"supervision:enforcement:{owner['id']}:decision-reminder:{_stamp(owner['decision_due_at'])}",
            f"Reminder: enforcement decision for {owner['person__crn']} due {_when(owner['decision_due_at'])}",
            f"Proposed: {_step_label(owner)}. {owner['proposal_reason']}",
            ctx["url"].format(owner["id"])), tally="reminded")


class DecisionOverdue(Step):
    name = DECISION_OVERDUE

    def owners(self, ids):
        return {e["id"]: e for e in Enforcement.objects.filter(pk__in=ids, decided_at__isnull=True)
                .values(*ENFORCEMENT_FIELDS)}

    def context(self, owners, now):
        return {"url": _url_format("supervision:enforcement")}

    def fire(self, owner, fired: Fired, ctx):
        return Outcome(notices=_notices(
            [owner["person__offender_manager_id"], owner["person__team__manager_id"]],
            f"supervision:enforcement:{owner['id']}:decision-overdue:{_stamp(fired.due_at)}",
            f"Overdue: enforcement decision for {owner['person__crn']}",
            f"The decision on the failure of {owner['failure__occurred_on']:%d %b %Y} was due by "
            f"{_when(owner['decision_due_at'])}. Proposed: {_step_label(owner)}.",
            ctx["url"].format(owner["id"])), tally="escalated")


class CountersignOverdue(Step):
    name = COUNTERSIGN_OVERDUE

    def owners(self, ids):
        return {e["id"]: e for e in Enforcement.objects.filter(
            pk__in=ids, decision__in=COUNTERSIGNED_STEPS, countersigned_at__isnull=True, closed_at__isnull=True)
            .values(*ENFORCEMENT_FIELDS)}

    def context(self, owners, now):
        return {"url": _url_format("supervision:enforcement")}

    def fire(self, owner, fired: Fired, ctx):
        return Outcome(notices=_notices(
            [owner["person__team__manager_id"], owner["person__offender_manager_id"]],
            f"supervision:enforcement:{owner['id']}:countersign-overdue:{_stamp(fired.due_at)}",
            f"Overdue: countersign the {_step_label(owner)} for {owner['person__crn']}",
            f"The countersignature was due by {_when(owner['countersign_due_at'])}.",
            ctx["url"].format(owner["id"])), tally="escalated")


class ReferralOverdue(Step):
    """National Standards: breach (or recall) proceedings start within 10 working days of the failure. Missed: the
    officer and the SPO are told, and told again every working day until it is sent."""

    name = REFERRAL_OVERDUE

    def owners(self, ids):
        from django.db.models import Q

        return {e["id"]: e for e in Enforcement.objects.filter(pk__in=ids, referred_at__isnull=True,
                                                               closed_at__isnull=True)
                .filter(Q(decision__in=COUNTERSIGNED_STEPS) | Q(decided_at__isnull=True, proposed__in=COUNTERSIGNED_STEPS))
                .values(*ENFORCEMENT_FIELDS)}

    def context(self, owners, now):
        return {"calendar": get_calendar(), "url": _url_format("supervision:enforcement")}

    def fire(self, owner, fired: Fired, ctx):
        label = _step_label(owner)
        again = " (still not sent)" if fired.count > 1 else ""
        return Outcome(
            notices=_notices(
                [owner["person__offender_manager_id"], owner["person__team__manager_id"]],
                f"supervision:enforcement:{owner['id']}:referral-overdue:{_stamp(owner['referral_due_at'])}:{fired.count}",
                f"Breach deadline missed{again}: {label} for {owner['person__crn']}",
                f"Proceedings must start within 10 working days of the failure of "
                f"{owner['failure__occurred_on']:%d %b %Y}, by {_when(owner['referral_due_at'])}. Not yet sent.",
                ctx["url"].format(owner["id"])),
            next_due=next_repeat(last_due=fired.due_at, every_hours=24, clock=Clock.WORKING_DAYS, now=fired.now,
                                 calendar=ctx["calendar"]),
            tally="escalated")


class ReminderDayBefore(Step):
    """The day before an appointment (10:00 London): a reminder to the person, written to the Reminder outbox as the
    step's event (sent through GOV.UK Notify by supervision.notify). Only while the appointment stands and the person
    consents; an opt-out or a cancellation in between means nothing is written."""

    name = REMINDER_DAY_BEFORE
    event_model = Reminder

    def owners(self, ids):
        return {a["id"]: a for a in Appointment.objects.filter(
            pk__in=ids, outcome="", cancelled_at__isnull=True, person__contact_preference__consented_at__isnull=False,
            person__contact_preference__opted_out_at__isnull=True).values(
            "id", "starts_at", "person__contact_preference__channel", "person__contact_preference__mobile",
            "person__contact_preference__email")}

    def fire(self, owner, fired: Fired, ctx):
        channel = owner["person__contact_preference__channel"]
        to = owner["person__contact_preference__mobile"] if channel == "sms" else owner["person__contact_preference__email"]
        if not to:
            return Outcome()
        return Outcome(event={
            "appointment_id": owner["id"], "kind": Reminder.Kind.DAY_BEFORE, "channel": channel, "to": to,
            "dedupe_key": f"reminder:{owner['id']}:day_before:{_stamp(owner['starts_at'])}",
            "status": Reminder.Status.PENDING, "created_at": fired.now, "next_attempt_at": fired.now,
        }, tally="queued")


class ContactOverdue(Step):
    """A case's next contact was due by the end of a day and none was kept or booked in time (supervision.contact
    arms and moves the deadline). First firing: the officer is told and the episode is recorded for the team
    manager's page; a grace period after that, if no contact has moved the deadline on, the SPO. Then nothing more for
    this episode: the next one starts when a contact moves the deadline and that one passes too."""

    name = CONTACT_OVERDUE
    event_model = OverdueContact
    event_ignore_conflicts = True  # one open episode per case (a deadline set back to a past day fires again)

    def owners(self, ids):
        from django.db.models import OuterRef, Subquery

        from cases.models import Person
        from probation.models import Deadline

        armed = Deadline.objects.filter(step=CONTACT_OVERDUE, owner_id=OuterRef("pk")).values("armed_for")[:1]
        return {p["id"]: p for p in Person.objects.crc().filter(pk__in=ids, offender_manager__isnull=False)
                .annotate(contact_due_at=Subquery(armed))
                .values("id", "crn", "first_name", "last_name", "offender_manager_id", "team_id", "team__manager_id",
                        "contact_due_at")}

    def context(self, owners, now):
        """Still under the standard at `now` (an order or licence running), and each one's last contact: one query."""
        from supervision import conf
        from supervision.contact import last_contact_expression, supervised

        from django.utils import timezone

        last = dict(supervised(timezone.localdate(now)).filter(pk__in=list(owners))
                    .annotate(last_contact=last_contact_expression(now)).values_list("pk", "last_contact"))
        return {"calendar": get_calendar(), "grace": conf.contact_escalation_working_days(), "last_contact": last,
                "case_url": _url_format("cases:case_detail", _CRN_PLACEHOLDER)}

    def fire(self, owner, fired: Fired, ctx):
        from supervision.contact import due_day

        if owner["contact_due_at"] is None or owner["id"] not in ctx["last_contact"]:
            return Outcome()  # the order or licence has ended: nothing to chase
        due_on = due_day(owner["contact_due_at"])
        last_contact = ctx["last_contact"][owner["id"]]
        name = f"{owner['first_name']} {owner['last_name']} ({owner['crn']})"
        last = f"last contact {last_contact:%d %b %Y}" if last_contact else "no contact yet"
        url = _case_url(ctx, owner["crn"])
        episode = f"supervision:contact:{owner['id']}:{due_on:%Y%m%d}"
        if fired.count == 1:
            return Outcome(
                notices=_notices([owner["offender_manager_id"]], f"{episode}:overdue",
                                 f"Overdue for contact: {name}",
                                 f"Contact was due by {due_on:%d %b %Y} under the contact standard ({last}). Book an "
                                 f"appointment.", url),
                event={"listed_on": fired.now.astimezone(LONDON).date(), "person_id": owner["id"],
                       "officer_id": owner["offender_manager_id"], "team_id": owner["team_id"], "due_on": due_on,
                       "last_contact_on": last_contact},
                # The grace period runs from when the officer was told (not from the due day: a deadline found
                # overdue late, after an outage or a backdated change, still gives the officer the whole period).
                next_due=due_at(fired.now, 24 * ctx["grace"], Clock.WORKING_DAYS, ctx["calendar"]),
                tally="overdue")
        return Outcome(
            notices=_notices([owner["team__manager_id"]], f"{episode}:escalated",
                             f"Still overdue for contact: {name}",
                             f"Contact was due by {due_on:%d %b %Y} ({last}); the officer was told "
                             f"{ctx['grace']} working days ago and none has been kept or booked in time since.", url),
            tally="escalated")


def register_steps() -> None:
    for step in (OutcomeChase(), EvidenceDue(), DecisionReminder(), DecisionOverdue(), CountersignOverdue(),
                 ReferralOverdue(), ReminderDayBefore(), ContactOverdue()):
        register(step)
