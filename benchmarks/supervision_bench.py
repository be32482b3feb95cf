"""Supervision benchmark: the officer's diary, the case page with its supervision panel and the caseload with
compliance at a glance, against a bare page; and the deadline engine's sweep of supervision's steps (outcome chase,
enforcement decision, overdue contact) with 1M and 5M appointments' deadlines in the table (its cost must follow the
work due, not the table).

    .venv/bin/python benchmarks/supervision_bench.py --people 200000 --appointments 5000000 [--repeat 30]
        [--seed-only | --pages-only]

Uses its own scratch database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/probation_supervision_bench), created and migrated if needed. Rows are seeded in SQL (INSERT ... SELECT over generate_series, about 15 minutes for
200,000 people and 5,000,000 appointments on a shared 2-core machine): the services are exercised by the test suite;
here only the reads and the sweep are timed. Pages are timed in turns through Django's test client (signed in,
two-factor verified): median and 95th percentile wall time, the ratio to the bare page's median, the same ratio of
this process's CPU time, and the page's query count; with the load average before and after. Results are written to
benchmarks/supervision_bench_results.txt (not with --pages-only).
"""

import argparse
import datetime
import os
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
            person=template, type="supervision", place="office", starts_at=now,
            ends_at=now + datetime.timedelta(minutes=45), officer=officers[0], booked_by=officers[0],
            outcome_due_at=now + datetime.timedelta(days=1))
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


def _seed_enforcement() -> None:
    """One enforcement per failure (in SQL): older ones decided (a warning given, closed), the last 10 days' still
    waiting for the officer's decision. The compliance column reads them; the sweep chases the undecided ones."""
    from django.db import connection
    from django.utils import timezone

    from supervision.models import Enforcement

    if Enforcement.objects.exists():
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO supervision_enforcement (failure_id, person_id, path, proposed, proposal_reason, proposed_at, "
            "decision_due_at, decision, decided_at, departure_reason, warning_expires_on, response, response_reason, "
            "closed_at) SELECT f.id, f.person_id, 'community', 'warning', 'No warning in the previous 12 months.', "
            "f.recorded_at, f.occurred_on + interval '3 days', CASE WHEN old THEN 'warning' ELSE '' END, "
            "CASE WHEN old THEN f.occurred_on + interval '1 day' END, '', "
            "CASE WHEN old THEN f.occurred_on + interval '12 months' END, '', '', "
            "CASE WHEN old THEN f.occurred_on + interval '1 day' END "
            "FROM (SELECT *, occurred_on < %s::date - 10 AS old FROM supervision_failure) f",
            [timezone.localdate(now)])
        cursor.execute("ANALYZE supervision_enforcement")


def _arm_deadlines(appointments: int, due: int) -> dict[str, list[int]]:
    """The engine's table as at scale: an outcome-chase deadline for each of the first `appointments` appointments,
    a decision deadline for each enforcement and a contact deadline for each person, all next year except `due` of
    each step, due an hour ago. Returns the due deadlines' ids by step (to re-arm them between runs)."""
    from django.db import connection
    from django.utils import timezone

    from supervision.deadlines import CONTACT_OVERDUE, DECISION_OVERDUE, OUTCOME_CHASE

    now = timezone.now()
    later = now + datetime.timedelta(days=365)
    owners = {OUTCOME_CHASE: f"SELECT id FROM supervision_appointment ORDER BY id LIMIT {int(appointments)}",
              DECISION_OVERDUE: "SELECT id FROM supervision_enforcement WHERE decided_at IS NULL",
              CONTACT_OVERDUE: "SELECT id FROM cases_person WHERE crn LIKE 'S%%'"}
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM probation_deadline WHERE step LIKE 'supervision.%%'")
        for step, source in owners.items():
            cursor.execute(
                "INSERT INTO probation_deadline (step, owner_id, due_at, armed_for, fired_count) "  # nosec B608
                f"SELECT %s, o.id, %s, %s, 0 FROM ({source}) o", [step, later, later])
        cursor.execute("VACUUM ANALYZE probation_deadline")
        due_ids = {}
        for step in owners:
            # Spread over the table (not the first rows): every 97th deadline of the step.
            cursor.execute("SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM probation_deadline "
                           "WHERE step = %s) d WHERE n %% 97 = 0 LIMIT %s", [step, due])
            due_ids[step] = [r[0] for r in cursor.fetchall()]
    return due_ids


def _make_due(due_ids: dict[str, list[int]]) -> None:
    """Put the chosen deadlines back to due an hour ago, never fired (and clear what the last run recorded)."""
    from django.db import connection
    from django.utils import timezone

    past = timezone.now() - datetime.timedelta(hours=1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE probation_deadline SET due_at = %s, armed_for = %s, fired_count = 0 "
                       "WHERE id = ANY(%s)", [past, past, [i for ids in due_ids.values() for i in ids]])
        cursor.execute("DELETE FROM probation_notification WHERE dedupe_key LIKE 'supervision:%%'")
        cursor.execute("UPDATE supervision_overduecontact SET resolved_on = CURRENT_DATE WHERE resolved_on IS NULL")


def _sweep_figures(sizes: list[int], due: int, repeat: int = 5) -> list[str]:
    from probation.deadlines import deadlines_run
    from supervision.deadlines import STEPS

    lines = []
    for size in sizes:
        due_ids = _arm_deadlines(size, due)
        from probation.models import Deadline

        rows = Deadline.objects.filter(step__startswith="supervision.").count()
        runs, claimed = [], 0
        for _ in range(repeat + 1):  # the first is a warm-up
            _make_due(due_ids)
            start = time.perf_counter()
            result = deadlines_run(steps=STEPS)
            runs.append((time.perf_counter() - start) * 1000)
            claimed = sum(r["fired"] + r["skipped"] for r in result.values())
        nothing = timed(lambda: deadlines_run(steps=STEPS), repeat)
        lines.append(f"sweep, {size:7d} appointments' deadlines ({rows} rows), {claimed} due (outcome chase, "
                     f"decision overdue, contact overdue): median {statistics.median(runs[1:]):6.1f} ms; "
                     f"nothing due: {nothing['median_ms']:.1f} ms")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed-only", action="store_true", help="seed (if needed) and stop")
    parser.add_argument("--pages-only", action="store_true", help="time the pages, not the sweeps")
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from django.db.migrations.exceptions import InconsistentMigrationHistory

    try:
        call_command("migrate", verbosity=0)
    except InconsistentMigrationHistory:
        sys.exit("The scratch database was migrated by another branch's code: drop it "
                 f"({os.environ['DATABASE_URL']}) and run again.")
    _seed(args.people, args.appointments)
    _seed_enforcement()
    if args.seed_only:
        return
    setup_test_environment()
    from cases.models import Person
    from probation.models import User
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
    lines = [f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores, shared)",
             f"{Person.objects.count()} people, {Appointment.objects.count()} appointments; officer with "
             f"{Person.objects.filter(offender_manager=officer).count()} cases; case with "
             f"{person.appointments.count()} appointments", ""]
    # The pages are timed in turns (bare, diary, ..., bare, diary, ...), not one after another, so that the load of a
    # shared machine, which comes and goes, weighs on each page alike and the ratios to the bare page hold.
    queries, times, cpu = {}, {label: [] for label in pages}, {label: [] for label in pages}
    for label, url in pages.items():
        assert client.get(url).status_code == 200, url
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        queries[label] = len(ctx.captured_queries)
    for _ in range(args.repeat):
        for label, url in pages.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            times[label].append((time.perf_counter() - start) * 1000)
            cpu[label].append((time.process_time() - start_cpu) * 1000)
    bare = statistics.median(times["bare page (notifications)"])
    bare_cpu = statistics.median(cpu["bare page (notifications)"])
    for label in pages:
        ordered = sorted(times[label])
        median, p95 = statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        # (Query counts per page are asserted constant at two sizes in tests/supervision/test_pages.py.)
        # CPU: this process's own time (Django, templates, the driver), which other users' load does not inflate.
        lines.append(f"{label:36s} median {median:7.1f} ms  p95 {p95:7.1f} ms  x{median / bare:4.1f} of bare  "
                     f"(CPU x{statistics.median(cpu[label]) / bare_cpu:4.1f}; {queries[label]} queries)")
        print(lines[-1], flush=True)
    lines.append("")
    if not args.pages_only:
        total = Appointment.objects.count()
        sizes = [total // 5, total]
        sweeps = _sweep_figures(sizes, 200)
        lines += sweeps
        times = [float(line.split("median")[1].split("ms")[0]) for line in sweeps]
        lines.append(f"sweep cost at {sizes[1]} over {sizes[0]}: x{times[1] / times[0]:.2f}")
    lines.append(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    text = "\n".join(lines)
    print(text)
    if not args.pages_only:
        (ROOT / "benchmarks" / "supervision_bench_results.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
