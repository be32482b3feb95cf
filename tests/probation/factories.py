import factory
from factory.django import DjangoModelFactory

from probation.models import Role, User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@probation-ops.example")
    role = Role.OFFENDER_MANAGER

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save()


class HubUserFactory(UserFactory):
    role = Role.HUB


class OffenderManagerFactory(UserFactory):
    role = Role.OFFENDER_MANAGER


class TeamManagerFactory(UserFactory):
    role = Role.TEAM_MANAGER


class HospUserFactory(UserFactory):
    role = Role.HOSP


class PartnerUserFactory(UserFactory):
    role = Role.PARTNER


class AdminUserFactory(UserFactory):
    role = Role.ADMIN
    is_superuser = True
