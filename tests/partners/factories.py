import factory
from factory.django import DjangoModelFactory

from partners.models import Borough, Contact, HospArea, Organisation, PartnerMembership
from tests.probation.factories import PartnerUserFactory


def borough(code: str = "camden") -> Borough:
    """The 33 boroughs are reference data loaded by migration: fetch, never create."""
    return Borough.objects.get(code=code)


def hosp_area(name: str = "North West London") -> HospArea:
    return HospArea.objects.get(name=name)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Partner organisation {n}")
    kind = Organisation.Kind.MASH
    email = factory.LazyAttribute(lambda o: f"contact{o.name.split()[-1]}@partner.example")

    @factory.post_generation
    def borough_codes(self, create, extracted, **kwargs):
        if create:
            self.boroughs.set(Borough.objects.filter(code__in=extracted or ["camden"]))


class SupplyChainPartnerFactory(OrganisationFactory):
    kind = Organisation.Kind.SUPPLY_CHAIN


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"contact{n}@partner.example")
    phone = "020 7946 0000"


class PartnerMembershipFactory(DjangoModelFactory):
    """A partner agency user and their organisation: `PartnerMembershipFactory().user`."""

    class Meta:
        model = PartnerMembership

    user = factory.SubFactory(PartnerUserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
