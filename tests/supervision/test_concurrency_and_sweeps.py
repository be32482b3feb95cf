"""Races and deadline sweeps, with real concurrent database connections (one per thread)."""

import datetime
import threading

import pytest
from django.db import connection
from django.urls import reverse

from probation.models import Notification
from supervision import services
from supervision.models import Appointment, Enforcement, Failure, Letter, Outcome, Step
from probation.deadlines import deadlines_run
from supervision.deadlines import STEPS
from tests.supervision.factories import at, book, case_on_order, colleague_of, failed_appointment, record, warned

MONDAY = datetime.date(2025, 3, 3)


def supervision_sweep(*, now, batch_size=2000):
    """The engine's run of supervision's steps: {step: fired}."""
    return {name.split(".")[1]: result["fired"] for name, result in
            deadlines_run(steps=STEPS, now=now, batch_size=batch_size).items()}


def _together(*calls):
    """Run each call in its own thread (its own database connection), released at the same moment."""
    barrier = threading.Barrier(len(calls))
    errors, results = [], [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_officers_recording_the_same_failure_at_once_make_one_failure_one_letter_one_proposal():
    person = case_on_order()
    colleague = colleague_of(person)
    appointment = book(person, at(MONDAY))
    officers = [person.offender_manager, colleague]
    _together(*[lambda u=u: record(Appointment.objects.get(pk=appointment.pk), Outcome.UNACCEPTABLE_ABSENCE, by=u)
                for u in officers])
    assert Failure.objects.filter(appointment=appointment).count() == 1
    enforcement = Enforcement.objects.get(failure__appointment=appointment)
    _together(*[lambda u=u: services.enforcement_decide(enforcement=Enforcement.objects.get(pk=enforcement.pk),
                                                        decision=Step.WARNING, by=u) for u in officers])
    _together(*[lambda u=u: services.letter_for_failure(failure=enforcement.failure, by=u) for u in officers])
    assert Enforcement.objects.filter(person=person).count() == 1
    assert Letter.objects.filter(person=person).count() == 1
    assert Notification.objects.filter(dedupe_key__startswith=f"supervision:enforcement:{enforcement.pk}:").count() == 1


def _due_work():
    """One of each deadline, all overdue at 1 July 2025: an outcome, evidence, a decision, a countersignature."""
    person = case_on_order()
    book(person, at(datetime.date(2025, 6, 2)))  # no outcome recorded
    record(book(person, at(datetime.date(2025, 6, 3))), Outcome.ACCEPTABLE_ABSENCE, reason="illness")
    warned(person, MONDAY)
    breach = failed_appointment(person, datetime.date(2025, 6, 4)).failure.enforcement
    services.enforcement_decide(enforcement=breach, decision=Step.BREACH, by=person.offender_manager,
                                now=at(datetime.date(2025, 6, 5)))
    failed_appointment(person, datetime.date(2025, 6, 6))  # a second failure: decision never made
    return person


@pytest.mark.django_db
def test_the_sweep_chases_each_deadline_once_and_is_safe_to_run_twice():
    person = _due_work()
    now = at(datetime.date(2025, 7, 1))
    first = supervision_sweep(now=now)
    assert first["outcome_chase"] == 1 and first["evidence_due"] == 1
    assert first["decision_overdue"] == 1 and first["countersign_overdue"] == 1
    assert first["referral_overdue"] == 2  # the decided breach not sent, and the undecided breach proposal
    notes = Notification.objects.filter(dedupe_key__contains=":outcome-chase:").values_list("recipient", flat=True)
    assert set(notes) == {person.offender_manager.pk, person.team.manager.pk}
    [late] = Appointment.objects.filter(evidence_status="awaited")
    assert late.evidence_late
    count = Notification.objects.count()
    second = supervision_sweep(now=now + datetime.timedelta(minutes=5))
    assert sum(v for k, v in second.items()) == 0, (first, second)
    assert Notification.objects.count() == count


@pytest.mark.django_db
def test_every_chase_links_to_its_own_page_with_the_url_reversed_once_a_batch():
    person = _due_work()
    second = case_on_order()  # two of a step in one batch: each notice names its own object, not the first one's
    book(second, at(datetime.date(2025, 6, 2)))
    supervision_sweep(now=at(datetime.date(2025, 7, 1)))
    views = {"outcome-chase": "supervision:outcome", "evidence-late": "supervision:evidence",
             "decision-overdue": "supervision:enforcement", "countersign-overdue": "supervision:enforcement",
             "referral-overdue": "supervision:enforcement"}
    expected = {}
    for note in Notification.objects.filter(dedupe_key__startswith="supervision:"):
        pk, step = note.dedupe_key.split(":")[2:4]
        if step in views:  # the sweep's notices (the services' own, e.g. a proposal, are not the engine's)
            expected[note.dedupe_key] = reverse(views[step], args=[int(pk)])
            assert note.url == expected[note.dedupe_key]
    assert {key.split(":")[3] for key in expected} == set(views)
    chased = {key.split(":")[2] for key in expected if ":outcome-chase:" in key}
    assert len(chased) == 2 and person.pk and second.pk


@pytest.mark.django_db
def test_a_breach_not_started_is_escalated_again_every_working_day_until_it_is_sent():
    person = case_on_order()
    warned(person, MONDAY)
    enforcement = failed_appointment(person, datetime.date(2025, 6, 2)).failure.enforcement
    services.enforcement_decide(enforcement=enforcement, decision=Step.BREACH, by=person.offender_manager,
                                now=at(datetime.date(2025, 6, 3)))
    services.enforcement_countersign(enforcement=enforcement, by=person.team.manager, now=at(datetime.date(2025, 6, 3)))
    # Due at the end of 16 June (10 working days after 2 June); Friday 20 June, then Monday 23 June.
    assert supervision_sweep(now=at(datetime.date(2025, 6, 17), 9))["referral_overdue"] == 1
    assert supervision_sweep(now=at(datetime.date(2025, 6, 17), 12))["referral_overdue"] == 0
    assert supervision_sweep(now=at(datetime.date(2025, 6, 18), 9))["referral_overdue"] == 1
    services.enforcement_refer(enforcement=enforcement, by=person.offender_manager, now=at(datetime.date(2025, 6, 18), 10))
    assert supervision_sweep(now=at(datetime.date(2025, 6, 19), 9))["referral_overdue"] == 0
    assert Notification.objects.filter(dedupe_key__contains=":referral-overdue:").count() == 4  # 2 days x (OM, SPO)


@pytest.mark.django_db
def test_recording_the_outcome_in_time_means_nobody_is_chased():
    person = case_on_order()
    record(book(person, at(MONDAY)), Outcome.ATTENDED)
    assert supervision_sweep(now=at(MONDAY + datetime.timedelta(days=7)))["outcome_chase"] == 0


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_notify_once():
    _due_work()
    now = at(datetime.date(2025, 7, 1))
    results = _together(lambda: supervision_sweep(now=now, batch_size=1), lambda: supervision_sweep(now=now, batch_size=1))
    totals = {k: results[0].get(k, 0) + results[1].get(k, 0) for k in results[0]}
    assert totals["outcome_chase"] == 1 and totals["referral_overdue"] == 2
    keys = list(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys))
    assert Notification.objects.filter(dedupe_key__contains=":referral-overdue:").count() == 4  # 2 x (OM, SPO)


@pytest.mark.django_db
@pytest.mark.parametrize("weeks", [2, 12])
def test_a_sweep_with_nothing_due_costs_the_same_at_any_size(django_assert_num_queries, weeks):
    person = case_on_order()
    for week in range(weeks):
        day = datetime.date(2025, 11, 24) - datetime.timedelta(weeks=week)
        record(book(person, at(day)), Outcome.ATTENDED)  # the last one keeps the contact deadline ahead too
    with django_assert_num_queries(1):  # the engine's one probe for due steps
        supervision_sweep(now=at(datetime.date(2025, 12, 1)))
