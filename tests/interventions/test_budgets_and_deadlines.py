"""Personalised budgets (never overspent, also with two staff spending at once) and interventions' deadline steps."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cases.models import Gender, Requirement
from interventions import services
from interventions.deadlines import COMMENCEMENT, UPW_PACE, UpwPace, requirement_deadlines_arm
from interventions.models import BudgetSpend, PersonalBudget
from probation.deadlines import deadlines_run
from probation.models import Deadline, Notification
from tests.cases.factories import AllocatedPersonFactory
from tests.interventions.factories import ProjectFactory, at, attend, book, session, upw_case


def _budget(amount="100.00"):
    woman = AllocatedPersonFactory(gender=Gender.FEMALE)
    return services.budget_create(person=woman, amount=Decimal(amount), starts_on=datetime.date(2026, 1, 1),
                                  ends_on=datetime.date(2026, 12, 31), by=woman.team.manager)


def _spend(budget, amount, **kwargs):
    manager = budget.person.team.manager
    return services.budget_spend(budget=budget, amount=amount, purpose="counselling", supplier="Counselling Co",
                                 approver=manager, by=budget.person.offender_manager,
                                 spent_on=datetime.date(2026, 3, 1), **kwargs)


@pytest.mark.django_db
def test_a_spend_beyond_what_remains_is_refused_naming_the_amount():
    budget = _budget("100.00")
    _spend(budget, "60.00")
    with pytest.raises(ValidationError) as error:
        _spend(budget, "40.01")
    assert "£40.00" in str(error.value.message_dict["amount"])
    budget.refresh_from_db()
    assert budget.spent == Decimal("60.00") and budget.remaining == Decimal("40.00")


@pytest.mark.django_db
def test_the_database_refuses_an_overspent_budget_even_bypassing_the_service():
    budget = _budget("100.00")
    with pytest.raises(IntegrityError):
        PersonalBudget.objects.filter(pk=budget.pk).update(spent=Decimal("100.01"))


@pytest.mark.django_db
def test_a_budget_is_for_a_woman():
    man = AllocatedPersonFactory(gender=Gender.MALE)
    with pytest.raises(ValidationError) as error:
        services.budget_create(person=man, amount=Decimal("10"), starts_on=datetime.date(2026, 1, 1),
                               ends_on=datetime.date(2026, 2, 1), by=man.team.manager)
    assert "person" in error.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0", "-5", "abc", "NaN", "Infinity"])
def test_a_bad_amount_is_a_field_error(amount):
    with pytest.raises(ValidationError) as error:
        _spend(_budget(), amount)
    assert "amount" in error.value.message_dict


def _together(*calls):
    """Run each call in its own thread (its own database connection), released at the same moment."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_staff_spending_the_last_of_a_budget_at_once_exactly_one_succeeds():
    budget = _budget("100.00")
    _spend(budget, "20.00")
    results = _together(lambda: _spend(budget, "80.00"), lambda: _spend(budget, "80.00"))
    spends = [r for r in results if isinstance(r, BudgetSpend)]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert len(spends) == 1 and len(refusals) == 1, results
    budget.refresh_from_db()
    assert budget.spent == Decimal("100.00")
    assert BudgetSpend.objects.filter(budget=budget).count() == 2


# --- deadline steps ---------------------------------------------------------------------------------------------------

def _run(now):
    return deadlines_run(steps=[UPW_PACE, COMMENCEMENT], now=now)


@pytest.mark.django_db
def test_the_pace_check_tells_the_officer_once_when_a_person_falls_behind_and_is_safe_to_run_twice():
    person = upw_case(hours=100, sentence_date=datetime.date(2026, 1, 5))
    requirement = person.sentences.get().requirements.get(kind=Requirement.Kind.UNPAID_WORK)
    requirement_deadlines_arm(since_days=None, now=at(datetime.date(2026, 1, 5)))
    # Four weeks in: 100 hours over a year is ~7.7 hours by now, within the two-session tolerance.
    first = _run(at(datetime.date(2026, 2, 3), 8))
    assert first[UPW_PACE].get("on_track") == 1
    assert not Notification.objects.filter(recipient=person.offender_manager, dedupe_key__contains="upw-pace").exists()
    # Nothing worked by late May: behind, told once; a second sweep at the same moment tells nobody again.
    Deadline.objects.filter(step=UPW_PACE, owner_id=requirement.pk).update(due_at=at(datetime.date(2026, 5, 26), 7))
    assert _run(at(datetime.date(2026, 5, 26), 8))[UPW_PACE].get("behind") == 1
    assert _run(at(datetime.date(2026, 5, 26), 8)).get(UPW_PACE, {}).get("fired", 0) == 0
    assert Notification.objects.filter(recipient=person.offender_manager, dedupe_key__contains="upw-pace").count() == 1
    # Re-armed four weeks on.
    assert Deadline.objects.get(step=UPW_PACE, owner_id=requirement.pk).due_at == at(datetime.date(2026, 6, 23), 7)


@pytest.mark.django_db
def test_the_pace_check_closes_when_the_hours_are_done():
    person = upw_case(hours=7)
    requirement = person.sentences.get().requirements.get(kind=Requirement.Kind.UNPAID_WORK)
    attend(book(session(day=datetime.date(2026, 1, 20)), person))
    requirement_deadlines_arm(since_days=None, now=at(datetime.date(2026, 1, 5)))
    _run(at(datetime.date(2026, 2, 3), 8))
    assert Deadline.objects.get(step=UPW_PACE, owner_id=requirement.pk).due_at is None
    assert not Notification.objects.filter(dedupe_key__contains="upw-pace").exists()


@pytest.mark.django_db
def test_a_requirement_not_started_within_a_week_is_chased_and_a_started_one_is_not():
    late, started = upw_case(), upw_case()
    assert requirement_deadlines_arm(since_days=None, now=at(datetime.date(2026, 1, 5)))["commencement"] == 2
    attend(book(session(day=datetime.date(2026, 1, 9)), started))
    result = _run(at(datetime.date(2026, 1, 13), 8))
    assert result[COMMENCEMENT]["chased"] == 1 and result[COMMENCEMENT]["skipped"] == 1
    chased = Notification.objects.filter(dedupe_key__contains="commencement")
    assert {n.recipient_id for n in chased} == {late.offender_manager_id, late.team.manager_id}


@pytest.mark.django_db
def test_arming_twice_arms_each_requirement_once():
    upw_case()
    assert requirement_deadlines_arm(since_days=None)["pace"] == 1
    assert requirement_deadlines_arm(since_days=None) == {"pace": 0, "commencement": 0}


@pytest.mark.django_db
def test_requirement_start_figures_by_team_and_month_are_the_same_recomputed_later():
    from interventions.panels import requirement_starts_section
    from interventions.selectors import requirement_starts

    on_time, late, never = upw_case(), upw_case(), upw_case()
    team = on_time.team
    for person in (late, never):
        person.team = team
        person.save()
    attend(book(session(day=datetime.date(2026, 1, 9)), on_time))      # within a week of 5 January
    attend(book(session(day=datetime.date(2026, 1, 20)), late))         # after the week
    first, last = datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)
    [row] = requirement_starts(first=first, last=last, as_of=last)
    assert (row["total"], row["on_time"], row["late"], row["not_started"]) == (3, 1, 1, 1)
    # As of 12 January the late one had not started yet: the past is recomputed as it was.
    [then] = requirement_starts(first=first, last=last, as_of=datetime.date(2026, 1, 12))
    assert (then["on_time"], then["late"], then["not_started"]) == (1, 0, 2)
    assert requirement_starts_section("camden", first)["table"]["rows"][0][1:] == [3, 1, 1, 1, 33.3]


def _behind_with_one_session(project):
    """A person with 100 hours ordered, one seven-hour session worked and one missed: behind by May."""
    person = upw_case(hours=100)
    attend(book(session(project, day=datetime.date(2026, 1, 20)), person))
    attend(book(session(project, day=datetime.date(2026, 1, 27)), person), "unacceptable_absence")
    return person


def _pace_sweep(now):
    requirement_deadlines_arm(since_days=None, now=at(datetime.date(2026, 1, 5)))
    Deadline.objects.filter(step=UPW_PACE).update(due_at=now - datetime.timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        result = deadlines_run(steps=[UPW_PACE], now=now)
    return len(queries), result[UPW_PACE]


@pytest.mark.django_db
def test_the_pace_sweep_runs_the_same_statements_for_one_check_due_as_for_five():
    project = ProjectFactory(capacity=10)
    _behind_with_one_session(project)
    one, result = _pace_sweep(at(datetime.date(2026, 5, 26), 8))
    assert result["behind"] == 1
    for _ in range(4):
        _behind_with_one_session(project)
    five, result = _pace_sweep(at(datetime.date(2026, 6, 30), 8))
    assert result["behind"] == 5
    assert one == five
    # Only the attended session was credited: 7 of 100 hours.
    assert Notification.objects.filter(dedupe_key__contains="upw-pace").first().body.startswith("7.0 of 100 hours")


@pytest.mark.django_db
def test_the_pace_sweeps_credited_sum_is_answered_from_its_partial_index_not_the_bookings_table():
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    person = _behind_with_one_session(ProjectFactory())
    requirement = person.sentences.get().requirements.get(kind=Requirement.Kind.UNPAID_WORK)
    with CaptureQueriesContext(connection) as queries:
        owners = UpwPace().owners([requirement.pk])
    assert owners[requirement.pk]["credited"] == 420
    [query] = queries.captured_queries
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway: ask what serves it
        cursor.execute("EXPLAIN " + query["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "upw_booking_credited_idx" in plan and "Seq Scan on interventions_booking" not in plan
