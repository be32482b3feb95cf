"""Partner API: a supply-chain partner records outcomes for the appointments it runs (another organisation's is a
404); the alcohol monitoring provider sends AAMR readings for the requirements it monitors."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Requirement
from partners.services import api_token_issue
from supervision import services
from supervision.models import Enforcement, Failure, RequirementProvider
from tests.partners.factories import OrganisationFactory, PartnerMembershipFactory
from tests.safeguarding.test_api import error_attrs
from tests.supervision.test_pages import _current_case

pytestmark = pytest.mark.django_db


def _api(organisation):
    user = PartnerMembershipFactory(organisation=organisation).user
    client = APIClient()
    _, key = api_token_issue(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _partner_appointment(person, organisation, *, hours_from_now=-26):
    start = timezone.now() + datetime.timedelta(hours=hours_from_now)
    return services.appointment_book(booking=services.Booking(
        person=person, type="partner", place="hub", starts_at=start, ends_at=start + datetime.timedelta(hours=1),
        partner_organisation=organisation), by=person.offender_manager, allow_clash=True)


@pytest.fixture
def orgs():
    return OrganisationFactory(kind="supply_chain"), OrganisationFactory(kind="supply_chain")


def test_a_partner_lists_only_the_appointments_it_runs_in_constant_queries(orgs):
    mine, theirs = orgs
    api = _api(mine)
    person = _current_case()
    _partner_appointment(person, mine)
    _partner_appointment(person, theirs)
    api.get(reverse("supervision-api:appointment-list"))  # the first call reads the token; later calls use its cache
    with CaptureQueriesContext(connection) as small:
        response = api.get(reverse("supervision-api:appointment-list"))
    assert response.status_code == 200 and response.json()["count"] == 1
    for hours in (-50, -74, 30):
        _partner_appointment(_current_case(), mine, hours_from_now=hours)
    with CaptureQueriesContext(connection) as large:
        response = api.get(reverse("supervision-api:appointment-list"))
    assert response.json()["count"] == 4
    assert len(small) == len(large)


def test_a_partner_records_an_unacceptable_absence_and_the_officer_gets_the_proposal(orgs):
    mine, _ = orgs
    person = _current_case()
    appointment = _partner_appointment(person, mine)
    response = _api(mine).post(reverse("supervision-api:appointment-outcome", args=[appointment.pk]),
                               {"outcome": "unacceptable_absence", "notes": "Did not arrive"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["outcome"] == "unacceptable_absence"
    assert Enforcement.objects.get(failure__appointment=appointment).proposed == "warning"


def test_another_organisations_appointment_is_a_404_and_nothing_is_recorded(orgs):
    mine, theirs = orgs
    appointment = _partner_appointment(_current_case(), mine)
    response = _api(theirs).post(reverse("supervision-api:appointment-outcome", args=[appointment.pk]),
                                 {"outcome": "attended"}, format="json")
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.outcome == ""


@pytest.mark.parametrize("payload, field", [
    ({"outcome": "maybe"}, "outcome"),
    ({"outcome": 7}, "outcome"),
    ({"outcome": "acceptable_absence"}, "absence_reason"),
])
def test_bad_outcomes_get_field_errors(orgs, payload, field):
    mine, _ = orgs
    appointment = _partner_appointment(_current_case(), mine)
    response = _api(mine).post(reverse("supervision-api:appointment-outcome", args=[appointment.pk]), payload,
                               format="json")
    assert response.status_code == 400 and error_attrs(response) == {field}
    appointment.refresh_from_db()
    assert appointment.outcome == ""


def test_an_outcome_for_a_future_appointment_is_refused(orgs):
    mine, _ = orgs
    appointment = _partner_appointment(_current_case(), mine, hours_from_now=30)
    response = _api(mine).post(reverse("supervision-api:appointment-outcome", args=[appointment.pk]),
                               {"outcome": "attended"}, format="json")
    assert response.status_code == 400 and error_attrs(response) == {"outcome"}


def test_the_monitoring_provider_sends_aamr_readings_and_an_alert_becomes_a_candidate(orgs):
    provider, other = orgs
    person = _current_case()
    sentence = person.sentences.get()
    requirement = Requirement.objects.create(sentence=sentence, kind=Requirement.Kind.AAMR,
                                             start_date=sentence.sentence_date,
                                             end_date=sentence.sentence_date + datetime.timedelta(days=120))
    RequirementProvider.objects.create(requirement=requirement, organisation=provider)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    url = reverse("supervision-api:aamr-reading-create")
    body = {"requirement": requirement.pk, "day": yesterday, "result": "tamper"}
    assert _api(provider).post(url, body, format="json").status_code == 201
    assert _api(provider).post(url, body, format="json").status_code == 200  # sent twice, stored once
    assert _api(other).post(url, body, format="json").status_code == 404
    future = {**body, "day": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}
    response = _api(provider).post(url, future, format="json")
    assert response.status_code == 400 and error_attrs(response) == {"day"}
    assert Failure.objects.get(person=person).status == Failure.Status.CANDIDATE
