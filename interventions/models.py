"""Delivering the court's requirements (DOMAIN.md, "Delivering the court's requirements"): Community Payback
(projects, sessions, bookings, attendance and the hours ledger) and personalised budgets for women.

Attendance at a session is a supervision appointment's outcome (supervision.services.appointment_record_outcome):
an absence or a failure to comply becomes one Failure and one enforcement proposal there, never a copy here.
Nothing about a person is deleted: a cancelled booking keeps its row.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")
SESSION_HOURS = 7  # a Community Payback session is usually a seven-hour day


# --- Community Payback ------------------------------------------------------------------------------------------------

class Project(models.Model):
    """A Community Payback placement: a community or charity partner, a place, a supervisor, a capacity."""

    class Kind(models.TextChoices):
        GROUP = "group", "Group placement"
        INDIVIDUAL = "individual", "Individual placement"

    class Gender(models.TextChoices):
        ANY = "", "Anyone"
        WOMEN_ONLY = "women", "Women only"
        MEN_ONLY = "men", "Men only"

    name = models.CharField(max_length=150)
    partner = models.ForeignKey("partners.Organisation", on_delete=models.PROTECT, related_name="upw_projects",
                                help_text="The placement partner from the directory; it runs the sessions.")
    borough = models.ForeignKey("partners.Borough", on_delete=models.PROTECT, related_name="upw_projects")
    address = models.CharField(max_length=300)
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="upw_projects_supervised")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.GROUP)
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(30)],
                                                help_text="People per session.")
    gender = models.CharField("Suitable for", max_length=8, choices=Gender.choices, blank=True)
    no_public_contact = models.BooleanField(default=False, help_text="No contact with the public on this project.")
    children_present = models.BooleanField(default=False, help_text="Children may be present.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class SessionQuerySet(models.QuerySet):
    def between(self, first: datetime.date, last: datetime.date):
        return self.filter(local_date__gte=first, local_date__lte=last)


class Session(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    local_date = models.DateField(editable=False)
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="upw_sessions_supervised")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["project", "local_date"], name="upw_session_project_day_idx")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="upw_session_ends_after_start")]

    def __str__(self):
        return f"{self.project} on {timezone.localtime(self.starts_at, LONDON):%d %b %Y}"

    def save(self, *args, **kwargs):
        self.local_date = self.starts_at.astimezone(LONDON).date()
        super().save(*args, **kwargs)

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Behaviour(models.TextChoices):
    EXCELLENT = "excellent", "Excellent"
    GOOD = "good", "Good"
    AVERAGE = "average", "Average"
    POOR = "poor", "Poor"
    UNACCEPTABLE = "unacceptable", "Unacceptable"


class BookingQuerySet(models.QuerySet):
    def live(self):
        return self.filter(cancelled_at__isnull=True)


class Booking(models.Model):
    """A person booked onto a session towards their unpaid work requirement, with its attendance once recorded.
    The outcome (attended, failed to comply, absences) lives on the supervision appointment."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="bookings")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="upw_bookings")
    requirement = models.ForeignKey("cases.Requirement", on_delete=models.PROTECT, related_name="upw_bookings")
    appointment = models.OneToOneField("supervision.Appointment", on_delete=models.PROTECT,
                                       related_name="upw_booking")
    starts_at = models.DateTimeField(help_text="The session's times, copied so clashes are one indexed query.")
    ends_at = models.DateTimeField()
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    cancel_reason = models.CharField(max_length=300, blank=True)
    # Attendance (recorded once, by the supervisor on the session page or the partner through the API).
    minutes_worked = models.PositiveSmallIntegerField(null=True, blank=True)
    minutes_stood_down = models.PositiveSmallIntegerField(default=0)
    credited_minutes = models.PositiveSmallIntegerField(default=0, help_text="Worked less stood down; never negative.")
    behaviour = models.CharField(max_length=16, choices=Behaviour.choices, blank=True)
    attendance_notes = models.CharField(max_length=500, blank=True)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                               on_delete=models.PROTECT, related_name="+")

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["person", "starts_at"], name="upw_booking_person_idx"),  # clashes, the case page
            # The minutes credited to a requirement (the pace sweep, deadlines.UpwPace.owners): an index-only sum
            # per requirement due, so the sweep's cost follows the work due, not the bookings table.
            models.Index(fields=["requirement"], include=["credited_minutes"], name="upw_booking_credited_idx",
                         condition=Q(attendance_recorded_at__isnull=False, cancelled_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], condition=Q(cancelled_at__isnull=True),
                                    name="one_live_upw_booking_per_session_person"),
            models.CheckConstraint(condition=Q(credited_minutes__lte=models.F("minutes_worked"))
                                   | Q(credited_minutes=0), name="upw_credit_at_most_worked"),
        ]

    def __str__(self):
        return f"{self.person_id} on session {self.session_id}"


def credited(minutes_worked: int | None, minutes_stood_down: int | None) -> int:
    """Credited time is the time attended less the time stood down, never negative; nothing attended credits 0."""
    return max(0, (minutes_worked or 0) - (minutes_stood_down or 0))


# --- Personalised budgets for women ------------------------------------------------------------------------------------

class PersonalBudget(models.Model):
    """A woman's personalised budget: spent against by staff, never beyond its amount (the check constraint is the
    backstop; services.budget_spend locks the row so two staff spending at once queue)."""

    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="personal_budgets")
    amount = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    spent = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"), editable=False)
    starts_on = models.DateField()
    ends_on = models.DateField()
    holder = models.ForeignKey("partners.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="personal_budgets_held",
                               help_text="The organisation that holds the budget (e.g. the women's hub); blank: us.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(spent__gte=0) & Q(spent__lte=models.F("amount")),
                                   name="personal_budget_never_overspent"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                   name="personal_budget_ends_after_start"),
        ]

    def __str__(self):
        return f"£{self.amount} budget for {self.person_id} from {self.starts_on:%d %b %Y}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.spent


class SpendPurpose(models.TextChoices):
    TRAUMA = "trauma", "Trauma-informed support"
    COUNSELLING = "counselling", "Counselling"
    HEALTH = "health", "Health and wellbeing"
    TRAVEL = "travel", "Travel"
    CHILDCARE = "childcare", "Childcare"
    EDUCATION = "education", "Education and training"
    ESSENTIALS = "essentials", "Essentials (ID, clothing, phone)"


class BudgetSpend(models.Model):
    budget = models.ForeignKey(PersonalBudget, on_delete=models.PROTECT, related_name="spends")
    amount = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    purpose = models.CharField(max_length=16, choices=SpendPurpose.choices)
    supplier = models.CharField(max_length=150)
    spent_on = models.DateField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["spent_on", "id"]
        indexes = [models.Index(fields=["spent_on"], name="budget_spend_day_idx")]  # the borough report's month
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="budget_spend_positive")]

    def __str__(self):
        return f"£{self.amount} on {self.get_purpose_display().lower()} ({self.spent_on:%d %b %Y})"


# --- Accredited programmes --------------------------------------------------------------------------------------------

class Programme(models.Model):
    """An accredited programme in the catalogue, with its number of sessions and who it is for."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.CharField(max_length=500, blank=True)
    sessions = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(60)])
    rosh_levels = models.JSONField(default=list, blank=True, help_text="RoSH levels it suits; empty: any.")
    needs_any_register = models.JSONField(default=list, blank=True,
                                          help_text="Register codes of which the person needs one; empty: none.")
    genders = models.JSONField(default=list, blank=True, help_text="Genders it is for; empty: anyone.")
    is_active = models.BooleanField(default=True)
    # Getting it Right and Healing Trauma (formerly resettlement's own catalogue): run in prison or the community
    # by Through the Gate, one module a week from the person's own start date, with no waiting list or group.
    through_the_gate = models.BooleanField(
        default=False, help_text="Enrolled directly by Through the Gate, in prison or the community, and recorded "
                                 "module by module (one a week from the start date) instead of through a group.")
    requires_change_plan_journal = models.BooleanField(
        default=False, help_text="Completion needs the Change Plan Journal as well as every session.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def women_only(self) -> bool:
        return self.genders == ["female"]

    @property
    def transitions(self) -> dict:
        return MODULE_TRANSITIONS if self.through_the_gate else TRANSITIONS


class ReferralStatus(models.TextChoices):
    REFERRED = "referred", "Referred"
    ASSESSED = "assessed", "Assessed as suitable"
    WAITING = "waiting", "On the waiting list"
    ALLOCATED = "allocated", "Allocated to a group"
    ON_PROGRAMME = "on_programme", "On programme"
    COMPLETED = "completed", "Completed"
    TERMINATED = "terminated", "Terminated"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The only moves a referral can make (as in the MoJ's accredited programmes service): a referral cannot jump from
# referred to completed; completion, termination and withdrawal are final.
TRANSITIONS = {
    ReferralStatus.REFERRED: {ReferralStatus.ASSESSED, ReferralStatus.WITHDRAWN},
    ReferralStatus.ASSESSED: {ReferralStatus.WAITING, ReferralStatus.WITHDRAWN},
    ReferralStatus.WAITING: {ReferralStatus.ALLOCATED, ReferralStatus.WITHDRAWN},
    ReferralStatus.ALLOCATED: {ReferralStatus.ON_PROGRAMME, ReferralStatus.WAITING, ReferralStatus.WITHDRAWN},
    ReferralStatus.ON_PROGRAMME: {ReferralStatus.COMPLETED, ReferralStatus.TERMINATED},
    ReferralStatus.COMPLETED: set(),
    ReferralStatus.TERMINATED: set(),
    ReferralStatus.WITHDRAWN: set(),
}
# A Through the Gate programme has no waiting list or group: the person is enrolled (referred) and starts on their
# start date; completion comes from the modules attended (services.module_attendance_record). Leaving after the
# start is a termination (resettlement's screens call it a withdrawal), so completion rates mean the same thing.
MODULE_TRANSITIONS = {
    ReferralStatus.REFERRED: {ReferralStatus.ON_PROGRAMME, ReferralStatus.WITHDRAWN},
    ReferralStatus.ON_PROGRAMME: {ReferralStatus.COMPLETED, ReferralStatus.TERMINATED},
    **{status: set() for status in (ReferralStatus.ASSESSED, ReferralStatus.WAITING, ReferralStatus.ALLOCATED,
                                    ReferralStatus.COMPLETED, ReferralStatus.TERMINATED, ReferralStatus.WITHDRAWN)},
}
FINAL_STATUSES = [s.value for s, moves in TRANSITIONS.items() if not moves]
ENDED_STATUSES = [ReferralStatus.COMPLETED.value, ReferralStatus.TERMINATED.value]


class Setting(models.TextChoices):
    PRISON = "prison", "In prison"
    COMMUNITY = "community", "In the community"


class ProgrammeGroup(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="groups")
    borough = models.ForeignKey("partners.Borough", on_delete=models.PROTECT, related_name="programme_groups")
    start_date = models.DateField()
    capacity = models.PositiveSmallIntegerField(default=12, validators=[MinValueValidator(1), MaxValueValidator(30)])
    facilitators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="programme_groups_facilitated")
    partner = models.ForeignKey("partners.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="programme_groups",
                                help_text="The supply-chain partner that delivers the group, if not the CRC itself.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["start_date", "id"]

    def __str__(self):
        return f"{self.programme} group starting {self.start_date:%d %b %Y}"


class Referral(models.Model):
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="programme_referrals")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="referrals")
    requirement = models.ForeignKey("cases.Requirement", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="programme_referrals")
    borough = models.ForeignKey("partners.Borough", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="programme_referrals",
                                help_text="Where the person will attend: the waiting list it joins. Blank only for a "
                                          "Through the Gate enrolment of someone with no borough yet (in custody).")
    status = models.CharField(max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.REFERRED)
    status_changed_at = models.DateTimeField(default=timezone.now)
    eligible = models.BooleanField(help_text="Eligible by risk and need when referred.")
    ineligible_reasons = models.JSONField(default=list, blank=True)
    override_reason = models.CharField(max_length=500, blank=True,
                                       help_text="Why the person was referred although not eligible.")
    group = models.ForeignKey(ProgrammeGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals")
    ended_on = models.DateField(null=True, blank=True, help_text="Completed or terminated on.")
    referred_at = models.DateTimeField(default=timezone.now)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Through the Gate programmes (Programme.through_the_gate): where it runs and the first module's date.
    setting = models.CharField(max_length=16, choices=Setting.choices, default=Setting.COMMUNITY)
    prison_code = models.CharField(max_length=3, blank=True,
                                   help_text="The prison running it (its three-letter code, e.g. PVI) when in prison.")
    starts_on = models.DateField(null=True, blank=True, help_text="Through the Gate: the first module; the others "
                                                                   "follow weekly.")
    change_plan_journal_completed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["status_changed_at", "id"]
        indexes = [
            # The borough's waiting list (selectors.waiting_list).
            models.Index(fields=["borough", "programme", "status_changed_at"], name="referral_waiting_idx",
                         condition=Q(status="waiting")),
            # Completion rates by month (selectors.completion_rates).
            models.Index(fields=["ended_on"], name="referral_ended_idx", condition=Q(ended_on__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "programme"], condition=~Q(status__in=FINAL_STATUSES),
                                    name="one_open_referral_per_person_programme"),
            models.CheckConstraint(condition=Q(eligible=True) | ~Q(override_reason=""),
                                   name="ineligible_referral_needs_override_reason"),
            models.CheckConstraint(condition=Q(borough__isnull=False) | Q(starts_on__isnull=False),
                                   name="referral_names_borough_unless_through_the_gate"),
            models.CheckConstraint(condition=~Q(setting="prison") | ~Q(prison_code=""),
                                   name="prison_referral_names_prison"),
        ]

    def __str__(self):
        return f"{self.programme} referral for {self.person_id}"

    @property
    def allowed_moves(self) -> list[str]:
        return sorted(self.programme.transitions[ReferralStatus(self.status)])

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_STATUSES

    def module_date(self, number: int) -> datetime.date:
        """Through the Gate: the date of module `number` (weekly from the start date)."""
        return self.starts_on + datetime.timedelta(weeks=number - 1)


class ReferralStatusChange(models.Model):
    """Every move of a referral, with who, when and why."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="history")
    from_status = models.CharField(max_length=16, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ReferralStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or 'new'} -> {self.to_status}"


class ModuleAttendance(models.Model):
    """Through the Gate programmes: whether the person attended module `number` (in prison, or in the community
    where the programme is not an appointment of a group). Moved here from resettlement (its migration 0007)."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="module_attendances")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    attended = models.BooleanField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["referral", "number"]
        constraints = [models.UniqueConstraint(fields=["referral", "number"], name="one_attendance_per_referral_module")]

    def __str__(self):
        return f"Module {self.number}: {'attended' if self.attended else 'missed'}"


class GroupSession(models.Model):
    """A numbered session of a group; a catch-up session repeats a number for one person who missed it."""

    group = models.ForeignKey(ProgrammeGroup, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    catch_up_for = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="catch_up_sessions")

    class Meta:
        ordering = ["starts_at", "number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], condition=Q(catch_up_for__isnull=True),
                                    name="one_numbered_session_per_group"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="group_session_ends_after_start"),
        ]

    def __str__(self):
        kind = "Catch-up for session" if self.catch_up_for_id else "Session"
        return f"{kind} {self.number} of {self.group}"


# --- Women's hubs -----------------------------------------------------------------------------------------------------

class WomensHub(models.Model):
    """A women's hub: a place run with a partner (the first with Sutton Council) where group sessions are held."""

    name = models.CharField(max_length=150, unique=True)
    organisation = models.ForeignKey("partners.Organisation", on_delete=models.PROTECT, related_name="womens_hubs",
                                     help_text="The partner that runs the hub with us; it records attendance.")
    borough = models.ForeignKey("partners.Borough", on_delete=models.PROTECT, related_name="womens_hubs")
    address = models.CharField(max_length=300)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class HubSession(models.Model):
    hub = models.ForeignKey(WomensHub, on_delete=models.PROTECT, related_name="sessions")
    title = models.CharField(max_length=150, help_text="e.g. Healthy relationships group")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="hub_session_ends_after_start")]

    def __str__(self):
        return f"{self.title} at {self.hub} on {timezone.localtime(self.starts_at, LONDON):%d %b %Y}"


class HubPlace(models.Model):
    """A woman's place at a hub session: a supervision appointment run by the hub's partner, whose outcome is the
    attendance (recorded through supervision, so an absence is enforced there, once)."""

    session = models.ForeignKey(HubSession, on_delete=models.PROTECT, related_name="places")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="hub_places")
    appointment = models.OneToOneField("supervision.Appointment", on_delete=models.PROTECT, related_name="hub_place")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="one_hub_place_per_session_person")]

    def __str__(self):
        return f"{self.person_id} at {self.session_id}"


class GroupPlace(models.Model):
    """A participant's place at one session of a programme group (numbered or a catch-up): a supervision
    appointment of type programme session run by a facilitator, whose outcome is the attendance (recorded through
    supervision, so an absence is enforced there, once)."""

    session = models.ForeignKey(GroupSession, on_delete=models.PROTECT, related_name="places")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="places")
    appointment = models.OneToOneField("supervision.Appointment", on_delete=models.PROTECT, related_name="group_place")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "referral"], name="one_group_place_per_session")]

    def __str__(self):
        return f"{self.referral_id} at {self.session_id}"
