import factory
from factory.django import DjangoModelFactory
from rest_framework.test import APIClient

from partners.models import ApiToken, Borough, Contact, HospArea, Organisation, PartnerMembership
from partners.services import api_token_issue
from tests.probation.factories import PartnerUserFactory


def borough(code: str = "camden") -> Borough:
    """The 33 boroughs are reference data loaded by migration: fetch, never create."""
    return Borough.objects.get(code=code)


def hosp_area(name: str = "North West London") -> HospArea:
    return HospArea.objects.get(name=name)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partner organisation {n}")
    kind = Organisation.Kind.MASH
    email = factory.LazyAttribute(lambda o: f"contact{o.name.split()[-1]}@partner.example")
    # The requesters' addresses the tests use (MASH responses are emailed only to these domains).
    response_email_domains = "partner.example\ncamden-mash.example\nmet.example"

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


class ApiTokenFactory(DjangoModelFactory):
    """A real credential issued through the service: `token = ApiTokenFactory(user=...)`; the clear key (shown once
    in real life) is on `token.key`. The user gets a PartnerMembership first if they have none."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(PartnerUserFactory)
    name = "Test credential"
    expires_at = None

    @classmethod
    def _create(cls, model_class, *, user, name="", expires_at=None, **kwargs):
        if not PartnerMembership.objects.filter(user=user).exists():
            PartnerMembershipFactory(user=user, organisation=kwargs.pop("organisation", None) or OrganisationFactory())
        token, key = api_token_issue(user=user, name=name, expires_at=expires_at)
        token.key = key
        return token


def api_client_for(user, *, organisation=None, token=None) -> APIClient:
    """An APIClient that calls the API as `user` with a real token in the `Authorization: Token <key>` header, just
    like a partner agency's system. A partner user without an organisation is first made a member of `organisation`
    (or of a new MASH organisation). The token is on `client.token` (its key on `client.token.key`)."""
    if token is None:
        if organisation is not None and not PartnerMembership.objects.filter(user=user).exists():
            PartnerMembershipFactory(user=user, organisation=organisation)
        token = ApiTokenFactory(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.token = token
    return client
