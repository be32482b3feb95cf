import pytest

from tests.partners.factories import PartnerMembershipFactory, api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def iom_partner():
    return api_client_for(PartnerMembershipFactory(can_track_iom=True).user)


@pytest.mark.parametrize("query", ["is_iom=banana", "is_iom=null", "is_gto=", "rosh_level="])
def test_a_malformed_filter_is_a_400_naming_it_not_silently_ignored(iom_partner, query):
    response = iom_partner.get(f"/api/v1/cases/iom-nominals/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in {e["attr"] for e in response.json()["errors"]}


@pytest.mark.parametrize("query", ["page=", "page=abc", "page=0"])
def test_a_malformed_page_is_refused(iom_partner, query):
    assert iom_partner.get(f"/api/v1/cases/iom-nominals/?{query}").status_code == 404


@pytest.mark.parametrize("query", ["page_size=0", "page_size=abc", "page_size=1000"])
def test_a_malformed_page_size_is_a_400(iom_partner, query):
    response = iom_partner.get(f"/api/v1/cases/iom-nominals/?{query}")
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"page_size"}


def test_well_formed_filters_still_work(iom_partner):
    from tests.cases.factories import PersonFactory

    iom = PersonFactory.create_batch(6, is_iom=True)  # camden, the partner organisation's borough
    gto_only = PersonFactory(is_gto=True)
    response = iom_partner.get("/api/v1/cases/iom-nominals/?is_iom=true&page_size=5")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 6 and len(body["results"]) == 5  # the filter and the page size both applied
    assert all(row["is_iom"] for row in body["results"])
    assert {row["crn"] for row in body["results"]} < {p.crn for p in iom}
    assert gto_only.crn not in {row["crn"] for row in iom_partner.get("/api/v1/cases/iom-nominals/?is_iom=true").json()["results"]}
    gto = iom_partner.get("/api/v1/cases/iom-nominals/?is_gto=true").json()
    assert [row["crn"] for row in gto["results"]] == [gto_only.crn]
