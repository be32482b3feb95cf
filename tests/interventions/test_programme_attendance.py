"""Accredited programme sessions: participants' places are supervision appointments (type programme session) run by
a facilitator who does not hold the case; a facilitator records a whole session's attendance; an absence is
supervision's to enforce, once; catch-ups are for missed numbered sessions."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Requirement
from interventions import services
from interventions.models import GroupPlace, Programme, ReferralStatus
from partners.models import Borough
from supervision import services as supervision
from supervision.models import AbsenceReason, Appointment, AppointmentType, Enforcement, Failure, Outcome, Place
from tests.cases.factories import AllocatedPersonFactory, RequirementFactory
from tests.partners.factories import PartnerMembershipFactory, SupplyChainPartnerFactory, api_client_for
from tests.safeguarding.test_api import error_attrs
from tests.supervision.factories import case_on_order

pytestmark = pytest.mark.django_db
S = ReferralStatus
START = datetime.date(2026, 4, 6)
BEFORE = datetime.datetime(2026, 4, 1, 9, tzinfo=datetime.UTC)


def _participant():
    person = case_on_order(sentence_date=datetime.date(2026, 1, 5), months=24, rosh_level="medium")
    sentence = person.sentences.get()
    requirement = RequirementFactory(sentence=sentence, kind=Requirement.Kind.ACCREDITED_PROGRAMME, rar_days=None,
                                     programme="Thinking Skills Programme", start_date=sentence.sentence_date,
                                     end_date=sentence.end_date)
    return person, requirement


def _group_with(count=2, partner=None):
    facilitator = AllocatedPersonFactory().offender_manager
    group = services.group_create(programme=Programme.objects.get(code="thinking-skills-programme"),
                                  borough=Borough.objects.get(code="camden"), start_date=START,
                                  facilitators=[facilitator], by=facilitator, partner=partner)
    referrals = []
    for _ in range(count):
        person, requirement = _participant()
        referral = services.referral_create(person=person, programme=group.programme, by=person.offender_manager,
                                            reason="Thinking skills need", requirement=requirement)
        for status in (S.ASSESSED, S.WAITING, S.ALLOCATED):
            referral = services.referral_move(referral=referral, to=status, by=person.offender_manager,
                                              reason="Next step", group=group if status == S.ALLOCATED else None)
        referrals.append(referral)
    return group, facilitator, referrals


def _after(session):
    return session.ends_at + datetime.timedelta(minutes=15)


def test_participants_are_booked_onto_every_numbered_session_run_by_a_facilitator_who_does_not_hold_the_case():
    group, facilitator, referrals = _group_with(2)
    assert services.group_places_book(group=group, by=facilitator, now=BEFORE) == 2 * 19
    appointments = Appointment.objects.filter(group_place__session__group=group)
    assert appointments.count() == 38
    assert set(appointments.values_list("type", "officer")) == {(AppointmentType.PROGRAMME, facilitator.pk)}
    assert all(r.person.offender_manager_id != facilitator.pk for r in referrals)
    assert services.group_places_book(group=group, by=facilitator, now=BEFORE) == 0


def test_supervision_lets_a_facilitator_book_only_a_programme_session_against_a_programme_requirement():
    person, requirement = _participant()
    facilitator = AllocatedPersonFactory().offender_manager
    starts = datetime.datetime(2026, 4, 6, 17, tzinfo=datetime.UTC)

    def booking(**kwargs):
        values = {"person": person, "type": AppointmentType.PROGRAMME, "place": Place.OFFICE, "starts_at": starts,
                  "ends_at": starts + datetime.timedelta(hours=2), "officer": facilitator,
                  "requirement": requirement, "run_by_facilitator": True} | kwargs
        return supervision.Booking(**values)

    with pytest.raises(ValidationError) as error:
        supervision.appointment_book(booking=booking(run_by_facilitator=False), by=facilitator, now=BEFORE)
    assert "caseload" in str(error.value.message_dict["officer"])
    with pytest.raises(ValidationError) as error:
        supervision.appointment_book(booking=booking(type=AppointmentType.SUPERVISION), by=facilitator, now=BEFORE)
    assert "type" in error.value.message_dict
    rar = RequirementFactory(sentence=requirement.sentence, kind=Requirement.Kind.RAR, rar_days=10,
                             start_date=requirement.start_date, end_date=requirement.end_date)
    with pytest.raises(ValidationError) as error:
        supervision.appointment_book(booking=booking(requirement=rar), by=facilitator, now=BEFORE)
    assert "accredited programme" in str(error.value.message_dict["requirement"])
    assert supervision.appointment_book(booking=booking(), by=facilitator, now=BEFORE).officer == facilitator


def test_a_facilitator_records_a_whole_session_and_an_unacceptable_absence_is_one_failure_and_one_proposal():
    group, facilitator, referrals = _group_with(3)
    services.group_places_book(group=group, by=facilitator, now=BEFORE)
    first = group.sessions.get(number=1)
    there, excused, absent = GroupPlace.objects.filter(session=first).order_by("referral_id")
    marks = {there.pk: (Outcome.ATTENDED, ""), excused.pk: (Outcome.ACCEPTABLE_ABSENCE, AbsenceReason.CUSTODY),
             absent.pk: (Outcome.UNACCEPTABLE_ABSENCE, "")}
    services.group_attendance_record(session=first, marks=marks, by=facilitator, now=_after(first))
    services.group_attendance_record(session=first, marks=marks, by=facilitator, now=_after(first))  # again: no-op
    outcomes = dict(Appointment.objects.filter(group_place__session=first).values_list("group_place", "outcome"))
    assert outcomes == {there.pk: "attended", excused.pk: "acceptable_absence", absent.pk: "unacceptable_absence"}
    assert Failure.objects.count() == 1
    assert Failure.objects.get().person_id == absent.referral.person_id
    assert Enforcement.objects.count() == 1


def test_one_bad_mark_stores_no_attendance_for_the_session_and_names_the_place():
    group, facilitator, referrals = _group_with(2)
    services.group_places_book(group=group, by=facilitator, now=BEFORE)
    first = group.sessions.get(number=1)
    good, bad = GroupPlace.objects.filter(session=first).order_by("referral_id")
    with pytest.raises(ValidationError) as error:
        services.group_attendance_record(session=first, by=facilitator, now=_after(first), marks={
            good.pk: (Outcome.ATTENDED, ""), bad.pk: (Outcome.ACCEPTABLE_ABSENCE, "")})
    assert f"place_{bad.pk}" in error.value.message_dict
    assert not Appointment.objects.filter(group_place__session=first).exclude(outcome="").exists()


def test_a_catch_up_is_booked_only_for_a_missed_numbered_session_and_only_once():
    group, facilitator, (referral,) = _group_with(1)
    services.group_places_book(group=group, by=facilitator, now=BEFORE)
    first, second = group.sessions.get(number=1), group.sessions.get(number=2)
    services.group_attendance_record(session=first, by=facilitator, now=_after(second), marks={
        first.places.get().pk: (Outcome.ATTENDED, "")})
    services.group_attendance_record(session=second, by=facilitator, now=_after(second), marks={
        second.places.get().pk: (Outcome.ACCEPTABLE_ABSENCE, AbsenceReason.PROFESSIONAL_JUDGEMENT)})
    catch_up_at = second.starts_at + datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as error:
        services.catch_up_book(referral=referral, number=1, starts_at=catch_up_at, by=facilitator, now=_after(second))
    assert "not missed" in str(error.value.message_dict["number"])
    place = services.catch_up_book(referral=referral, number=2, starts_at=catch_up_at, by=facilitator,
                                   now=_after(second))
    assert place.session.catch_up_for == referral and place.session.number == 2
    assert place.appointment.type == AppointmentType.PROGRAMME and place.appointment.officer == facilitator
    with pytest.raises(ValidationError):
        services.catch_up_book(referral=referral, number=2, starts_at=catch_up_at, by=facilitator, now=_after(second))


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_session_page_records_everyone_at_once_and_refuses_a_colleague_who_does_not_facilitate(client):
    group, facilitator, referrals = _group_with(2)
    services.group_places_book(group=group, by=facilitator, now=BEFORE)
    first = group.sessions.get(number=1)
    url = reverse("interventions:group_session", args=[first.pk])
    client.force_login(referrals[0].person.offender_manager)
    assert client.get(url).status_code == 403
    client.force_login(facilitator)
    places = list(first.places.order_by("referral__person__last_name", "id"))
    data = {"row-TOTAL_FORMS": "2", "row-INITIAL_FORMS": "2", "row-0-place": places[0].pk,
            "row-0-outcome": "acceptable_absence", "row-0-absence_reason": "", "row-1-place": places[1].pk,
            "row-1-outcome": "unacceptable_absence", "row-1-absence_reason": ""}
    response = client.post(url, data)  # the session is in the past: attendance is recorded now
    assert response.status_code == 400 and "reason the absence is acceptable" in response.content.decode()
    assert Failure.objects.count() == 0
    data["row-0-absence_reason"] = AbsenceReason.CUSTODY
    assert client.post(url, data).status_code == 302
    assert set(Appointment.objects.filter(group_place__session=first).values_list("outcome", flat=True)) == {
        "acceptable_absence", "unacceptable_absence"}
    assert Failure.objects.count() == 1 and Enforcement.objects.count() == 1


def test_the_session_page_is_constant_in_queries(client):
    small, facilitator, _ = _group_with(1)
    services.group_places_book(group=small, by=facilitator, now=BEFORE)
    big, other, _ = _group_with(4)
    services.group_places_book(group=big, by=other, now=BEFORE)
    client.force_login(facilitator)
    few = _queries(client, reverse("interventions:group_session", args=[small.sessions.get(number=1).pk]))
    client.force_login(other)
    assert _queries(client, reverse("interventions:group_session", args=[big.sessions.get(number=1).pk])) == few


def test_a_partner_records_attendance_at_its_own_groups_sessions_only_in_the_one_error_format():
    partner = SupplyChainPartnerFactory()
    group, facilitator, (referral,) = _group_with(1, partner=partner)
    services.group_places_book(group=group, by=facilitator, now=BEFORE)
    theirs, _, _ = _group_with(1, partner=SupplyChainPartnerFactory())
    services.group_places_book(group=theirs, by=facilitator, now=BEFORE)
    place = group.sessions.get(number=1).places.get()
    assert place.appointment.partner_organisation == partner and place.appointment.officer is None
    own = api_client_for(PartnerMembershipFactory(organisation=partner).user)
    url = reverse("interventions-api:programme-place-attendance", args=[place.pk])
    other_place = theirs.sessions.get(number=1).places.get()
    assert own.post(reverse("interventions-api:programme-place-attendance", args=[other_place.pk]),
                    {"outcome": "attended"}, format="json").status_code == 404
    bad = own.post(url, {"outcome": "acceptable_absence"}, format="json")
    assert bad.status_code == 400 and error_attrs(bad) == {"absence_reason"}
    assert error_attrs(own.post(url, {"outcome": "maybe"}, format="json")) == {"outcome"}
    ok = own.post(url, {"outcome": "unacceptable_absence"}, format="json")
    assert ok.status_code == 200 and ok.json()["outcome"] == "unacceptable_absence"
    assert own.post(url, {"outcome": "unacceptable_absence"}, format="json").status_code == 200  # again: no change
    assert Failure.objects.count() == 1 and Enforcement.objects.count() == 1
    listing = own.get(reverse("interventions-api:programme-place-list")).json()
    assert listing["count"] == 19 and {p["group"] for p in listing["results"]} == {group.pk}
