"""MASH scale benchmark: bulk-seed PostgreSQL with 100,000 then 1,000,000 requests (10% open) and measure the hub
queue page, the partner API list and one escalation sweep (median / p95 wall time and query counts).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_mash_bench \\
        .venv/bin/python benchmarks/mash_bench.py [--sizes 100000 1000000] [--runs 15]

The database named in DATABASE_URL is created if missing, migrated, and its MASH tables are emptied first: point
it at a scratch database, never a real one. Rows go in with COPY in batches; the mix is realistic: 20 partner
organisations over 33 boroughs, ratings 15% red / 40% amber / 35% green / 10% blue, 90% answered (a tenth of
them late) and 1% withdrawn; open requests have deadlines spread from a week ago to a week ahead and, as in steady
state, the escalation steps already past are done, so a sweep finds only what fell due since the last run.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")
os.environ.setdefault("DJANGO_ENV", "test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/probation_mash_bench")


def ensure_database(url: str) -> None:
    import psycopg2
    from urllib.parse import urlparse

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username, password=parsed.password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')  # nosec B608 - name from the operator's own DATABASE_URL
    admin.close()


ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from partners.models import Borough, Organisation, PartnerMembership  # noqa: E402
from probation.models import Role, User  # noqa: E402
from safeguarding.models import DeadlineTier  # noqa: E402
from safeguarding.services import escalation_sweep  # noqa: E402

RATINGS = [("red", 15), ("amber", 40), ("green", 35), ("blue", 10)]
HOURS = {"red": timedelta(hours=4), "amber": timedelta(days=1), "green": timedelta(days=3), "blue": None}
REQUEST_COLUMNS = [
    "reference", "organisation_id", "borough_id", "channel", "subject_first_name", "subject_last_name", "subject_aliases",
    "subject_date_of_birth", "subject_address", "subject_pnc", "reason", "requester_name", "requester_email",
    "requester_phone", "rating_proposed", "rating", "tier_id", "due_at", "remind_at", "initial_due_at", "received_at",
    "created_at", "triaged_at", "match_outcome", "assignee_id", "assigned_at", "responded_at", "responded_by_id",
    "withdrawn_at", "withdrawal_reason", "reminded_at", "escalated_at", "next_escalation_at", "escalation_count",
    "response_emailed_at",
]
FIRST = ["Daniel", "Kyle", "Marcus", "Jason", "Lee", "Tyrone", "Stuart", "Ashley", "Ryan", "Callum", "Aaron", "Shane"]
LAST = ["Okafor", "Bennett", "Reid", "Whitfield", "Grant", "Campbell", "Mills", "Nolan", "Hughes", "Patel", "Byrne", "Ali"]


def setup_actors():
    call_command("migrate", verbosity=0)
    hub, _ = User.objects.get_or_create(username="bench-hub", defaults={"role": Role.HUB, "email": "hub@bench.example"})
    officers = []
    for i in range(40):
        officer, _ = User.objects.get_or_create(username=f"bench-om-{i}", defaults={"role": Role.OFFENDER_MANAGER})
        officers.append(officer)
    boroughs = list(Borough.objects.order_by("id"))
    organisations = []
    for i in range(20):
        org, _ = Organisation.objects.get_or_create(name=f"Bench MASH {i}", defaults={"kind": Organisation.Kind.MASH})
        org.boroughs.set([boroughs[i % len(boroughs)]])
        organisations.append(org)
    partner, _ = User.objects.get_or_create(username="bench-partner", defaults={"role": Role.PARTNER})
    PartnerMembership.objects.get_or_create(user=partner, defaults={"organisation": organisations[0]})
    tiers = {t.rating: t.pk for t in DeadlineTier.objects.filter(organisation=None)}
    return hub, officers, organisations, partner, tiers


def empty_tables():
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE safeguarding_response, safeguarding_concernedperson, safeguarding_requestevent, "
            "safeguarding_assignment, safeguarding_ratingchange, safeguarding_safeguardingrequest, "
            "safeguarding_referencecounter, probation_notification RESTART IDENTITY CASCADE"
        )


def _fmt(value):
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def seed(start: int, count: int, *, open_share: float, now: datetime, officers, organisations, tiers, hub, rng: random.Random):
    """COPY `count` requests numbered from `start` in batches of 50,000, plus a response row for each answered one."""
    weights = [w for _, w in RATINGS]
    names = [r for r, _ in RATINGS]
    batch = 50_000
    for offset in range(0, count, batch):
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM safeguarding_safeguardingrequest")
            last_id = cursor.fetchone()[0]
        requests = io.StringIO()
        answered = []
        for n in range(start + offset, start + min(offset + batch, count)):
            rating = rng.choices(names, weights)[0]
            org = organisations[n % len(organisations)]
            borough_id = org._bench_borough
            is_open = rng.random() < open_share
            if is_open:
                # Deadlines from a week ago to a week ahead, so the queue has overdue and upcoming work.
                due = now + timedelta(minutes=rng.randint(-7 * 24 * 60, 7 * 24 * 60))
                span = HOURS[rating]
                received = due - span if span else now - timedelta(hours=rng.randint(1, 300))
                if span is None:
                    due = None
            else:
                received = now - timedelta(days=rng.randint(8, 700), minutes=rng.randint(0, 1439))
                span = HOURS[rating]
                due = received + span if span else None
            remind = received + span * 0.75 if span else None
            withdrawn = (not is_open) and rng.random() < 0.01
            responded = None
            if not is_open and not withdrawn:
                late = rng.random() < 0.1
                responded = (due or received + timedelta(days=2)) + (timedelta(hours=rng.randint(1, 48)) if late else -timedelta(minutes=rng.randint(1, 200)))
                responded = max(responded, received + timedelta(minutes=5))
                answered.append(n)
            assigned = rng.random() < 0.7
            officer = officers[n % len(officers)]
            steady = (lambda t: t if t is not None and t <= now and is_open else None)
            escalated = steady(due)
            row = [
                f"MASH-{received.year}-{n + 1:07d}", org.pk, borough_id, "api" if n % 3 else "secure_email",
                rng.choice(FIRST), rng.choice(LAST), "", "1988-03-14", "1 High Street, London", "", "Section 47 enquiry",
                "Sam Worker", "sam@bench.example", "", rating, rating, tiers[rating], due, remind, due, received,
                received, received + timedelta(minutes=30), "known_crc" if assigned else "unknown",
                officer.pk if assigned else None, received + timedelta(minutes=31) if assigned else None, responded,
                (officer.pk if assigned else hub.pk) if responded else None, received + timedelta(hours=1) if withdrawn else None,
                "", steady(remind), escalated, (escalated + timedelta(hours=24) * (1 + (now - escalated) // timedelta(hours=24))) if escalated else None,
                1 if escalated else 0, responded,
            ]
            requests.write("\t".join(_fmt(v) for v in row) + "\n")
        requests.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY safeguarding_safeguardingrequest ({', '.join(REQUEST_COLUMNS)}) FROM STDIN",  # nosec B608
                requests,
            )
            # Responses for the answered ones, joined by reference.
            cursor.execute(
                "INSERT INTO safeguarding_response (request_id, supervision_status, risk_level, conditions, engagement, "
                "contact_with_named, professional_view, responded_by_id, responded_at) "
                "SELECT id, 'current_crc', 'medium', '', 'good', '', 'No current concerns.', responded_by_id, responded_at "
                "FROM safeguarding_safeguardingrequest WHERE id > %s AND responded_at IS NOT NULL",
                [last_id],
            )
        print(f"  seeded {start + min(offset + batch, count):,}", flush=True)
    with connection.cursor() as cursor:  # as autovacuum would after a bulk load: statistics and visibility map
        cursor.execute("VACUUM ANALYZE safeguarding_safeguardingrequest")
        cursor.execute("VACUUM ANALYZE safeguarding_response")


def measure(label: str, fn, runs: int) -> dict:
    fn()  # warm up
    times, queries = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured))
    times.sort()
    result = {
        "label": label, "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(round(0.95 * len(times))) - 1)], 1), "queries": sorted(set(queries)),
    }
    print(f"  {label:<44} median {result['median_ms']:>8} ms   p95 {result['p95_ms']:>8} ms   queries {result['queries']}", flush=True)
    return result


def make_due(count: int, now: datetime) -> list[int]:
    """Make `count` open requests fall due for each escalation step now (as if time had moved on)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE safeguarding_safeguardingrequest SET reminded_at = NULL, escalated_at = NULL, next_escalation_at = NULL, "
            "escalation_count = 0, remind_at = %s, due_at = %s WHERE id IN (SELECT id FROM safeguarding_safeguardingrequest "
            "WHERE responded_at IS NULL AND withdrawn_at IS NULL AND due_at IS NOT NULL AND due_at > %s AND received_at < %s ORDER BY id LIMIT %s) RETURNING id",
            [now - timedelta(minutes=1), now - timedelta(seconds=30), now, now - timedelta(hours=1), count],
        )
        return [r[0] for r in cursor.fetchall()]


def sweep_with(due: int, now: datetime):
    def run():
        with transaction.atomic():
            make_due(due, now)
            result = escalation_sweep(now=now)
            assert result["failed"] == 0, result
            assert result["escalated"] == due and result["reminded"] == due, result
            transaction.set_rollback(True)  # the same rows fall due again for the next run

    return run


def explain(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)  # nosec B608 - fixed statements below
        return "\n".join("    " + r[0] for r in cursor.fetchall())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    hub, officers, organisations, partner, tiers = setup_actors()
    for org in organisations:
        org._bench_borough = org.boroughs.first().pk
    empty_tables()
    rng = random.Random(20261123)
    now = datetime.now(UTC)
    page = Client()
    page.force_login(hub)
    # Two-factor: mark the session verified with a confirmed TOTP device, as a real sign-in would.
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=hub, name="bench", defaults={"confirmed": True})
    session = page.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    api = APIClient()
    api.force_authenticate(partner)
    seeded = 0
    report = []
    for size in sorted(args.sizes):
        print(f"\nSeeding to {size:,} requests (10% open)...", flush=True)
        started = time.perf_counter()
        seed(seeded, size - seeded, open_share=0.10, now=now, officers=officers, organisations=organisations, tiers=tiers, hub=hub, rng=rng)
        seeded = size
        print(f"  seeding took {time.perf_counter() - started:.0f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), count(*) FILTER (WHERE responded_at IS NULL AND withdrawn_at IS NULL) FROM safeguarding_safeguardingrequest")
            total, open_count = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM safeguarding_safeguardingrequest WHERE organisation_id = %s", [organisations[0].pk])
            partner_count = cursor.fetchone()[0]
        print(f"  {total:,} requests, {open_count:,} open; the partner's organisation has {partner_count:,}")

        def queue():
            assert page.get("/safeguarding/").status_code == 200

        def queue_filtered():
            assert page.get("/safeguarding/", {"rating": "red", "state": "assigned", "page": "3"}).status_code == 200

        def api_list():
            assert api.get("/api/v1/safeguarding/requests/").status_code == 200

        def api_list_open():
            assert api.get("/api/v1/safeguarding/requests/", {"state": "open", "page": "2"}).status_code == 200

        results = [
            measure("hub queue page (page 1)", queue, args.runs),
            measure("hub queue page (red, assigned, page 3)", queue_filtered, args.runs),
            measure("partner API list (page 1)", api_list, args.runs),
            measure("partner API list (open, page 2)", api_list_open, args.runs),
            measure("escalation sweep, nothing due", lambda: escalation_sweep(now=now), args.runs),
            measure("escalation sweep, 10 due (x2 steps)", sweep_with(10, now), max(5, args.runs // 3)),
            measure("escalation sweep, 100 due (x2 steps)", sweep_with(100, now), max(5, args.runs // 3)),
        ]
        report.append((size, open_count, results))
        print("  plan, breach step of the sweep:")
        print(explain(
            "SELECT id FROM safeguarding_safeguardingrequest WHERE responded_at IS NULL AND withdrawn_at IS NULL "
            "AND escalated_at IS NULL AND due_at IS NOT NULL AND due_at <= %s ORDER BY due_at LIMIT 500", [now]))
        print("  plan, hub queue page:")
        print(explain(
            "SELECT id FROM safeguarding_safeguardingrequest WHERE responded_at IS NULL AND withdrawn_at IS NULL "
            "ORDER BY due_at ASC NULLS LAST, received_at, id LIMIT 50", []))

    print("\nSummary (median / p95 ms, queries per call):")
    for size, open_count, results in report:
        print(f"  {size:>9,} requests ({open_count:,} open)")
        for r in results:
            print(f"    {r['label']:<44} {r['median_ms']:>8} / {r['p95_ms']:<8} queries {r['queries']}")


if __name__ == "__main__":
    main()
