import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from cases.models import Cohort, Gender, Person, StaffProfile, Team
from partners.models import Borough
from tests.probation.factories import OffenderManagerFactory, TeamManagerFactory


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Camden working-age men team {n}")
    borough = factory.LazyFunction(lambda: Borough.objects.get(code="camden"))
    cohort = Cohort.WORKING_AGE_MEN
    manager = factory.SubFactory(TeamManagerFactory)


class StaffProfileFactory(DjangoModelFactory):
    """An offender manager in a team: `StaffProfileFactory(team=team).user`."""

    class Meta:
        model = StaffProfile

    user = factory.SubFactory(OffenderManagerFactory)
    grade = StaffProfile.Grade.PO
    team = factory.SubFactory(TeamFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """A new officer's caseload count starts (at zero), as StaffProfileAdmin does."""
        from cases.services import officer_caseloads_refresh

        profile = super()._create(model_class, *args, **kwargs)
        officer_caseloads_refresh(officer_ids=[profile.user_id])
        return profile


def _recount_caseload(person) -> None:
    """In the product a case reaches an officer (or changes type) only through a service, which recounts the
    officer's stored caseload (cases.OfficerCaseload); a factory that creates one directly does the same."""
    from cases.services import officer_caseloads_refresh

    if person.offender_manager_id and person.provider == "crc":
        officer_caseloads_refresh(officer_ids=[person.offender_manager_id])


class PersonFactory(DjangoModelFactory):
    """A person; created with an offender manager, their stored caseload count includes the case."""

    class Meta:
        model = Person

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        person = super()._create(model_class, *args, **kwargs)
        _recount_caseload(person)
        return person

    crn = factory.Sequence(lambda n: f"X{100000 + n:06d}")
    first_name = factory.Faker("first_name_male", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = datetime.date(1990, 5, 17)
    gender = Gender.MALE
    home_borough = factory.LazyFunction(lambda: Borough.objects.get(code="camden"))
    cohort = Cohort.WORKING_AGE_MEN
    tier = "B2"


class AllocatedPersonFactory(PersonFactory):
    """A case allocated to an offender manager in a team."""

    team = factory.SubFactory(TeamFactory)
    offender_manager = factory.LazyAttribute(lambda p: StaffProfileFactory(team=p.team).user)


class AliasFactory(DjangoModelFactory):
    class Meta:
        model = "cases.Alias"

    person = factory.SubFactory(PersonFactory)
    first_name = factory.Faker("first_name_male", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")


class SentenceFactory(DjangoModelFactory):
    """A sentence; its kind and dates decide the case's type, so the holder's stored caseload count is recounted."""

    class Meta:
        model = "cases.Sentence"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        sentence = super()._create(model_class, *args, **kwargs)
        _recount_caseload(sentence.person)
        return sentence

    person = factory.SubFactory(PersonFactory)
    kind = "community_order"
    sentence_date = datetime.date(2026, 11, 16)
    offence_date = datetime.date(2026, 6, 1)
    length_months = 12


class RequirementFactory(DjangoModelFactory):
    class Meta:
        model = "cases.Requirement"

    sentence = factory.SubFactory(SentenceFactory)
    kind = "rar"
    rar_days = 20
    start_date = factory.LazyAttribute(lambda r: r.sentence.sentence_date)
    end_date = factory.LazyAttribute(lambda r: r.sentence.sentence_date + datetime.timedelta(days=365))


class UnallocatedPersonFactory(PersonFactory):
    """A new case the NPS has just allocated to us: in a team's queue, no offender manager yet."""

    team = factory.SubFactory(TeamFactory)
    allocation_due_since = factory.LazyFunction(timezone.now)


class CourtReportFactory(DjangoModelFactory):
    """A court report an officer is writing (open unless completed_on is given); its author's stored caseload count
    is recounted, as the admin that records reports does."""

    class Meta:
        model = "cases.CourtReport"

    author = factory.SubFactory(OffenderManagerFactory)
    kind = "standard"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from cases.services import officer_caseloads_refresh

        report = super()._create(model_class, *args, **kwargs)
        officer_caseloads_refresh(officer_ids=[report.author_id])
        return report
