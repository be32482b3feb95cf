import pytest

from partners.models import Service
from probation.models import AuditEvent
from tests.partners.factories import ContactFactory, OrganisationFactory, borough, hosp_area
from tests.probation.factories import HospUserFactory

pytestmark = pytest.mark.django_db

DIRECTORY = "/partners/"


@pytest.fixture
def camden_landscape():
    area = hosp_area("North West London")
    area.hosp = HospUserFactory(first_name="Helen", last_name="Osei", email="helen.osei@probation-ops.example")
    area.save()
    accommodation = Service.objects.get(code="accommodation")
    employment = Service.objects.get(code="employment")
    mungos = OrganisationFactory(name="St Mungo's", kind="voluntary", borough_codes=["camden", "islington"])
    mungos.services.add(accommodation)
    novus = OrganisationFactory(name="Novus", kind="supply_chain", borough_codes=["camden"])
    novus.services.add(employment)
    elsewhere = OrganisationFactory(name="Croydon Housing", kind="local_authority", borough_codes=["croydon"])
    elsewhere.services.add(accommodation)
    return {"area": area, "mungos": mungos, "novus": novus, "elsewhere": elsewhere}


def test_one_search_shows_the_boroughs_hosp_and_its_accommodation_partners(client, offender_manager, camden_landscape):
    client.force_login(offender_manager)
    response = client.get(DIRECTORY, {"borough": "camden", "service": "accommodation"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Helen Osei" in html and "helen.osei@probation-ops.example" in html
    assert "North West London" in html
    assert [o.name for o in response.context["organisations"]] == ["St Mungo's"]
    assert "Croydon Housing" not in html and "Novus" not in html.split('data-testid="directory-results"')[1]


def test_directory_filters_by_kind_and_free_text(client, hub_user, camden_landscape):
    ContactFactory(organisation=camden_landscape["novus"], name="Jo Bloggs")
    client.force_login(hub_user)
    by_kind = client.get(DIRECTORY, {"kind": "supply_chain"}).context["organisations"]
    assert [o.name for o in by_kind] == ["Novus"]
    by_contact = client.get(DIRECTORY, {"q": "bloggs"}).context["organisations"]
    assert [o.name for o in by_contact] == ["Novus"]
    by_service_name = client.get(DIRECTORY, {"q": "accommodation", "borough": "croydon"}).context["organisations"]
    assert [o.name for o in by_service_name] == ["Croydon Housing"]


def test_an_unknown_borough_or_kind_gives_a_form_error_not_a_crash(client, hub_user):
    client.force_login(hub_user)
    response = client.get(DIRECTORY, {"borough": "atlantis", "kind": "pirates"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Choose a London borough from the list." in html
    assert "Choose a kind of organisation from the list." in html


def test_partner_agency_users_may_not_use_staff_pages_and_are_audited(client, partner_user, camden_landscape):
    client.force_login(partner_user)
    for url in [DIRECTORY, f"/partners/organisations/{camden_landscape['mungos'].pk}/",
                f"/partners/hosp-areas/{camden_landscape['area'].pk}/", "/partners/reports/"]:
        assert client.get(url).status_code == 403
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor=partner_user).count() == 4


def test_the_organisation_page_lists_contacts_boroughs_and_hosp_and_is_audited(client, offender_manager, camden_landscape):
    mungos = camden_landscape["mungos"]
    ContactFactory(organisation=mungos, name="Amara Okafor", job_title="Referrals coordinator", is_primary=True)
    client.force_login(offender_manager)
    response = client.get(f"/partners/organisations/{mungos.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Amara Okafor" in html and "Referrals coordinator" in html and "Islington" in html and "Helen Osei" in html
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_type="partners.organisation",
                                     object_id=str(mungos.pk)).exists()
    assert client.get("/partners/organisations/999999/").status_code == 404


def test_the_hosp_area_page_lists_its_boroughs_and_hosp(client, hosp_user, camden_landscape):
    client.force_login(hosp_user)
    response = client.get(f"/partners/hosp-areas/{camden_landscape['area'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Camden" in html and "Westminster" in html and "Croydon" not in html and "Helen Osei" in html


def test_the_directory_needs_the_same_number_of_queries_for_3_or_30_organisations(client, hub_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(hub_user)

    def queries_for(count):
        for _ in range(count):
            OrganisationFactory(borough_codes=["camden", "hackney"]).services.add(*Service.objects.all()[:3])
        with CaptureQueriesContext(connection) as captured:
            response = client.get(DIRECTORY, {"borough": "camden"})
        return len(captured), len(response.context["organisations"])

    small, shown_small = queries_for(3)
    large, shown_large = queries_for(27)
    assert (shown_small, shown_large) == (3, 30)
    assert large == small
