import datetime
import io

import pytest
from django.utils import timezone

from partners.models import Organisation
from probation.models import Role
from probation.registry import demo_seeders, landing_panels, nav_items, report_sections
from resettlement import services
from interventions.models import Referral
from resettlement.models import CustodyEpisode, NeedStatus, Pathway, PlanAction
from tests.cases.factories import AllocatedPersonFactory
from tests.partners.factories import borough
from tests.resettlement.factories import partner_action, record_episode

pytestmark = pytest.mark.django_db


def test_navigation_and_landing_panels_are_registered_for_the_right_roles():
    assert "resettlement:caseload" in {e.key for e in nav_items(Role.OFFENDER_MANAGER)}
    assert "resettlement:caseload" not in {e.key for e in nav_items(Role.PARTNER)}
    assert "resettlement:partner_actions" in {e.key for e in nav_items(Role.PARTNER)}
    assert "resettlement" in {e.key for e in landing_panels(Role.PARTNER)}
    assert "resettlement" in {e.key for e in landing_panels(Role.TEAM_MANAGER)}


def test_the_borough_report_section_counts_accommodation_on_release():
    section = next(e for e in report_sections() if e.key == "resettlement")
    today = timezone.localdate()
    camden = borough("camden")
    for settled in (True, False):
        episode = record_episode(person=AllocatedPersonFactory(home_borough=camden),
                                 reception_at=timezone.now() - datetime.timedelta(days=40))
        status = NeedStatus.DONE if settled else NeedStatus.SUPPORT_REQUIRED
        services.bcst2_complete(episode=episode, needs={Pathway.ACCOMMODATION: status}, by=episode.recorded_by)
        if not settled:
            partner_action(episode=episode)
        services.episode_release(episode=episode, released_on=today, by=episode.recorded_by)
    # Someone from another borough does not count.
    other = record_episode(person=AllocatedPersonFactory(home_borough=borough("hackney")),
                           reception_at=timezone.now() - datetime.timedelta(days=40))
    services.episode_release(episode=other, released_on=today, by=other.recorded_by)
    result = section.callable(camden, today.replace(day=1))
    summary = dict(result["summary"])
    assert summary["Released"] == 2
    assert summary["Accommodation settled on release"] == "1 (50%)"
    assert summary["Released with actions outstanding"] == 1
    assert summary["BCST2 completed on time"] in ("0 of 0", "2 of 2")
    accommodation = next(row for row in result["table"]["rows"] if row[0] == "Accommodation")
    assert accommodation[1:] == [1, 1, 0]
    assert result["chart"]["datasets"][0]["data"] == [1, 1]
    assert "Gordon" not in str(result) and episode.person.crn not in str(result)  # counts only, no personal data
    earlier = (today.replace(day=1) - datetime.timedelta(days=40)).replace(day=1)
    assert section.callable(camden, earlier)["summary"][2] == ("Released", 0)
    from partners.reports import normalise_section

    assert normalise_section(result)["summary"][2] == ["Released", 2]


def test_the_demo_seeder_is_idempotent_and_reuses_partner_organisations():
    existing = Organisation.objects.create(name="St Mungo's", kind=Organisation.Kind.SUPPLY_CHAIN)
    seeder = next(e for e in demo_seeders() if e.key == "resettlement")
    foundation = next(e for e in demo_seeders() if e.key == "foundation")
    foundation.callable(size=40, stdout=io.StringIO())
    seeder.callable(size=40, stdout=io.StringIO())
    counts = (CustodyEpisode.objects.count(), PlanAction.objects.count(), Referral.objects.filter(programme__through_the_gate=True).count(),
              Organisation.objects.count())
    assert counts[0] >= 6 and counts[1] > 0 and counts[2] > 0
    assert PlanAction.objects.filter(owner_organisation=existing).exists()
    seeder.callable(size=40, stdout=io.StringIO())
    assert (CustodyEpisode.objects.count(), PlanAction.objects.count(), Referral.objects.filter(programme__through_the_gate=True).count(),
            Organisation.objects.count()) == counts
    assert Organisation.objects.filter(name__iexact="st mungo's").count() == 1
