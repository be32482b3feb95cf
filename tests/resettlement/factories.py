"""Through the Gate test data. Episodes are made through the real service, so each has its BCST deadlines and plan."""

import datetime

from django.utils import timezone

from partners.models import Organisation
from resettlement import services
from resettlement.models import CustodyEpisode, Prison
from tests.cases.factories import AllocatedPersonFactory, PersonFactory
from tests.partners.factories import OrganisationFactory, PartnerMembershipFactory, SupplyChainPartnerFactory
from tests.probation.factories import OffenderManagerFactory


def prison(code: str = "PVI") -> Prison:
    """Prisons are reference data loaded by migration: fetch, never create."""
    return Prison.objects.get(code=code)


def record_episode(
    *, person=None, prison_code="BAI", custody_type=CustodyEpisode.CustodyType.SENTENCED, months=18,
    reception_at=None, release=None, ttg_worker=None, by=None,
) -> CustodyEpisode:
    by = by or ttg_worker or OffenderManagerFactory()
    return services.episode_record(
        person=person or AllocatedPersonFactory(),
        prison=prison(prison_code),
        custody_type=custody_type,
        reception_at=reception_at or timezone.now() - datetime.timedelta(hours=2),
        sentence_length_months=months if custody_type == CustodyEpisode.CustodyType.SENTENCED else None,
        expected_release_date=release,
        ttg_worker=ttg_worker if ttg_worker is not None else by,
        by=by,
    )


def supply_chain_partner(name=None) -> Organisation:
    return SupplyChainPartnerFactory(**({"name": name} if name else {}))


def partner_member(organisation=None):
    """A partner agency user belonging to a supply-chain partner."""
    return PartnerMembershipFactory(organisation=organisation or supply_chain_partner()).user


def partner_action(*, episode=None, organisation=None, by=None, due_on=None, pathway="accommodation"):
    episode = episode or record_episode()
    by = by or episode.recorded_by
    return services.action_create(
        plan=episode.plan, pathway=pathway, description="Find a bed for release day",
        due_on=due_on or timezone.localdate() + datetime.timedelta(days=30),
        owner_organisation=organisation or supply_chain_partner(), consent="given", by=by,
    )


def staff_action(*, episode=None, owner=None, due_on=None, pathway="finance"):
    episode = episode or record_episode()
    return services.action_create(
        plan=episode.plan, pathway=pathway, description="Apply for ID",
        due_on=due_on or timezone.localdate() + datetime.timedelta(days=30),
        owner_user=owner or episode.recorded_by, by=episode.recorded_by,
    )


__all__ = ["PersonFactory", "OrganisationFactory", "AllocatedPersonFactory"]
