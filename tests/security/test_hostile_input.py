"""Hostile input gets a clear 4xx and stores nothing: huge bodies, wrong types, scripts in names."""

import json

import pytest

from safeguarding.models import SafeguardingRequest
from tests.partners.factories import OrganisationFactory, PartnerMembershipFactory, api_client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/safeguarding/requests/"


def valid_body(**changes):
    body = {
        "subject": {"first_name": "Daniel", "last_name": "Okafor", "date_of_birth": "1988-03-14", "aliases": [],
                    "address": "12 Hillside Road", "pnc": ""},
        "concerned": [],
        "reason": "Section 47 enquiry",
        "rating": "amber",
        "requester": {"name": "Sam", "email": "sam@camden-mash.example", "phone": ""},
    }
    body.update(changes)
    return body


@pytest.fixture
def partner():
    return api_client_for(PartnerMembershipFactory(organisation=OrganisationFactory(kind="mash")).user)


def test_a_body_over_the_upload_limit_is_refused_and_nothing_is_stored(partner, settings):
    huge = valid_body(reason="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024))
    response = partner.post(URL, data=json.dumps(huge), content_type="application/json")
    assert 400 <= response.status_code < 500
    assert not SafeguardingRequest.objects.exists()


@pytest.mark.parametrize("change", [
    {"rating": 3},
    {"rating": "purple"},
    {"subject": "Daniel"},
    {"concerned": {"name": "x"}},
    {"reason": ["a", "b"]},
    {"subject": {"first_name": 1, "last_name": "O", "date_of_birth": "1988-03-14"}},
])
def test_wrong_types_get_field_errors_and_store_nothing(partner, change):
    response = partner.post(URL, data=valid_body(**change), format="json")
    assert response.status_code == 400
    assert set(change) & {e["attr"].split(".")[0].split("[")[0] for e in response.json()["errors"]}
    assert not SafeguardingRequest.objects.exists()


def test_malformed_json_is_a_400(partner):
    response = partner.post(URL, data='{"subject": ', content_type="application/json")
    assert response.status_code == 400
    assert not SafeguardingRequest.objects.exists()


def test_a_script_in_a_name_is_stored_as_text_and_shown_escaped(partner, client, hub_user):
    response = partner.post(URL, data=valid_body(subject={
        "first_name": "<script>alert(1)</script>", "last_name": "Okafor", "date_of_birth": "1988-03-14",
        "aliases": [], "address": "", "pnc": ""}), format="json")
    assert response.status_code == 201
    client.force_login(hub_user)
    page = client.get(f"/safeguarding/{response.json()['reference']}/")
    assert b"<script>alert(1)</script>" not in page.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content
