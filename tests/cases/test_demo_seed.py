import io

import pytest
from django.db.models import F

from cases.models import Allocation, Person, Sentence, StaffProfile, Team, validate_pnc
from cases.selectors import person_search, unallocated_queue_for
from probation.models import User

pytestmark = pytest.mark.django_db


def seed(people: int):
    """The foundation's and this app's seeders, as `seed_demo --people N` runs them (the other apps' seeders are
    tested by their own apps)."""
    from cases.demo import seed_cases
    from probation.demo import seed_foundation

    for seeder in (seed_foundation, seed_cases):
        seeder(size=int(people), stdout=io.StringIO())


def test_seed_builds_teams_people_and_gives_the_demo_users_work(capsys):
    seed(600)
    assert Person.objects.filter(crn__startswith="D").count() == 600
    assert Team.objects.count() == 24  # at least six boroughs (one per 500 people) x four cohorts
    om, spo = User.objects.get(username="om"), User.objects.get(username="spo")
    assert om.staff_profile.team.manager == spo
    # 12 from the cases seeder; the MASH and resettlement seeders may add their own demo subjects to om's caseload.
    assert Person.objects.filter(offender_manager=om, crn__startswith="E").count() == 12
    assert unallocated_queue_for(spo).count() >= 3
    # Other apps' seeders add a few subjects of their own; every person the cases seeder made has a sentence.
    seeded = Person.objects.filter(crn__regex=r"^[DE]")
    assert Sentence.objects.filter(person__in=seeded).count() == seeded.count()
    # Every allocated case has a recorded allocation to its current offender manager (hand-overs add rows).
    assert not seeded.filter(offender_manager__isnull=False).exclude(
        pk__in=Allocation.objects.filter(offender_manager=F("person__offender_manager")).values("person")
    ).exists()
    for pnc in Person.objects.exclude(pnc_number="").values_list("pnc_number", flat=True)[:50]:
        validate_pnc(pnc)
    # Every seeded person's team is in their borough and cohort.
    assert not Person.objects.exclude(team__isnull=True).exclude(team__cohort=F("cohort"), team__borough=F("home_borough")).exists()
    someone = Person.objects.filter(crn__startswith="D").first()
    assert person_search(f"{someone.first_name} {someone.last_name}")[0].score == 1.0


def test_seeding_again_adds_nothing_and_a_bigger_size_adds_only_the_difference():
    seed(100)
    counts = (Person.objects.count(), Sentence.objects.count(), User.objects.count(), StaffProfile.objects.count())
    seed(100)
    assert (Person.objects.count(), Sentence.objects.count(), User.objects.count(),
            StaffProfile.objects.count()) == counts
    seed(150)
    assert Person.objects.filter(crn__startswith="D").count() == 150


def test_seeded_caseloads_are_counted_once_at_the_end_so_the_drift_check_is_clean():
    """The seeders bulk-create allocated cases without the services; the last seeder counts every officer."""
    from cases.demo import seed_caseload_counts, seed_continuity
    from cases.models import OfficerCaseload
    from cases.services import officer_caseloads_check

    seed(600)
    seed_continuity(size=600, stdout=io.StringIO())
    seed_caseload_counts(size=600, stdout=io.StringIO())
    assert OfficerCaseload.objects.count() == StaffProfile.objects.count()
    result = officer_caseloads_check()
    assert (result["drifted"], result["stale"], result["missing"]) == ([], 0, 0)
