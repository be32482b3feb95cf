"""Interventions benchmark: a borough's unpaid-work page, a session's attendance page and a programme group page
against a bare page, with their query counts, at the sizes given; and the unpaid-work pace sweep (a deadline-engine
step) with nothing due and with 200 due over the whole table (its cost must follow the work due).

    .venv/bin/python benchmarks/interventions_bench.py [--people 20000] [--attendances 100000] [--repeat 20]

Uses its own scratch database (default postgres://postgres@127.0.0.1:5432/probation_interventions_bench), created
and migrated if needed. Rows are bulk-inserted directly; the services are exercised by the test suite. Results are
written to benchmarks/interventions_bench_results.txt.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.common import ensure_database, timed  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")
os.environ.setdefault("DJANGO_ENV", "development")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL",
                                            "postgres://postgres@127.0.0.1:5432/probation_interventions_bench")

BATCH = 5000


def _seed(people: int, attendances: int) -> None:
    from django.utils import timezone

    from cases.models import Person, Requirement, Sentence, StaffProfile, Team
    from interventions.models import (Booking, Programme, ProgrammeGroup, Project, Referral, ReferralStatusChange,
                                      Session)
    from partners.models import Borough, Organisation
    from probation.models import Role, User
    from supervision.models import LONDON, Appointment

    if Person.objects.filter(crn__startswith="U").count() >= people:
        return
    print(f"Seeding {people} people and {attendances} session attendances (once)...", flush=True)
    rng = random.Random(7)
    boroughs = list(Borough.objects.order_by("code"))
    camden = Borough.objects.get(code="camden")
    manager = User.objects.create(username="ibench-spo", role=Role.TEAM_MANAGER)
    team = Team.objects.create(name="Interventions bench team", borough=camden, cohort="working_age_men",
                               manager=manager)
    officers = []
    for n in range(max(1, people // 45)):
        user = User.objects.create(username=f"ibench-om-{n}", role=Role.OFFENDER_MANAGER, first_name="Om",
                                   last_name=str(n))
        StaffProfile.objects.create(user=user, grade="po", team=team)
        officers.append(user)
    partner = Organisation.objects.create(name="Bench placements", kind="supply_chain")
    today = timezone.localdate()
    Person.objects.bulk_create(
        [Person(crn=f"U{n:06d}", first_name="Sam", last_name=f"Bench{n}", date_of_birth=datetime.date(1990, 1, 1),
                gender="male", home_borough=boroughs[n % len(boroughs)], tier="C1", team=team,
                offender_manager=officers[n % len(officers)]) for n in range(people)], batch_size=BATCH)
    people_rows = list(Person.objects.filter(crn__startswith="U").values_list("pk", "offender_manager_id"))
    sentences = []
    for pk, _ in people_rows:
        s = Sentence(person_id=pk, kind="community_order", sentence_date=today - datetime.timedelta(days=200),
                     offence_date=today - datetime.timedelta(days=260), length_months=24)
        s.compute_dates(date_of_birth=datetime.date(1990, 1, 1))
        sentences.append(s)
    Sentence.objects.bulk_create(sentences, batch_size=BATCH)
    Requirement.objects.bulk_create(
        [Requirement(sentence=s, kind="unpaid_work", hours=rng.choice([40, 80, 120, 200]), start_date=s.sentence_date,
                     end_date=s.end_date) for s in sentences], batch_size=BATCH)
    requirement_of = dict(Requirement.objects.filter(sentence__person__crn__startswith="U")
                          .values_list("sentence__person_id", "pk"))
    projects = Project.objects.bulk_create(
        [Project(name=f"Bench project {n}", partner=partner, borough=boroughs[n % len(boroughs)],
                 address="Somewhere", capacity=8, supervisor=officers[n % len(officers)]) for n in range(330)])
    per_session = 8
    sessions = []
    for n in range(attendances // per_session):
        day = today - datetime.timedelta(days=rng.randint(-14, 200))
        start = datetime.datetime.combine(day, datetime.time(9), tzinfo=LONDON)
        sessions.append(Session(project=projects[n % len(projects)], starts_at=start,
                                ends_at=start + datetime.timedelta(hours=7), local_date=day))
    Session.objects.bulk_create(sessions, batch_size=BATCH)
    now = timezone.now()
    index = 0
    for chunk in range(0, len(sessions), BATCH // per_session):
        appointments, bookings = [], []
        for s in sessions[chunk:chunk + BATCH // per_session]:
            for _ in range(per_session):
                pk, officer = people_rows[index % len(people_rows)]
                index += 1
                past = s.ends_at < now
                outcome = rng.choices(["attended", "unacceptable_absence"], [92, 8])[0] if past else ""
                appointments.append(Appointment(
                    person_id=pk, type="unpaid_work", place="office", starts_at=s.starts_at, ends_at=s.ends_at,
                    local_date=s.local_date, partner_organisation=partner, booked_by_id=officer, outcome=outcome,
                    outcome_recorded_at=now if outcome else None, requirement_id=requirement_of[pk],
                    outcome_due_at=s.ends_at + datetime.timedelta(days=1)))
                bookings.append((s, pk, officer, outcome))
        Appointment.objects.bulk_create(appointments)
        Booking.objects.bulk_create([Booking(
            session=s, person_id=pk, requirement_id=requirement_of[pk], appointment=a, starts_at=s.starts_at,
            ends_at=s.ends_at, booked_by_id=officer, minutes_worked=420 if outcome == "attended" else None,
            credited_minutes=420 if outcome == "attended" else 0,
            attendance_recorded_at=now if outcome else None, behaviour="good" if outcome == "attended" else "")
            for a, (s, pk, officer, outcome) in zip(appointments, bookings)])
    programme = Programme.objects.get(code="thinking-skills-programme")
    group = ProgrammeGroup.objects.create(programme=programme, borough=camden, start_date=today, created_by=manager,
                                          capacity=12)
    group.facilitators.set(officers[:2])
    referrals = Referral.objects.bulk_create(
        [Referral(person_id=pk, programme=programme, borough=camden, eligible=True, referred_by_id=officer,
                  status="waiting" if n >= 12 else "allocated", group=group if n < 12 else None)
         for n, (pk, officer) in enumerate(people_rows)], batch_size=BATCH)
    ReferralStatusChange.objects.bulk_create([ReferralStatusChange(referral=r, to_status="referred",
                                                                   by_id=r.referred_by_id, reason="Bench")
                                              for r in referrals], batch_size=BATCH)
    from interventions.models import GroupSession

    GroupSession.objects.bulk_create([GroupSession(
        group=group, number=n, starts_at=datetime.datetime.combine(today + datetime.timedelta(days=7 * n),
                                                                   datetime.time(18), tzinfo=LONDON),
        ends_at=datetime.datetime.combine(today + datetime.timedelta(days=7 * n), datetime.time(20), tzinfo=LONDON))
        for n in range(1, programme.sessions + 1)])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _arm_pace(due: int) -> None:
    """A pace deadline for every unpaid work requirement, `due` of them due now (the rest in four weeks)."""
    from django.db import connection
    from django.utils import timezone

    from interventions.deadlines import UPW_PACE

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM probation_deadline WHERE step = %s", [UPW_PACE])
        cursor.execute(
            "INSERT INTO probation_deadline (step, owner_id, due_at, armed_for, fired_count) "
            "SELECT %s, r.id, CASE WHEN row_number() OVER (ORDER BY r.id) <= %s THEN %s ELSE %s END, %s, 0 "
            "FROM cases_requirement r WHERE r.kind = 'unpaid_work'",
            [UPW_PACE, due, now - datetime.timedelta(hours=1), now + datetime.timedelta(days=28), now])
        cursor.execute("ANALYZE probation_deadline")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--attendances", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    _seed(args.people, args.attendances)
    setup_test_environment()
    from interventions.deadlines import UPW_PACE
    from interventions.models import Booking, ProgrammeGroup, Referral, Session
    from probation.deadlines import deadlines_run
    from probation.models import Notification, User
    from tests.conftest import SignedInClient

    spo = User.objects.get(username="ibench-spo")
    client = SignedInClient()
    client.force_login(spo)
    busiest = Session.objects.filter(project__borough__code="camden").order_by("-local_date").first()
    group = ProgrammeGroup.objects.get()
    first = busiest.local_date - datetime.timedelta(days=13)
    pages = {
        "bare page (notifications)": reverse("notifications"),
        "borough unpaid-work page (camden)": reverse("interventions:unpaid_work_borough", args=["camden"])
        + f"?from={first:%Y-%m-%d}",
        "session attendance page": reverse("interventions:session", args=[busiest.pk]),
        "programme group page": reverse("interventions:group", args=[group.pk]),
        "waiting list (camden)": reverse("interventions:waiting_list", args=["camden"]),
    }
    lines = [f"{args.people} people, {Booking.objects.count()} session bookings/attendances, "
             f"{Session.objects.count()} sessions, {Referral.objects.count()} referrals "
             f"({Referral.objects.filter(status='waiting', borough__code='camden').count()} waiting in Camden)", ""]
    bare = None
    for label, url in pages.items():
        assert client.get(url).status_code == 200, url
        result = timed(lambda: client.get(url), args.repeat)
        bare = bare or result["median_ms"]
        lines.append(f"{label:36s} median {result['median_ms']:7.1f} ms  p95 {result['p95_ms']:7.1f} ms  "
                     f"x{result['median_ms'] / bare:4.1f} of bare")
    lines.append("")
    for due in (0, 200, 2000):
        runs = []
        for _ in range(3):
            _arm_pace(due)
            Notification.objects.filter(dedupe_key__startswith="interventions:").delete()
            start = time.perf_counter()
            result = deadlines_run(steps=[UPW_PACE])
            runs.append((time.perf_counter() - start) * 1000)
        fired = result.get(UPW_PACE, {}).get("fired", 0)
        lines.append(f"pace sweep over {args.people} requirements, {due:5d} due: median "
                     f"{statistics.median(runs):7.1f} ms ({fired} fired)")
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "interventions_bench_results.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
