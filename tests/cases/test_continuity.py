"""Case management continuity: capacity from available hours, absences, reallocation (with real concurrency),
team transfer, computed tier with history and overrides, same-day allocation, sentence plans and endings."""

import datetime
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from cases.models import (
    Absence,
    Allocation,
    CaseworkSettings,
    OrderEnding,
    Person,
    StaffProfile,
    TierChange,
    WorkingPattern,
)
from cases.selectors import (
    allocation_suggestions,
    available_capacity,
    officer_workloads,
    queue_ages,
    window_days,
    working_days_between,
)
from cases.services import (
    AllocationError,
    absence_record,
    case_allocate,
    case_reallocate,
    officer_caseload_reallocate,
    order_end,
    person_record_rosh,
    person_set_predictor,
    plan_agree,
    plan_objective_add,
    register_add,
    sentence_plan_start,
    tier_override_set,
    tier_overrides_expire,
    transfer_approve,
    transfer_request,
    working_pattern_set,
)
from probation.calendar import WorkingCalendar
from probation.models import Notification
from tests.cases.factories import (
    AllocatedPersonFactory,
    CourtReportFactory,
    PersonFactory,
    RequirementFactory,
    SentenceFactory,
    StaffProfileFactory,
    TeamFactory,
    UnallocatedPersonFactory,
)
from tests.probation.factories import HubUserFactory, TeamManagerFactory

pytestmark = pytest.mark.django_db

# A Monday with no bank holiday near it, and the fortnight's leave starting on it.
MONDAY = datetime.date(2026, 3, 2)


# --- capacity from the hours actually available -------------------------------------------------------------------

def test_capacity_of_a_half_time_officer_with_two_weeks_leave_is_the_worked_example():
    """Worked example (rules in cases/selectors.py): a probation officer's nominal target is 2,176 points at 37 hours
    a week. The capacity window is 20 working days from the date (2 to 27 March 2026, no bank holiday). Half time,
    18.5 hours a week, is 3.7 hours a working day: 74 hours in the window, so 2,176 x 74/148 = 1,088 points. Two
    weeks' leave (2-13 March) takes 10 of the 20 days: 37 hours are left, so 2,176 x 37/148 = 544 points."""
    team = TeamFactory()
    profile = StaffProfileFactory(team=team, contracted_hours=37)
    working_pattern_set(officer=profile.user, hours_per_week=18.5, effective_from=datetime.date(2026, 1, 1), by=None)
    [half_time] = officer_workloads(StaffProfile.objects.filter(pk=profile.pk), on=MONDAY)
    assert (half_time.capacity, half_time.available_hours) == (1088, 74.0)

    absence_record(officer=profile.user, kind=Absence.Kind.LEAVE, start_date=MONDAY,
                   end_date=MONDAY + datetime.timedelta(days=11), by=team.manager)
    [on_leave] = officer_workloads(StaffProfile.objects.filter(pk=profile.pk), on=MONDAY)
    assert (on_leave.capacity, on_leave.available_hours) == (544, 37.0)
    assert on_leave.is_away


def test_capacity_window_skips_bank_holidays_and_weekends():
    days = window_days(datetime.date(2026, 4, 2), 3, WorkingCalendar())  # Good Friday 3 Apr, Easter Monday 6 Apr
    assert days == [datetime.date(2026, 4, 2), datetime.date(2026, 4, 7), datetime.date(2026, 4, 8)]


def test_working_pattern_from_a_date_applies_only_from_that_date():
    profile = StaffProfileFactory(contracted_hours=37)
    pattern = WorkingPattern(officer=profile.user, hours_per_week=18.5, effective_from=MONDAY + datetime.timedelta(days=7))
    capacity, hours = available_capacity(grade_points=2176, profile=profile, patterns=[pattern], absences=[],
                                         days=window_days(MONDAY, 10, WorkingCalendar()))
    assert hours == 5 * 7.4 + 5 * 3.7 and capacity == int(2176 * 55.5 / 74)


def test_points_count_case_types_and_open_reports_at_the_configured_weights():
    """12 community cases of tier B (100 each), 2 on licence of tier C (45), 1 in custody of tier D (25) and one
    open standard report (132): 1,447 of 2,176 points, 66%. (With the first defaults, 15 cases showed as 25%.)"""
    team = TeamFactory()
    profile = StaffProfileFactory(team=team)
    today = timezone.localdate()
    for _ in range(12):
        person = PersonFactory(team=team, offender_manager=profile.user, tier="B2")
        SentenceFactory(person=person, sentence_date=today - datetime.timedelta(days=30))
    for _ in range(2):
        person = PersonFactory(team=team, offender_manager=profile.user, tier="C1")
        SentenceFactory(person=person, kind="custody", sentence_date=today - datetime.timedelta(days=200), length_months=6)
    person = PersonFactory(team=team, offender_manager=profile.user, tier="D0")
    SentenceFactory(person=person, kind="custody", sentence_date=today - datetime.timedelta(days=10), length_months=24)
    CourtReportFactory(author=profile.user, kind="standard")
    CourtReportFactory(author=profile.user, kind="fast", completed_on=today)  # done: no points
    [w] = officer_workloads(StaffProfile.objects.filter(pk=profile.pk))
    assert w.by_type == {"community": 12, "licence": 2, "custody": 1}
    assert (w.cases, w.reports, w.points) == (15, 1, 12 * 100 + 2 * 45 + 25 + 132)
    assert w.capacity == 2176 and w.percent == 66


def test_a_senior_probation_officer_shows_no_caseload_capacity_not_a_full_bar(client):
    spo = TeamManagerFactory()
    team = TeamFactory(manager=spo)
    StaffProfile.objects.create(user=spo, grade=StaffProfile.Grade.SPO, team=team)
    client.force_login(spo)
    page = client.get("/cases/workload/").content.decode()
    assert "Manages the team: holds no caseload" in page
    assert "0 / 0 points (100%)" not in page


# --- an officer away on the allocation date is not offered -------------------------------------------------------

def test_an_officer_on_leave_from_monday_is_not_offered_for_a_case_allocated_on_monday():
    team = TeamFactory()
    on_leave = StaffProfileFactory(team=team).user
    at_work = StaffProfileFactory(team=team).user
    absence_record(officer=on_leave, kind=Absence.Kind.LEAVE, start_date=MONDAY,
                   end_date=MONDAY + datetime.timedelta(days=4), by=team.manager)
    person = UnallocatedPersonFactory(team=team)
    with time_machine.travel(datetime.datetime(2026, 2, 27, 10, tzinfo=datetime.UTC), tick=False):  # the Friday before
        assert {w.user for w in allocation_suggestions(person)} == {on_leave, at_work}
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC), tick=False):  # Monday
        assert [w.user for w in allocation_suggestions(person)] == [at_work]
        with pytest.raises(AllocationError) as refused:
            case_allocate(person=person, officer=on_leave, by=team.manager)
        assert "away (annual leave)" in refused.value.message_dict["officer"][0]
        assert case_allocate(person=person, officer=at_work, by=team.manager).offender_manager == at_work


# --- reallocation -------------------------------------------------------------------------------------------------

def test_reallocation_moves_the_case_keeps_every_holder_and_its_open_work_follows():
    from tests.safeguarding.factories import mash_request
    from safeguarding.models import MatchOutcome
    from safeguarding.services import request_triage

    team = TeamFactory()
    person = AllocatedPersonFactory(team=team)
    old = person.offender_manager
    new = StaffProfileFactory(team=team).user
    hub = HubUserFactory()
    request = mash_request()
    request_triage(request=request, outcome=MatchOutcome.KNOWN_CRC, person=person, by=hub)
    request.refresh_from_db()
    assert request.assignee == old

    allocation = case_reallocate(person=person, officer=new, by=hub, reason="Officer changing team",
                                 handover_note="Prefers afternoon appointments", expected_officer_id=old.pk)
    person.refresh_from_db()
    request.refresh_from_db()
    assert person.offender_manager == new and request.assignee == new
    assert allocation.previous_offender_manager == old and allocation.kind == Allocation.Kind.REALLOCATION
    assert Notification.objects.filter(recipient=new, subject__contains=person.crn).exists()


def test_a_future_dated_reallocation_waits_for_its_day():
    from cases.services import reallocations_apply_due

    team = TeamFactory()
    person = AllocatedPersonFactory(team=team)
    old, new = person.offender_manager, StaffProfileFactory(team=team).user
    later = timezone.localdate() + datetime.timedelta(days=3)
    allocation = case_reallocate(person=person, officer=new, by=team.manager, reason="Cover", effective_from=later)
    assert allocation.is_pending
    assert reallocations_apply_due(today=later - datetime.timedelta(days=1)) == {"applied": 0, "failed": 0}
    person.refresh_from_db()
    assert person.offender_manager == old
    assert reallocations_apply_due(today=later) == {"applied": 1, "failed": 0}
    assert reallocations_apply_due(today=later) == {"applied": 0, "failed": 0}  # safe to run twice
    person.refresh_from_db()
    assert person.offender_manager == new


@pytest.mark.django_db(transaction=True)
def test_two_hub_workers_reallocating_the_same_case_at_once_one_wins_the_other_is_told():
    """Two real connections, released together by a barrier: both saw the case held by the same officer."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    team = TeamFactory()
    person = AllocatedPersonFactory(team=team)
    holder = person.offender_manager
    targets = [StaffProfileFactory(team=team).user, StaffProfileFactory(team=team).user]
    workers = [HubUserFactory(), HubUserFactory()]
    barrier = threading.Barrier(2)
    results = {}

    def reallocate(i):
        try:
            barrier.wait()
            case_reallocate(person=Person.objects.get(pk=person.pk), officer=targets[i], by=workers[i],
                            reason=f"Worker {i}", expected_officer_id=holder.pk)
            results[i] = "ok"
        except AllocationError as exc:
            results[i] = exc.message_dict["person"][0]
        finally:
            connection.close()

    threads = [threading.Thread(target=reallocate, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    winner = next(i for i, r in results.items() if r == "ok")
    loser_message = results[1 - winner]
    assert "Someone else has just reallocated this case" in loser_message
    assert str(workers[winner]) in loser_message and str(targets[winner]) in loser_message
    person.refresh_from_db()
    assert person.offender_manager == targets[winner]
    assert Allocation.objects.filter(person=person, kind="reallocation").count() == 1


def test_bulk_reallocation_when_an_officer_leaves_spreads_the_caseload_and_queues_what_fits_no_one():
    team = TeamFactory()
    leaving = StaffProfileFactory(team=team).user
    colleague = StaffProfileFactory(team=team, contracted_hours=3)  # room for 1 tier B case: int(2176*3/37)=176
    people = [PersonFactory(team=team, offender_manager=leaving, tier="B1") for _ in range(3)]
    result = officer_caseload_reallocate(officer=leaving, by=team.manager, reason="Leaving the service")
    assert result == {"reallocated": 1, "returned_to_queue": 2, "failed": 0}
    holders = [Person.objects.get(pk=p.pk).offender_manager_id for p in people]
    assert holders.count(colleague.user_id) == 1 and holders.count(None) == 2
    assert Person.objects.filter(offender_manager__isnull=True, allocation_due_since__isnull=False, team=team).count() == 2


def test_team_transfer_needs_both_spos_then_joins_the_receiving_queue():
    sending, receiving = TeamFactory(), TeamFactory()
    person = AllocatedPersonFactory(team=sending)
    hub = HubUserFactory()
    transfer = transfer_request(person=person, to_team=receiving, by=hub, reason="Moved to Islington")
    transfer = transfer_approve(transfer=transfer, by=sending.manager)
    assert transfer.completed_at is None
    with pytest.raises(ValidationError):
        transfer_approve(transfer=transfer, by=sending.manager)  # not twice for one side
    transfer = transfer_approve(transfer=transfer, by=receiving.manager)
    person.refresh_from_db()
    assert transfer.completed_at is not None
    assert (person.team, person.offender_manager) == (receiving, None) and person.allocation_due_since is not None


# --- computed tier ------------------------------------------------------------------------------------------------

def test_a_register_added_recomputes_the_tier_once_with_history():
    person = PersonFactory(rosh_level="medium", tier="")
    officer = StaffProfileFactory().user
    person_record_rosh(person=person, level="medium", by=officer, reason="Assessed")
    person.refresh_from_db()
    assert person.tier == "C0"
    before = TierChange.objects.filter(person=person).count()
    register_add(person=person, code="RDAP", by=officer)  # domestic abuse: +10 protect points -> B
    person.refresh_from_db()
    changes = TierChange.objects.filter(person=person)
    assert changes.count() == before + 1
    change = changes.first()
    assert (change.previous_tier, change.tier, change.by, change.trigger) == ("C0", "B0", officer, "Register added: RDAP")
    assert person.tier == person.computed_tier == "B0"


def test_a_rosh_change_recomputes_the_tier_once_with_history():
    person = PersonFactory(rosh_level="low", tier="")
    officer = StaffProfileFactory().user
    person_set_predictor(person=person, score=60, by=officer)
    person.refresh_from_db()
    assert person.tier == "D2"
    person_record_rosh(person=person, level="medium", by=officer, reason="New information")
    person.refresh_from_db()
    assert person.tier == "C2"
    last = TierChange.objects.filter(person=person).first()
    assert last.trigger == "RoSH assessed as medium" and last.inputs["rosh"] == "medium"
    assert TierChange.objects.filter(person=person, trigger__startswith="RoSH").count() == 1


def test_an_override_expires_on_its_date_and_the_computed_tier_returns():
    person = PersonFactory(rosh_level="medium", tier="")
    spo = TeamManagerFactory()
    person_record_rosh(person=person, level="medium", by=spo, reason="Assessed")
    expires = timezone.localdate() + datetime.timedelta(days=30)
    tier_override_set(person=person, tier="A1", reason="Escalating behaviour", expires_on=expires, by=spo)
    person.refresh_from_db()
    assert (person.tier, person.computed_tier) == ("A1", "C0")
    assert tier_overrides_expire(today=expires - datetime.timedelta(days=1)) == {"expired": 0}
    assert tier_overrides_expire(today=expires) == {"expired": 1}
    assert tier_overrides_expire(today=expires) == {"expired": 0}
    person.refresh_from_db()
    assert person.tier == "C0"
    assert TierChange.objects.filter(person=person).first().trigger == "Override to A1 expired"


def test_an_override_needs_a_reason_and_a_future_expiry():
    person = PersonFactory()
    with pytest.raises(ValidationError) as error:
        tier_override_set(person=person, tier="A1", reason="", expires_on=timezone.localdate(), by=None)
    assert set(error.value.message_dict) == {"reason", "expires_on"}


# --- same-day allocation ------------------------------------------------------------------------------------------

def test_queue_age_is_in_working_days_and_beyond_the_target_is_a_breach():
    calendar = WorkingCalendar()
    friday = datetime.date(2026, 2, 27)
    assert working_days_between(friday, friday, calendar) == 0
    assert working_days_between(friday, MONDAY, calendar) == 1  # the weekend does not count
    person = UnallocatedPersonFactory(
        allocation_due_since=timezone.make_aware(datetime.datetime(2026, 2, 27, 11)))
    ages = queue_ages([person], today=MONDAY)
    assert (ages[person.pk].working_days, ages[person.pk].breached) == (1, True)
    CaseworkSettings.objects.update(allocation_target_working_days=1)
    assert not queue_ages([person], today=MONDAY)[person.pk].breached


def test_the_unallocated_queue_is_longest_waiting_first_and_leaves_people_in_custody_to_through_the_gate(client):
    from tests.resettlement.factories import record_episode

    team = TeamFactory()
    now = timezone.now()
    newer = UnallocatedPersonFactory(team=team, allocation_due_since=now - datetime.timedelta(days=1))
    older = UnallocatedPersonFactory(team=team, allocation_due_since=now - datetime.timedelta(days=9))
    in_custody = UnallocatedPersonFactory(team=team, allocation_due_since=now - datetime.timedelta(days=20))
    record_episode(person=in_custody, ttg_worker=None, by=HubUserFactory())
    client.force_login(HubUserFactory())
    page = client.get("/cases/unallocated/").content.decode()
    assert page.index(older.crn) < page.index(newer.crn)
    assert in_custody.crn not in page
    assert "Beyond target" in page


def test_an_overdue_requirement_date_shows_its_year(client):
    team = TeamFactory()
    person = UnallocatedPersonFactory(team=team)
    SentenceFactory(person=person, sentence_date=datetime.date(2025, 8, 21))
    client.force_login(team.manager)
    assert "Overdue: 28 Aug 2025" in client.get("/cases/unallocated/").content.decode()


def test_figures_by_team_and_month_for_a_past_date():
    from cases.selectors import allocation_figures

    team = TeamFactory()
    officer = StaffProfileFactory(team=team).user
    arrived = timezone.make_aware(datetime.datetime(2026, 1, 5, 10))  # a Monday
    same_day = UnallocatedPersonFactory(team=team, allocation_due_since=arrived)
    late = UnallocatedPersonFactory(team=team, allocation_due_since=arrived)
    UnallocatedPersonFactory(team=team, allocation_due_since=arrived)  # still waiting
    with time_machine.travel(arrived + datetime.timedelta(hours=2), tick=False):
        case_allocate(person=same_day, officer=officer, by=team.manager)
    with time_machine.travel(arrived + datetime.timedelta(days=3), tick=False):
        case_allocate(person=late, officer=officer, by=team.manager)
    figures = allocation_figures(as_at=datetime.date(2026, 1, 31), months=2)
    [row] = [r for r in figures["rows"] if r["team"] == team]
    january = row["months"][1]
    assert (january["allocated"], january["within"], january["breached"], january["waiting"]) == (2, 1, 1, 1)
    before = allocation_figures(as_at=datetime.date(2026, 1, 6), months=1)  # as it stood on the 6th
    [row] = [r for r in before["rows"] if r["team"] == team]
    assert (row["months"][0]["allocated"], row["months"][0]["waiting"]) == (1, 2)


def _run(step, at):
    from probation.deadlines import deadlines_run

    return deadlines_run(steps=[step], now=at)[step]


def test_the_deadline_engine_alerts_the_spo_once_about_a_case_beyond_target():
    from cases.services import person_receive_from_nps

    team = TeamFactory()
    friday = timezone.make_aware(datetime.datetime(2026, 2, 27, 11))
    waiting = person_receive_from_nps(person=PersonFactory(team=team, allocation_due_since=friday))
    allocated = person_receive_from_nps(person=PersonFactory(team=team, allocation_due_since=friday))
    case_allocate(person=allocated, officer=StaffProfileFactory(team=team).user, by=team.manager)
    # Target 0 working days: beyond it from the next working day, Monday, at 08:00 in London.
    assert _run("cases.allocation_target", timezone.make_aware(datetime.datetime(2026, 3, 2, 7, 59)))["fired"] == 0
    monday = timezone.make_aware(datetime.datetime(2026, 3, 2, 8, 0))
    assert _run("cases.allocation_target", monday)["beyond_target"] == 1
    assert _run("cases.allocation_target", monday + datetime.timedelta(days=1))["fired"] == 0  # once
    note = Notification.objects.get(recipient=team.manager, subject__contains="beyond the target")
    assert waiting.crn in note.subject


def test_a_long_absence_is_flagged_to_the_spo_once_with_the_cases():
    team = TeamFactory()
    person = AllocatedPersonFactory(team=team)
    absence_record(officer=person.offender_manager, kind="sickness", start_date=MONDAY,
                   end_date=MONDAY + datetime.timedelta(days=20), by=team.manager)
    short = absence_record(officer=StaffProfileFactory(team=team).user, kind="leave", start_date=MONDAY,
                           end_date=MONDAY + datetime.timedelta(days=2), by=team.manager)  # not long: no deadline
    at = timezone.make_aware(datetime.datetime(2026, 3, 2, 9))
    assert _run("cases.absence_long", at)["flagged"] == 1
    assert _run("cases.absence_long", at + datetime.timedelta(days=1))["fired"] == 0
    note = Notification.objects.get(recipient=team.manager)
    assert person.crn in note.body and "0 open item(s)" in note.body
    assert short.pk != note.pk


def test_a_sentence_plan_is_due_fifteen_working_days_after_sentence_and_chased_once_when_late():
    person = AllocatedPersonFactory()
    sentence = SentenceFactory(person=person, sentence_date=datetime.date(2026, 3, 2))
    plan = sentence_plan_start(sentence=sentence)
    assert plan.due_by == datetime.date(2026, 3, 23)  # 15 working days after Monday 2 March
    morning = lambda day: timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))  # noqa: E731
    assert _run("cases.plan_late", morning(datetime.date(2026, 3, 23)))["fired"] == 0
    assert _run("cases.plan_late", morning(datetime.date(2026, 3, 24)))["plans_late"] == 1
    assert _run("cases.plan_late", morning(datetime.date(2026, 3, 25)))["fired"] == 0
    assert Notification.objects.filter(subject__contains="sentence plan for").count() == 2  # officer and SPO
    with pytest.raises(ValidationError):
        plan_agree(plan=plan, on=datetime.date(2026, 3, 20), by=person.offender_manager)  # no objective yet
    plan_objective_add(plan=plan, text="Find settled accommodation", target_date=datetime.date(2026, 6, 1),
                       by=person.offender_manager)
    plan = plan_agree(plan=plan, on=datetime.date(2026, 3, 25), by=person.offender_manager)
    assert plan.next_review_due == datetime.date(2026, 3, 25) + datetime.timedelta(weeks=16)
    review_late = morning(plan.next_review_due + datetime.timedelta(days=1))
    assert _run("cases.plan_review_late", review_late - datetime.timedelta(days=1))["fired"] == 0
    assert _run("cases.plan_review_late", review_late)["reviews_late"] == 1
    assert _run("cases.plan_review_late", review_late)["fired"] == 0


def test_an_order_closed_with_no_requirement_completed_is_flagged():
    requirement = RequirementFactory()
    sentence = requirement.sentence
    ending = order_end(sentence=sentence, reason=OrderEnding.Reason.REVOKED, ended_on=sentence.sentence_date +
                       datetime.timedelta(days=5), by=StaffProfileFactory().user)
    assert ending.no_requirement_completed and ending.requirements_total == 1
    other = RequirementFactory(completed_on=datetime.date(2026, 11, 20))
    done = order_end(sentence=other.sentence, reason=OrderEnding.Reason.COMPLETED, ended_on=datetime.date(2026, 11, 25),
                     by=StaffProfileFactory().user, rar_days_completed=20)
    assert not done.no_requirement_completed and done.requirements_completed == 1
    with pytest.raises(ValidationError) as error:
        order_end(sentence=SentenceFactory(), reason="completed", ended_on=datetime.date(2026, 11, 25),
                  by=StaffProfileFactory().user, rar_days_completed=5)
    assert "rar_days_completed" in error.value.message_dict


# --- the team workload page: constant queries ------------------------------------------------------------------------

def _team_of(size: int):
    team = TeamFactory()
    StaffProfile.objects.create(user=team.manager, grade=StaffProfile.Grade.SPO, team=team)
    today = timezone.localdate()
    for i in range(size):
        profile = StaffProfileFactory(team=team)
        working_pattern_set(officer=profile.user, hours_per_week=30, effective_from=datetime.date(2026, 1, 1), by=None)
        absence_record(officer=profile.user, kind="leave", start_date=today, end_date=today + datetime.timedelta(days=14 + i),
                       by=None)
        CourtReportFactory(author=profile.user, kind="fast")
        for _ in range(3):
            person = PersonFactory(team=team, offender_manager=profile.user)
            SentenceFactory(person=person, sentence_date=today - datetime.timedelta(days=20))
    return team


@pytest.mark.parametrize("viewer", ["spo", "hub"])
def test_the_team_workload_page_runs_in_constant_queries(client, django_assert_max_num_queries, viewer):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    from probation.calendar import get_calendar

    get_calendar()  # the calendar is cached for a minute across requests: not a per-page cost
    counts = []
    for size in (2, 12):
        team = _team_of(size)
        client.force_login(team.manager if viewer == "spo" else HubUserFactory())
        with CaptureQueriesContext(conn) as queries:
            response = client.get(f"/cases/workload/?team={team.pk}")
        assert response.status_code == 200 and response.content.decode().count('data-testid="workload-') == size + 1
        counts.append([q["sql"][:150] for q in queries.captured_queries])
    assert len(counts[0]) == len(counts[1]), "\n".join(counts[1])


# --- pages --------------------------------------------------------------------------------------------------------

def test_a_stale_reallocation_form_is_refused_with_a_clear_message(client):
    team = TeamFactory()
    person = AllocatedPersonFactory(team=team)
    holder = person.offender_manager
    first, second = StaffProfileFactory(team=team).user, StaffProfileFactory(team=team).user
    hub = HubUserFactory()
    client.force_login(hub)
    form = {"reason": "Cover", "effective_from": timezone.localdate().isoformat(), "expected_officer": holder.pk}
    assert client.post(f"/cases/{person.crn}/reallocate/", {**form, "officer": first.pk}).status_code == 302
    response = client.post(f"/cases/{person.crn}/reallocate/", {**form, "officer": second.pk})  # the same old page
    assert response.status_code == 400
    assert "Someone else has just reallocated this case" in response.content.decode()
    person.refresh_from_db()
    assert person.offender_manager == first


def test_the_reallocation_form_names_each_missing_field(client):
    person = AllocatedPersonFactory()
    client.force_login(person.team.manager)
    page = client.post(f"/cases/{person.crn}/reallocate/", {}).content.decode()
    for message in ["Choose the new offender manager.", "Enter the reason for the reallocation.",
                    "Enter the date the reallocation takes effect."]:
        assert message in page


def test_the_case_page_shows_the_hand_over_the_tier_history_the_plan_and_a_flagged_ending(client):
    team = TeamFactory()
    person = AllocatedPersonFactory(team=team)
    new = StaffProfileFactory(team=team).user
    sentence = SentenceFactory(person=person, sentence_date=datetime.date(2026, 3, 2))
    RequirementFactory(sentence=sentence)
    sentence_plan_start(sentence=sentence)
    case_reallocate(person=person, officer=new, by=team.manager, reason="Caseload balance",
                    handover_note="Works nights: afternoon appointments")
    register_add(person=person, code="RDAP", by=team.manager)
    order_end(sentence=sentence, reason="revoked", ended_on=datetime.date(2026, 3, 20), by=team.manager)
    client.force_login(team.manager)
    page = client.get(f"/cases/{person.crn}/").content.decode()
    assert "Hand-over note: Works nights: afternoon appointments" in page
    assert "Register added: RDAP" in page
    assert "Due by 23 Mar 2026" in page
    assert "No requirement completed" in page


def test_spos_approve_a_transfer_on_its_page(client):
    sending, receiving = TeamFactory(), TeamFactory()
    person = AllocatedPersonFactory(team=sending)
    transfer = transfer_request(person=person, to_team=receiving, by=sending.manager, reason="Moved borough")
    assert transfer.from_approved_by == sending.manager and transfer.to_approved_at is None
    client.force_login(receiving.manager)
    assert client.post(f"/cases/transfers/{transfer.pk}/", {"decision": "approve"}).status_code == 302
    person.refresh_from_db()
    assert person.team == receiving
    client.force_login(TeamManagerFactory())
    assert client.get(f"/cases/transfers/{transfer.pk}/").status_code == 403


def test_the_officer_agrees_a_sentence_plan_and_records_an_ending_on_their_pages(client):
    person = AllocatedPersonFactory()
    sentence = SentenceFactory(person=person, sentence_date=timezone.localdate() - datetime.timedelta(days=20))
    requirement = RequirementFactory(sentence=sentence)
    client.force_login(person.offender_manager)
    plan_url = f"/cases/{person.crn}/sentences/{sentence.pk}/plan/"
    assert "Enter the objective&#x27;s target date." in client.post(
        plan_url, {"action": "objective", "text": "Stable housing"}).content.decode()
    client.post(plan_url, {"action": "objective", "text": "Stable housing",
                           "target_date": (timezone.localdate() + datetime.timedelta(days=60)).isoformat()})
    client.post(plan_url, {"action": "agree", "on": timezone.localdate().isoformat()})
    sentence.plan.refresh_from_db()
    assert sentence.plan.agreed_on == timezone.localdate() and sentence.plan.objectives.count() == 1
    end_url = f"/cases/{person.crn}/sentences/{sentence.pk}/end/"
    response = client.post(end_url, {"reason": "revoked", "ended_on": timezone.localdate().isoformat(),
                                     "rar_days_completed": "99", "hours_completed": "0"})
    assert response.status_code == 400 and "No more than the 20 RAR days ordered." in response.content.decode()
    client.post(end_url, {"reason": "revoked", "ended_on": timezone.localdate().isoformat(),
                          "rar_days_completed": "0", "hours_completed": "0"})
    assert OrderEnding.objects.get(sentence=sentence).no_requirement_completed
    assert requirement.completed_on is None
    client.force_login(StaffProfileFactory().user)  # another officer's case
    assert client.get(end_url).status_code == 403


@pytest.mark.parametrize("post, message", [
    ({}, "Choose approve, or refuse with a reason."),
    ({"decision": "refuse", "reason": ""}, "Enter the reason for refusing the transfer."),
])
def test_a_transfer_decision_without_a_choice_or_reason_is_a_clear_error_not_a_500(client, post, message):
    from django.urls import reverse

    from cases.models import CaseTransfer
    from cases.services import transfer_request

    team, other = TeamFactory(), TeamFactory()
    person = AllocatedPersonFactory(team=team)
    transfer = transfer_request(person=person, to_team=other, by=team.manager, reason="Moving home")
    client.force_login(other.manager)
    response = client.post(reverse("cases:transfer_decide", args=[transfer.pk]), post)
    assert response.status_code == 400 and message in response.content.decode()
    assert CaseTransfer.objects.get(pk=transfer.pk).completed_at is None
