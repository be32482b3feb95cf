"""Supervision: appointments (nDelius "contacts"), their outcomes, failures to comply, enforcement, letters, contact
standards, RAR days and AAMR readings. See DOMAIN.md, "Supervision".

Nothing here is ever deleted: a moved appointment is a new row linked to the old one, a cancelled one keeps its row
with who cancelled it and why, a decision is recorded with who and when.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")


class AppointmentType(models.TextChoices):
    SUPERVISION = "supervision", "Supervision"
    INDUCTION = "induction", "Induction"
    HOME_VISIT = "home_visit", "Home visit"
    RAR_ACTIVITY = "rar_activity", "RAR activity"
    UNPAID_WORK = "unpaid_work", "Unpaid work session"
    PROGRAMME = "programme", "Programme session"
    WOMENS_HUB = "womens_hub", "Women's hub session"
    PARTNER = "partner", "Partner appointment"


class Place(models.TextChoices):
    OFFICE = "office", "Office"
    HUB = "hub", "Hub"
    HOME = "home", "Home"
    VIDEO = "video", "Video call"
    PHONE = "phone", "Phone call"


class Outcome(models.TextChoices):
    ATTENDED = "attended", "Attended and complied"
    FAILED_TO_COMPLY = "failed_to_comply", "Attended but failed to comply"
    ACCEPTABLE_ABSENCE = "acceptable_absence", "Acceptable absence"
    UNACCEPTABLE_ABSENCE = "unacceptable_absence", "Unacceptable absence"
    RESCHEDULED = "rescheduled", "Rescheduled"
    CANCELLED = "cancelled", "Cancelled by us"


# Outcomes that mean the person was seen (a kept contact; a RAR day when it counts towards a RAR requirement).
KEPT_OUTCOMES = (Outcome.ATTENDED, Outcome.FAILED_TO_COMPLY)
# Outcomes a person or partner records after the event (the others come from moving and cancelling).
RECORDABLE_OUTCOMES = (Outcome.ATTENDED, Outcome.FAILED_TO_COMPLY, Outcome.ACCEPTABLE_ABSENCE,
                       Outcome.UNACCEPTABLE_ABSENCE)


class AbsenceReason(models.TextChoices):
    ILLNESS = "illness", "Illness"
    WORK = "work", "Work"
    FAMILY_EMERGENCY = "family_emergency", "Family emergency"
    COURT = "court", "Attending court"
    CUSTODY = "custody", "In custody"
    PROFESSIONAL_JUDGEMENT = "professional_judgement", "Professional judgement"


# Reasons that need evidence (a fit note, an employer's letter, a court list...). Professional judgement and custody
# are the officer's own knowledge.
EVIDENCE_REASONS = frozenset({AbsenceReason.ILLNESS, AbsenceReason.WORK, AbsenceReason.FAMILY_EMERGENCY,
                              AbsenceReason.COURT})


class FailureKind(models.TextChoices):
    UNACCEPTABLE_ABSENCE = "unacceptable_absence", "Unacceptable absence"
    FAILED_TO_COMPLY = "failed_to_comply", "Failed to comply (behaviour, under the influence)"
    AAMR_ALERT = "aamr_alert", "Alcohol monitoring alert"


class EvidenceStatus(models.TextChoices):
    NOT_NEEDED = "", "Not needed"
    AWAITED = "awaited", "Awaited"
    RECEIVED = "received", "Received"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected: unacceptable absence"


class AppointmentQuerySet(models.QuerySet):
    def live(self):
        """Booked and still standing: not moved on and not cancelled."""
        return self.filter(moved_to__isnull=True, cancelled_at__isnull=True)

    def for_officer(self, user):
        return self.filter(officer=user)

    def between(self, start: datetime.datetime, end: datetime.datetime):
        return self.filter(starts_at__lt=end, ends_at__gt=start)

    def overlapping(self, start: datetime.datetime, end: datetime.datetime):
        return self.live().between(start, end)

    def contacts(self):
        """What counts as contact for the contact standard: kept, or booked, standing and awaiting its outcome."""
        return self.filter(models.Q(outcome__in=KEPT_OUTCOMES) | models.Q(outcome="", cancelled_at__isnull=True))

    def awaiting_outcome(self):
        return self.live().filter(outcome="")

    def standing(self):
        """Booked, not cancelled and no outcome yet: the same rows as live().awaiting_outcome() without the join on
        moved_to (a moved appointment always has the outcome "rescheduled")."""
        return self.filter(outcome="", cancelled_at__isnull=True)

    def for_diary(self):
        """What a row of the diary or the case page shows (who it is with, who runs it, its requirement)."""
        return self.select_related("person", "officer", "partner_organisation", "requirement")


class AppointmentSeries(models.Model):
    """A recurring series booked at once (e.g. weekly for 12 weeks); each occurrence is its own Appointment."""

    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="appointment_series")
    every_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    requested = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    skipped_dates = models.JSONField(default=list, blank=True, help_text="Dates not booked: bank holidays, closures.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "appointment series"

    def __str__(self):
        return f"Every {self.every_days} days x {self.requested} for {self.person_id}"


class Appointment(models.Model):
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="appointments")
    type = models.CharField(max_length=24, choices=AppointmentType.choices)
    place = models.CharField(max_length=16, choices=Place.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The London calendar day it starts on: the diary's and the RAR day count's key.
    local_date = models.DateField(editable=False)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments_run",
        help_text="The member of staff who runs it (empty when a partner runs it).",
    )
    partner_organisation = models.ForeignKey(
        "partners.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="appointments",
        help_text="The supply-chain partner that runs it, if not our staff.",
    )
    requirement = models.ForeignKey(
        "cases.Requirement", null=True, blank=True, on_delete=models.PROTECT, related_name="appointments",
        help_text="The requirement it counts towards, if any.",
    )
    notes = models.CharField(max_length=500, blank=True)
    series = models.ForeignKey(AppointmentSeries, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="appointments")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(default=timezone.now)
    clash_warnings = models.JSONField(default=list, blank=True, help_text="Clashes the booker was warned of.")
    # Moving: the old row keeps its outcome "rescheduled" and points at the new one.
    moved_from = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="moved_to")
    move_reason = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    cancel_reason = models.CharField(max_length=300, blank=True)
    # The outcome, recorded by whoever ran it.
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+")
    outcome_notes = models.TextField(blank=True)
    absence_reason = models.CharField(max_length=32, choices=AbsenceReason.choices, blank=True)
    evidence_status = models.CharField(max_length=16, choices=EvidenceStatus.choices, blank=True)
    evidence_due_on = models.DateField(null=True, blank=True)
    evidence_received_at = models.DateTimeField(null=True, blank=True)
    evidence_note = models.CharField(max_length=300, blank=True)
    evidence_decided_at = models.DateTimeField(null=True, blank=True)
    evidence_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+")
    # Its deadline in the engine (supervision.deadlines, step "supervision.outcome_chase").
    outcome_due_at = models.DateTimeField(help_text="A working day after it ends: chased if no outcome by then.")

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["officer", "starts_at"], name="appt_diary_idx"),  # the officer's diary
            models.Index(fields=["person", "starts_at"], name="appt_person_idx"),  # the case page, clashes
            # The officer's decisions list (selectors.evidence_decisions): absences waiting for evidence.
            models.Index(fields=["evidence_due_on"], name="appt_evidence_due_idx",
                         condition=models.Q(evidence_status__in=["awaited", "received"])),
            # RAR days: attended activities per requirement and day.
            models.Index(fields=["requirement", "local_date"], name="appt_requirement_day_idx",
                         condition=models.Q(requirement__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.get_type_display()} on {timezone.localtime(self.starts_at):%d %b %Y %H:%M}"

    def save(self, *args, **kwargs):
        if self.starts_at:
            self.local_date = self.starts_at.astimezone(LONDON).date()
        super().save(*args, **kwargs)

    @property
    def is_live(self) -> bool:
        return self.cancelled_at is None and not hasattr_moved_to(self)

    @property
    def status(self) -> str:
        if self.cancelled_at:
            return "Cancelled"
        if self.outcome == Outcome.RESCHEDULED:
            return "Moved"
        if self.outcome:
            return self.get_outcome_display()
        if self.ends_at <= timezone.now():
            return "Outcome needed"
        return "Booked"

    @property
    def run_by(self) -> str:
        if self.partner_organisation_id:
            return str(self.partner_organisation)
        return str(self.officer) if self.officer_id else "–"

    @property
    def awaits_evidence(self) -> bool:
        return self.evidence_status in (EvidenceStatus.AWAITED, EvidenceStatus.RECEIVED)

    @property
    def evidence_late(self) -> bool:
        """Awaited past its due day: a decision for the officer (never silently either way)."""
        return (self.evidence_status == EvidenceStatus.AWAITED and self.evidence_due_on is not None
                and self.evidence_due_on < timezone.localdate())


def hasattr_moved_to(appointment: Appointment) -> bool:
    try:
        return appointment.moved_to is not None
    except Appointment.DoesNotExist:
        return False


class FailureQuerySet(models.QuerySet):
    def counting(self):
        """Failures that count towards enforcement: confirmed (AAMR candidates count once the officer confirms)."""
        return self.filter(status=Failure.Status.CONFIRMED)

    def within_12_months_of(self, day: datetime.date):
        return self.filter(occurred_on__gt=day - relativedelta(months=12), occurred_on__lte=day)


class Failure(models.Model):
    """One failure to comply. At most one per appointment and per AAMR alert: two people recording the same absence
    at once make one row (the unique constraints settle the race)."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "For the officer to judge"
        CONFIRMED = "confirmed", "Failure to comply"
        DISMISSED = "dismissed", "Dismissed: reasonable excuse"

    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="failures")
    sentence = models.ForeignKey("cases.Sentence", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="failures")
    kind = models.CharField(max_length=24, choices=FailureKind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    occurred_on = models.DateField()
    appointment = models.OneToOneField(Appointment, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="failure")
    aamr_reading = models.OneToOneField("supervision.AamrReading", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="failure")
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    judged_at = models.DateTimeField(null=True, blank=True)
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    judgement_reason = models.CharField(max_length=500, blank=True)

    objects = FailureQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["person", "-occurred_on"], name="failure_person_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.occurred_on:%d %b %Y}"


class Path(models.TextChoices):
    """Which law the case is under when it fails: decides what follows a warning."""

    COMMUNITY = "community", "Community or suspended sentence order (CJA 2003, Sch. 8)"
    LICENCE = "licence", "Licence"
    PSS = "pss", "Post Sentence Supervision (ORA 2014)"


class Step(models.TextChoices):
    WARNING = "warning", "Warning"
    BREACH = "breach", "Breach referral to the NPS"
    RECALL = "recall", "Recall request to the NPS"
    MAGISTRATES_BREACH = "magistrates_breach", "Breach to the magistrates' court"
    NO_ACTION = "no_action", "No further action"


# The step after a warning given in the previous 12 months, by path. Never the community path for licence or PSS.
ESCALATION_BY_PATH = {Path.COMMUNITY: Step.BREACH, Path.LICENCE: Step.RECALL, Path.PSS: Step.MAGISTRATES_BREACH}
COUNTERSIGNED_STEPS = frozenset({Step.BREACH, Step.RECALL, Step.MAGISTRATES_BREACH})
NPS_STEPS = frozenset({Step.BREACH, Step.RECALL})


class EnforcementQuerySet(models.QuerySet):
    def warnings_given(self):
        return self.filter(decision=Step.WARNING, decided_at__isnull=False)

    def open(self):
        return self.filter(closed_at__isnull=True)


class Enforcement(models.Model):
    """The enforcement of one failure: the lawful next step the product proposes, the officer's decision (who, when,
    why if it departs from the proposal), the SPO's countersignature for a breach or recall, and the NPS's (or
    court's) response. Each step has a stored deadline swept by beat."""

    failure = models.OneToOneField(Failure, on_delete=models.PROTECT, related_name="enforcement")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="enforcements")
    path = models.CharField(max_length=16, choices=Path.choices)
    proposed = models.CharField(max_length=24, choices=Step.choices)
    proposal_reason = models.CharField(max_length=300)
    previous_warning = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decision_due_at = models.DateTimeField()
    decision = models.CharField(max_length=24, choices=Step.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    departure_reason = models.CharField(max_length=500, blank=True)
    warning_expires_on = models.DateField(null=True, blank=True)
    countersign_due_at = models.DateTimeField(null=True, blank=True)
    countersigned_at = models.DateTimeField(null=True, blank=True)
    countersigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    referral_due_at = models.DateTimeField(null=True, blank=True,
                                           help_text="Breach or recall: 10 working days from the failure.")
    referred_at = models.DateTimeField(null=True, blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    response = models.CharField(max_length=16, blank=True, choices=[("accepted", "Accepted"), ("rejected", "Rejected")])
    response_reason = models.CharField(max_length=500, blank=True)
    response_recorded_at = models.DateTimeField(null=True, blank=True)
    response_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    # The due times above are armed in the deadline engine (supervision.deadlines) by the services.

    objects = EnforcementQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-decided_at"], name="enforcement_person_idx"),
            # The team page's timeliness figures (selectors.enforcement_timeliness) read breaches by deadline.
            models.Index(fields=["referral_due_at"], name="enf_referral_due_idx",
                         condition=models.Q(referral_due_at__isnull=False)),
        ]

    def __str__(self):
        return f"{self.get_proposed_display()} proposed for failure {self.failure_id}"

    @property
    def needs_countersignature(self) -> bool:
        return self.decision in COUNTERSIGNED_STEPS

    @property
    def stage(self) -> str:
        if self.closed_at and self.decision == Step.WARNING:
            return "Warning given"
        if not self.decided_at:
            return "Decision needed"
        if self.needs_countersignature and not self.countersigned_at:
            return "Countersignature needed"
        if self.needs_countersignature and not self.referred_at:
            return "Referral to be sent"
        if self.decision in NPS_STEPS and not self.response:
            return "Awaiting the NPS"
        if self.response:
            return f"{self.get_response_display()} by the NPS"
        return self.get_decision_display()


class Letter(models.Model):
    """A letter to the person as a PDF, made once per dedupe key however many people touch the record."""

    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", "Appointment letter"
        WARNING = "warning", "Warning letter"
        BREACH = "breach", "Breach letter"
        RECALL = "recall", "Recall notice"

    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    dedupe_key = models.CharField(max_length=120, unique=True)
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="letters")
    failure = models.ForeignKey(Failure, null=True, blank=True, on_delete=models.PROTECT, related_name="letters")
    pdf = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.dedupe_key})"


class Phase(models.TextChoices):
    EARLY = "early", "First weeks of the order or licence"
    LATER = "later", "After the first weeks"


class ContactStandard(models.Model):
    """How often a case must be seen, by tier letter and phase. Administrators change these in admin."""

    tier = models.CharField(max_length=1, validators=[RegexValidator(r"^[A-D]$")])
    phase = models.CharField(max_length=8, choices=Phase.choices)
    interval_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    early_weeks = models.PositiveSmallIntegerField(default=12, help_text="How long the early phase lasts.")
    first_within_working_days = models.PositiveSmallIntegerField(
        default=5, help_text="First appointment within this many working days of sentence or release.")

    class Meta:
        ordering = ["tier", "phase"]
        constraints = [models.UniqueConstraint(fields=["tier", "phase"], name="one_contact_standard_per_tier_phase")]

    def __str__(self):
        return f"Tier {self.tier}, {self.get_phase_display().lower()}: every {self.interval_days} days"


class OverdueContact(models.Model):
    """An overdue-contact episode: recorded by the deadline engine (step supervision.contact_overdue) on the day a
    case's contact deadline passed, and resolved on the day a contact made or booked in time moved the deadline on
    (or the case left the standard). At most one open episode per case. Rows listed before the deadline engine are
    the old nightly listings, each resolved the next day."""

    listed_on = models.DateField(help_text="The day the case was found overdue.")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    team = models.ForeignKey("cases.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    last_contact_on = models.DateField(null=True, blank=True)
    resolved_on = models.DateField(null=True, blank=True, help_text="The day contact was back within the standard.")

    class Meta:
        ordering = ["-listed_on", "due_on"]
        constraints = [models.UniqueConstraint(fields=["person"], condition=models.Q(resolved_on__isnull=True),
                                               name="one_open_overdue_episode")]
        indexes = [models.Index(fields=["team", "listed_on"], name="overdue_team_idx")]

    def __str__(self):
        return f"{self.person_id} overdue since {self.due_on}"

    def days_overdue_on(self, day: datetime.date) -> int:
        return (day - self.due_on).days

    @property
    def days_overdue(self) -> int:
        """Days past the due day: to the day shown (`as_of`, set by selectors.team_overdue), else to today or the
        day it was resolved."""
        return self.days_overdue_on(getattr(self, "as_of", None) or self.resolved_on or timezone.localdate())


class AamrReading(models.Model):
    """One day's report from the alcohol monitoring provider for an AAMR requirement."""

    class Result(models.TextChoices):
        COMPLIANT = "compliant", "Compliant day"
        ALCOHOL = "alcohol_detected", "Alcohol detected"
        TAMPER = "tamper", "Tamper alert"

    requirement = models.ForeignKey("cases.Requirement", on_delete=models.PROTECT, related_name="aamr_readings")
    organisation = models.ForeignKey("partners.Organisation", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    result = models.CharField(max_length=20, choices=Result.choices)
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["requirement", "day", "result"], name="one_aamr_reading_per_day")]

    def __str__(self):
        return f"{self.get_result_display()} on {self.day}"

    @property
    def is_alert(self) -> bool:
        return self.result != self.Result.COMPLIANT


class RequirementProvider(models.Model):
    """The partner organisation that delivers or monitors a requirement (e.g. the AAMR tag provider)."""

    requirement = models.OneToOneField("cases.Requirement", on_delete=models.PROTECT, related_name="provider")
    organisation = models.ForeignKey("partners.Organisation", on_delete=models.PROTECT, related_name="+")

    def __str__(self):
        return f"{self.organisation} for requirement {self.requirement_id}"


def validate_not_blank(value: str) -> None:
    if not (value or "").strip():
        raise ValidationError("This cannot be blank.")


class ContactPreference(models.Model):
    """Whether and how a person agreed to appointment reminders (GOV.UK Notify). Nothing is sent without consent;
    an opt-out stops everything still queued."""

    class Channel(models.TextChoices):
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"

    person = models.OneToOneField("cases.Person", on_delete=models.PROTECT, related_name="contact_preference")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    mobile = models.CharField(max_length=20, blank=True, validators=[RegexValidator(
        r"^(\+44\s?7\d{3}|07\d{3})\s?\d{3}\s?\d{3}$", "Enter a UK mobile number, like 07700 900123.")])
    email = models.EmailField(blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+")
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opt_out_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+")

    def __str__(self):
        return f"Reminders for {self.person_id}: {self.get_channel_display()}"

    @property
    def may_send(self) -> bool:
        address = self.mobile if self.channel == self.Channel.SMS else self.email
        return bool(self.consented_at and not self.opted_out_at and address)

    @property
    def address(self) -> str:
        return self.mobile if self.channel == self.Channel.SMS else self.email


class Reminder(models.Model):
    """An outbox row: one message to the person about an appointment, sent through GOV.UK Notify by
    supervision.notify (retries with back-off), its delivery status fetched back and recorded here."""

    class Kind(models.TextChoices):
        BOOKED = "booked", "Booked"
        MOVED = "moved", "Moved"
        DAY_BEFORE = "day_before", "Day before"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sent to Notify"
        DELIVERED = "delivered", "Delivered"
        PERMANENT_FAILURE = "permanent-failure", "Not delivered: number or address not in use"
        TEMPORARY_FAILURE = "temporary-failure", "Not delivered: phone off or inbox full"
        TECHNICAL_FAILURE = "technical-failure", "Not delivered: technical problem"
        FAILED = "failed", "Could not be sent"
        WITHDRAWN = "withdrawn", "Not sent: opted out or appointment changed"

    FINAL = ("delivered", "permanent-failure", "temporary-failure", "technical-failure", "failed", "withdrawn")
    MAX_ATTEMPTS = 6

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    dedupe_key = models.CharField(max_length=120, unique=True)
    channel = models.CharField(max_length=8, choices=ContactPreference.Channel.choices)
    to = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    notify_id = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # supervision.notify.reminders_send: rows still to send, by their next attempt.
            models.Index(fields=["next_attempt_at"], name="reminder_send_due_idx", condition=models.Q(status="pending")),
            # supervision.notify.reminder_statuses_refresh: sent, delivery not yet known.
            models.Index(fields=["sent_at"], name="reminder_status_due_idx", condition=models.Q(status="sending")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} reminder for appointment {self.appointment_id}: {self.status}"
