"""Overdue contact as a step of the deadline engine: each case's next-contact-due deadline is armed and moved by
what is recorded (contacts, bookings, the tier, the standard), and the sweep tells the officer once per overdue
episode and the SPO after the grace period; safe to run twice and from two workers at once."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.services import tier_override_set
from probation.deadlines import deadlines_run
from probation.models import Deadline, Notification
from supervision import services
from supervision.contact import contact_deadlines_arm_all, contact_deadlines_refresh, due_day
from supervision.deadlines import CONTACT_OVERDUE
from supervision.models import ContactStandard, OverdueContact, Outcome
from tests.supervision.factories import at, book, case_on_order, record
from tests.supervision.test_concurrency_and_sweeps import _together

MONDAY = datetime.date(2025, 3, 3)  # in the early phase of an order made on 6 January (12 weeks)


def contact_sweep(now, batch_size=2000):
    return deadlines_run(steps=[CONTACT_OVERDUE], now=now, batch_size=batch_size)[CONTACT_OVERDUE]


def due_on(person):
    deadline = Deadline.objects.filter(step=CONTACT_OVERDUE, owner_id=person.pk).first()
    return due_day(deadline.armed_for) if deadline and deadline.armed_for else None


def contact_notes(person, stage):
    return Notification.objects.filter(dedupe_key__startswith=f"supervision:contact:{person.pk}:",
                                       dedupe_key__contains=f":{stage}:")


@pytest.mark.django_db
def test_a_kept_contact_sets_the_next_contact_due_by_tier():
    weekly = case_on_order(tier="B2")
    fortnightly = case_on_order(tier="C1")
    for person in (weekly, fortnightly):
        record(book(person, at(MONDAY)), Outcome.ATTENDED)
    assert due_on(weekly) == MONDAY + datetime.timedelta(days=7)
    assert due_on(fortnightly) == MONDAY + datetime.timedelta(days=14)


@pytest.mark.django_db
def test_the_officer_is_told_once_when_contact_is_overdue_and_the_spo_once_after_the_grace_period():
    person = case_on_order(tier="B2")
    record(book(person, at(MONDAY)), Outcome.ATTENDED)  # due by Monday 10 March
    assert contact_sweep(at(datetime.date(2025, 3, 10), 23))["fired"] == 0
    first = contact_sweep(at(datetime.date(2025, 3, 11), 9))
    assert first["overdue"] == 1
    assert contact_sweep(at(datetime.date(2025, 3, 11), 12))["fired"] == 0  # run again: nothing more
    assert list(contact_notes(person, "overdue").values_list("recipient", flat=True)) == [person.offender_manager.pk]
    [episode] = OverdueContact.objects.filter(person=person)
    assert (episode.due_on, episode.last_contact_on, episode.resolved_on) == (
        datetime.date(2025, 3, 10), MONDAY, None)
    # 5 working days after the officer was told (Tuesday 11 March, 09:00): Tuesday 18 March, 09:00.
    assert contact_sweep(at(datetime.date(2025, 3, 18), 8))["fired"] == 0
    assert contact_sweep(at(datetime.date(2025, 3, 18), 10))["escalated"] == 1
    assert list(contact_notes(person, "escalated").values_list("recipient", flat=True)) == [person.team.manager.pk]
    assert contact_sweep(at(datetime.date(2025, 4, 30), 9))["fired"] == 0  # once per episode
    assert Notification.objects.filter(dedupe_key__startswith="supervision:contact:").count() == 2


@pytest.mark.django_db
def test_a_contact_after_the_officer_was_told_moves_the_deadline_closes_the_episode_and_stops_the_escalation():
    person = case_on_order(tier="B2")
    record(book(person, at(MONDAY)), Outcome.ATTENDED)
    contact_sweep(at(datetime.date(2025, 3, 11), 9))
    record(book(person, at(datetime.date(2025, 3, 12)), now=at(datetime.date(2025, 3, 11), 10)), Outcome.ATTENDED)
    assert due_on(person) == datetime.date(2025, 3, 19)
    assert OverdueContact.objects.get(person=person).resolved_on == datetime.date(2025, 3, 12)
    assert contact_sweep(at(datetime.date(2025, 3, 18), 10))["fired"] == 0  # no escalation
    assert not contact_notes(person, "escalated").exists()
    assert contact_sweep(at(datetime.date(2025, 3, 20), 9))["overdue"] == 1  # a new episode, told again
    assert OverdueContact.objects.filter(person=person, resolved_on__isnull=True).get().due_on == datetime.date(
        2025, 3, 19)


@pytest.mark.django_db
def test_a_booking_inside_the_interval_carries_the_deadline_on_until_it_is_missed():
    person = case_on_order(tier="B2")
    record(book(person, at(MONDAY)), Outcome.ATTENDED)
    friday = book(person, at(MONDAY + datetime.timedelta(days=4)), now=at(MONDAY, 12))
    assert due_on(person) == MONDAY + datetime.timedelta(days=11)
    record(friday, Outcome.UNACCEPTABLE_ABSENCE)  # not kept: the due day goes back to a week after Monday
    assert due_on(person) == MONDAY + datetime.timedelta(days=7)
    later = book(person, at(MONDAY + datetime.timedelta(days=9)), now=at(MONDAY, 12))  # after the due day: a gap
    assert due_on(person) == MONDAY + datetime.timedelta(days=7)
    services.appointment_cancel(appointment=later, by=person.offender_manager, reason="Officer sick",
                                now=at(MONDAY, 13))
    assert due_on(person) == MONDAY + datetime.timedelta(days=7)


@pytest.mark.django_db
def test_a_case_never_seen_is_due_within_five_working_days_of_sentence():
    person = case_on_order(tier="C1", sentence_date=datetime.date(2025, 3, 7))  # a Friday
    contact_deadlines_refresh(person_ids=[person.pk], now=at(datetime.date(2025, 3, 7), 15))
    assert due_on(person) == datetime.date(2025, 3, 14)
    assert contact_sweep(at(datetime.date(2025, 3, 15), 9))["overdue"] == 1
    assert OverdueContact.objects.get(person=person).last_contact_on is None


@pytest.mark.django_db
def test_a_tier_change_moves_the_deadline():
    person = case_on_order(tier="C1")
    record(book(person, at(MONDAY)), Outcome.ATTENDED)
    assert due_on(person) == MONDAY + datetime.timedelta(days=14)
    tier_override_set(person=person, tier="B1", reason="Escalating risk", by=person.team.manager,
                      expires_on=timezone.localdate() + datetime.timedelta(days=30))
    assert due_on(person) == MONDAY + datetime.timedelta(days=7)


@pytest.mark.django_db
def test_an_administrator_changing_the_standard_moves_every_deadline():
    person = case_on_order(tier="B2")
    record(book(person, at(MONDAY)), Outcome.ATTENDED)
    ContactStandard.objects.filter(tier="B", phase="early").update(interval_days=14)
    contact_deadlines_arm_all(now=at(MONDAY, 18))
    assert due_on(person) == MONDAY + datetime.timedelta(days=14)
    assert contact_sweep(at(MONDAY + datetime.timedelta(days=9)))["fired"] == 0


@pytest.mark.django_db
def test_an_order_that_has_ended_is_not_chased():
    person = case_on_order(tier="B2", months=3)  # 6 January to 5 April
    record(book(person, at(MONDAY)), Outcome.ATTENDED)
    result = contact_sweep(at(datetime.date(2025, 4, 20)))
    assert result["fired"] == 1 and result.get("overdue", 0) == 0  # claimed and closed, nobody told
    assert not OverdueContact.objects.exists() and not contact_notes(person, "overdue").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("people", [1, 12])
def test_refreshing_contact_deadlines_costs_the_same_for_one_case_or_many(django_assert_num_queries, people):
    cases = [case_on_order(tier="B2") for _ in range(people)]
    for person in cases:
        record(book(person, at(MONDAY)), Outcome.ATTENDED)
    with django_assert_num_queries(6):  # lock the people; people, bookings, standards; set the deadlines; close episodes
        contact_deadlines_refresh(person_ids=[p.pk for p in cases], now=at(MONDAY, 18))


@pytest.mark.django_db
def test_the_contact_step_costs_the_same_whatever_the_number_due():
    def seen_on(day, count):
        for _ in range(count):
            record(book(case_on_order(tier="B2"), at(day)), Outcome.ATTENDED)

    seen_on(MONDAY, 2)  # due by 10 March
    seen_on(MONDAY + datetime.timedelta(days=7), 12)  # due by 17 March
    counts = []
    for now in (at(datetime.date(2025, 3, 11), 9), at(datetime.date(2025, 3, 18), 10)):
        with CaptureQueriesContext(connection) as queries:
            result = contact_sweep(now)
        counts.append(len(queries))
    assert result["overdue"] == 12 and result["escalated"] == 2
    assert counts[0] == counts[1]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_tell_each_officer_once_and_record_one_episode_each():
    cases = [case_on_order(tier="B2") for _ in range(4)]
    for person in cases:
        record(book(person, at(MONDAY)), Outcome.ATTENDED)
    now = at(datetime.date(2025, 3, 11), 9)
    results = _together(lambda: contact_sweep(now, batch_size=1), lambda: contact_sweep(now, batch_size=1))
    assert results[0].get("overdue", 0) + results[1].get("overdue", 0) == 4
    assert Notification.objects.filter(dedupe_key__startswith="supervision:contact:").count() == 4
    assert OverdueContact.objects.filter(resolved_on__isnull=True).count() == 4
    assert sum(contact_sweep(now)["fired"] for _ in range(2)) == 0
