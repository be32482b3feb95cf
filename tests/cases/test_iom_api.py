import pytest
from rest_framework.test import APIClient

from partners.models import Borough
from probation.models import AuditEvent
from tests.cases.factories import AllocatedPersonFactory, PersonFactory
from tests.partners.factories import OrganisationFactory, PartnerMembershipFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/iom-nominals/"


@pytest.fixture
def tracker():
    organisation = OrganisationFactory(kind="police", borough_codes=["camden", "hackney"])
    return PartnerMembershipFactory(organisation=organisation, can_track_iom=True).user


@pytest.fixture
def nominals():
    hackney = Borough.objects.get(code="hackney")
    return {
        "camden_iom": AllocatedPersonFactory(is_iom=True, last_name="Adams"),
        "hackney_gto": PersonFactory(is_gto=True, home_borough=hackney, last_name="Baker"),
        "camden_plain": PersonFactory(last_name="Clark"),
        "enfield_iom": PersonFactory(is_iom=True, home_borough=Borough.objects.get(code="enfield")),
        "nps_iom": PersonFactory(is_iom=True, provider="nps"),
    }


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_tracker_lists_iom_and_gto_cases_in_its_boroughs_only(tracker, nominals):
    response = _client(tracker).get(URL)
    assert response.status_code == 200
    crns = [row["crn"] for row in response.json()["results"]]
    assert crns == [nominals["camden_iom"].crn, nominals["hackney_gto"].crn]
    row = response.json()["results"][0]
    assert set(row) == {"crn", "pnc_number", "first_name", "last_name", "date_of_birth", "home_borough", "is_iom",
                        "is_gto", "rosh_level", "tier", "team", "offender_manager"}
    assert row["offender_manager"] == nominals["camden_iom"].offender_manager.get_full_name()


def test_each_record_listed_is_audited(tracker, nominals):
    _client(tracker).get(URL)
    audited = set(AuditEvent.objects.filter(action="view", object_type="cases.person", actor=tracker)
                  .values_list("object_id", flat=True))
    assert audited == {str(nominals["camden_iom"].pk), str(nominals["hackney_gto"].pk)}


def test_filters_by_borough_and_flag(tracker, nominals):
    client = _client(tracker)
    assert [r["crn"] for r in client.get(URL, {"borough": "hackney"}).json()["results"]] == [nominals["hackney_gto"].crn]
    assert [r["crn"] for r in client.get(URL, {"is_gto": "true"}).json()["results"]] == [nominals["hackney_gto"].crn]


def test_bad_filter_is_a_400_with_field_errors(tracker, nominals):
    response = _client(tracker).get(URL, {"rosh_level": "extreme"})
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"rosh_level"}


def test_results_are_paginated(tracker):
    PersonFactory.create_batch(55, is_iom=True)
    body = _client(tracker).get(URL).json()
    assert body["count"] == 55 and len(body["results"]) == 50 and body["next"]


def test_partner_without_iom_tracking_is_refused(nominals):
    user = PartnerMembershipFactory(can_track_iom=False).user
    assert _client(user).get(URL).status_code == 403


def test_staff_are_refused(hub_user, nominals):
    assert _client(hub_user).get(URL).status_code == 403


def test_anonymous_is_refused():
    assert APIClient().get(URL).status_code in (401, 403)


def test_endpoint_is_in_the_openapi_schema(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/cases/iom-nominals/" in schema and "is_gto" in schema
