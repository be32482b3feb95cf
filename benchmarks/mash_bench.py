"""MASH scale benchmark: bulk-seed PostgreSQL with 100,000 then 1,000,000 requests (10% open) and measure, on the
same tables in the same run: the deadline engine's sweep with 1,000 escalation steps due (500 reminders + 500
breaches) and with none, beside the raw set-based claim (claim + notifications + events in plain SQL, one
transaction) and the raw per-row loop (one transaction, a conditional UPDATE a row); statements per sweep; the hub
queue page beside a bare page through the same middleware; the partner API list (median / p95 wall time, queries).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_mash_bench \\
        .venv/bin/python benchmarks/mash_bench.py [--sizes 100000 1000000] [--runs 15]

The database named in DATABASE_URL is created if missing, migrated, and its MASH tables are emptied first: point
it at a scratch database, never a real one. Each size ends with one JSON line (medians, ms) a script can read:
{"size": 100000, "sweep_steps": 1000, "sweep_ms": ..., "sweep_statements": ..., "noop_ms": ..., "raw_loop_ms": ...,
"raw_set_ms": ..., "queue_ms": ..., "bare_page_ms": ...}. Rows go in with COPY in batches; the mix is realistic: 20 partner
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
from benchmarks.common import ensure_database  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")
os.environ.setdefault("DJANGO_ENV", "test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/probation_mash_bench")


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

import json  # noqa: E402
import types  # noqa: E402

from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402

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
    "withdrawn_at", "withdrawal_reason", "response_emailed_at",
]
SWEEP_STEPS = 1000  # 500 reminders + 500 breaches


def bare_page(request):
    """The floor for a staff page: signed in and two-factor verified, through every middleware, nothing rendered."""
    return HttpResponse("<!doctype html><title>Bare</title><p>Bare page</p>")


# The project's URLs plus the bare page, so both go through the same middleware.
bench_urls = types.ModuleType("bench_urls")
bench_urls.urlpatterns = [path("bench/bare/", bare_page), path("", include("probation.urls"))]
sys.modules["bench_urls"] = bench_urls
settings.ROOT_URLCONF = "bench_urls"
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
            "safeguarding_referencecounter, probation_notification, probation_deadline RESTART IDENTITY CASCADE"
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
            row = [
                f"MASH-{received.year}-{n + 1:07d}", org.pk, borough_id, "api" if n % 3 else "secure_email",
                rng.choice(FIRST), rng.choice(LAST), "", "1988-03-14", "1 High Street, London", "", "Section 47 enquiry",
                "Sam Worker", "sam@bench.example", "", rating, rating, tiers[rating], due, remind, due, received,
                received, received + timedelta(minutes=30), "known_crc" if assigned else "unknown",
                officer.pk if assigned else None, received + timedelta(minutes=31) if assigned else None, responded,
                (officer.pk if assigned else hub.pk) if responded else None, received + timedelta(hours=1) if withdrawn else None,
                "", responded,
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
            # The open requests' deadlines in the engine's table, in steady state: the steps already past are done
            # (a reminder sent; a breach sent and its next daily repeat ahead), so a sweep finds only what fell due.
            cursor.execute(
                "INSERT INTO probation_deadline (step, owner_id, due_at, armed_for, fired_count, fired_at) "
                "SELECT 'safeguarding.remind', id, CASE WHEN remind_at > %(now)s THEN remind_at END, remind_at, "
                "CASE WHEN remind_at > %(now)s THEN 0 ELSE 1 END, CASE WHEN remind_at <= %(now)s THEN remind_at END "
                "FROM safeguarding_safeguardingrequest WHERE id > %(last)s AND responded_at IS NULL AND withdrawn_at IS NULL "
                "AND remind_at IS NOT NULL AND remind_at < due_at "
                "UNION ALL "
                "SELECT 'safeguarding.overdue', id, CASE WHEN due_at > %(now)s THEN due_at ELSE due_at + interval '1 day' * "
                "(floor(extract(epoch FROM %(now)s - due_at) / 86400) + 1) END, due_at, "
                "CASE WHEN due_at > %(now)s THEN 0 ELSE 1 END, CASE WHEN due_at <= %(now)s THEN due_at END "
                "FROM safeguarding_safeguardingrequest WHERE id > %(last)s AND responded_at IS NULL AND withdrawn_at IS NULL "
                "AND due_at IS NOT NULL",
                {"now": now, "last": last_id},
            )
        print(f"  seeded {start + min(offset + batch, count):,}", flush=True)
    with connection.cursor() as cursor:  # as autovacuum would after a bulk load: statistics and visibility map
        cursor.execute("VACUUM ANALYZE safeguarding_safeguardingrequest")
        cursor.execute("VACUUM ANALYZE safeguarding_response")
        cursor.execute("VACUUM ANALYZE probation_deadline")


def measure(label: str, fn, runs: int) -> dict:
    """Median / p95 wall time; queries counted on a separate warm-up run, so the timed runs log nothing."""
    fn()  # warm-up: caches filled
    connection.queries_log.clear()  # a full log (9,000 entries) would hide the count
    with CaptureQueriesContext(connection) as captured:
        fn()
    queries = len(captured)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    result = {
        "label": label, "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(round(0.95 * len(times))) - 1)], 1), "queries": [queries],
    }
    print(f"  {label:<44} median {result['median_ms']:>8} ms   p95 {result['p95_ms']:>8} ms   queries {queries}", flush=True)
    return result


class DueSteps:
    """Make SWEEP_STEPS escalation steps fall due now (half reminders, half breaches), committed as in production,
    and put everything back afterwards (the deadlines, the requests' due times, the notifications and events)."""

    def __init__(self, now: datetime):
        self.now = now
        half = SWEEP_STEPS // 2
        select = (
            "SELECT r.id, r.due_at, d.id, e.id, d.due_at, d.armed_for, d.fired_count, d.fired_at, e.due_at, e.armed_for, "
            "e.fired_count, e.fired_at FROM safeguarding_safeguardingrequest r "
            "JOIN probation_deadline d ON d.owner_id = r.id AND d.step = 'safeguarding.remind' "
            "JOIN probation_deadline e ON e.owner_id = r.id AND e.step = 'safeguarding.overdue' "
            "WHERE r.responded_at IS NULL AND r.withdrawn_at IS NULL AND r.due_at > %s "
        )
        with connection.cursor() as cursor:
            # Reminders: requests whose deadline is still ahead.
            cursor.execute(select + "ORDER BY r.id DESC LIMIT %s", [now + timedelta(hours=2), half])
            self.remind = cursor.fetchall()
            # Breaches: requests received at least an hour ago, made due now (a deadline cannot precede receipt).
            cursor.execute(select + "AND r.received_at < %s AND r.id <> ALL(%s) ORDER BY r.id LIMIT %s",
                           [now, now - timedelta(hours=1), [r[0] for r in self.remind], half])
            self.breach = cursor.fetchall()
        assert len(self.remind) == len(self.breach) == half, "not enough open requests with a deadline ahead"

    def arm(self):
        now = self.now
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM probation_notification")
            self.notification_mark = cursor.fetchone()[0]
            cursor.execute("SELECT coalesce(max(id), 0) FROM safeguarding_requestevent")
            self.event_mark = cursor.fetchone()[0]
            cursor.execute("UPDATE probation_deadline SET due_at = %s, fired_count = 0 WHERE id = ANY(%s)",
                           [now - timedelta(minutes=1), [r[2] for r in self.remind]])
            cursor.execute("UPDATE safeguarding_safeguardingrequest SET due_at = %s WHERE id = ANY(%s)",
                           [now - timedelta(seconds=30), [r[0] for r in self.breach]])
            cursor.execute("UPDATE probation_deadline SET due_at = %s, armed_for = %s, fired_count = 0 WHERE id = ANY(%s)",
                           [now - timedelta(seconds=30), now - timedelta(seconds=30), [r[3] for r in self.breach]])

    def reset(self):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM probation_notification WHERE id > %s", [self.notification_mark])
            cursor.execute("DELETE FROM safeguarding_requestevent WHERE id > %s", [self.event_mark])
            cursor.execute(
                "UPDATE safeguarding_safeguardingrequest r SET due_at = v.due FROM unnest(%s::bigint[], %s::timestamptz[]) "
                "AS v(id, due) WHERE r.id = v.id", [[r[0] for r in self.breach], [r[1] for r in self.breach]])
            # Every deadline touched goes back exactly as it was (pending or already fired).
            rows = [(r[2], *r[4:8]) for r in self.remind + self.breach] + [(r[3], *r[8:12]) for r in self.remind + self.breach]
            cursor.execute(
                "UPDATE probation_deadline d SET due_at = v.due, armed_for = v.armed, fired_count = v.fired, fired_at = v.at "
                "FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::int[], %s::timestamptz[]) "
                "AS v(id, due, armed, fired, at) WHERE d.id = v.id",
                [[r[i] for r in rows] for i in range(5)])


def timed(label: str, due: DueSteps, fn, runs: int, *, check=None) -> dict:
    """Median / p95 of `fn` alone, each run on freshly armed due steps (arming and resetting are not timed). The
    statements are counted on a run after the warm-up, so the timed runs carry no query logging."""
    times = []
    for run in range(-1, runs + 1):  # -1: warm-up (caches filled); 0: statements counted; then timed
        due.arm()
        if run == -1:
            result = fn()
        elif run == 0:
            connection.queries_log.clear()  # a full log (9,000 entries) would hide the count
            with CaptureQueriesContext(connection) as captured:
                result = fn()
            statements = len(captured)
        else:
            started = time.perf_counter()
            result = fn()
            times.append((time.perf_counter() - started) * 1000)
        if check:
            check(result)
        due.reset()
    times.sort()
    result = {"label": label, "median_ms": round(statistics.median(times), 1),
              "p95_ms": round(times[max(0, int(round(0.95 * len(times))) - 1)], 1), "queries": [statements]}
    print(f"  {label:<44} median {result['median_ms']:>8} ms   p95 {result['p95_ms']:>8} ms   statements {statements}",
          flush=True)
    return result


def our_sweep(now):
    def run():
        return escalation_sweep(now=now)

    def check(result):
        assert result["failed"] == 0, result
        assert result["escalated"] == SWEEP_STEPS // 2 and result["reminded"] == SWEEP_STEPS // 2, result

    return run, check


RAW_CLAIM = (
    "WITH due AS (SELECT id, due_at FROM probation_deadline WHERE step = %(step)s AND due_at IS NOT NULL "
    "AND due_at <= %(now)s ORDER BY due_at LIMIT 2000 FOR UPDATE SKIP LOCKED), "
    "claimed AS (UPDATE probation_deadline d SET due_at = NULL, fired_count = d.fired_count + 1, fired_at = %(now)s "
    "FROM due WHERE d.id = due.id RETURNING d.owner_id), "
    "reqs AS (SELECT r.id, r.reference, r.rating, r.due_at, r.assignee_id, t.manager_id FROM claimed "
    "JOIN safeguarding_safeguardingrequest r ON r.id = claimed.owner_id "
    "LEFT JOIN cases_staffprofile sp ON sp.user_id = r.assignee_id LEFT JOIN cases_team t ON t.id = sp.team_id "
    "WHERE r.responded_at IS NULL AND r.withdrawn_at IS NULL)"
)
NOTIFICATION_COLUMNS = ("INSERT INTO probation_notification (recipient_id, dedupe_key, subject, body, url, created_at, "
                        "email_next_attempt_at, email_attempts, email_last_error) ")


def raw_set(now, hub_ids):
    """Plain SQL floor, one transaction: per step one statement claims, writes the notifications, records events."""
    def run():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                RAW_CLAIM + ", notices AS (" + NOTIFICATION_COLUMNS +
                "SELECT u, 'mash:' || id || ':remind:' || to_char(due_at, 'YYYYMMDDHH24MISS') || ':' || u, "
                "'Reminder: MASH request ' || reference || ' is due ' || "
                "to_char(due_at AT TIME ZONE 'Europe/London', 'DD Mon YYYY HH24:MI'), "
                "'The ' || rating || ' MASH request ' || reference || ' is due by ' || "
                "to_char(due_at AT TIME ZONE 'Europe/London', 'DD Mon YYYY HH24:MI') || '. Please answer it before the "
                "deadline.', '/safeguarding/' || reference || '/', %(now)s, %(now)s, 0, '' "
                "FROM reqs, unnest(CASE WHEN assignee_id IS NULL THEN %(hub)s::bigint[] ELSE ARRAY[assignee_id] END) AS u "
                "WHERE due_at > %(now)s ON CONFLICT (dedupe_key) DO NOTHING) "
                "INSERT INTO safeguarding_requestevent (request_id, kind, at, detail) "
                "SELECT id, 'reminded', %(now)s, jsonb_build_object('due_at', due_at) FROM reqs WHERE due_at > %(now)s",
                {"step": "safeguarding.remind", "now": now, "hub": hub_ids},
            )
            cursor.execute(
                RAW_CLAIM + ", notices AS (" + NOTIFICATION_COLUMNS +
                "SELECT DISTINCT ON (id, u) u, 'mash:' || id || ':breach:' || to_char(due_at, 'YYYYMMDDHH24MISS') || ':' || u, "
                "'Overdue: MASH request ' || reference || ' is overdue', "
                "'The ' || rating || ' MASH request ' || reference || ' was due by ' || "
                "to_char(due_at AT TIME ZONE 'Europe/London', 'DD Mon YYYY HH24:MI') || ' and has not been answered.', "
                "'/safeguarding/' || reference || '/', %(now)s, %(now)s, 0, '' "
                "FROM reqs, unnest(%(hub)s::bigint[] || CASE WHEN manager_id IS NULL THEN '{}'::bigint[] ELSE ARRAY[manager_id] END) AS u "
                "ON CONFLICT (dedupe_key) DO NOTHING), "
                "rearm AS (UPDATE probation_deadline d SET due_at = reqs.due_at + interval '1 day' FROM reqs "
                "WHERE d.step = %(step)s AND d.owner_id = reqs.id) "
                "INSERT INTO safeguarding_requestevent (request_id, kind, at, detail) "
                "SELECT id, 'escalated', %(now)s, jsonb_build_object('due_at', due_at) FROM reqs",
                {"step": "safeguarding.overdue", "now": now, "hub": hub_ids},
            )

    return run, None


def raw_loop(now):
    """The per-row floor the issue names: one transaction, a conditional UPDATE a row (the due ids read first)."""
    def run():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM probation_deadline WHERE step IN ('safeguarding.remind', 'safeguarding.overdue') "
                "AND due_at IS NOT NULL AND due_at <= %s ORDER BY due_at LIMIT 2000", [now])
            for (deadline_id,) in cursor.fetchall():
                cursor.execute(
                    "UPDATE probation_deadline SET due_at = NULL, fired_count = fired_count + 1, fired_at = %s "
                    "WHERE id = %s AND due_at IS NOT NULL", [now, deadline_id])

    return run, None


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

        def bare():
            assert page.get("/bench/bare/").status_code == 200

        due = DueSteps(now)
        hub_ids = list(User.objects.filter(role=Role.HUB, is_active=True).values_list("pk", flat=True))
        sweep = timed(f"our sweep, {SWEEP_STEPS} steps due", due, *our_sweep(now)[:1], args.runs, check=our_sweep(now)[1])
        raw_set_result = timed(f"raw set-based claim, {SWEEP_STEPS} due", due, raw_set(now, hub_ids)[0], args.runs)
        raw_loop_result = timed(f"raw per-row loop, {SWEEP_STEPS} due", due, raw_loop(now)[0], args.runs)
        results = [
            sweep, raw_set_result, raw_loop_result,
            measure("our sweep, nothing due", lambda: escalation_sweep(now=now), args.runs),
            measure("hub queue page (page 1)", queue, args.runs),
            measure("hub queue page (red, assigned, page 3)", queue_filtered, args.runs),
            measure("bare page, same middleware", bare, args.runs),
            measure("partner API list (page 1)", api_list, args.runs),
            measure("partner API list (open, page 2)", api_list_open, args.runs),
        ]
        noop, queue_page, bare_result = results[3], results[4], results[6]
        print(f"  ratios: sweep / raw set-based {sweep['median_ms'] / raw_set_result['median_ms']:.2f}; "
              f"sweep / raw per-row loop {sweep['median_ms'] / raw_loop_result['median_ms']:.2f}; "
              f"queue page / bare page {queue_page['median_ms'] / bare_result['median_ms']:.2f}")
        report.append((size, open_count, results))
        print("  plan, the engine's claim (breach step):")
        print(explain(
            "SELECT id, due_at FROM probation_deadline WHERE step = 'safeguarding.overdue' AND due_at IS NOT NULL "
            "AND due_at <= %s ORDER BY due_at LIMIT 2000 FOR UPDATE SKIP LOCKED", [now]))
        print("  plan, hub queue page:")
        print(explain(
            "SELECT id FROM safeguarding_safeguardingrequest WHERE responded_at IS NULL AND withdrawn_at IS NULL "
            "ORDER BY due_at ASC NULLS LAST, received_at, id LIMIT 51", []))
        print(json.dumps({
            "size": size, "sweep_steps": SWEEP_STEPS, "sweep_ms": sweep["median_ms"],
            "sweep_statements": max(sweep["queries"]), "noop_ms": noop["median_ms"],
            "raw_loop_ms": raw_loop_result["median_ms"], "raw_set_ms": raw_set_result["median_ms"],
            "queue_ms": queue_page["median_ms"], "bare_page_ms": bare_result["median_ms"],
        }), flush=True)

    print("\nSummary (median / p95 ms, queries per call):")
    for size, open_count, results in report:
        print(f"  {size:>9,} requests ({open_count:,} open)")
        for r in results:
            print(f"    {r['label']:<44} {r['median_ms']:>8} / {r['p95_ms']:<8} queries {r['queries']}")


if __name__ == "__main__":
    main()
