"""People on probation, their responsible offender managers, teams and staff.

This is the core the other apps build on; sentences, requirements, RoSH history, registers, cohort rules and
allocation records live beside it in this app.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

CRN_VALIDATOR = RegexValidator(r"^[A-Z][0-9]{6}$", "Enter a CRN as one capital letter and six digits, like X123456.")
PRISON_NUMBER_VALIDATOR = RegexValidator(
    r"^[A-Z][0-9]{4}[A-Z]{2}$", "Enter a prison number as a letter, four digits and two letters, like A1234BC."
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
    pnc_number = models.CharField("PNC number", max_length=13, blank=True, db_index=True)
    prison_number = models.CharField(max_length=7, blank=True, validators=[PRISON_NUMBER_VALIDATOR])
    first_name = models.CharField(max_length=80)
    middle_names = models.CharField(max_length=120, blank=True)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=16, choices=Gender.choices)
    home_borough = models.ForeignKey(
        "partners.Borough", null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    rosh_level = models.CharField("RoSH", max_length=16, choices=RoshLevel.choices, default=RoshLevel.LOW)
    tier = models.CharField(max_length=2, blank=True)
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
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "people on probation"

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
    date_of_birth = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "aliases"

    def __str__(self):
        return f"{self.first_name} {self.last_name}"
