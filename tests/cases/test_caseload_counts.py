"""The maintained per-officer caseload counts (cases.OfficerCaseload, #16 "Performance"): every service that changes an
officer's caseload keeps the stored counts exact in its own transaction, concurrent changes lose nothing, a custody
case becomes a licence case on its release date without a write, the drift check finds and repairs what no service
kept, and the pages read one row an officer instead of grouping caseloads."""

import datetime
import threading
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib import admin
from django.core.management import call_command
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CourtReport, OfficerCaseload, Person, Sentence, StaffProfile, WorkloadPoints
from cases.selectors import caseload_counts_live, officer_workloads
from cases.services import (
    case_allocate,
    case_reallocate,
    officer_caseload_reallocate,
    officer_caseloads_check,
    order_end,
    person_record_rosh,
    reallocations_apply_due,
    tier_override_set,
    tier_overrides_expire,
    transfer_approve,
    transfer_request,
)
from tests.cases.factories import (
    AllocatedPersonFactory,
    CourtReportFactory,
    PersonFactory,
    SentenceFactory,
    StaffProfileFactory,
    TeamFactory,
    UnallocatedPersonFactory,
)
from tests.probation.factories import AdminUserFactory, HubUserFactory

pytestmark = pytest.mark.django_db


def stored(officer) -> tuple[dict, dict]:
    row = OfficerCaseload.objects.get(officer=officer)
    assert row.counted_on == timezone.localdate()
    return row.case_counts, row.report_counts


def assert_exact(*officers) -> None:
    """Each officer's stored row is what counting their cases gives now."""
    live = caseload_counts_live([o.pk for o in officers], on=timezone.localdate())
    for officer in officers:
        assert stored(officer) == live[officer.pk], officer


# --- every service keeps the counts exact ---------------------------------------------------------------------------

def test_an_allocation_adds_the_case_to_the_officers_count():
    team = TeamFactory()
    officer = StaffProfileFactory(team=team).user
    AllocatedPersonFactory(team=team, offender_manager=officer, tier="B1")
    person = UnallocatedPersonFactory(team=team, tier="A2")
    case_allocate(person=person, officer=officer, by=HubUserFactory())
    assert stored(officer) == ({"community:B": 1, "community:A": 1}, {})
    assert_exact(officer)


def test_a_reallocation_moves_the_case_between_the_two_counts_and_a_future_one_only_on_its_day():
    team = TeamFactory()
    person = AllocatedPersonFactory(team=team, tier="C1")
    holder = person.offender_manager
    new, later = StaffProfileFactory(team=team).user, StaffProfileFactory(team=team).user
    hub = HubUserFactory()
    case_reallocate(person=person, officer=new, by=hub, reason="Cover")
    assert stored(holder) == ({}, {}) and stored(new) == ({"community:C": 1}, {})
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    case_reallocate(person=Person.objects.get(pk=person.pk), officer=later, by=hub, reason="Leaving",
                    effective_from=tomorrow)
    assert stored(new) == ({"community:C": 1}, {})  # not yet
    reallocations_apply_due(today=tomorrow)
    assert stored(new) == ({}, {}) and stored(later) == ({"community:C": 1}, {})
    assert_exact(holder, new, later)


def test_a_bulk_reallocation_empties_the_leavers_count_into_colleagues_and_the_queue():
    team = TeamFactory()
    leaving = StaffProfileFactory(team=team).user
    colleague = StaffProfileFactory(team=team, contracted_hours=3)  # room for one tier B case (176 points)
    for _ in range(3):
        PersonFactory(team=team, offender_manager=leaving, tier="B1")
    result = officer_caseload_reallocate(officer=leaving, by=HubUserFactory(), reason="Leaving")
    assert result == {"reallocated": 1, "returned_to_queue": 2, "failed": 0}
    assert stored(leaving) == ({}, {}) and stored(colleague.user) == ({"community:B": 1}, {})
    assert_exact(leaving, colleague.user)


def test_a_transfer_moves_the_case_to_the_receiving_officers_count():
    person = AllocatedPersonFactory(tier="D0")
    holder = person.offender_manager
    receiving = StaffProfileFactory(team=TeamFactory()).user
    transfer = transfer_request(person=person, to_team=receiving.staff_profile.team, by=person.team.manager,
                                reason="Moved borough", to_officer=receiving)
    assert stored(holder) == ({"community:D": 1}, {})  # waiting for the receiving SPO
    transfer_approve(transfer=transfer, by=receiving.staff_profile.team.manager)
    assert stored(holder) == ({}, {}) and stored(receiving) == ({"community:D": 1}, {})
    assert_exact(holder, receiving)


def test_escalation_to_the_nps_takes_the_case_off_the_officers_count():
    person = AllocatedPersonFactory(tier="C1")
    officer = person.offender_manager
    person_record_rosh(person=person, level="high", by=HubUserFactory(), reason="New information")
    assert Person.objects.get(pk=person.pk).provider == "nps"
    assert stored(officer) == ({}, {})
    assert_exact(officer)


def test_a_tier_override_and_its_expiry_move_the_case_between_tier_letters():
    person = AllocatedPersonFactory(tier="D0", computed_tier="D0")
    officer = person.offender_manager
    today = timezone.localdate()
    tier_override_set(person=person, tier="A3", reason="Panel decision", expires_on=today + datetime.timedelta(days=7),
                      by=HubUserFactory())
    assert stored(officer) == ({"community:A": 1}, {})
    tier_overrides_expire(today=today + datetime.timedelta(days=7))
    assert Person.objects.get(pk=person.pk).tier[0] != "A"
    assert_exact(officer)


def test_an_order_ending_leaves_the_count_as_it_was():
    """The case stays on the caseload (its type comes from its latest sentence, ended or not)."""
    person = AllocatedPersonFactory(tier="B1")
    sentence = SentenceFactory(person=person, sentence_date=timezone.localdate() - datetime.timedelta(days=300))
    before = stored(person.offender_manager)
    order_end(sentence=sentence, reason="completed", ended_on=timezone.localdate(), by=HubUserFactory())
    assert stored(person.offender_manager) == before
    assert_exact(person.offender_manager)


def _admin_save(model, obj, changed: list[str], *, change: bool = True) -> None:
    """What Django admin does on a save (inside its transaction): the model admin's save_model."""
    request = RequestFactory().post("/admin/")
    request.user = AdminUserFactory()
    with transaction.atomic():
        admin.site._registry[model].save_model(request, obj, SimpleNamespace(changed_data=changed), change)


def test_admin_changes_of_holder_sentence_and_reports_recount_the_officers_concerned():
    team = TeamFactory()
    person = AllocatedPersonFactory(team=team, tier="B1")
    first, second = person.offender_manager, StaffProfileFactory(team=team).user
    person.offender_manager = second
    _admin_save(Person, person, ["offender_manager"])
    assert stored(first) == ({}, {}) and stored(second) == ({"community:B": 1}, {})
    today = timezone.localdate()
    sentence = Sentence(person=person, kind="custody", sentence_date=today - datetime.timedelta(days=10),
                        offence_date=today - datetime.timedelta(days=100), length_months=24)
    _admin_save(Sentence, sentence, ["kind"], change=False)
    assert stored(second) == ({"custody:B": 1}, {})
    report = CourtReport(author=second, kind="standard")
    _admin_save(CourtReport, report, ["author", "kind"], change=False)
    assert stored(second) == ({"custody:B": 1}, {"standard": 1})
    report.completed_on = today
    _admin_save(CourtReport, report, ["completed_on"])
    assert stored(second) == ({"custody:B": 1}, {})
    assert_exact(first, second)


def test_a_new_officer_starts_with_a_counted_empty_caseload_so_pages_need_no_recount():
    from probation.models import User
    from tests.probation.factories import OffenderManagerFactory

    team = TeamFactory()
    user = OffenderManagerFactory()
    _admin_save(StaffProfile, StaffProfile(user=User.objects.get(pk=user.pk), grade="po", team=team), ["team"],
                change=False)
    assert stored(user) == ({}, {})


def test_new_points_weights_apply_at_once_without_recounting():
    person = AllocatedPersonFactory(tier="B1")
    profile = person.offender_manager.staff_profile
    counted_at = OfficerCaseload.objects.get(officer=person.offender_manager).counted_at
    [before] = officer_workloads(StaffProfile.objects.filter(pk=profile.pk))
    assert before.points == 100
    weight = WorkloadPoints.objects.filter(case_type="community", tier="B").first() or WorkloadPoints(
        case_type="community", tier="B")
    weight.points = 120
    _admin_save(WorkloadPoints, weight, ["points"], change=weight.pk is not None)
    [after] = officer_workloads(StaffProfile.objects.filter(pk=profile.pk))
    assert after.points == 120
    assert OfficerCaseload.objects.get(officer=person.offender_manager).counted_at == counted_at


# --- the date: custody becomes licence --------------------------------------------------------------------------------

def test_a_custody_case_counts_as_licence_from_its_release_date_without_any_write():
    today = timezone.localdate()
    person = AllocatedPersonFactory(tier="C1")
    SentenceFactory(person=person, kind="custody", sentence_date=today - datetime.timedelta(days=30),
                    offence_date=today - datetime.timedelta(days=90), length_months=12,
                    release_date=today + datetime.timedelta(days=2))
    profile = person.offender_manager.staff_profile
    assert stored(person.offender_manager) == ({"custody:C": 1}, {})
    later = datetime.datetime.combine(today + datetime.timedelta(days=3), datetime.time(12),
                                      tzinfo=timezone.get_current_timezone())
    with time_machine.travel(later, tick=False):
        [w] = officer_workloads(StaffProfile.objects.filter(pk=profile.pk))
        assert w.by_type == {"licence": 1}
        assert stored(person.offender_manager) == ({"licence:C": 1}, {})  # recounted for the new day, once


# --- concurrency ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_changes_to_one_officers_caseload_at_once_both_count():
    """Two tier overrides on two of one officer's cases, in two connections: the first holds its transaction open
    after recounting; the second's recount must wait for it and see its change (without the row lock the second
    would count without the first's uncommitted change and write over it once the first commits)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    team = TeamFactory()
    officer = StaffProfileFactory(team=team).user
    first, second = (PersonFactory(team=team, offender_manager=officer, tier="D0", computed_tier="D0")
                     for _ in range(2))
    hub = HubUserFactory()
    expires = timezone.localdate() + datetime.timedelta(days=5)
    first_recounted, second_started = threading.Event(), threading.Event()
    errors = []

    def override_first():
        try:
            with transaction.atomic():
                tier_override_set(person=first, tier="A1", reason="Panel", expires_on=expires, by=hub)
                first_recounted.set()
                second_started.wait(10)
                threading.Event().wait(0.5)  # the second is now waiting for the row (or, unlocked, has counted)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def override_second():
        try:
            first_recounted.wait(10)
            second_started.set()
            tier_override_set(person=second, tier="B1", reason="Panel", expires_on=expires, by=hub)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=override_first), threading.Thread(target=override_second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert stored(officer) == ({"community:A": 1, "community:B": 1}, {})
    assert_exact(officer)


# --- the drift check -------------------------------------------------------------------------------------------------

def test_the_drift_check_reports_a_wrong_row_and_fix_repairs_it(capsys):
    person = AllocatedPersonFactory(tier="B1")
    officer = person.offender_manager
    OfficerCaseload.objects.filter(officer=officer).update(case_counts={"community:B": 5})
    with pytest.raises(SystemExit) as exited:
        call_command("workload_check")
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert "1 drifted" in out and str(officer.pk) in out
    call_command("workload_check", "--fix")
    assert stored(officer) == ({"community:B": 1}, {})
    assert officer_caseloads_check()["drifted"] == []


def test_the_drift_check_counts_missing_and_stale_rows_apart_from_drift():
    person = AllocatedPersonFactory(tier="B1")
    CourtReportFactory(author=StaffProfileFactory(team=person.team).user)
    OfficerCaseload.objects.filter(officer=person.offender_manager).delete()
    OfficerCaseload.objects.exclude(officer=person.offender_manager).update(
        counted_on=timezone.localdate() - datetime.timedelta(days=1))
    result = officer_caseloads_check()
    assert (result["drifted"], result["missing"], result["stale"]) == ([], 1, 1)
    result = officer_caseloads_check(fix=True)
    assert officer_caseloads_check() == {**result, "stale": 0, "missing": 0, "fixed": False}
    assert stored(person.offender_manager) == ({"community:B": 1}, {})


# --- the pages read the counts, in constant queries -----------------------------------------------------------------

def _team_with_cases(officers: int):
    team = TeamFactory()
    for profile in StaffProfileFactory.create_batch(officers, team=team):
        for _ in range(2):
            SentenceFactory(person=AllocatedPersonFactory(team=team, offender_manager=profile.user))
    SentenceFactory(person=UnallocatedPersonFactory(team=team))
    return team


def _caseload_groupings(sqls: list[str]) -> list[str]:
    """Statements that count cases by officer (what the maintained counts replace)."""
    return [sql for sql in sqls if 'FROM "cases_person"' in sql and "COUNT(" in sql
            and '"cases_person"."offender_manager_id" AS "offender_manager_id"' in sql]


def _page_sql(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_hubs_queue_with_every_teams_suggestions_expired_runs_in_the_same_queries_at_two_sizes(client):
    from cases.models import Team
    from cases.selectors import workload_changed
    from probation.calendar import get_calendar

    get_calendar()
    client.force_login(HubUserFactory())
    sizes = []
    for teams, officers in ((2, 2), (6, 6)):
        for _ in range(teams):
            _team_with_cases(officers)
        workload_changed(team_ids=Team.objects.values_list("pk", flat=True))  # every team's cache dropped
        sql = _page_sql(client, reverse("cases:unallocated"))
        assert not _caseload_groupings(sql), _caseload_groupings(sql)
        sizes.append(sql)
    assert len(sizes[0]) == len(sizes[1]), "\n".join(s[:160] for s in sizes[1])


@pytest.mark.parametrize("page", ["allocate", "workload"])
def test_the_allocation_and_workload_pages_read_the_counts_in_the_same_queries_at_two_sizes(client, page):
    from probation.calendar import get_calendar

    get_calendar()
    hub = HubUserFactory()
    client.force_login(hub)
    sizes = []
    for officers in (2, 10):
        team = _team_with_cases(officers)
        queued = Person.objects.get(team=team, offender_manager__isnull=True)
        url = (reverse("cases:case_allocate", args=[queued.crn]) if page == "allocate"
               else f"{reverse('cases:team_workload')}?team={team.pk}")
        sql = _page_sql(client, url)
        assert not _caseload_groupings(sql), _caseload_groupings(sql)
        sizes.append(sql)
    assert len(sizes[0]) == len(sizes[1]), "\n".join(s[:160] for s in sizes[1])


def test_the_midnight_task_recounts_yesterdays_rows_and_is_scheduled():
    from cases.tasks import recount_caseloads
    from probation.celery import BEAT_SCHEDULE

    person = AllocatedPersonFactory(tier="B1")
    OfficerCaseload.objects.update(counted_on=timezone.localdate() - datetime.timedelta(days=1), case_counts={})
    assert recount_caseloads()["stale"] == 1
    assert stored(person.offender_manager) == ({"community:B": 1}, {})
    assert recount_caseloads() == {"officers": 1, "drifted": 0, "stale": 0, "missing": 0}
    assert any(entry["task"] == "cases.tasks.recount_caseloads" for entry in BEAT_SCHEDULE.values())


def test_the_queues_lean_candidates_are_the_officers_allocation_suggestions_in_the_same_order():
    """_team_candidates (plain rows, for the hub's many teams) keeps officer_workloads' rules: part-time hours,
    leave in the window, away today, unavailable officers and SPOs, points and order."""
    from cases.selectors import allocation_suggestions, queue_candidates
    from cases.services import absence_record, working_pattern_set

    team = TeamFactory()
    today = timezone.localdate()
    officers = [StaffProfileFactory(team=team) for _ in range(5)]
    StaffProfileFactory(team=team, grade="spo")
    StaffProfileFactory(team=team, is_available=False)
    working_pattern_set(officer=officers[0].user, hours_per_week=18.5, effective_from=today - datetime.timedelta(days=30),
                        by=None)
    absence_record(officer=officers[1].user, kind="leave", start_date=today + datetime.timedelta(days=3),
                   end_date=today + datetime.timedelta(days=9), by=None)
    absence_record(officer=officers[2].user, kind="sickness", start_date=today, end_date=today + datetime.timedelta(days=2),
                   by=None)
    for i, profile in enumerate(officers):
        for _ in range(i % 3 + 1):
            PersonFactory(team=team, offender_manager=profile.user, tier="BC"[i % 2] + "1")
    CourtReportFactory(author=officers[3].user)
    queued = UnallocatedPersonFactory(team=team, tier="D0")
    suggestions = allocation_suggestions(queued)
    candidates = queue_candidates([team.pk])[team.pk]
    assert [(c.user_id, c.percent, c.headroom) for c in candidates] == [
        (w.user.pk, w.percent, w.headroom) for w in suggestions]
    assert officers[2].user.pk not in [c.user_id for c in candidates] and len(candidates) == 4


def test_the_refresh_ahead_job_stores_every_waiting_teams_candidates_before_they_expire(django_assert_num_queries):
    """cases.tasks.refresh_queue_candidates: a queue view after it reads every waiting team's suggestions from the
    cache (no query), the same as a fresh computation; teams with nothing waiting are left out; beat runs it more
    often than the entries expire."""
    from django.core.cache import cache

    from cases.selectors import QUEUE_WORKLOAD_SECONDS, _team_candidates, queue_candidates, tier_points
    from cases.tasks import refresh_queue_candidates
    from probation.celery import BEAT_SCHEDULE

    cache.clear()
    waiting, quiet = TeamFactory(), TeamFactory()
    for team in (waiting, quiet):
        for i in range(3):
            PersonFactory(team=team, offender_manager=StaffProfileFactory(team=team).user, tier="BCD"[i] + "1")
    UnallocatedPersonFactory(team=waiting, tier="C1")
    today = timezone.localdate()
    expected = _team_candidates([waiting.pk], points=tier_points(), on=today)[waiting.pk]
    assert expected, "the waiting team has officers to offer"

    assert refresh_queue_candidates() == {"teams": 1}
    points = tier_points()
    with django_assert_num_queries(0):
        assert queue_candidates([waiting.pk], points=points, on=today)[waiting.pk] == expected
    assert cache.get(f"cases:queue-candidates:{today.isoformat()}:{quiet.pk}") is None
    entry = next(e for e in BEAT_SCHEDULE.values() if e["task"] == "cases.tasks.refresh_queue_candidates")
    assert entry["schedule"] < QUEUE_WORKLOAD_SECONDS
