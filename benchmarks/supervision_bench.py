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
                                            "postgres://postgres@127.0.0.1:5432/probation_supscale_bench")

BATCH = 5000


def _clone_sql(model, template_pk: int, overrides: dict[str, str], source: str) -> str:
    """INSERT ... SELECT copying every column of the template row, except those in `overrides` (column -> SQL
    expression over `source`'s columns) and the primary key. Column names come from the model's metadata."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    selects = [overrides.get(c, f"t.{quote(c)}") for c in columns]
    table = quote(model._meta.db_table)
    return (f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # nosec B608 - model metadata only
            f"SELECT {', '.join(selects)} FROM {table} t, {source} WHERE t.id = {int(template_pk)}")


def _seed(people: int, appointments: int) -> None:
    """Seed in SQL (INSERT ... SELECT over generate_series, cloning one template row made through the ORM): 200,000
    people and 5,000,000 appointments in minutes, not hours. Appointments spread over the last 180 days and the next
    30, each person's by their own officer; past ones mostly attended, 6% unacceptable absences (each a failure)."""
    from django.db import connection
    from django.utils import timezone

    from cases.models import Person, Sentence, StaffProfile, Team
    from partners.models import Borough
    from probation.models import Role, User
    from supervision.models import Appointment, Failure

    if Person.objects.filter(crn__startswith="S").count() >= people:
        return
    print(f"Seeding {people} people and {appointments} appointments (once)...", flush=True)
    began = time.perf_counter()
    borough = Borough.objects.get(code="camden")
    manager = User.objects.create(username="bench-spo", role=Role.TEAM_MANAGER)
    team = Team.objects.create(name="Bench team", borough=borough, cohort="working_age_men", manager=manager)
    officers = User.objects.bulk_create([
        User(username=f"bench-om-{n}", role=Role.OFFENDER_MANAGER, first_name="Om", last_name=str(n))
        for n in range(max(1, people // 45))], batch_size=BATCH)
    officers = list(User.objects.filter(username__startswith="bench-om-").order_by("pk"))
    StaffProfile.objects.bulk_create([StaffProfile(user=u, grade="po", team=team) for u in officers], batch_size=BATCH)
    today = timezone.localdate()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    template = Person.objects.create(crn="S000000", first_name="Sam", last_name="Bench0",
                                     date_of_birth=datetime.date(1990, 1, 1), gender="male", home_borough=borough,
                                     tier="B2", team=team, offender_manager=officers[0])
    sentence = Sentence(person=template, kind="community_order", sentence_date=today - datetime.timedelta(days=200),
                        offence_date=today - datetime.timedelta(days=260), length_months=24)
    sentence.compute_dates(date_of_birth=datetime.date(1990, 1, 1))
    sentence.save()
    first_officer = officers[0].pk
    with connection.cursor() as cursor:
        # Officers' ids are consecutive (one bulk insert): person n goes to officer n mod officers.
        cursor.execute(_clone_sql(Person, template.pk, {
            "crn": "'S' || lpad(g::text, 6, '0')", "last_name": "'Bench' || g",
            "tier": "(ARRAY['B2','C1','D1'])[1 + g %% 3]",
            "offender_manager_id": f"{first_officer} + g %% {len(officers)}",
        }, f"generate_series(1, {people - 1}) g"), [])
        cursor.execute(_clone_sql(Sentence, sentence.pk, {"person_id": "p.id"},
                                  "cases_person p") + " AND p.crn LIKE 'S%%' AND p.id <> %s", [template.pk])
        print(f"  people and sentences: {time.perf_counter() - began:.0f} s", flush=True)
        cursor.execute("CREATE TEMP TABLE bench_people AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, "
                       "offender_manager_id FROM cases_person WHERE crn LIKE 'S%%'")
        cursor.execute("CREATE UNIQUE INDEX ON bench_people (n)")
        template_appointment = Appointment.objects.create(
            person=template, type="supervision", place="office", starts_at=now, ends_at=now + datetime.timedelta(
                minutes=45), officer=officers[0], booked_by=officers[0], outcome_due_at=now + datetime.timedelta(days=1))
        cursor.execute("SELECT setseed(0.7)")
        chunk = 1_000_000
        for first in range(0, appointments - 1, chunk):
            last = min(first + chunk, appointments - 1)
            # r: the day (-30 .. 180 days ago); o: the outcome of a past one.
            cursor.execute(_clone_sql(Appointment, template_appointment.pk, {
                "person_id": "p.id", "officer_id": "p.offender_manager_id", "booked_by_id": "p.offender_manager_id",
                "starts_at": "x.starts_at", "ends_at": "x.starts_at + interval '45 minutes'",
                "local_date": "(x.starts_at AT TIME ZONE 'Europe/London')::date",
                "outcome_due_at": "x.starts_at + interval '1 day'",
                "outcome": "CASE WHEN x.starts_at >= %(now)s THEN '' WHEN x.o < 0.90 THEN 'attended' "
                           "WHEN x.o < 0.96 THEN 'unacceptable_absence' ELSE 'acceptable_absence' END",
                "outcome_recorded_at": "CASE WHEN x.starts_at >= %(now)s THEN NULL ELSE %(now)s END",
            }, "(SELECT g, %(now)s - (floor(random() * 211)::int - 30) * interval '1 day' AS starts_at, random() AS o "
               f"FROM generate_series({first + 1}, {last}) g) x JOIN bench_people p ON p.n = x.g %% {people}"),
                {"now": now})
            print(f"  appointments {last + 1}: {time.perf_counter() - began:.0f} s", flush=True)
        quote = connection.ops.quote_name
        cursor.execute(
            f"INSERT INTO {quote(Failure._meta.db_table)} (person_id, kind, status, occurred_on, appointment_id, "
            "recorded_at, judgement_reason) SELECT person_id, 'unacceptable_absence', 'confirmed', local_date, id, "
            "%s, '' FROM supervision_appointment WHERE outcome = 'unacceptable_absence'", [now])
        cursor.execute("ANALYZE")
    print(f"  seeded in {time.perf_counter() - began:.0f} s", flush=True)


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
    parser.add_argument("--seed-only", action="store_true", help="seed (if needed) and stop")
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
    if args.seed_only:
        return
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
