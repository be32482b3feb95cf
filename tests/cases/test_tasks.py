import datetime
import time

import pytest
from django.utils import timezone

from cases.models import Allocation, CohortRecalculation, Person
from cases.tasks import allocate_new_cases, recompute_cohorts
from tests.cases.factories import PersonFactory, StaffProfileFactory, TeamFactory, UnallocatedPersonFactory


@pytest.mark.django_db
def test_allocate_new_cases_only_touches_opted_in_teams():
    auto = TeamFactory(auto_allocate=True)
    manual = TeamFactory(auto_allocate=False)
    StaffProfileFactory(team=auto)
    StaffProfileFactory(team=manual)
    auto_case = UnallocatedPersonFactory(team=auto)
    manual_case = UnallocatedPersonFactory(team=manual)
    assert allocate_new_cases()["allocated"] == 1
    auto_case.refresh_from_db()
    manual_case.refresh_from_db()
    assert auto_case.offender_manager is not None and manual_case.offender_manager is None
    assert allocate_new_cases()["allocated"] == 0


@pytest.mark.django_db
def test_recompute_cohorts_task_runs_once_a_day_idempotently():
    PersonFactory(gender="female", cohort="", date_of_birth=datetime.date(1980, 1, 1))
    first = recompute_cohorts()
    second = recompute_cohorts()
    assert first["changed"] == 1 and second["changed"] == 0
    assert CohortRecalculation.objects.count() == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_auto_allocation_runs_in_a_real_worker(live_celery_worker):
    team = TeamFactory(auto_allocate=True)
    officer = StaffProfileFactory(team=team).user
    person = UnallocatedPersonFactory(team=team)
    allocate_new_cases.delay()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not Allocation.objects.filter(person=person).exists():
        time.sleep(0.2)
    person.refresh_from_db()
    assert person.offender_manager == officer
    assert Allocation.objects.get(person=person).is_automatic


@pytest.mark.django_db(transaction=True)
def test_two_allocations_at_once_never_overload_one_officer():
    """Two managers allocate two different cases to the same nearly-full officer at the same moment: the second
    waits for the first's lock on the officer, then sees the officer is full."""
    import threading

    from django.db import connection

    from cases.services import AllocationError, case_allocate

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    team = TeamFactory()
    # 8 hours of a PO: capacity int(2176 * 8 / 37) = 470 points; two community tier A cases (150 each) make 300,
    # so one more A case fits (450) and two do not (600).
    profile = StaffProfileFactory(team=team, contracted_hours=8)
    for _ in range(2):
        PersonFactory(team=team, offender_manager=profile.user, tier="A1")  # 300 points
    cases = [UnallocatedPersonFactory(team=team, tier="A1") for _ in range(2)]  # 150 each: one fits, not two
    manager = team.manager
    barrier = threading.Barrier(2)
    results = []

    def allocate(person):
        try:
            barrier.wait()
            case_allocate(person=person, officer=profile.user, by=manager)
            results.append("ok")
        except AllocationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate, args=(p,)) for p in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(results) == ["ok", "refused"]
    assert Person.objects.filter(offender_manager=profile.user).count() == 3
