"""Supervision's part in case continuity: a reallocated case's appointments to come pass to the new officer, its past
appointments keep who ran them, and the hand-over page lists appointments and enforcement in progress."""

import datetime

import pytest
from django.utils import timezone

from cases.registry import open_work_for
from cases.services import case_reallocate
from supervision.models import Appointment
from tests.probation.factories import HubUserFactory
from tests.supervision.factories import at, book, case_on_order, colleague_of, failed_appointment

pytestmark = pytest.mark.django_db


def test_a_reallocated_cases_appointments_to_come_pass_to_the_new_officer_and_past_ones_stay():
    person = case_on_order()
    old, new = person.offender_manager, colleague_of(person)
    today = timezone.localdate()
    coming = book(person, at(today + datetime.timedelta(days=7)), now=timezone.now())
    past = failed_appointment(person, today - datetime.timedelta(days=3))

    case_reallocate(person=person, officer=new, by=HubUserFactory(), reason="Caseload balance",
                    handover_note="", expected_officer_id=old.pk)

    coming.refresh_from_db()
    past.refresh_from_db()
    assert coming.officer == new and coming.starts_at == at(today + datetime.timedelta(days=7))
    assert past.officer == old
    assert Appointment.objects.filter(person=person).count() == 2  # nothing moved or rebooked: no "moved" text


def test_the_hand_over_lists_appointments_to_come_and_enforcement_in_progress():
    person = case_on_order()
    today = timezone.localdate()
    book(person, at(today + datetime.timedelta(days=2)), now=timezone.now())
    failed_appointment(person, today - datetime.timedelta(days=1))

    kinds = sorted(item.kind for item in open_work_for([person.pk])[person.pk])
    assert kinds.count("Appointment") == 1 and kinds.count("Enforcement") == 1
