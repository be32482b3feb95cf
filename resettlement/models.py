"""Through the Gate: custody episodes, BCST screening, Resettlement Plans, supply-chain actions and programmes.

See DOMAIN.md, "Through the Gate". Derived state (is a screening overdue, is a review late) lives on querysets and
properties here; writes go through `resettlement.services`.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from probation.calendar import Clock

# Rules (DOMAIN.md): people serving over 12 months move to a resettlement prison within 12 weeks of release, and the
# plan is reviewed in those 12 weeks.
LONG_SENTENCE_MONTHS = 12
PRE_RELEASE_WEEKS = 12
# Default: a pre-release plan review still not done this long after the 12-week window opened is late.
PRE_RELEASE_LATE_AFTER = datetime.timedelta(weeks=4)
# The move to a resettlement prison is done BY the time the window opens (the aim is the last three months there), so
# it is planned ahead: it shows as due this long before the window opens, and is late once the window has opened.
TRANSFER_PLANNING_LEAD = datetime.timedelta(weeks=8)


def london_today() -> datetime.date:
    return timezone.localdate()


class Prison(models.Model):
    class Population(models.TextChoices):
        MEN = "men", "Men"
        WOMEN = "women", "Women"
        YOUNG_ADULTS = "young_adults", "Young adult men (YOI)"

    code = models.CharField(max_length=3, unique=True, help_text="The three-letter prison code, like PVI.")
    name = models.CharField(max_length=80, unique=True)
    population = models.CharField(max_length=16, choices=Population.choices, default=Population.MEN)
    is_resettlement_prison = models.BooleanField(
        default=False, help_text="A London resettlement prison: people move here within 12 weeks of release."
    )
    is_london = models.BooleanField("Serves London", default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CustodyEpisodeQuerySet(models.QuerySet):
    def in_custody(self):
        return self.filter(released_on__isnull=True)

    def released(self):
        return self.filter(released_on__isnull=False)

    def long_sentences(self):
        """Serving over 12 months: flagged for a resettlement prison before release."""
        return self.filter(custody_type=CustodyEpisode.CustodyType.SENTENCED, sentence_length_months__gt=LONG_SENTENCE_MONTHS)

    def pre_release_window_open(self, today: datetime.date):
        """In custody with an expected release within the next 12 weeks (or already past: still in, so still due)."""
        return self.in_custody().filter(
            expected_release_date__isnull=False,
            expected_release_date__lte=today + datetime.timedelta(weeks=PRE_RELEASE_WEEKS),
        )

    def pre_release_late(self, today: datetime.date):
        """In the window for longer than PRE_RELEASE_LATE_AFTER."""
        return self.in_custody().filter(
            expected_release_date__isnull=False,
            expected_release_date__lte=today + datetime.timedelta(weeks=PRE_RELEASE_WEEKS) - PRE_RELEASE_LATE_AFTER,
        )

    def pre_release_horizon(self, today: datetime.date):
        """In custody and close enough to release for a pre-release step to be due: inside the 12-week window, or
        within TRANSFER_PLANNING_LEAD of it opening (when the move to a resettlement prison is planned)."""
        return self.in_custody().filter(
            expected_release_date__isnull=False,
            expected_release_date__lte=today + datetime.timedelta(weeks=PRE_RELEASE_WEEKS) + TRANSFER_PLANNING_LEAD,
        )

    def transfer_outstanding(self):
        return self.long_sentences().filter(current_prison__is_resettlement_prison=False)

    def release_unrecorded(self, today: datetime.date):
        """Still shown in custody after the expected release date: released without it being recorded, or the date
        moved without being changed here. Either way someone must check."""
        return self.in_custody().filter(expected_release_date__lt=today)


class CustodyEpisode(models.Model):
    """One spell in prison, from reception to release, for a person on probation. Transfers are rows of their own
    (`PrisonTransfer`); `current_prison` follows the latest one."""

    class CustodyType(models.TextChoices):
        REMAND = "remand", "Remand"
        SENTENCED = "sentenced", "Sentenced"

    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="custody_episodes")
    sentence = models.ForeignKey(
        "cases.Sentence", null=True, blank=True, on_delete=models.PROTECT, related_name="custody_episodes",
        help_text="The custodial sentence being served: its licence and PSS dates come from the cases rules.",
    )
    custody_type = models.CharField(max_length=16, choices=CustodyType.choices)
    reception_at = models.DateTimeField(help_text="When the prison received the person.")
    reception_prison = models.ForeignKey(Prison, on_delete=models.PROTECT, related_name="receptions")
    current_prison = models.ForeignKey(Prison, on_delete=models.PROTECT, related_name="current_episodes")
    sentence_length_months = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1200)],
        help_text="Sentenced only: the custodial sentence in months.",
    )
    expected_release_date = models.DateField(null=True, blank=True)
    ttg_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="ttg_episodes",
        help_text="The Through the Gate worker responsible in custody.",
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    released_on = models.DateField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community_offender_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="released_episodes",
        help_text="Who took the case on release.",
    )
    # Pre-release steps are deadlines of the deadline engine (resettlement/sweeps.py), set from the release date.

    objects = CustodyEpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-reception_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(released_on__isnull=True), name="one_open_custody_episode_per_person"
            ),
            models.CheckConstraint(
                condition=Q(custody_type="remand") | Q(sentence_length_months__isnull=False),
                name="sentenced_episode_has_length",
            ),
        ]
        indexes = [
            # The pre-release list (selectors.pre_release): only people still in custody with a release date.
            models.Index(
                fields=["expected_release_date"],
                name="episode_pre_release_idx",
                condition=Q(released_on__isnull=True, expected_release_date__isnull=False),
            ),
        ]

    def __str__(self):
        return f"Custody episode {self.pk} ({self.get_custody_type_display()}, received {self.reception_at:%d %b %Y})"

    @property
    def reception_date(self) -> datetime.date:
        return timezone.localtime(self.reception_at).date()

    @property
    def in_custody(self) -> bool:
        return self.released_on is None

    @property
    def release_unrecorded(self) -> bool:
        """The expected release date has passed and no release is recorded (see the queryset method)."""
        return (self.released_on is None and self.expected_release_date is not None
                and self.expected_release_date < london_today())

    @property
    def is_long_sentence(self) -> bool:
        return (
            self.custody_type == self.CustodyType.SENTENCED
            and (self.sentence_length_months or 0) > LONG_SENTENCE_MONTHS
        )

    @property
    def pre_release_window_opens(self) -> datetime.date | None:
        if self.expected_release_date is None:
            return None
        return self.expected_release_date - datetime.timedelta(weeks=PRE_RELEASE_WEEKS)

    @property
    def pre_release_late_from(self) -> datetime.date | None:
        opens = self.pre_release_window_opens
        return None if opens is None else opens + PRE_RELEASE_LATE_AFTER

    @property
    def transfer_due_by(self) -> datetime.date | None:
        """The move to a resettlement prison is done by the time the 12-week window opens."""
        return self.pre_release_window_opens

    @property
    def transfer_planning_from(self) -> datetime.date | None:
        due = self.transfer_due_by
        return None if due is None else due - TRANSFER_PLANNING_LEAD

    @property
    def needs_resettlement_transfer(self) -> bool:
        return self.in_custody and self.is_long_sentence and not self.current_prison.is_resettlement_prison

    @property
    def responsible_user(self):
        """Who is told about pre-release steps: the TtG worker, else the person's offender manager."""
        return self.ttg_worker or self.person.offender_manager


class PrisonTransfer(models.Model):
    """A move between prisons during an episode. History: never edited."""

    episode = models.ForeignKey(CustodyEpisode, on_delete=models.CASCADE, related_name="transfers")
    from_prison = models.ForeignKey(Prison, on_delete=models.PROTECT, related_name="+")
    to_prison = models.ForeignKey(Prison, on_delete=models.PROTECT, related_name="+")
    transferred_on = models.DateField()
    reason = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["transferred_on", "id"]

    def __str__(self):
        return f"{self.from_prison} → {self.to_prison} on {self.transferred_on:%d %b %Y}"


class ScreeningPart(models.TextChoices):
    BCST1 = "bcst1", "BCST part 1 (prison)"
    BCST2 = "bcst2", "BCST part 2 (CRC)"


class ScreeningRule(models.Model):
    """How long each part of the Basic Custody Screening Tool may take from reception. Administrators change these
    without a deploy; a screening keeps the deadline it was given when the episode was recorded."""

    part = models.CharField(max_length=8, choices=ScreeningPart.choices, unique=True)
    hours = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("1"))],
        help_text="Counted on the clock below: 72 elapsed hours for part 1; 5 working days = 120 working-day hours.",
    )
    clock = models.CharField(max_length=16, choices=Clock.choices)
    reminder_percent = models.PositiveSmallIntegerField(
        default=75, validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Remind the TtG worker when this share of the time has been used.",
    )

    class Meta:
        ordering = ["part"]

    def __str__(self):
        return f"{self.get_part_display()}: {self.hours} hours ({self.get_clock_display()})"

    DEFAULTS = {
        ScreeningPart.BCST1: (Decimal("72"), Clock.ELAPSED),
        ScreeningPart.BCST2: (Decimal("120"), Clock.WORKING_DAYS),
    }


class ScreeningQuerySet(models.QuerySet):
    def open(self):
        return self.filter(completed_at__isnull=True)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())


class Screening(models.Model):
    """One part of the BCST for an episode, with its deadline fixed when the episode was recorded."""

    episode = models.ForeignKey(CustodyEpisode, on_delete=models.CASCADE, related_name="screenings")
    part = models.CharField(max_length=8, choices=ScreeningPart.choices)
    due_at = models.DateTimeField()
    remind_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Its reminder and breach notice are deadlines of the deadline engine (resettlement/sweeps.py).

    objects = ScreeningQuerySet.as_manager()

    class Meta:
        ordering = ["episode", "part"]
        constraints = [models.UniqueConstraint(fields=["episode", "part"], name="one_screening_part_per_episode")]
    def __str__(self):
        return f"{self.get_part_display()} for episode {self.episode_id}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def completed_on_time(self) -> bool | None:
        return None if self.completed_at is None else self.completed_at <= self.due_at

    def is_overdue(self, now=None) -> bool:
        return self.completed_at is None and (now or timezone.now()) > self.due_at


class Pathway(models.TextChoices):
    """The seven resettlement pathways (as in hmpps-resettlement-passport-api), named with the Through the Gate
    seeds' words, plus the two signposting services."""

    ACCOMMODATION = "accommodation", "Accommodation"
    ATTITUDES = "attitudes", "Attitudes, thinking and behaviour"
    FAMILY = "family", "Children, families and communities"
    DRUGS_ALCOHOL = "drugs_alcohol", "Drugs and alcohol"
    EDUCATION_WORK = "education_work", "Education, skills and work (employment retention and brokerage)"
    FINANCE = "finance", "Finance, benefit and debt, and ID"
    HEALTH = "health", "Health"
    SEX_WORK = "sex_work", "Signposting: sex workers"
    DOMESTIC_VIOLENCE = "domestic_violence", "Signposting: victims of domestic and sexual violence"


class NeedStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    SUPPORT_REQUIRED = "support_required", "Support required"
    SUPPORT_NOT_REQUIRED = "support_not_required", "Support not required"
    SUPPORT_DECLINED = "support_declined", "Support declined"
    DONE = "done", "Done"


class ResettlementPlan(models.Model):
    """The plan for one custody episode. Every incoming prisoner gets one when the episode is recorded, whatever the
    sentence length, with every pathway not started; the BCST2 then sets each pathway's need."""

    episode = models.OneToOneField(CustodyEpisode, on_delete=models.CASCADE, related_name="plan")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Resettlement plan {self.pk} (episode {self.episode_id})"

    @property
    def reviewed_pre_release(self) -> bool:
        opens = self.episode.pre_release_window_opens
        return bool(opens and self.last_reviewed_at and timezone.localtime(self.last_reviewed_at).date() >= opens)


class PlanReview(models.Model):
    """Each review of a plan, kept as history."""

    plan = models.ForeignKey(ResettlementPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_pre_release = models.BooleanField(default=False, help_text="Made in the 12 weeks before release.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-id"]

    def __str__(self):
        return f"Review of plan {self.plan_id} on {self.reviewed_at:%d %b %Y}"


class PathwayNeed(models.Model):
    plan = models.ForeignKey(ResettlementPlan, on_delete=models.CASCADE, related_name="needs")
    pathway = models.CharField(max_length=32, choices=Pathway.choices)
    status = models.CharField(max_length=32, choices=NeedStatus.choices, default=NeedStatus.NOT_STARTED)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["plan", "pathway"]
        constraints = [models.UniqueConstraint(fields=["plan", "pathway"], name="one_need_per_pathway")]

    def __str__(self):
        return f"{self.get_pathway_display()}: {self.get_status_display()}"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_ACHIEVED = "not_achieved", "Could not be achieved"
    CANCELLED = "cancelled", "Cancelled"


OPEN_ACTION_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS)
CLOSED_ACTION_STATUSES = (ActionStatus.DONE, ActionStatus.NOT_ACHIEVED, ActionStatus.CANCELLED)
# Which status may follow which. Reopening a closed action (back to in progress) and cancelling are CRC staff only;
# see resettlement.services.action_update.
ACTION_TRANSITIONS = {
    ActionStatus.NOT_STARTED: {ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.NOT_ACHIEVED, ActionStatus.CANCELLED},
    ActionStatus.IN_PROGRESS: {ActionStatus.DONE, ActionStatus.NOT_ACHIEVED, ActionStatus.CANCELLED},
    ActionStatus.DONE: {ActionStatus.IN_PROGRESS},
    ActionStatus.NOT_ACHIEVED: {ActionStatus.IN_PROGRESS},
    ActionStatus.CANCELLED: {ActionStatus.IN_PROGRESS},
}
STAFF_ONLY_STATUSES = {ActionStatus.CANCELLED}


class Consent(models.TextChoices):
    GIVEN = "given", "The person consented to the referral"
    OVERRIDDEN = "overridden", "Referred without consent (override recorded)"


class PlanActionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_ACTION_STATUSES)

    def overdue(self, today: datetime.date):
        return self.open().filter(due_on__lt=today)

    def for_organisation(self, organisation_id):
        return self.filter(owner_organisation_id=organisation_id)

    def with_person(self):
        return self.select_related(
            "plan__episode__person", "plan__episode__current_prison", "owner_user", "owner_organisation"
        )


class PlanAction(models.Model):
    """Something to do for one pathway, owned by a CRC staff member or a supply-chain partner organisation. An
    action owned by a partner is a referral: consent, or an override with who and why, is recorded."""

    plan = models.ForeignKey(ResettlementPlan, on_delete=models.CASCADE, related_name="actions")
    pathway = models.CharField(max_length=32, choices=Pathway.choices)
    description = models.CharField(max_length=300)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="resettlement_actions"
    )
    owner_organisation = models.ForeignKey(
        "partners.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="resettlement_actions"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED)
    outcome = models.TextField(blank=True)
    consent = models.CharField(max_length=16, choices=Consent.choices, blank=True)
    consent_override_reason = models.TextField(blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Chased daily once overdue after release: a deadline of the deadline engine (resettlement/sweeps.py).

    objects = PlanActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_user__isnull=False) & Q(owner_organisation__isnull=True))
                | (Q(owner_user__isnull=True) & Q(owner_organisation__isnull=False)),
                name="action_has_exactly_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(owner_organisation__isnull=True) | ~Q(consent=""),
                name="referral_records_consent_or_override",
            ),
            models.CheckConstraint(
                condition=~Q(consent="overridden") | ~Q(consent_override_reason=""),
                name="consent_override_has_reason",
            ),
        ]
        indexes = [
            # Open actions by due date (overdue lists).
            models.Index(
                fields=["due_on"], name="action_chase_idx", condition=Q(status__in=["not_started", "in_progress"])
            ),
            models.Index(fields=["owner_organisation", "status"], name="action_partner_list_idx"),
        ]

    def __str__(self):
        return f"{self.get_pathway_display()} action {self.pk}"

    @property
    def owner_label(self) -> str:
        return str(self.owner_organisation or self.owner_user)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open and self.due_on < (today or london_today())


# --- Superseded: programmes moved to interventions ---------------------------------------------------------------
# Getting it Right and Healing Trauma are entries of interventions' programme catalogue (one place for what a
# programme is); enrolments are interventions referrals, reached through cases.programmes. Migration 0007 moved
# every enrolment and its module attendance there and marked the old row with the referral it became. These tables
# are kept, read-only, as the record of what was moved (nothing about a person is deleted); nothing writes to them.

class Programme(models.Model):
    """Superseded by interventions.Programme (same code). Was: an intervention run in prison or the community:
    Getting it Right (four weekly modules ending in the Change Plan Journal) and Healing Trauma for women."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    module_count = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(52)])
    women_only = models.BooleanField(default=False)
    requires_change_plan_journal = models.BooleanField(
        default=False, help_text="Completion needs the Change Plan Journal as well as every module."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Setting(models.TextChoices):
    PRISON = "prison", "In prison"
    COMMUNITY = "community", "In the community"


class ProgrammeEnrolment(models.Model):
    """Superseded by an interventions referral (superseded_by_referral_id)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="programme_enrolments")
    setting = models.CharField(max_length=16, choices=Setting.choices)
    prison = models.ForeignKey(Prison, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(help_text="The first module; the others follow weekly.")
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    enrolled_at = models.DateTimeField(default=timezone.now)
    change_plan_journal_completed_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=200, blank=True)
    # An id, not a foreign key: resettlement does not depend on interventions' models (STYLE.md, cases.programmes).
    superseded_by_referral_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The interventions programme referral this enrolment became (migration 0007).")
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(setting="prison") | Q(prison__isnull=False), name="prison_enrolment_names_prison"),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(withdrawn_on__isnull=True),
                name="enrolment_completed_or_withdrawn_not_both",
            ),
        ]

    def __str__(self):
        return f"{self.programme} from {self.starts_on:%d %b %Y}"

    @property
    def is_active(self) -> bool:
        return self.completed_on is None and self.withdrawn_on is None

    def module_date(self, number: int) -> datetime.date:
        return self.starts_on + datetime.timedelta(weeks=number - 1)


class ModuleAttendance(models.Model):
    enrolment = models.ForeignKey(ProgrammeEnrolment, on_delete=models.CASCADE, related_name="attendances")
    module_number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    attended = models.BooleanField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["enrolment", "module_number"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "module_number"], name="one_attendance_per_module")]

    def __str__(self):
        return f"Module {self.module_number}: {'attended' if self.attended else 'missed'}"
