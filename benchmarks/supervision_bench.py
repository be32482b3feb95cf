"""Supervision benchmark: the officer's diary, the case page with its supervision panel and the caseload with
compliance at a glance, against a bare page; and the deadline engine's sweep of supervision's steps at two table
sizes (its cost must follow the work due, not the table).

    .venv/bin/python benchmarks/supervision_bench.py [--people 20000] [--appointments 100000] [--repeat 20]

Uses its own scratch database (default postgres://postgres@127.0.0.1:5432/probation_supervision_bench), created and
migrated if needed. Rows are bulk-inserted directly (people, sentences, appointments, failures, deadlines): the
services are exercised by the test suite; here only the reads and the sweep are timed. Each figure is the median and
95th percentile of `--repeat` calls through Django's test client (signed in, two-factor verified), with the SQL
queries of one call. Results are written to benchmarks/supervision_bench_results.txt.
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
                                            "postgres://postgres@127.0.0.1:5432/probation_supervision_bench")

BATCH = 5000


def _seed(people: int, appointments: int) -> None:
    from django.utils import timezone

    from cases.models import Person, Sentence, StaffProfile, Team
    from partners.models import Borough
    from probation.models import Role, User
    from supervision.models import LONDON, Appointment, Failure

    if Person.objects.filter(crn__startswith="S").count() >= people:
        return
    print(f"Seeding {people} people and {appointments} appointments (once)...", flush=True)
    rng = random.Random(7)
    borough = Borough.objects.get(code="camden")
    manager = User.objects.create(username="bench-spo", role=Role.TEAM_MANAGER)
    team = Team.objects.create(name="Bench team", borough=borough, cohort="working_age_men", manager=manager)
    officers = []
    for n in range(max(1, people // 45)):
        user = User.objects.create(username=f"bench-om-{n}", role=Role.OFFENDER_MANAGER, first_name="Om",
                                   last_name=str(n))
        StaffProfile.objects.create(user=user, grade="po", team=team)
        officers.append(user)
    today = timezone.localdate()
    rows = [Person(crn=f"S{n:06d}", first_name="Sam", last_name=f"Bench{n}", date_of_birth=datetime.date(1990, 1, 1),
                   gender="male", home_borough=borough, tier=rng.choice(["B2", "C1", "D1"]), team=team,
                   offender_manager=officers[n % len(officers)]) for n in range(people)]
    Person.objects.bulk_create(rows, batch_size=BATCH)
    people_rows = list(Person.objects.filter(crn__startswith="S").values_list("pk", "offender_manager_id"))
    sentences = []
    for pk, _ in people_rows:
        s = Sentence(person_id=pk, kind="community_order", sentence_date=today - datetime.timedelta(days=200),
                     offence_date=today - datetime.timedelta(days=260), length_months=24)
        s.compute_dates(date_of_birth=datetime.date(1990, 1, 1))
        sentences.append(s)
    Sentence.objects.bulk_create(sentences, batch_size=BATCH)
    now = timezone.now()
    batch, failures = [], []
    for n in range(appointments):
        pk, officer = people_rows[n % len(people_rows)]
        start = (now - datetime.timedelta(days=rng.randint(-30, 180))).replace(minute=0, second=0, microsecond=0)
        past = start < now
        outcome = rng.choices(["attended", "unacceptable_absence", "acceptable_absence"], [90, 6, 4])[0] if past else ""
        batch.append(Appointment(person_id=pk, type="supervision", place="office", starts_at=start,
                                 ends_at=start + datetime.timedelta(minutes=45),
                                 local_date=start.astimezone(LONDON).date(), officer_id=officer, booked_by_id=officer,
                                 outcome=outcome, outcome_recorded_at=now if outcome else None,
                                 outcome_due_at=start + datetime.timedelta(days=1)))
        if len(batch) >= BATCH:
            Appointment.objects.bulk_create(batch)
            batch = []
    Appointment.objects.bulk_create(batch)
    for a in Appointment.objects.filter(outcome="unacceptable_absence").values("pk", "person_id", "local_date"):
        failures.append(Failure(person_id=a["person_id"], kind="unacceptable_absence", occurred_on=a["local_date"],
                                appointment_id=a["pk"]))
    Failure.objects.bulk_create(failures, batch_size=BATCH)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _arm_deadlines(total: int, due: int) -> None:
    """`total` outcome-chase deadlines in the engine's table, `due` of them due now (the rest next year)."""
    from django.db import connection
    from django.utils import timezone

    from supervision.deadlines import OUTCOME_CHASE

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM probation_deadline WHERE step LIKE 'supervision.%%'")
        cursor.execute(
            "INSERT INTO probation_deadline (step, owner_id, due_at, armed_for, fired_count) "
            "SELECT %s, a.id, CASE WHEN row_number() OVER (ORDER BY a.id) <= %s THEN %s ELSE %s END, %s, 0 "
            "FROM supervision_appointment a ORDER BY a.id LIMIT %s",
            [OUTCOME_CHASE, due, now - datetime.timedelta(hours=1), now + datetime.timedelta(days=365), now, total])
        cursor.execute("ANALYZE probation_deadline")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from django.db.migrations.exceptions import InconsistentMigrationHistory

    try:
        call_command("migrate", verbosity=0)
    except InconsistentMigrationHistory:
        sys.exit("The scratch database was migrated by another branch's code: drop it "
                 f"({os.environ['DATABASE_URL']}) and run again.")
    _seed(args.people, args.appointments)
    setup_test_environment()
    from cases.models import Person
    from probation.deadlines import deadlines_run
    from probation.models import Notification, User
    from supervision.deadlines import STEPS
    from supervision.models import Appointment
    from tests.conftest import SignedInClient

    officer = User.objects.filter(username__startswith="bench-om-").annotate(n=Count("caseload")).order_by("-n").first()
    person = Person.objects.filter(offender_manager=officer).annotate(n=Count("appointments")).order_by("-n").first()
    client = SignedInClient()
    client.force_login(officer)
    pages = {
        "bare page (notifications)": reverse("notifications"),
        "diary (day)": reverse("supervision:my_day"),
        "diary (week)": reverse("supervision:my_day") + "?view=week",
        "case page with supervision panel": reverse("cases:case_detail", args=[person.crn]),
        "caseload with compliance": reverse("cases:caseload"),
    }
    lines = [f"{Person.objects.count()} people, {Appointment.objects.count()} appointments; officer with "
             f"{Person.objects.filter(offender_manager=officer).count()} cases; case with "
             f"{person.appointments.count()} appointments", ""]
    bare = None
    for label, url in pages.items():
        assert client.get(url).status_code == 200, url
        result = timed(lambda: client.get(url), args.repeat)
        bare = bare or result["median_ms"]
        # (Query counts per page are asserted constant at two sizes in tests/supervision/test_pages.py.)
        lines.append(f"{label:36s} median {result['median_ms']:7.1f} ms  p95 {result['p95_ms']:7.1f} ms  "
                     f"x{result['median_ms'] / bare:4.1f} of bare")
    lines.append("")
    total = Appointment.objects.count()
    for size in (total, total // 2, total):  # the first is a warm-up, not reported
        runs = []
        for _ in range(5):
            _arm_deadlines(size, 200)
            Notification.objects.filter(dedupe_key__startswith="supervision:").delete()
            start = time.perf_counter()
            result = deadlines_run(steps=STEPS)
            runs.append((time.perf_counter() - start) * 1000)
        fired = sum(r["fired"] + r["skipped"] for r in result.values())
        nothing = timed(lambda: deadlines_run(steps=STEPS), 5)
        lines.append(f"sweep, {size:7d} deadlines, 200 due: median {statistics.median(runs):6.1f} ms "
                     f"({fired} claimed); nothing due: {nothing['median_ms']:.1f} ms")
    del lines[-3]
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "supervision_bench_results.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
