"""Interventions benchmark: a borough's unpaid-work page, a session's attendance page, a programme group page and a
borough's waiting list against a bare page (the notifications page, through the same middleware) with their query
counts, and the unpaid-work pace sweep (a deadline-engine step) with 0, 10 and 1,000 checks due over every unpaid
work requirement; at two sizes, so that constant queries and a sweep whose cost follows the work due (not the table)
show side by side.

    BENCH_DATABASE_PREFIX=postgres://postgres@127.0.0.1:5432/probation_<branch>_bench \
        .venv/bin/python benchmarks/interventions_bench.py [--sizes 20000:200000 200000:2000000] [--repeat 25]

Each size is PEOPLE:ATTENDANCES and gets its own scratch database, the prefix plus the size (e.g.
probation_intscale_bench_200k_2000k), created, migrated and seeded once (kept between runs). Each size's pages run in
a child process (its own Django set-up), timed in rounds (every page once a round) so a burst of load from the
machine's other users falls on the bare page too; the ratio to the bare page of the same child is the figure, never
absolute times. The pace sweeps then run in one more child that switches between the sizes' databases and
interleaves them (after an untimed warm-up sweep on each fresh connection), so the sizes meet the same load. The
parent writes benchmarks/interventions_bench_results.txt with the load average before and after.

Seeding is set-based SQL, not ORM objects: one template row per table is bulk-inserted through the ORM (so every
column a model gains later is filled with its default), then copied N times with INSERT ... SELECT over
generate_series, overriding only the columns that vary (the template rows stay: one more person, booking and
referral); 2,000,000 attendances (appointment + booking each) go in
with two statements. The mix: one unpaid work requirement per person (40/80/120/200 hours); sessions of 8 people at
30 projects a borough spread over the last three years and the next fortnight, so a borough's fortnight shows
about as many sessions as a real one; past sessions recorded, 92% attended, 8% unacceptable absences; a referral
per person to the Thinking Skills Programme, spread over the 33 boroughs, 12 of them allocated to one Camden group.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess  # nosec B404 - runs this same script as a child, with fixed arguments
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.common import ensure_database  # noqa: E402

PREFIX = os.environ.get("BENCH_DATABASE_PREFIX", "postgres://postgres@127.0.0.1:5432/probation_interventions_bench")
PROJECTS_PER_BOROUGH = 30
HISTORY_DAYS = 3 * 365
PER_SESSION = 8
GROUP_SIZE = 12
DUE = (0, 10, 1000)  # pace checks due in a sweep
ROWS = {"borough unpaid-work page (camden)": "sessions", "session attendance page": "rows",
        "programme group page": "members", "waiting list (camden)": "referrals"}  # what each page lists


def _database_url(people: int, attendances: int) -> str:
    return f"{PREFIX}_{people // 1000}k_{attendances // 1000}k"


def _columns(cursor, table: str) -> list[str]:
    cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                   "AND table_name = %s ORDER BY ordinal_position", [table])
    return [row[0] for row in cursor.fetchall()]


def _copy_rows(cursor, table: str, template_id: int, source: str, overrides: dict[str, str], params=()) -> int:
    """INSERT into `table` one row per row of `source` (SQL aliased `s`), each a copy of the template row with the
    `overrides` (column -> SQL expression over `s`); the primary key comes from the sequence unless overridden."""
    columns = [c for c in _columns(cursor, table) if c != "id" or "id" in overrides]
    values = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} "  # nosec B608 - fixed names
                   f"FROM {table} t, ({source}) s WHERE t.id = %s", [*params, template_id])
    return cursor.rowcount


def _seed(people: int, attendances: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from cases.models import Person, Requirement, Sentence, StaffProfile, Team
    from interventions.models import (Booking, GroupSession, Programme, ProgrammeGroup, Project, Referral,
                                      ReferralStatusChange, Session)
    from partners.models import Borough, Organisation
    from probation.models import Role, User
    from supervision.models import LONDON, Appointment

    if Person.objects.filter(crn__startswith="U").exists():
        return
    started = time.perf_counter()
    print(f"Seeding {people} people and {attendances} session attendances (once)...", file=sys.stderr, flush=True)
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        boroughs = list(Borough.objects.order_by("code").values_list("pk", flat=True))
        camden = Borough.objects.get(code="camden")
        manager = User.objects.create(username="ibench-spo", role=Role.TEAM_MANAGER)
        team = Team.objects.create(name="Interventions bench team", borough=camden, cohort="working_age_men",
                                   manager=manager)
        officers = User.objects.bulk_create(
            [User(username=f"ibench-om-{n}", role=Role.OFFENDER_MANAGER, first_name="Om", last_name=str(n))
             for n in range(max(1, people // 45))], batch_size=5000)
        StaffProfile.objects.bulk_create([StaffProfile(user=u, grade="po", team=team) for u in officers],
                                         batch_size=5000)
        officer_ids = [u.pk for u in officers]
        partner = Organisation.objects.create(name="Bench placements", kind="supply_chain")
        projects = Project.objects.bulk_create(
            [Project(name=f"Bench project {n}", partner=partner, borough_id=boroughs[n % len(boroughs)],
                     address="Somewhere", capacity=PER_SESSION, supervisor_id=officer_ids[n % len(officer_ids)])
             for n in range(PROJECTS_PER_BOROUGH * len(boroughs))])
        project_ids = [p.pk for p in projects]
        programme = Programme.objects.get(code="thinking-skills-programme")
        group = ProgrammeGroup.objects.create(programme=programme, borough=camden, start_date=today,
                                              created_by=manager, capacity=GROUP_SIZE)
        group.facilitators.set(officers[:2])
        start = datetime.datetime.combine(today, datetime.time(18), tzinfo=LONDON)
        GroupSession.objects.bulk_create([GroupSession(
            group=group, number=n, starts_at=start + datetime.timedelta(days=7 * n),
            ends_at=start + datetime.timedelta(days=7 * n, hours=2)) for n in range(1, programme.sessions + 1)])

        # One template row per table (bulk_create: no signals, no side effects), copied below. They stay (records
        # are never deleted; the database refuses): one person T000000 with one booking and one waiting referral.
        [person] = Person.objects.bulk_create([Person(
            crn="T000000", first_name="Sam", last_name="Template", date_of_birth=datetime.date(1990, 1, 1),
            gender="male", home_borough=camden, tier="C1", team=team, offender_manager_id=officer_ids[0])])
        sentence = Sentence(person=person, kind="community_order", sentence_date=today - datetime.timedelta(days=200),
                            offence_date=today - datetime.timedelta(days=260), length_months=24)
        sentence.compute_dates(date_of_birth=person.date_of_birth)
        [sentence] = Sentence.objects.bulk_create([sentence])
        [requirement] = Requirement.objects.bulk_create([Requirement(
            sentence=sentence, kind="unpaid_work", hours=40, start_date=sentence.sentence_date,
            end_date=sentence.end_date)])
        first = datetime.datetime.combine(today, datetime.time(9), tzinfo=LONDON)
        [session] = Session.objects.bulk_create([Session(project=projects[0], starts_at=first, local_date=today,
                                                         ends_at=first + datetime.timedelta(hours=7))])
        [appointment] = Appointment.objects.bulk_create([Appointment(
            person=person, type="unpaid_work", place="office", starts_at=session.starts_at, ends_at=session.ends_at,
            local_date=today, partner_organisation=partner, booked_by_id=officer_ids[0], requirement=requirement,
            outcome_due_at=session.ends_at + datetime.timedelta(days=1))])
        [booking] = Booking.objects.bulk_create([Booking(
            session=session, person=person, requirement=requirement, appointment=appointment,
            starts_at=session.starts_at, ends_at=session.ends_at, booked_by_id=officer_ids[0])])
        [referral] = Referral.objects.bulk_create([Referral(
            person=person, programme=programme, borough=camden, eligible=True, referred_by_id=officer_ids[0],
            status="waiting")])
        [change] = ReferralStatusChange.objects.bulk_create([ReferralStatusChange(
            referral=referral, to_status="referred", by_id=officer_ids[0], reason="Bench")])

        with connection.cursor() as cursor:
            # Bulk load: the rows below are built from ids just read, so the per-row foreign key triggers (checked at
            # COMMIT, one by one: minutes for 2M bookings) are skipped for this transaction (superuser only).
            cursor.execute("SET LOCAL session_replication_role = replica")
            _copy_rows(cursor, "cases_person", person.pk, "SELECT g FROM generate_series(0, %s) g", {
                "crn": "'U' || lpad(s.g::text, 6, '0')", "last_name": "'Bench' || s.g",
                "home_borough_id": "(%s::bigint[])[mod(s.g, %s) + 1]",
                "offender_manager_id": "(%s::bigint[])[mod(s.g, %s) + 1]"},
                [boroughs, len(boroughs), officer_ids, len(officer_ids), people - 1])
            _copy_rows(cursor, "cases_sentence", sentence.pk,
                       "SELECT id FROM cases_person WHERE crn LIKE 'U%%'", {"person_id": "s.id"})
            _copy_rows(cursor, "cases_requirement", requirement.pk,
                       "SELECT id FROM cases_sentence WHERE person_id <> %s",
                       {"sentence_id": "s.id", "hours": "(ARRAY[40, 80, 120, 200])[mod(s.id, 4) + 1]"}, [person.pk])
            cursor.execute(
                "CREATE TEMP TABLE bench_people AS SELECT row_number() OVER (ORDER BY p.id) - 1 AS n, p.id, "
                "p.offender_manager_id AS officer_id, r.id AS requirement_id FROM cases_person p "
                "JOIN cases_sentence se ON se.person_id = p.id JOIN cases_requirement r ON r.sentence_id = se.id "
                "WHERE p.crn LIKE 'U%%'")
            cursor.execute("CREATE UNIQUE INDEX ON bench_people (n)")
            # Sessions: day spread over the history and the next fortnight by a fixed hash of the number.
            _copy_rows(cursor, "interventions_session", session.pk,
                       "SELECT g, %s::date - (mod(g * 7919, %s) - 14) AS day FROM generate_series(0, %s) g", {
                           "project_id": "(%s::bigint[])[mod(s.g, %s) + 1]",
                           "starts_at": "(s.day + time '09:00') AT TIME ZONE 'Europe/London'",
                           "ends_at": "(s.day + time '16:00') AT TIME ZONE 'Europe/London'",
                           "local_date": "s.day"},
                       [project_ids, len(project_ids), today, HISTORY_DAYS + 14, attendances // PER_SESSION - 1])
            cursor.execute(
                "CREATE TEMP TABLE bench_attendance AS SELECT "
                "nextval(pg_get_serial_sequence('supervision_appointment', 'id')) AS appointment_id, "
                "se.id AS session_id, se.starts_at, se.ends_at, se.local_date, p.id AS person_id, p.officer_id, "
                "p.requirement_id, CASE WHEN se.ends_at > %s THEN '' "
                "WHEN mod(se.n * 8 + j, 100) < 8 THEN 'unacceptable_absence' ELSE 'attended' END AS outcome "
                "FROM (SELECT *, row_number() OVER (ORDER BY id) - 1 AS n FROM interventions_session "
                "      WHERE id <> %s) se CROSS JOIN generate_series(0, %s) j "
                "JOIN bench_people p ON p.n = mod(se.n * %s + j, %s)",
                [now, session.pk, PER_SESSION - 1, PER_SESSION, people])
            _copy_rows(cursor, "supervision_appointment", appointment.pk, "SELECT * FROM bench_attendance", {
                "id": "s.appointment_id", "person_id": "s.person_id", "starts_at": "s.starts_at",
                "ends_at": "s.ends_at", "local_date": "s.local_date", "booked_by_id": "s.officer_id",
                "requirement_id": "s.requirement_id", "outcome": "s.outcome",
                "outcome_recorded_at": "CASE WHEN s.outcome <> '' THEN s.ends_at END",
                "outcome_due_at": "s.ends_at + interval '1 day'"})
            _copy_rows(cursor, "interventions_booking", booking.pk, "SELECT * FROM bench_attendance", {
                "session_id": "s.session_id", "person_id": "s.person_id", "requirement_id": "s.requirement_id",
                "appointment_id": "s.appointment_id", "starts_at": "s.starts_at", "ends_at": "s.ends_at",
                "booked_by_id": "s.officer_id",
                "minutes_worked": "CASE WHEN s.outcome = 'attended' THEN 420 END",
                "credited_minutes": "CASE WHEN s.outcome = 'attended' THEN 420 ELSE 0 END",
                "attendance_recorded_at": "CASE WHEN s.outcome <> '' THEN s.ends_at END",
                "behaviour": "CASE WHEN s.outcome = 'attended' THEN 'good' ELSE '' END"})
            # Referrals: the first 12 people (all Camden's first) in the group, the rest waiting in their borough.
            _copy_rows(cursor, "interventions_referral", referral.pk,
                       "SELECT p.*, pe.home_borough_id FROM bench_people p JOIN cases_person pe ON pe.id = p.id", {
                           "person_id": "s.id", "referred_by_id": "s.officer_id",
                           "borough_id": f"CASE WHEN s.n < {GROUP_SIZE} THEN t.borough_id ELSE s.home_borough_id END",
                           "status": f"CASE WHEN s.n < {GROUP_SIZE} THEN 'allocated' ELSE 'waiting' END",
                           "group_id": f"CASE WHEN s.n < {GROUP_SIZE} THEN {group.pk} END",
                           "status_changed_at": "t.status_changed_at - s.n * interval '1 minute'"})
            _copy_rows(cursor, "interventions_referralstatuschange", change.pk,
                       "SELECT id FROM interventions_referral WHERE id <> %s", {"referral_id": "s.id"}, [referral.pk])
            cursor.execute("DROP TABLE bench_attendance, bench_people")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


def _arm_pace(due: int) -> None:
    """A pace deadline for every unpaid work requirement (inserted once, due in four weeks), `due` of them due now.
    As in steady state, the table is not rewritten between sweeps: only the deadlines the last sweep closed and the
    `due` ones to fire are moved."""
    from django.db import connection
    from django.utils import timezone

    from interventions.deadlines import UPW_PACE

    now = timezone.now()
    later = now + datetime.timedelta(days=28)
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM probation_deadline WHERE step = %s)", [UPW_PACE])
        if not cursor.fetchone()[0]:
            cursor.execute("INSERT INTO probation_deadline (step, owner_id, due_at, armed_for, fired_count) "
                           "SELECT %s, r.id, %s, %s, 0 FROM cases_requirement r WHERE r.kind = 'unpaid_work'",
                           [UPW_PACE, later, now])
            cursor.execute("ANALYZE probation_deadline")
        cursor.execute("UPDATE probation_deadline SET due_at = %s WHERE step = %s AND (due_at IS NULL OR due_at <= %s)",
                       [later, UPW_PACE, now])
        cursor.execute("UPDATE probation_deadline SET due_at = %s WHERE id IN (SELECT id FROM probation_deadline "
                       "WHERE step = %s ORDER BY owner_id LIMIT %s)", [now - datetime.timedelta(hours=1), UPW_PACE, due])


def measure(people: int, attendances: int, repeat: int) -> dict:
    """In a child process whose DATABASE_URL names this size's database: seed once, then time the pages and sweep."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    _seed(people, attendances)
    setup_test_environment()
    from interventions.deadlines import UPW_PACE
    from interventions.models import Booking, ProgrammeGroup, Referral, Session
    from probation.deadlines import deadlines_run
    from probation.models import Notification, User
    from tests.conftest import SignedInClient

    spo = User.objects.get(username="ibench-spo")
    client = SignedInClient()
    client.force_login(spo)
    busiest = Session.objects.filter(project__borough__code="camden", local_date__lte=datetime.date.today()) \
        .order_by("-local_date").first()
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
    result = {"people": people, "attendances": Booking.objects.count(), "sessions": Session.objects.count(),
              "referrals": Referral.objects.count(),
              "camden_waiting": Referral.objects.filter(status="waiting", borough__code="camden").count(),
              "pages": {}}
    # Rounds: each round times every page once, so a burst of load from the machine's other users falls on the bare
    # page and the others alike (the ratio is what is compared).
    counts, times = {}, {label: [] for label in pages}
    for label, url in pages.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, url
        rows = response.context.get(ROWS.get(label, ""))
        counts[label] = (len(ctx.captured_queries), len(rows) if rows is not None else None)
    for _ in range(repeat):
        for label, url in pages.items():
            start = time.perf_counter()
            client.get(url)
            times[label].append((time.perf_counter() - start) * 1000)
    for label in pages:
        ordered = sorted(times[label])
        result["pages"][label] = {"median_ms": statistics.median(ordered), "queries": counts[label][0],
                                  "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
                                  "rows": counts[label][1]}
    return result


def measure_sweeps(urls: list[str], rounds: int) -> dict:
    """The pace sweep with 0, 10 and 1,000 due over every size's requirements, in one process, switching database
    between runs and interleaving sizes, so the sizes are compared under the same load."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from interventions.deadlines import UPW_PACE
    from probation.deadlines import deadlines_run
    from probation.models import Notification

    def use(url):
        connection.close()
        connection.settings_dict["NAME"] = url.rsplit("/", 1)[1]

    runs = {(url, due): [] for url in urls for due in DUE}
    statements, fired = {}, {}
    for _ in range(rounds):
        for due in DUE:
            for url in urls:
                use(url)
                _arm_pace(10)  # warm the new connection's caches with an untimed small sweep
                deadlines_run(steps=[UPW_PACE])
                _arm_pace(due)
                Notification.objects.filter(dedupe_key__startswith="interventions:").delete()
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    done = deadlines_run(steps=[UPW_PACE]).get(UPW_PACE, {}).get("fired", 0)
                    runs[url, due].append((time.perf_counter() - start) * 1000)
                statements[url, due], fired[url, due] = len(ctx.captured_queries), done
    return {url: {due: {"median_ms": statistics.median(runs[url, due]), "statements": statements[url, due],
                        "fired": fired[url, due]} for due in DUE} for url in urls}


def _report(results: list[dict], load_before, load_after) -> str:
    lines = ["benchmarks/interventions_bench.py: pages timed in rounds, x = median / bare page median in the same run; "
             "pace sweeps of every size in one process, sizes interleaved.",
             f"Load average (1, 5, 15 min) before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
             f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (2 cores, shared)", ""]
    for r in results:
        bare = r["pages"]["bare page (notifications)"]["median_ms"]
        lines.append(f"{r['people']} people, {r['attendances']} session bookings/attendances, {r['sessions']} "
                     f"sessions, {r['referrals']} referrals ({r['camden_waiting']} waiting in Camden)")
        for label, p in r["pages"].items():
            rows = f"{p['rows']:4d} rows" if p["rows"] is not None else "         "
            lines.append(f"  {label:36s} median {p['median_ms']:7.1f} ms  p95 {p['p95_ms']:7.1f} ms  "
                         f"x{p['median_ms'] / bare:4.1f} of bare  {p['queries']:3d} queries  {rows}")
        for due, p in r["pace"].items():
            lines.append(f"  pace sweep (sizes interleaved) over {r['people']} requirements, {int(due):5d} due: median "
                         f"{p['median_ms']:7.1f} ms, {p['statements']:2d} statements ({p['fired']} fired)")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", default=["20000:200000", "200000:2000000"],
                        help="PEOPLE:ATTENDANCES, one child run each")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7, help="pace sweeps per size and number due")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--sweeps", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        people, attendances = map(int, args.child.split(":"))
        print(json.dumps(measure(people, attendances, args.repeat)))
        return
    if args.sweeps:
        print(json.dumps(measure_sweeps(args.sweeps, args.rounds)))
        return
    load_before = os.getloadavg()
    results = []
    for size in args.sizes:
        people, attendances = map(int, size.split(":"))
        url = _database_url(people, attendances)
        ensure_database(url)
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "probation.settings",
               "DJANGO_ENV": os.environ.get("DJANGO_ENV", "development"), "DJANGO_DEBUG": "0"}
        out = subprocess.run([sys.executable, __file__, "--child", size, "--repeat", str(args.repeat)],  # nosec B603
                             env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
        results.append({**json.loads(out.strip().splitlines()[-1]), "url": url})
    urls = [r["url"] for r in results]
    out = subprocess.run([sys.executable, __file__, "--sweeps", *urls, "--rounds", str(args.rounds)],  # nosec B603
                         env={**env, "DATABASE_URL": urls[0]}, cwd=ROOT, check=True, stdout=subprocess.PIPE,
                         text=True).stdout
    sweeps = json.loads(out.strip().splitlines()[-1])
    for r in results:
        r["pace"] = sweeps[r["url"]]
    text = _report(results, load_before, os.getloadavg())
    print(text)
    (ROOT / "benchmarks" / "interventions_bench_results.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
