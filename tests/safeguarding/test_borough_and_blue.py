"""A request from an organisation covering several boroughs names its borough (API and hub form), defaulting only
where there is one; blue requests (no probation response needed) can be closed by the hub with a reason."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from partners.models import Borough
from safeguarding.models import Rag, RequestEvent, SafeguardingRequest, State
from safeguarding.services import request_close
from tests.partners.factories import OrganisationFactory, PartnerMembershipFactory, api_client_for
from tests.safeguarding.factories import mash_request
from tests.safeguarding.test_api import BODY, URL, error_attrs

pytestmark = pytest.mark.django_db
THREE = ["enfield", "haringey", "barnet"]


def test_a_multi_borough_partner_must_name_the_borough_in_the_api():
    membership = PartnerMembershipFactory(organisation=OrganisationFactory(borough_codes=THREE))
    api = api_client_for(membership.user)
    response = api.post(URL, BODY, format="json")
    assert response.status_code == 400 and error_attrs(response) == {"borough"}
    assert "several boroughs" in response.json()["errors"][0]["detail"]
    assert not SafeguardingRequest.objects.exists()  # never filed under Barnet by default
    outside = api.post(URL, {**BODY, "borough": "camden"}, format="json")
    assert outside.status_code == 400 and error_attrs(outside) == {"borough"}
    named = api.post(URL, {**BODY, "borough": "haringey"}, format="json")
    assert named.status_code == 201
    assert SafeguardingRequest.objects.get().borough.code == "haringey"


def test_a_single_borough_partner_defaults_to_its_borough():
    request = mash_request(organisation=OrganisationFactory(borough_codes=["hackney"]))
    assert request.borough.code == "hackney"


def test_the_hub_form_asks_for_the_borough_of_a_multi_borough_partner(client, hub_user):
    organisation = OrganisationFactory(borough_codes=THREE)
    emailed = timezone.localtime(timezone.now() - timedelta(hours=2)).replace(second=0, microsecond=0)
    data = {
        "organisation": organisation.pk, "received_date": emailed.date().isoformat(),
        "received_time": emailed.strftime("%H:%M"), "subject_first_name": "Lee", "subject_last_name": "Grant",
        "reason": "Domestic abuse referral", "rating": "amber", "requester_name": "PC Jones",
        "requester_email": "jones@met.example", "concerned-TOTAL_FORMS": "0", "concerned-INITIAL_FORMS": "0",
    }
    client.force_login(hub_user)
    response = client.post("/safeguarding/new/", data)
    assert "borough" in response.context["form"].errors
    assert not SafeguardingRequest.objects.exists()
    response = client.post("/safeguarding/new/", {**data, "borough": Borough.objects.get(code="enfield").pk})
    assert response.status_code == 302
    assert SafeguardingRequest.objects.get().borough.code == "enfield"


def test_the_hub_closes_a_blue_request_with_a_reason_and_it_leaves_the_open_queue(client, hub_user):
    blue = mash_request(rating=Rag.BLUE)
    client.force_login(hub_user)
    assert 'data-testid="close-form"' in client.get(reverse("safeguarding:detail", args=[blue.reference])).content.decode()
    client.post(reverse("safeguarding:close", args=[blue.reference]), {"reason": ""})
    blue.refresh_from_db()
    assert blue.closed_at is None
    response = client.post(reverse("safeguarding:close", args=[blue.reference]),
                           {"reason": "Information only: the MASH asked us to note the referral"})
    assert response.status_code == 302
    blue.refresh_from_db()
    assert blue.state == State.CLOSED and blue.closed_by == hub_user
    assert not SafeguardingRequest.objects.open().filter(pk=blue.pk).exists()
    assert SafeguardingRequest.objects.in_state(State.CLOSED).get() == blue
    assert RequestEvent.objects.filter(request=blue, kind=RequestEvent.Kind.CLOSED).exists()
    assert blue.reference not in client.get(reverse("safeguarding:queue")).content.decode()


def test_only_blue_requests_can_be_closed_without_a_response(hub_user):
    amber = mash_request(rating=Rag.AMBER)
    with pytest.raises(ValidationError) as exc:
        request_close(request=amber, by=hub_user, reason="Not needed")
    assert "Only blue requests" in str(exc.value)
    blue = mash_request(rating=Rag.BLUE)
    request_close(request=blue, by=hub_user, reason="Information only")
    with pytest.raises(ValidationError):
        request_close(request=blue, by=hub_user, reason="Again")
