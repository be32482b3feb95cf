"""Hostile or careless input at the edges (issue 10, section 4): NUL bytes in paths and references, JSON nested
too deep, too many concerned people, and response emails to addresses outside the requester's organisation."""

import json

import pytest
from django.urls import reverse

from probation.api.parsers import MAX_DEPTH, json_depth
from safeguarding.models import ConcernedPerson, SafeguardingRequest
from tests.cases.factories import PersonFactory
from tests.partners.factories import OrganisationFactory, PartnerMembershipFactory, api_client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/safeguarding/requests/"


def body(**changes):
    data = {
        "subject": {"first_name": "Daniel", "last_name": "Okafor", "date_of_birth": "1988-03-14", "aliases": [],
                    "address": "12 Hillside Road", "pnc": ""},
        "concerned": [],
        "reason": "Section 47 enquiry",
        "rating": "amber",
        "requester": {"name": "Sam", "email": "sam@camden.gov.uk", "phone": ""},
    }
    data.update(changes)
    return data


@pytest.fixture
def organisation():
    return OrganisationFactory(kind="mash", response_email_domains="camden.gov.uk\nmet.police.uk")


@pytest.fixture
def partner(organisation):
    return api_client_for(PartnerMembershipFactory(organisation=organisation).user)


def intake_post(organisation, *, concerned=1, requester_email="jones@met.police.uk"):
    """The hub's intake form as a browser posts it."""
    from datetime import timedelta

    from django.utils import timezone

    emailed = timezone.localtime(timezone.now() - timedelta(hours=2))
    data = {
        "organisation": organisation.pk, "received_date": emailed.date().isoformat(),
        "received_time": emailed.strftime("%H:%M"), "subject_first_name": "Lee", "subject_last_name": "Grant",
        "reason": "Domestic abuse referral", "rating": "red", "requester_name": "PC Jones",
        "requester_email": requester_email, "concerned-TOTAL_FORMS": str(concerned), "concerned-INITIAL_FORMS": "0",
    }
    for i in range(concerned):
        data.update({f"concerned-{i}-age_group": "child", f"concerned-{i}-name": f"Child {i}"})
    return data


def _post(client, data):
    return client.post(URL, data=json.dumps(data) if not isinstance(data, str) else data,
                       content_type="application/json")


# --- NUL bytes ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/cases/E000010%00/", "/safeguarding/MASH-2026-000001%00/",
                                  "/cases/E000010%00/allocate/", "/resettlement/plans/1%00/"])
def test_a_nul_byte_in_a_staff_path_is_not_found(client, hub_user, path):
    PersonFactory(crn="E000010")
    client.force_login(hub_user)
    assert client.get(path).status_code == 404


def test_a_nul_byte_in_an_api_reference_is_not_found(partner):
    response = partner.get(URL + "MASH-2026-000001%00/")
    assert response.status_code == 404 and response.json()


@pytest.mark.parametrize("query", ["q=Smith%00", "as_of=2026-01-01%00", "page=1%00"])
def test_a_nul_byte_in_a_query_string_is_a_bad_request(client, hub_user, query):
    client.force_login(hub_user)
    for path in ("/cases/search/", "/safeguarding/compliance/", "/safeguarding/"):
        assert client.get(f"{path}?{query}").status_code == 400


def test_a_nul_byte_in_an_api_filter_is_a_bad_request(partner):
    assert partner.get(URL + "?state=received%00").status_code == 400


def test_a_nul_byte_inside_json_text_is_a_field_error(partner):
    response = _post(partner, body(reason="Section 47\u0000"))
    assert response.status_code == 400 and "reason" in json.dumps(response.json())
    assert not SafeguardingRequest.objects.exists()


# --- Deeply nested JSON -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 100_000])
def test_json_nested_too_deep_is_a_400(partner, depth):
    response = _post(partner, "[" * depth + "]" * depth)
    assert response.status_code == 400
    assert f"more than {MAX_DEPTH} levels" in json.dumps(response.json())
    assert not SafeguardingRequest.objects.exists()


def test_brackets_inside_text_do_not_count_as_nesting(partner):
    assert json_depth(b'{"a": "[[[[{{{{\\"[[[["}') == 1
    response = _post(partner, body(reason="[" * 100 + "{" * 100))
    assert response.status_code == 201


# --- Concerned people --------------------------------------------------------------------------------------------

def _concerned(n):
    return [{"age_group": "child", "name": f"Child {i}", "date_of_birth": None, "relationship": ""} for i in range(n)]


def test_a_request_takes_fifty_concerned_people(partner):
    assert ConcernedPerson.MAX_PER_REQUEST == 50
    response = _post(partner, body(concerned=_concerned(50)))
    assert response.status_code == 201
    assert ConcernedPerson.objects.count() == 50


def test_more_than_fifty_concerned_people_is_a_clear_error(partner):
    response = _post(partner, body(concerned=_concerned(51)))
    assert response.status_code == 400
    assert "at most 50 concerned people" in json.dumps(response.json())
    assert not SafeguardingRequest.objects.exists()


def test_the_hub_form_refuses_more_than_fifty_concerned_people(client, hub_user, organisation):
    client.force_login(hub_user)
    response = client.post(reverse("safeguarding:new"), intake_post(organisation, concerned=51))
    assert response.status_code == 200
    assert "A request names at most 50 concerned people." in response.content.decode()
    assert not SafeguardingRequest.objects.exists()


# --- Response emails only to the organisation's own domains ----------------------------------------------------

def test_a_requester_on_the_organisations_domain_is_accepted(partner):
    assert _post(partner, body(requester={"name": "Sam", "email": "Sam@Met.Police.UK", "phone": ""})).status_code == 201


def test_a_requester_email_elsewhere_is_refused_with_a_clear_error(partner):
    response = _post(partner, body(requester={"name": "Sam", "email": "sam@gmail.com", "phone": ""}))
    assert response.status_code == 400
    assert [(e["attr"], e["detail"]) for e in response.json()["errors"]] == [(
        "requester.email",
        "Responses are emailed only to your organisation's own addresses (camden.gov.uk, met.police.uk). "
        "Give an address on one of those domains.",
    )]
    assert not SafeguardingRequest.objects.exists()


def test_a_look_alike_domain_is_refused(partner):
    for address in ("sam@camden.gov.uk.evil.example", "sam@evilcamden.gov.uk", "camden.gov.uk@evil.example"):
        assert _post(partner, body(requester={"name": "Sam", "email": address, "phone": ""})).status_code == 400


def test_an_organisation_with_no_domains_set_cannot_have_responses_emailed(organisation, partner):
    organisation.response_email_domains = ""
    organisation.save()
    response = _post(partner, body())
    assert response.status_code == 400
    assert "no email domains for responses" in json.dumps(response.json())


def test_the_hub_form_refuses_an_address_outside_the_organisations_domains(client, hub_user, organisation):
    client.force_login(hub_user)
    data = intake_post(organisation, requester_email="sam@gmail.com")
    response = client.post(reverse("safeguarding:new"), data)
    assert response.status_code == 200
    assert "emailed only to your organisation&#x27;s own addresses" in response.content.decode()
    assert not SafeguardingRequest.objects.exists()
    data["requester_email"] = "sam@camden.gov.uk"
    assert client.post(reverse("safeguarding:new"), data).status_code == 302


def test_domains_are_set_in_admin_and_checked(admin_client, organisation):
    url = reverse("admin:partners_organisation_change", args=[organisation.pk])
    page = admin_client.get(url)
    assert b"Email domains for MASH responses" in page.content
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name not in ("boroughs", "services")}
    data.update({"boroughs": [b.pk for b in organisation.boroughs.all()], "response_email_domains": "not a domain!"})
    for prefix in ("contacts",):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    refused = admin_client.post(url, data)
    assert refused.status_code == 200 and b"not is not a domain name" in refused.content
    data["response_email_domains"] = "camden.gov.uk\nsutton.gov.uk"
    saved = admin_client.post(url, data)
    assert saved.status_code == 302
    organisation.refresh_from_db()
    assert organisation.allows_response_email("a@sutton.gov.uk")
    data["response_email_domains"] = "not a domain!"
    admin_client.post(url, data)
    organisation.refresh_from_db()
    assert organisation.response_email_domains == "camden.gov.uk\nsutton.gov.uk"
