import datetime

import factory
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


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

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
