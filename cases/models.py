"""People on probation, their responsible offender managers, teams and staff.

This is the core the other apps build on; sentences, requirements, RoSH history, registers, cohort rules and
allocation records live beside it in this app.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from cases.sentence_dates import Term, custodial_dates, order_end

CRN_VALIDATOR = RegexValidator(r"^[A-Z][0-9]{6}$", "Enter a CRN as one capital letter and six digits, like X123456.")
PRISON_NUMBER_VALIDATOR = RegexValidator(
    r"^[A-Z][0-9]{4}[A-Z]{2}$", "Enter a prison number as a letter, four digits and two letters, like A1234BC."
)


PNC_PATTERN = RegexValidator(
    r"^[0-9]{4}/[0-9]{7}[A-Z]$", "Enter a PNC number as year, slash, seven digits and a check letter, like 2015/0123456U."
)
PNC_CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"


def pnc_check_letter(year: str, serial: str) -> str:
    """The PNC check letter: the year's last two digits followed by the 7-digit serial, as one number, mod 23,
    indexed into ZABCDEFGHJKLMNPQRTUVWXY (no I, O, S). E.g. 2015/0123456 -> 150123456 mod 23 = 18 -> "U", so 2015/0123456U."""
    return PNC_CHECK_LETTERS[int(f"{year[-2:]}{serial}") % 23]


def normalise_pnc(value: str) -> str:
    """Accept the common written forms (15/123456A, 2015/0123456a, spaces) and return YYYY/NNNNNNNC.
    Two-digit years are read as 19xx from 50 upwards, 20xx below."""
    value = (value or "").strip().upper().replace(" ", "")
    if "/" not in value:
        return value
    year, rest = value.split("/", 1)
    if len(year) == 2 and year.isdigit():
        year = ("19" if int(year) >= 50 else "20") + year
    if rest[:-1].isdigit() and len(rest) >= 2:
        rest = rest[:-1].zfill(7) + rest[-1]
    return f"{year}/{rest}"


def validate_pnc(value: str) -> None:
    PNC_PATTERN(value)
    year, rest = value.split("/")
    expected = pnc_check_letter(year, rest[:7])
    if rest[7] != expected:
        raise ValidationError(
            "The PNC number's check letter is wrong (expected %(expected)s): check the number.",
            code="pnc_check_letter",
            params={"expected": expected},
        )


class Cohort(models.TextChoices):
    WOMEN = "women", "Women"
    YOUNG_ADULT_MEN = "young_adult_men", "Young adult men (18-25)"
    WORKING_AGE_MEN = "working_age_men", "Working-age men (26-49)"
    MEN_50_PLUS = "men_50_plus", "Men 50 and over"


class RoshLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


class Provider(models.TextChoices):
    CRC = "crc", "CRC"
    NPS = "nps", "National Probation Service"


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other"
    NOT_STATED = "not_stated", "Not stated"


TIER_VALIDATOR = RegexValidator(r"^[A-D][0-3]?$", "Enter a tier as a letter A to D and an optional 0 to 3, like B2.")


class PersonQuerySet(models.QuerySet):
    def crc(self):
        return self.filter(provider=Provider.CRC)

    def unallocated(self):
        return self.filter(provider=Provider.CRC, offender_manager__isnull=True)

    def awaiting_cohort(self):
        """CRC cases no cohort rule fits and no manager has chosen for yet: they cannot join a team's queue."""
        return self.filter(provider=Provider.CRC, cohort="", offender_manager__isnull=True)

    def iom_nominals(self):
        """IOM nominals only: Gripping the Offender does not imply IOM."""
        return self.filter(provider=Provider.CRC, is_iom=True)

    def iom_or_gto_nominals(self):
        """Everyone on an offender-management overlay (IOM or the GtO pilot), for the partners who track both."""
        return self.filter(provider=Provider.CRC).filter(models.Q(is_iom=True) | models.Q(is_gto=True))


class Team(models.Model):
    """An offender management team: one borough, one cohort, one team manager (SPO)."""

    name = models.CharField(max_length=120, unique=True)
    borough = models.ForeignKey("partners.Borough", on_delete=models.PROTECT, related_name="teams")
    cohort = models.CharField(max_length=32, choices=Cohort.choices)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams"
    )
    auto_allocate = models.BooleanField(
        default=False, help_text="New cases for this team are allocated automatically by the nightly job."
    )

    class Meta:
        ordering = ["borough__name", "cohort", "name"]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    class Grade(models.TextChoices):
        PO = "po", "Probation officer"
        PSO = "pso", "Probation services officer"
        SPO = "spo", "Senior probation officer"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    grade = models.CharField(max_length=8, choices=Grade.choices)
    contracted_hours = models.DecimalField(max_digits=4, decimal_places=1, default=37)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    is_available = models.BooleanField(default=True, help_text="Untick while absent (leave, sickness).")

    class Meta:
        ordering = ["user__last_name"]

    def __str__(self):
        return f"{self.user} ({self.get_grade_display()})"


class Person(models.Model):
    """A person on probation, identified by their CRN."""

    crn = models.CharField("CRN", max_length=7, unique=True, validators=[CRN_VALIDATOR])
    pnc_number = models.CharField("PNC number", max_length=13, blank=True, db_index=True, validators=[validate_pnc])
    prison_number = models.CharField(max_length=7, blank=True, validators=[PRISON_NUMBER_VALIDATOR])
    first_name = models.CharField(max_length=80)
    middle_names = models.CharField(max_length=120, blank=True)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField(db_index=True)
    gender = models.CharField(max_length=16, choices=Gender.choices)
    home_borough = models.ForeignKey(
        "partners.Borough", null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    rosh_level = models.CharField("RoSH", max_length=16, choices=RoshLevel.choices, default=RoshLevel.LOW)
    tier = models.CharField(
        max_length=2, blank=True, validators=[TIER_VALIDATOR],
        help_text="The tier in force: the computed tier, or a live override. Set by cases.services.person_recompute_tier.")
    computed_tier = models.CharField(max_length=2, blank=True, editable=False)
    predictor_score = models.PositiveSmallIntegerField(
        "Reoffending predictor score", null=True, blank=True, validators=[MaxValueValidator(100)],
        help_text="The reoffending predictor (OGRS-style), 0 to 100; it feeds the computed tier.")
    provider = models.CharField(max_length=8, choices=Provider.choices, default=Provider.CRC)
    cohort = models.CharField(max_length=32, choices=Cohort.choices, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="people")
    offender_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="caseload",
        help_text="The responsible offender manager.",
    )
    is_iom = models.BooleanField("IOM", default=False)
    is_gto = models.BooleanField("Gripping the Offender", default=False)
    mash_flagged_at = models.DateTimeField(
        null=True, blank=True, help_text="Subject to a live MASH arrangement since; later information is shared too."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)  # the daily cohort job reads what changed
    allocation_due_since = models.DateTimeField(
        null=True, blank=True, help_text="When the NPS allocated the case to us and it joined a team's queue."
    )
    # A manager's choice of cohort (when no rule fits, e.g. gender other or not stated): the daily job keeps it.
    cohort_chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    cohort_chosen_at = models.DateTimeField(null=True, blank=True, editable=False)
    cohort_choice_reason = models.CharField(max_length=300, blank=True, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "people on probation"
        indexes = [
            # The team manager's unallocated queue and the auto-allocation job (allocate_new_cases) read these.
            models.Index(
                fields=["team", "allocation_due_since"],
                name="person_unallocated_idx",
                condition=models.Q(offender_manager__isnull=True, provider="crc"),
            ),
            # The hub's all-teams queue (cases.views.unallocated): its first page is the first 50 entries of this
            # index in order, and its count an index-only scan (team_id is here for the "has a team" filter).
            models.Index(
                fields=["allocation_due_since", "id", "team"],
                name="person_queue_all_teams_idx",
                condition=models.Q(offender_manager__isnull=True, provider="crc"),
            ),
            # The hub's "no cohort rule fits" list on the same page (PersonQuerySet.awaiting_cohort): usually empty,
            # so found without reading the queue's rows.
            models.Index(
                fields=["created_at", "id"],
                name="person_awaiting_cohort_idx",
                condition=models.Q(offender_manager__isnull=True, provider="crc", cohort=""),
            ),
        ]

    def clean_fields(self, exclude=None):
        # Accept the common written forms before the validators look: lower case, short PNC years and serials.
        if self.pnc_number:
            self.pnc_number = normalise_pnc(self.pnc_number)
        if self.crn:
            self.crn = self.crn.strip().upper()
        if self.prison_number:
            self.prison_number = self.prison_number.strip().upper()
        super().clean_fields(exclude=exclude)

    def clean(self):
        super().clean()
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": "The date of birth must be in the past."})

    def __str__(self):
        return f"{self.full_name} ({self.crn})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_supervised_by_nps(self) -> bool:
        return self.provider == Provider.NPS


class Alias(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField(null=True, blank=True, db_index=True)  # person_search by date of birth

    class Meta:
        verbose_name_plural = "aliases"

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class RoshAssessment(models.Model):
    """One RoSH level as assessed: the history of a person's risk of serious harm. The latest is on Person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="rosh_history")
    level = models.CharField("RoSH", max_length=16, choices=RoshLevel.choices)
    assessed_at = models.DateTimeField(default=timezone.now)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        indexes = [models.Index(fields=["person", "-assessed_at"], name="rosh_person_idx")]

    def __str__(self):
        return f"{self.person_id}: {self.get_level_display()} on {self.assessed_at:%d %b %Y}"


class RegisterCode(models.TextChoices):
    """nDelius-style register codes: overlays (IOM, GtO) and the complexity factors that feed tiering."""

    IIOM = "IIOM", "IIOM – IOM nominal"
    IGTO = "IGTO", "IGTO – Gripping the Offender nominal"
    RCCO = "RCCO", "RCCO – child concerns"
    RCPR = "RCPR", "RCPR – child protection"
    RMDO = "RMDO", "RMDO – mental health issues"
    ALSH = "ALSH", "ALSH – self-harm"
    RVLN = "RVLN", "RVLN – vulnerability"
    RDAP = "RDAP", "RDAP – domestic abuse perpetrator"
    RLRH = "RLRH", "RLRH – low reading ability"
    RSTO = "RSTO", "RSTO – street gangs"
    RSTK = "RSTK", "RSTK – stalking"


OVERLAY_FLAGS = {RegisterCode.IIOM: "is_iom", RegisterCode.IGTO: "is_gto"}
# Gripping the Offender (DOMAIN.md): a 12-month IOM pilot from April 2016 for up to 1,000 prolific offenders in these
# boroughs (partners.Borough codes). Being on it never makes someone an IOM nominal.
GTO_PILOT_BOROUGHS = frozenset({"camden", "enfield", "hackney", "haringey", "islington", "newham", "tower-hamlets",
                                "waltham-forest"})
GTO_CAP = 1000


class RegisterQuerySet(models.QuerySet):
    def in_force(self, day: datetime.date):
        """In force on `day`: started on or before it and not yet ended (the end date is the first day it is not)."""
        return self.filter(start_date__lte=day).filter(models.Q(end_date__isnull=True) | models.Q(end_date__gt=day))


class Register(models.Model):
    """A register flag on a person (nDelius "registration"): in force from its start date until its end date (the
    deregistration date, from which it no longer applies), never deleted."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="registers")
    code = models.CharField(max_length=4, choices=RegisterCode.choices)
    start_date = models.DateField(default=datetime.date.today)
    end_date = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = RegisterQuerySet.as_manager()

    class Meta:
        ordering = ["code", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "code"], condition=models.Q(end_date__isnull=True), name="one_active_register_per_code"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="register_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.code} ({self.person_id})"

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.start_date <= today and (self.end_date is None or self.end_date > today)

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The register cannot end before it starts."})


class Sentence(models.Model):
    """A court's sentence. Supervision end dates are computed from its inputs on save, never typed."""

    class Kind(models.TextChoices):
        COMMUNITY_ORDER = "community_order", "Community order"
        SUSPENDED = "suspended", "Suspended sentence order"
        CUSTODY = "custody", "Custody followed by licence"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="sentences")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    sentence_date = models.DateField(help_text="The date of sentence; the order or custodial term starts on it.")
    offence_date = models.DateField()
    # The length as the court gives it, in months, weeks and days together (e.g. 16 weeks, 14 days, 1 month 2 weeks);
    # a year is 12 months. At least one is above zero.
    length_months = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(1200)], help_text="The order's length, or the custodial term: months."
    )
    length_weeks = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(5200)], help_text="Weeks.")
    length_days = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(36500)], help_text="Days.")
    is_extended = models.BooleanField("Extended sentence", default=False)
    extension_months = models.PositiveSmallIntegerField(default=0, help_text="Extended sentences: the extension period.")
    release_date = models.DateField(
        null=True, blank=True,
        help_text="Custody: the actual release date (early on HDC, by the Parole Board, or late), if known. It starts "
                  "the licence but never moves the PSS end.",
    )
    court = models.CharField(max_length=120, blank=True)
    # Computed on save from the fields above (cases.sentence_dates); never typed.
    end_date = models.DateField(editable=False, help_text="Order end, or sentence expiry for custody.")
    conditional_release_date = models.DateField(
        null=True, blank=True, editable=False,
        help_text="Custody: the automatic release date without adjustments (CRD; extended sentences: end of the custodial term, or two thirds before 13 April 2015).",
    )
    parole_eligibility_date = models.DateField(
        null=True, blank=True, editable=False, help_text="Extended sentences: Parole Board release possible from this day."
    )
    licence_end_date = models.DateField(null=True, blank=True, editable=False)
    pss_start_date = models.DateField(null=True, blank=True, editable=False)
    pss_end_date = models.DateField(null=True, blank=True, editable=False)
    supervision_end_date = models.DateField(editable=False, db_index=True)
    supervision_note = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sentence_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("sentence_date")), name="sentence_ends_after_start"),
            models.CheckConstraint(
                condition=models.Q(length_months__gt=0) | models.Q(length_weeks__gt=0) | models.Q(length_days__gt=0),
                name="sentence_has_length",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}, {self.length_display} from {self.sentence_date:%d %b %Y}"

    @property
    def term(self) -> Term:
        """The length as a Term (raises ValueError when no length is given)."""
        return Term(months=self.length_months or 0, weeks=self.length_weeks or 0, days=self.length_days or 0)

    @property
    def length_display(self) -> str:
        try:
            return str(self.term)
        except ValueError:
            return "no length"

    @property
    def is_custodial(self) -> bool:
        return self.kind == self.Kind.CUSTODY

    @property
    def plan_or_none(self):
        try:
            return self.plan
        except models.ObjectDoesNotExist:
            return None

    @property
    def ending_or_none(self):
        try:
            return self.ending
        except models.ObjectDoesNotExist:
            return None

    @property
    def requirements_due_by(self) -> datetime.date:
        """Requirements should commence within a week of sentence."""
        return self.sentence_date + datetime.timedelta(days=7)

    def compute_dates(self, date_of_birth: datetime.date | None = None) -> None:
        """Fill the computed dates (cases.sentence_dates: PSI 5.5 terms, CRD, TUSED, as the MoJ's
        calculate-release-dates-api computes them). Raises ValueError for inputs that give no dates."""
        if self.is_custodial:
            dates = custodial_dates(
                sentence_date=self.sentence_date,
                term=self.term,
                offence_date=self.offence_date,
                date_of_birth=date_of_birth or self.person.date_of_birth,
                release_date=self.release_date,
                is_extended=self.is_extended,
                extension_months=self.extension_months,
            )
            self.end_date = dates.sentence_expiry
            self.conditional_release_date = dates.conditional_release
            self.parole_eligibility_date = dates.parole_eligibility
            self.licence_end_date = dates.licence_end
            self.pss_start_date = dates.pss_start
            self.pss_end_date = dates.pss_end
            self.supervision_end_date = dates.supervision_end or dates.release_date
            self.supervision_note = dates.reason
        else:
            self.end_date = order_end(self.sentence_date, self.term)
            self.conditional_release_date = self.parole_eligibility_date = None
            self.licence_end_date = self.pss_start_date = self.pss_end_date = None
            self.supervision_end_date = self.end_date
            self.supervision_note = ""

    COMPUTED_DATES = ("end_date", "conditional_release_date", "parole_eligibility_date", "licence_end_date",
                      "pss_start_date", "pss_end_date", "supervision_end_date")

    @property
    def expected_release_date(self) -> datetime.date | None:
        """Custody: the actual release date if known, else the automatic (unadjusted) release date."""
        return (self.release_date or self.conditional_release_date) if self.is_custodial else None

    def clean(self):
        super().clean()
        errors = {}
        if self.offence_date and self.sentence_date and self.offence_date > self.sentence_date:
            errors["offence_date"] = "The offence date cannot be after the date of sentence."
        if not self.is_custodial and (self.release_date or self.is_extended):
            errors["kind"] = "Release dates and extended sentences apply to custody only."
        if self.release_date and self.sentence_date and self.release_date < self.sentence_date:
            errors["release_date"] = "The release date cannot be before the date of sentence."
        if not (self.length_months or self.length_weeks or self.length_days):
            errors["length_months"] = "Enter the length in months, weeks or days (at least one above zero)."
        if errors:
            raise ValidationError(errors)
        if self.sentence_date and self.offence_date and self.person_id:
            try:
                self.compute_dates()
            except ValueError as exc:
                raise ValidationError({"release_date": str(exc)}) from exc

    def save(self, *args, **kwargs):
        self.compute_dates()
        super().save(*args, **kwargs)


class Requirement(models.Model):
    class Kind(models.TextChoices):
        UNPAID_WORK = "unpaid_work", "Unpaid work (Community Payback)"
        ACCREDITED_PROGRAMME = "accredited_programme", "Accredited programme"
        RAR = "rar", "Rehabilitation Activity Requirement"
        AAMR = "aamr", "Alcohol Abstinence Monitoring"
        CURFEW = "curfew", "Curfew"

    sentence = models.ForeignKey(Sentence, on_delete=models.CASCADE, related_name="requirements")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    programme = models.CharField(
        max_length=120, blank=True, help_text="Accredited programmes: e.g. Building Better Relationships."
    )
    hours = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Unpaid work hours.")
    rar_days = models.PositiveSmallIntegerField("RAR days", null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(
        blank=True,
        help_text="Blank: worked out from the start with the same term arithmetic as the order (PSI 5.5): the order's "
                  "length, or 12 months for unpaid work.",
    )
    commenced_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True, help_text="When the requirement was completed.")

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="requirement_ends_after_start"),
        ]

    def __str__(self):
        return self.get_kind_display()

    UNPAID_WORK_TERM = Term(months=12)  # unpaid work is to be worked within 12 months

    def default_end_date(self) -> datetime.date | None:
        """The end the order's term gives, counted from the requirement's start (cases.sentence_dates.order_end)."""
        if not self.start_date or not self.sentence_id:
            return None
        term = self.UNPAID_WORK_TERM if self.kind == self.Kind.UNPAID_WORK else self.sentence.term
        return order_end(self.start_date, term)

    def save(self, *args, **kwargs):
        if not self.end_date:
            self.end_date = self.default_end_date()
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if not self.end_date:
            self.end_date = self.default_end_date()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The requirement cannot end before it starts."
        if self.kind == self.Kind.UNPAID_WORK and not self.hours:
            errors["hours"] = "Enter the unpaid work hours."
        if self.kind == self.Kind.RAR and not self.rar_days:
            errors["rar_days"] = "Enter the RAR days."
        if self.kind == self.Kind.ACCREDITED_PROGRAMME and not self.programme:
            errors["programme"] = "Enter the programme, e.g. Building Better Relationships."
        if errors:
            raise ValidationError(errors)

    @property
    def commencement_due_by(self) -> datetime.date:
        return self.sentence.requirements_due_by

    @property
    def commencement_overdue(self) -> bool:
        return self.commenced_on is None and timezone.localdate() > self.commencement_due_by


class CohortRule(models.Model):
    """The Cohort Model as data: the first active rule (lowest priority number) that fits a person decides their
    cohort. Administrators change these in admin; the daily job applies them to everyone."""

    cohort = models.CharField(max_length=32, choices=Cohort.choices)
    priority = models.PositiveSmallIntegerField(default=100)
    gender = models.CharField(
        max_length=16, choices=Gender.choices,
        help_text="Each rule names the gender it applies to. People whose gender is other or not stated fit only a "
                  "rule that names it; with none, a manager chooses their cohort (they are listed as awaiting a "
                  "cohort decision).",
    )
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Inclusive.")
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self):
        return f"{self.priority}: {self.get_cohort_display()}"

    def clean(self):
        if self.min_age is not None and self.max_age is not None and self.max_age < self.min_age:
            raise ValidationError({"max_age": "The maximum age cannot be below the minimum age."})


class CohortRecalculation(models.Model):
    """One run of the daily cohort job: what it looked at and how many cases moved."""

    ran_on = models.DateField(unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    full = models.BooleanField(default=False, help_text="Every case was checked (first run, or the rules changed).")
    changed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-ran_on"]

    def __str__(self):
        return f"{self.ran_on}: {self.changed} changed"


class GradeCapacity(models.Model):
    """Workload capacity in points for a full-time (37 hour) member of staff of a grade."""

    grade = models.CharField(max_length=8, choices=StaffProfile.Grade.choices, unique=True)
    full_time_points = models.PositiveIntegerField()

    class Meta:
        ordering = ["grade"]
        verbose_name_plural = "grade capacities"

    def __str__(self):
        return f"{self.get_grade_display()}: {self.full_time_points} points"


class Allocation(models.Model):
    """Who allocated a case to which offender manager, when and why. Reallocation adds a row, never overwrites:
    the rows are the history of every holder."""

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", "Allocated"
        REALLOCATION = "reallocation", "Reallocated"
        TRANSFER = "transfer", "Transferred from another team"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="allocations")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="allocations")
    offender_manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", help_text="Empty: the case went to the team's queue.")
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty when the auto-allocation job allocated.",
    )
    allocated_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300)
    is_automatic = models.BooleanField(default=False)
    workload_points_before = models.PositiveIntegerField(default=0)
    capacity_points = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ALLOCATION)
    effective_from = models.DateField(null=True, blank=True, help_text="The new holder takes over on this date.")
    is_pending = models.BooleanField(default=False, help_text="A future-dated move that has not happened yet.")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    handover_note = models.TextField(blank=True)
    previous_offender_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    previous_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    queued_at = models.DateTimeField(null=True, blank=True, help_text="First allocations: when the case joined the queue.")
    working_days_waited = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-allocated_at", "-id"]
        indexes = [
            # cases.tasks.apply_due_reallocations: future-dated moves still to apply.
            models.Index(fields=["effective_from"], name="allocation_pending_idx",
                         condition=models.Q(is_pending=True)),
            models.Index(fields=["team", "allocated_at"], name="allocation_team_month_idx"),
        ]

    def __str__(self):
        return f"{self.person_id} to {self.offender_manager_id} on {self.allocated_at:%d %b %Y}"


class NpsHandover(models.Model):
    """A case escalated to the NPS (RoSH high or very high): who, when and why. The case leaves CRC caseloads."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="nps_handovers")
    handed_over_at = models.DateTimeField(default=timezone.now)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500)
    rosh_level = models.CharField(max_length=16, choices=RoshLevel.choices)
    previous_offender_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    previous_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-handed_over_at"]
        verbose_name = "NPS hand-over"

    def __str__(self):
        return f"{self.person_id} to NPS on {self.handed_over_at:%d %b %Y}"


# --- continuity: dated absences and hours, reallocation and transfer, computed tier, plans and endings -------------


class CaseworkSettings(models.Model):
    """One row of settings an administrator changes in admin without a deploy (`CaseworkSettings.current()`)."""

    allocation_target_working_days = models.PositiveSmallIntegerField(
        default=0, help_text="A new case should be allocated within this many working days of arriving (0: the same "
                             "day, as the Crest report asks). Older cases are breaches of the target.")
    absence_flag_days = models.PositiveSmallIntegerField(
        default=10, help_text="A case whose offender manager is away for more than this many days is flagged to the SPO.")
    capacity_window_working_days = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1)],
        help_text="Capacity counts the hours actually available over this many working days from the date "
                  "(20: four weeks).")
    sentence_plan_due_working_days = models.PositiveSmallIntegerField(
        default=15, help_text="A sentence plan is due within this many working days of sentence.")
    plan_review_interval_weeks = models.PositiveSmallIntegerField(
        default=16, validators=[MinValueValidator(1)], help_text="A sentence plan is reviewed at this interval.")
    tier_protect_a_points = models.PositiveSmallIntegerField("Tier A from (protect points)", default=30)
    tier_protect_b_points = models.PositiveSmallIntegerField("Tier B from (protect points)", default=20)
    tier_protect_c_points = models.PositiveSmallIntegerField("Tier C from (protect points)", default=10)
    tier_change_3_points = models.PositiveSmallIntegerField("Change level 3 from (change points)", default=20)
    tier_change_2_points = models.PositiveSmallIntegerField("Change level 2 from (change points)", default=10)
    tier_change_1_points = models.PositiveSmallIntegerField("Change level 1 from (change points)", default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "casework settings"

    def __str__(self):
        return "Casework settings"

    def clean(self):
        if not (self.tier_protect_a_points >= self.tier_protect_b_points >= self.tier_protect_c_points):
            raise ValidationError({"tier_protect_a_points": "Tier thresholds must fall from A to C."})
        if not (self.tier_change_3_points >= self.tier_change_2_points >= self.tier_change_1_points):
            raise ValidationError({"tier_change_3_points": "Change thresholds must fall from 3 to 1."})

    @classmethod
    def current(cls) -> "CaseworkSettings":
        settings_row = cls.objects.order_by("pk").first()
        return settings_row if settings_row is not None else cls.objects.create()


class WorkingPattern(models.Model):
    """Contracted hours from a date (part-time hours are dated rows). Before the first row, StaffProfile's
    contracted_hours apply."""

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_patterns")
    hours_per_week = models.DecimalField(max_digits=4, decimal_places=1, validators=[MinValueValidator(0)])
    effective_from = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["officer", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["officer", "effective_from"], name="one_pattern_per_day")]

    def __str__(self):
        return f"{self.officer}: {self.hours_per_week} hours a week from {self.effective_from:%d %b %Y}"


class Absence(models.Model):
    """Leave, sickness or training from one date to another (both inclusive). Never deleted: cancelled instead."""

    class Kind(models.TextChoices):
        LEAVE = "leave", "Annual leave"
        SICKNESS = "sickness", "Sickness"
        TRAINING = "training", "Training"
        OTHER = "other", "Other"

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    start_date = models.DateField()
    end_date = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date"]
        indexes = [
            # Capacity, allocation and the long-absence sweep read live absences by officer and date range.
            models.Index(fields=["officer", "end_date", "start_date"], name="absence_live_idx",
                         condition=models.Q(cancelled_at__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="absence_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.officer}: {self.get_kind_display()} {self.start_date:%d %b %Y} to {self.end_date:%d %b %Y}"

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The absence cannot end before it starts."})

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class WorkloadPoints(models.Model):
    """Workload points per case by case type and tier letter, and per report (as in hmpps-workload, whose
    community, licence and custody tier points and court report points are separate). Administrators change them."""

    class CaseType(models.TextChoices):
        COMMUNITY = "community", "Community"
        LICENCE = "licence", "Licence"
        CUSTODY = "custody", "Custody"
        STANDARD_REPORT = "standard_report", "Standard court report"
        FAST_REPORT = "fast_report", "Fast court report"

    case_type = models.CharField(max_length=16, choices=CaseType.choices)
    tier = models.CharField(max_length=1, blank=True, validators=[RegexValidator(r"^[A-D]$")],
                            help_text="A to D for cases; blank for reports.")
    points = models.PositiveIntegerField()

    class Meta:
        ordering = ["case_type", "tier"]
        verbose_name_plural = "workload points"
        constraints = [models.UniqueConstraint(fields=["case_type", "tier"], name="one_weight_per_type_and_tier")]

    def __str__(self):
        return f"{self.get_case_type_display()} {self.tier}: {self.points} points".replace("  ", " ")


class CourtReport(models.Model):
    """A pre-sentence report an officer is writing: it counts towards their workload until it is completed."""

    class Kind(models.TextChoices):
        STANDARD = "standard", "Standard"
        FAST = "fast", "Fast"

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="court_reports")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="court_reports")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    requested_on = models.DateField(default=datetime.date.today)
    due_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_on"]
        indexes = [models.Index(fields=["author"], name="court_report_open_idx",
                                condition=models.Q(completed_on__isnull=True))]

    def __str__(self):
        return f"{self.get_kind_display()} report by {self.author}"


class TierRule(models.Model):
    """How an input feeds the computed tier (as in hmpps-tier: protect points from RoSH and registrations give the
    letter, change points from the reoffending predictor and needs give the digit)."""

    class Input(models.TextChoices):
        ROSH = "rosh", "RoSH level"
        REGISTER = "register", "Register"
        PREDICTOR = "predictor", "Reoffending predictor score at least"

    class Axis(models.TextChoices):
        PROTECT = "protect", "Protect (letter A-D)"
        CHANGE = "change", "Change (digit 0-3)"

    input = models.CharField(max_length=16, choices=Input.choices)
    value = models.CharField(max_length=16, help_text="The RoSH level (e.g. medium), the register code (e.g. RDAP) or "
                                                     "the minimum predictor score (e.g. 50).")
    axis = models.CharField(max_length=8, choices=Axis.choices)
    points = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["axis", "input", "value"]
        constraints = [models.UniqueConstraint(fields=["input", "value", "axis"], name="one_tier_rule_per_input")]

    def __str__(self):
        return f"{self.get_input_display()} {self.value}: {self.points} {self.axis} points"

    def clean(self):
        if self.input == self.Input.ROSH and self.value not in RoshLevel.values:
            raise ValidationError({"value": "Enter a RoSH level: " + ", ".join(RoshLevel.values) + "."})
        if self.input == self.Input.REGISTER and self.value not in RegisterCode.values:
            raise ValidationError({"value": "Enter a register code, e.g. RDAP."})
        if self.input == self.Input.PREDICTOR and not (self.value.isdigit() and 0 <= int(self.value) <= 100):
            raise ValidationError({"value": "Enter a predictor score from 0 to 100."})


class TierChange(models.Model):
    """History of a person's tier: each recalculation that changed it, each override and each expiry, with who or
    what changed it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tier_changes")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    trigger = models.CharField(max_length=200, help_text="What changed: e.g. 'RoSH assessed as medium'.")
    computed_tier = models.CharField(max_length=2, blank=True)
    tier = models.CharField(max_length=2, blank=True, help_text="The tier in force afterwards (override or computed).")
    previous_tier = models.CharField(max_length=2, blank=True)
    inputs = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "-at"], name="tier_change_person_idx")]

    def __str__(self):
        return f"{self.person_id}: {self.previous_tier or '-'} to {self.tier} ({self.trigger})"


class TierOverride(models.Model):
    """A manual tier with a reason and an expiry; the computed tier returns on the expiry date."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tier_overrides")
    tier = models.CharField(max_length=2, validators=[TIER_VALIDATOR])
    reason = models.CharField(max_length=300)
    expires_on = models.DateField(help_text="The computed tier applies again from this date.")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Expired or replaced.")

    class Meta:
        ordering = ["-set_at"]
        constraints = [models.UniqueConstraint(fields=["person"], condition=models.Q(ended_at__isnull=True),
                                               name="one_live_tier_override")]
        indexes = [models.Index(fields=["expires_on"], name="tier_override_expiry_idx",
                                condition=models.Q(ended_at__isnull=True))]  # cases.tasks.expire_tier_overrides

    def __str__(self):
        return f"{self.person_id}: {self.tier} until {self.expires_on:%d %b %Y}"


class CaseTransfer(models.Model):
    """A case moving from one team to another: both teams' SPOs approve, then it moves (to a named officer, or to
    the receiving team's queue)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="transfers")
    from_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="transfers_out")
    to_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="transfers_in")
    to_officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    reason = models.CharField(max_length=300)
    handover_note = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    from_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    from_approved_at = models.DateTimeField(null=True, blank=True)
    to_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    to_approved_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    refused_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    refusal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(
            fields=["person"], condition=models.Q(completed_at__isnull=True, refused_at__isnull=True),
            name="one_open_transfer_per_case")]

    def __str__(self):
        return f"{self.person_id}: {self.from_team} to {self.to_team}"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None and self.refused_at is None


class SentencePlan(models.Model):
    """The plan for one sentence: objectives with target dates, due within a set time of sentence, reviewed at
    intervals. Deadline engine steps (cases/deadlines.py) chase a plan not agreed in time and a review that is late."""

    sentence = models.OneToOneField(Sentence, on_delete=models.CASCADE, related_name="plan")
    due_by = models.DateField(help_text="Computed: sentence date plus the configured working days.")
    agreed_on = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Sentence plan for {self.sentence}"


class PlanObjective(models.Model):
    plan = models.ForeignKey(SentencePlan, on_delete=models.CASCADE, related_name="objectives")
    text = models.CharField(max_length=300)
    target_date = models.DateField()
    achieved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["target_date", "id"]

    def __str__(self):
        return self.text


class SentencePlanReview(models.Model):
    plan = models.ForeignKey(SentencePlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-reviewed_on", "-id"]


class OrderEnding(models.Model):
    """How an order ended and what was completed by then. An order closed with no requirement completed is flagged."""

    class Reason(models.TextChoices):
        COMPLETED = "completed", "Completed"
        REVOKED = "revoked", "Revoked"
        BREACHED_RESENTENCED = "breached_resentenced", "Breached and resentenced"
        DIED = "died", "Died"

    sentence = models.OneToOneField(Sentence, on_delete=models.PROTECT, related_name="ending")
    reason = models.CharField(max_length=24, choices=Reason.choices)
    ended_on = models.DateField()
    requirements_total = models.PositiveSmallIntegerField(default=0)
    requirements_completed = models.PositiveSmallIntegerField(default=0)
    rar_days_completed = models.PositiveSmallIntegerField("RAR days completed", default=0)
    hours_completed = models.PositiveSmallIntegerField("Unpaid work hours completed", default=0)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    no_requirement_completed = models.BooleanField(
        default=False, editable=False, db_index=True,
        help_text="Flagged: the order had requirements and none was completed.")

    class Meta:
        ordering = ["-ended_on"]

    def __str__(self):
        return f"{self.sentence}: {self.get_reason_display()} on {self.ended_on:%d %b %Y}"


class CaseEvent(models.Model):
    """Something that happened to a case that staff should be able to see later: who, when, what changed. Append-only
    (nothing is edited or deleted); the data migration that corrected sentence dates records one per change."""

    class Kind(models.TextChoices):
        SENTENCE_DATES_CORRECTED = "sentence_dates_corrected", "Sentence dates corrected"
        OVERLAY_FLAG_CHANGED = "overlay_flag_changed", "Overlay flag changed"
        EXPECTED_RELEASE_CORRECTED = "expected_release_corrected", "Expected release date corrected"
        COHORT_CHOSEN = "cohort_chosen", "Cohort chosen by a manager"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events")
    sentence = models.ForeignKey(Sentence, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty when a job or a migration made the change.",
    )
    summary = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True, help_text="Field: [before, after], dates as ISO strings.")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "-at"], name="case_event_person_idx")]

    def __str__(self):
        return f"{self.person_id}: {self.get_kind_display()} on {self.at:%d %b %Y}"


class OfficerCaseload(models.Model):
    """An officer's CRC caseload counted by case type and tier letter, and their open court reports, as they stood on
    `counted_on`: what the workload page, the allocation page and the queue's suggestions read (one row an officer)
    instead of grouping every officer's caseload on each view. Points are not stored: the counts are multiplied by
    the WorkloadPoints in force when read, so a change of weights in admin needs no update here.

    Kept exact by cases.services.officer_caseloads_refresh, which every service that changes an officer's caseload
    (allocation, reallocation, bulk reallocation, transfer, escalation to the NPS, tier changes, sentences and court
    reports in admin) calls in its own transaction: it locks the officers' rows and recounts them from the cases.
    A custody case becomes a licence case on its release date without any write, so a row counted before today is
    recounted when next read (and by the nightly rebuild). `manage.py workload_check` reports (and --fix repairs)
    any drift."""

    officer = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                   related_name="caseload_count")
    counted_on = models.DateField(help_text="The day the case types were worked out for (custody becomes licence).")
    case_counts = models.JSONField(default=dict, blank=True,
                                   help_text='CRC cases by "case type:tier letter", e.g. {"community:B": 4}.')
    report_counts = models.JSONField(default=dict, blank=True, help_text='Open court reports by kind: {"fast": 1}.')
    counted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "officer caseload count"

    def __str__(self):
        return f"{self.officer_id}: {sum(self.case_counts.values())} cases on {self.counted_on:%d %b %Y}"
