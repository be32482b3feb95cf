"""MASH safeguarding requests: what a partner asked, when, who worked it, and what we answered.

What happened is recorded as who-and-when pairs (`received_at`/`received_by`, `triaged_at`/`triaged_by`,
`responded_at`/`responded_by`, `withdrawn_at`/`withdrawn_by`) plus an append-only event table (reminders, breach and
repeat notices are events too), never as one overwritten status. Escalation state lives in the deadline engine's
narrow table (probation.models.Deadline, steps in safeguarding/deadlines.py), not in this wide row. The current state is derived (`SafeguardingRequest.state`,
`SafeguardingRequestQuerySet.in_state`), and performance at any past date is recomputed from the same timestamps
and the rating-change history (see `selectors.compliance`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from probation.calendar import Clock


# Free-text limits, the same in the API, the forms and the database (a CHECK constraint or the column's length).
REASON_MAX = 4000
ADDRESS_MAX = 500
ALIASES_MAX = 300
RESPONSE_TEXT_MAX = 4000
NOTE_MAX = 2000


def _max_length_check(field: str, limit: int, name: str) -> models.CheckConstraint:
    from django.db.models.functions import Length
    from django.db.models.lookups import LessThanOrEqual

    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    BLUE = "blue", "Blue (no probation response needed)"


class State(models.TextChoices):
    RECEIVED = "received", "Received"
    TRIAGED = "triaged", "Triaged"
    ASSIGNED = "assigned", "Assigned"
    RESPONDED = "responded", "Responded"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CLOSED = "closed", "Closed by the hub (no response needed)"


OPEN_STATES = (State.RECEIVED, State.TRIAGED, State.ASSIGNED)


class Channel(models.TextChoices):
    API = "api", "Partner API"
    SECURE_EMAIL = "secure_email", "Secure email (keyed in by the hub)"


class MatchOutcome(models.TextChoices):
    KNOWN_CRC = "known_crc", "Known to the CRC"
    NPS = "nps", "Supervised by the NPS"
    UNKNOWN = "unknown", "Not known to probation"


DEFAULT_TIERS = {
    # rating: (hours, clock); None hours = no deadline (blue: no probation response needed)
    Rag.RED: (Decimal("4"), Clock.ELAPSED),
    Rag.AMBER: (Decimal("24"), Clock.WORKING_DAYS),
    Rag.GREEN: (Decimal("72"), Clock.WORKING_DAYS),
    Rag.BLUE: (None, Clock.WORKING_DAYS),
}


class DeadlineTierQuerySet(models.QuerySet):
    def for_rating(self, organisation_id: int | None, rating: str) -> DeadlineTier:
        """The partner MASH's own tier for `rating`, or the default tier (organisation empty)."""
        tiers = {t.organisation_id: t for t in self.filter(Q(organisation_id=organisation_id) | Q(organisation=None), rating=rating)}
        tier = tiers.get(organisation_id) or tiers.get(None)
        if tier is None:
            # The defaults are loaded by migration; if an administrator deleted one, restore it rather than fail.
            hours, clock = DEFAULT_TIERS[Rag(rating)]
            tier, _ = self.get_or_create(organisation=None, rating=rating, defaults={"hours": hours, "clock": clock})
        return tier


class DeadlineTier(models.Model):
    """How long a partner MASH gives us to answer a request of one RAG rating, and on which clock.

    Rows with no organisation are the defaults (red 4 elapsed hours, amber 24 and green 72 working-day hours, blue
    no response needed); a partner MASH with different agreements gets its own rows."""

    organisation = models.ForeignKey(
        "partners.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="mash_deadline_tiers",
        help_text="Leave empty for the default tiers used by every MASH without its own.",
    )
    rating = models.CharField(max_length=8, choices=Rag.choices)
    hours = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.25"))],
        help_text="Hours to respond, counted on the clock below. Empty: no probation response needed.",
    )
    clock = models.CharField(max_length=16, choices=Clock.choices, default=Clock.WORKING_DAYS)
    reminder_percent = models.PositiveSmallIntegerField(
        default=75, validators=[MinValueValidator(1)], help_text="Remind the assignee when this share of the time has gone."
    )
    repeat_every_hours = models.PositiveIntegerField(
        default=24, validators=[MinValueValidator(1)], help_text="Repeat the breach notice this often while it stays open."
    )

    objects = DeadlineTierQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "rating"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "rating"], name="mash_tier_unique_per_org"),
            models.UniqueConstraint(fields=["rating"], condition=Q(organisation=None), name="mash_tier_unique_default"),
        ]

    def __str__(self):
        owner = self.organisation or "Default"
        if self.hours is None:
            return f"{owner}: {self.get_rating_display()}"
        return f"{owner}: {self.get_rating_display()} {self.hours:g}h ({self.get_clock_display()})"


class ReferenceCounter(models.Model):
    """Where a year's reference numbers start. On PostgreSQL a reference's number is the next value of the sequence
    `safeguarding_reference_seq` minus the year's `base` (written once, by the year's first request), so issuing one
    locks nothing: a row lock on a per-year counter, held to the end of every submit's transaction, had serialised
    all submits (safeguarding.services.reference_next). SQLite (the demo) has no sequences: there `base` counts down
    by one a reference, and the number is -base."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    base = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.base}"


class SafeguardingRequestQuerySet(models.QuerySet):
    def open(self):
        # closed_at: a blue request the hub closed. The partial indexes' conditions (responded_at, withdrawn_at)
        # are implied by this filter, so PostgreSQL still uses them.
        return self.filter(responded_at=None, withdrawn_at=None, closed_at=None)

    def in_state(self, state: str):
        if state == State.WITHDRAWN:
            return self.exclude(withdrawn_at=None)
        if state == State.CLOSED:
            return self.filter(withdrawn_at=None, responded_at=None).exclude(closed_at=None)
        if state == State.RESPONDED:
            return self.filter(withdrawn_at=None).exclude(responded_at=None)
        if state == State.ASSIGNED:
            return self.open().exclude(assignee=None)
        if state == State.TRIAGED:
            return self.open().filter(assignee=None).exclude(triaged_at=None)
        if state == State.RECEIVED:
            return self.open().filter(assignee=None, triaged_at=None)
        if state == "open":
            return self.open()
        raise ValueError(f"unknown state {state!r}")

    def for_organisation(self, organisation_id: int):
        return self.filter(organisation_id=organisation_id)

    def queue_order(self):
        """Least time left first; requests with no deadline (blue) last."""
        return self.order_by(models.F("due_at").asc(nulls_last=True), "received_at", "id")


class SafeguardingRequest(models.Model):
    reference = models.CharField(max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="mash_requests",
        help_text="The requesting partner agency.",
    )
    borough = models.ForeignKey(
        "partners.Borough", null=True, blank=True, on_delete=models.PROTECT, related_name="mash_requests"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)

    # Subject of the checks
    subject_first_name = models.CharField(max_length=80)
    subject_last_name = models.CharField(max_length=80)
    subject_aliases = models.CharField(max_length=ALIASES_MAX, blank=True, help_text="Other names, separated by commas.")
    subject_date_of_birth = models.DateField(null=True, blank=True)
    subject_address = models.TextField(blank=True, max_length=ADDRESS_MAX)
    subject_pnc = models.CharField("Subject PNC number", max_length=13, blank=True)
    reason = models.TextField(max_length=REASON_MAX)

    # Requester contact
    requester_name = models.CharField(max_length=120)
    requester_email = models.EmailField()
    requester_phone = models.CharField(max_length=20, blank=True)

    # Rating and deadline (rating is the current one; `rating_changes` keeps every change)
    rating_proposed = models.CharField(max_length=8, choices=Rag.choices)
    rating = models.CharField(max_length=8, choices=Rag.choices)
    tier = models.ForeignKey(DeadlineTier, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    initial_due_at = models.DateTimeField(null=True, blank=True, help_text="The deadline set at receipt.")

    # Who and when
    received_at = models.DateTimeField(help_text="When the partner sent it (the email's time for keyed-in requests).")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    match_outcome = models.CharField(max_length=16, choices=MatchOutcome.choices, blank=True)
    person = models.ForeignKey("cases.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="mash_requests")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="mash_assigned",
        help_text="The current assignee (history in assignments).",
    )
    assigned_at = models.DateTimeField(null=True, blank=True, help_text="First assigned (history in assignments).")
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawal_reason = models.CharField(max_length=300, blank=True)
    # Blue requests (no probation response needed) are closed by the hub with a reason, leaving the open queue.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closure_reason = models.CharField(max_length=300, blank=True)

    # Response email to the requester: leased, then stamped when sent
    response_email_claimed_at = models.DateTimeField(null=True, blank=True)
    response_emailed_at = models.DateTimeField(null=True, blank=True)
    # Any change a partner can see (state, rating, answer, information added): the API's `updated_after` filter.
    updated_at = models.DateTimeField(default=timezone.now)

    objects = SafeguardingRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "MASH request"
        indexes = [
            # Hub queue (views.queue): open requests by time left. The included columns let the queue's counts per
            # rating and state, and its filters, be answered from the index alone (index-only scans).
            models.Index(
                fields=["due_at", "received_at", "id"], name="mash_open_queue_idx",
                condition=Q(responded_at=None, withdrawn_at=None),
                include=["rating", "assignee", "triaged_at", "borough"],
            ),
            # Response emails still to send to the requester (services.response_emails_requeue).
            models.Index(
                fields=["responded_at"], name="mash_response_email_due_idx",
                condition=Q(responded_at__isnull=False, response_emailed_at=None),
            ),
            # Partner API list: one organisation's requests, newest first.
            models.Index(fields=["organisation", "-received_at", "-id"], name="mash_org_received_idx"),
            # Offender manager's "my requests" and the team view.
            models.Index(
                fields=["assignee", "due_at"], name="mash_open_assignee_idx",
                condition=Q(responded_at=None, withdrawn_at=None),
            ),
            models.Index(fields=["received_at"], name="mash_received_idx"),
            # Partner API polling (`updated_after`): one organisation's requests in the order they changed.
            models.Index(fields=["organisation", "updated_at", "id"], name="mash_org_updated_idx"),
        ]
        constraints = [
            _max_length_check("reason", REASON_MAX, "mash_reason_length"),
            _max_length_check("subject_address", ADDRESS_MAX, "mash_address_length"),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(due_at__gte=models.F("received_at")), name="mash_due_after_receipt"
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def subject_name(self) -> str:
        return f"{self.subject_first_name} {self.subject_last_name}"

    @property
    def state(self) -> str:
        return self.state_at(None)

    def state_at(self, when: datetime | None) -> str:
        """The state derived from the who-and-when pairs, now (None) or as it was at `when`."""

        def by(ts):
            return ts is not None and (when is None or ts <= when)

        if by(self.withdrawn_at):
            return State.WITHDRAWN
        if by(self.responded_at):
            return State.RESPONDED
        if by(self.closed_at):
            return State.CLOSED
        if by(self.assigned_at):
            return State.ASSIGNED
        if by(self.triaged_at):
            return State.TRIAGED
        return State.RECEIVED

    def get_state_display(self) -> str:
        return State(self.state).label

    @property
    def is_open(self) -> bool:
        return self.responded_at is None and self.withdrawn_at is None and self.closed_at is None

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    @property
    def answered_on_time(self) -> bool | None:
        if self.responded_at is None or self.due_at is None:
            return None
        return self.responded_at <= self.due_at


class Assignment(models.Model):
    """Who a request was given to. Reassigning supersedes the current row; rows are never overwritten."""

    request = models.ForeignKey(SafeguardingRequest, on_delete=models.CASCADE, related_name="assignments")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mash_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request"], condition=Q(superseded_at=None), name="mash_one_current_assignment")
        ]

    def __str__(self):
        return f"{self.request} → {self.assignee}"


class RatingChange(models.Model):
    """A change of RAG rating at triage, with its rationale and the deadline before and after."""

    request = models.ForeignKey(SafeguardingRequest, on_delete=models.CASCADE, related_name="rating_changes")
    from_rating = models.CharField(max_length=8, choices=Rag.choices)
    to_rating = models.CharField(max_length=8, choices=Rag.choices)
    rationale = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    due_at_before = models.DateTimeField(null=True, blank=True)
    due_at_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.request}: {self.from_rating} → {self.to_rating}"


class Response(models.Model):
    """What we share with the requesting partner."""

    class SupervisionStatus(models.TextChoices):
        CURRENT_CRC = "current_crc", "Currently supervised by the CRC"
        CURRENT_NPS = "current_nps", "Supervised by the NPS"
        PREVIOUS = "previous", "Previously supervised"
        NOT_KNOWN = "not_known", "Not known to probation"

    class RiskLevel(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        VERY_HIGH = "very_high", "Very high"
        NOT_ASSESSED = "not_assessed", "Not assessed / not applicable"

    class Engagement(models.TextChoices):
        GOOD = "good", "Engaging well"
        PARTIAL = "partial", "Partial engagement"
        POOR = "poor", "Poor engagement"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    request = models.OneToOneField(SafeguardingRequest, on_delete=models.CASCADE, related_name="response")
    supervision_status = models.CharField(max_length=16, choices=SupervisionStatus.choices)
    risk_level = models.CharField(max_length=16, choices=RiskLevel.choices)
    conditions = models.TextField("Licence conditions or requirements", blank=True, max_length=RESPONSE_TEXT_MAX)
    engagement = models.CharField(max_length=16, choices=Engagement.choices)
    contact_with_named = models.TextField("Contact with the named children or adults", blank=True, max_length=RESPONSE_TEXT_MAX)
    professional_view = models.TextField("Officer's professional view", max_length=RESPONSE_TEXT_MAX)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    responded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            _max_length_check("conditions", RESPONSE_TEXT_MAX, "mash_response_conditions_length"),
            _max_length_check("contact_with_named", RESPONSE_TEXT_MAX, "mash_response_contact_length"),
            _max_length_check("professional_view", RESPONSE_TEXT_MAX, "mash_response_view_length"),
        ]

    def __str__(self):
        return f"Response to {self.request}"


class ConcernedPerson(models.Model):
    """A child or adult named in the request."""

    MAX_PER_REQUEST = 50  # a real request names a family, not a register; more is refused with a clear error

    class AgeGroup(models.TextChoices):
        CHILD = "child", "Child"
        ADULT = "adult", "Adult"

    request = models.ForeignKey(SafeguardingRequest, on_delete=models.CASCADE, related_name="concerned")
    age_group = models.CharField(max_length=8, choices=AgeGroup.choices)
    name = models.CharField(max_length=160)
    date_of_birth = models.DateField(null=True, blank=True)
    relationship = models.CharField(max_length=120, blank=True, help_text="Relationship to the subject.")

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "concerned people"

    def __str__(self):
        return f"{self.get_age_group_display()} on {self.request}"


class RequestEvent(models.Model):
    """Append-only timeline: every change of state, with who and when. Never holds names or free text."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Received"
        TRIAGED = "triaged", "Triaged"
        RATING_CHANGED = "rating_changed", "Rating changed"
        ASSIGNED = "assigned", "Assigned"
        REASSIGNED = "reassigned", "Reassigned"
        RESPONDED = "responded", "Responded"
        RESPONSE_SENT = "response_sent", "Response emailed to requester"
        WITHDRAWN = "withdrawn", "Withdrawn"
        CLOSED = "closed", "Closed by the hub: no response needed"
        REMINDED = "reminded", "Reminder sent"
        ESCALATED = "escalated", "Deadline breached: escalated"
        ESCALATION_REPEATED = "escalation_repeated", "Still open: escalated again"
        INFORMATION_ADDED = "information_added", "Information added by the partner"
        REFUSED = "refused", "Change refused"

    request = models.ForeignKey(SafeguardingRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"], name="mash_event_request_idx")]

    def __str__(self):
        return f"{self.request} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    REFUSAL_REASONS = {"withdrawn": "the request had been withdrawn", "answered": "the request had already been answered"}

    @property
    def summary(self) -> str:
        """A line for the timeline: what was refused and why, or what information was added."""
        if self.kind == self.Kind.REFUSED:
            from safeguarding.services import REFUSABLE_ACTIONS

            action = REFUSABLE_ACTIONS.get(self.detail.get("action"), self.detail.get("action", "a change"))
            why = self.REFUSAL_REASONS.get(self.detail.get("why"), self.detail.get("why", ""))
            return f"Refused: {action}" + (f" ({why})" if why else "")
        if self.kind == self.Kind.INFORMATION_ADDED:
            return "A named person was added" if self.detail.get("concerned_id") else "A note was added"
        return ""


class RequestNote(models.Model):
    """Information a partner added to an open request: a note, or a named person (then also a ConcernedPerson row).
    Shown on the request's page to the hub and the assignee; the event on the timeline points here."""

    request = models.ForeignKey(SafeguardingRequest, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(blank=True, max_length=NOTE_MAX)
    concerned = models.ForeignKey(ConcernedPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [_max_length_check("text", NOTE_MAX, "mash_note_length")]

    def __str__(self):
        return f"Information added to {self.request}"


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` a partner sent with a submit: the same key and body again returns the request it made;
    the same key with another body is refused. Kept at least IDEMPOTENCY_KEY_DAYS (purged daily after that)."""

    organisation = models.ForeignKey("partners.Organisation", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    body_hash = models.CharField("SHA-256 of the canonical body", max_length=64)
    request = models.ForeignKey(SafeguardingRequest, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="mash_idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="mash_idempotency_created_idx")]

    def __str__(self):
        return f"{self.key} → {self.request_id}"


def reminder_time(received_at: datetime, tier: DeadlineTier, calendar) -> datetime | None:
    from probation.calendar import due_at

    if tier.hours is None:
        return None
    return due_at(received_at, tier.hours * tier.reminder_percent / 100, tier.clock, calendar)


def repeat_interval(tier: DeadlineTier) -> timedelta:
    return timedelta(hours=tier.repeat_every_hours)
