"""Allocation queue benchmark (#12, #16 "Performance"): the hub's all-teams unallocated queue, the allocation page it
links to and the team workload page, each beside a bare page view (the password page) through the same middleware,
in the same run, signed in with both factors. Prints the median and 95th percentile of R calls, the statements of
one call and the ratio of each page's median to the bare page's (the target: within 5x, constant statements).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_queue_bench .venv/bin/python benchmarks/queue_bench.py \
        --people 50000

Seeds with seed_demo (once; skipped when the people are there). --profile prints cProfile's top functions and each
statement's time for one call of the hub's queue page.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")
os.environ.setdefault("DJANGO_ENV", "development")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/probation_queue_bench")

from benchmarks.common import ensure_database, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cases.models import Person, StaffProfile
    from cases.selectors import unallocated_queue_for
    from probation.models import User

    call_command("migrate", verbosity=0)
    seeded = Person.objects.filter(crn__startswith="D").count()
    if seeded < args.people:
        print(f"Seeding {args.people - seeded} people (once)…", flush=True)
        call_command("seed_demo", "--people", str(args.people), "--quiet-logins", stdout=sys.stderr)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    with connection.cursor() as cursor:
        # What autovacuum does soon after a bulk load (inserts past autovacuum_vacuum_insert_threshold): the
        # visibility map lets the queue's count be an index-only scan. Cheap when nothing changed since.
        cursor.execute("VACUUM ANALYZE cases_person")
    from cases.models import OfficerCaseload

    if not OfficerCaseload.objects.exists():  # a database seeded before the counts existed: count once, as
        from cases.services import officer_caseloads_check  # `manage.py workload_check --fix` does after deploying

        print("Counting every officer's caseload once (workload_check --fix)…", flush=True)
        officer_caseloads_check(fix=True)
    setup_test_environment()
    hub, spo = User.objects.get(username="hub"), User.objects.get(username="spo")
    queued = unallocated_queue_for(hub)
    page_team_ids = list(dict.fromkeys(p.team_id for p in queued[:50]))
    page_teams = len(page_team_ids)
    print(f"{Person.objects.count()} people, {StaffProfile.objects.count()} staff profiles, {queued.count()} "
          f"unallocated (the hub's first page spans {page_teams} teams)")
    largest_team = (StaffProfile.objects.values("team_id").annotate(n=Count("id")).order_by("-n").first())["team_id"]
    to_allocate = queued.filter(team_id=largest_team).first() or queued.first()

    clients = {}

    def client_for(user):
        if user.pk not in clients:
            client = Client()
            client.force_login(user)
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
                user=user, name="Benchmark authenticator", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
            clients[user.pk] = client
        return clients[user.pk]

    def page(label, user, url):
        client = client_for(user)

        def run():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return label, timed(run, args.repeat)

    url = os.environ.get("PROFILE_URL", "/cases/unallocated/")
    def cold(label, user, url, team_ids):
        """Each view follows a change that dropped these teams' cached candidates: an allocation drops its team's,
        and every QUEUE_WORKLOAD_SECONDS each team's expires (the worst case: all the page's teams at once)."""
        from cases.selectors import workload_changed

        client = client_for(user)

        def run():
            workload_changed(team_ids=team_ids)
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return label, timed(run, args.repeat)

    if args.profile:
        client = client_for(spo if "workload" in url else hub)
        client.get(url)
        profiler = cProfile.Profile()
        with CaptureQueriesContext(connection) as ctx:
            profiler.enable()
            client.get(url)
            profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(int(os.environ.get("TOP", "40")))
        print(out.getvalue())
        for q in ctx.captured_queries:
            print(f"{q['time']:>7} s  {q['sql'][:220]}")
        return

    rows = [page("bare page (account password)", spo, "/account/password/")]
    rows += [
        page("hub: unallocated queue, all teams", hub, "/cases/unallocated/"),
        page("hub: unallocated queue, page 2", hub, "/cases/unallocated/?page=2"),
        cold("hub: unallocated queue, after an allocation", hub, "/cases/unallocated/", page_team_ids[:1]),
        cold("hub: unallocated queue, every team's cache expired", hub, "/cases/unallocated/", page_team_ids),
        page("spo: unallocated queue, own teams", spo, "/cases/unallocated/"),
        page(f"hub: allocation page ({to_allocate.crn}, largest team)", hub, f"/cases/{to_allocate.crn}/allocate/"),
        page("spo: team workload", spo, "/cases/workload/"),
        page("hub: team workload (largest team)", hub, f"/cases/workload/?team={largest_team}"),
    ]
    rows.append(page("bare page again (account password)", spo, "/account/password/"))
    bare = min(rows[0][1]["median_ms"], rows[-1][1]["median_ms"])
    width = max(len(label) for label, _ in rows)
    print(f"\n{'measure':<{width}}  median ms   p95 ms  queries  x bare")
    for label, r in rows:
        print(f"{label:<{width}}  {r['median_ms']:9.1f}  {r['p95_ms']:7.1f}  {r['queries']:7d}  {r['median_ms'] / bare:6.1f}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
