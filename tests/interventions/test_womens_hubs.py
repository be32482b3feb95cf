"""Women's hubs: places at group sessions are appointments run by the hub's partner; attendance is their outcome,
recorded through supervision (an absence is one failure there), by staff or by the hub through the partner API."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Gender
from interventions import services
from interventions.models import WomensHub
from interventions.panels import womens_hubs_section
from partners.models import Borough
from supervision.models import Failure, Outcome
from tests.interventions.factories import at
from tests.partners.factories import OrganisationFactory, PartnerMembershipFactory, api_client_for
from tests.supervision.factories import case_on_order

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 12)


def _hub():
    council = OrganisationFactory(kind="local_authority", name="Sutton Council", borough_codes=["sutton"])
    return WomensHub.objects.create(name="Sutton Women's Centre", organisation=council,
                                    borough=Borough.objects.get(code="sutton"), address="Sutton High Street")


def _place(hub, woman=None):
    woman = woman or case_on_order(gender=Gender.FEMALE, sentence_date=datetime.date(2026, 1, 5))
    session = services.hub_session_create(hub=hub, title="Healthy relationships", starts_at=at(DAY, 10))
    return services.hub_place_book(session=session, person=woman, by=woman.offender_manager,
                                   now=at(DAY - datetime.timedelta(days=3)))


def test_a_woman_gets_a_place_as_an_appointment_run_by_the_hubs_partner():
    hub = _hub()
    place = _place(hub)
    assert place.appointment.type == "womens_hub"
    assert place.appointment.partner_organisation == hub.organisation


def test_a_man_cannot_have_a_place_at_a_womens_hub():
    man = case_on_order(sentence_date=datetime.date(2026, 1, 5))
    with pytest.raises(ValidationError) as error:
        _place(_hub(), man)
    assert "person" in error.value.message_dict


def test_an_unacceptable_absence_at_the_hub_is_one_failure_in_supervision():
    place = _place(_hub())
    for _ in range(2):
        services.hub_attendance_record(place=place, outcome=Outcome.UNACCEPTABLE_ABSENCE, by=place.booked_by,
                                       now=at(DAY, 13))
    assert Failure.objects.filter(appointment=place.appointment).count() == 1


def test_the_hub_records_attendance_through_the_partner_api_and_it_counts_in_the_report():
    hub = _hub()
    place = _place(hub)
    client = api_client_for(PartnerMembershipFactory(organisation=hub.organisation).user)
    response = client.post(reverse("supervision-api:appointment-outcome", args=[place.appointment.pk]),
                           {"outcome": "attended"}, format="json")
    assert response.status_code == 200
    section = womens_hubs_section("sutton", DAY.replace(day=1))
    assert dict(section["summary"]) == {"Women's hub sessions": 1, "Places booked": 1, "Attendances": 1,
                                        "Women attending": 1}


def test_the_hub_page_lists_sessions_with_attendance(client):
    hub = _hub()
    place = _place(hub)
    client.force_login(place.booked_by)
    response = client.get(reverse("interventions:womens_hub", args=[hub.pk]))
    assert response.status_code == 200
