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
"raw_set_ms": ..., "queue_ms": ..., "bare_page_ms": ...}. Rows are made by the server (INSERT ... SELECT FROM
generate_series, 250,000 a statement, no Python per row); the mix is realistic: 20 partner organisations over 33 boroughs, ratings 15% red / 40% amber / 35% green / 10% blue, 90% answered (a tenth of
them late) and 1% withdrawn; open requests have deadlines spread from a week ago to a week ahead and, as in steady
state, the escalation steps already past are done, so a sweep finds only what fell due since the last run.

The sweep and the two raw floors take turns run by run (each on freshly armed steps, the tables vacuumed between
runs as autovacuum would be in production: it is off on the shared benchmark server), so their ratio is fair
whatever the machine's load; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
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


def seed(start: int, count: int, *, open_share: float, now: datetime, officers, organisations, tiers, hub):
    """Insert requests numbered `start` to `start + count - 1` with one INSERT ... SELECT FROM generate_series per
    chunk of 250,000 (no Python per row: 1M requests in well under a minute), plus a response row for each answered
    one and the open ones' deadlines in the engine's table. The pseudo-random mix is seeded, so runs repeat."""
    chunk = 250_000
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.20261123)")
        # A bulk load into this scratch database: the rows reference only the actors made above, so the foreign-key
        # triggers (seven checks a request, queued to each commit) are skipped for the load, as pg_restore does.
        cursor.execute("SET session_replication_role = replica")
    for offset in range(0, count, chunk):
        first, last = start + offset, start + min(offset + chunk, count)
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM safeguarding_safeguardingrequest")
            last_id = cursor.fetchone()[0]
            cursor.execute(SEED_REQUESTS, {
                "first": first, "last": last - 1, "now": now, "open": open_share, "hub": hub.pk,
                "orgs": [o.pk for o in organisations], "boroughs": [o._bench_borough for o in organisations],
                "officers": [o.pk for o in officers], "first_names": FIRST, "last_names": LAST,
                "red": tiers["red"], "amber": tiers["amber"], "green": tiers["green"], "blue": tiers["blue"],
            })
            # Responses for the answered ones.
            cursor.execute(
                "INSERT INTO safeguarding_response (request_id, supervision_status, risk_level, conditions, engagement, "
                "contact_with_named, professional_view, responded_by_id, responded_at) "
                "SELECT id, 'current_crc', 'medium', '', 'good', '', 'No current concerns.', responded_by_id, responded_at "
                "FROM safeguarding_safeguardingrequest WHERE id > %s AND responded_at IS NOT NULL",
                [last_id],
            )
            # The open requests' deadlines in the engine's table, in steady state: the steps already past are done
            # (a reminder sent; a breach sent and its next daily repeat ahead), so a sweep finds only what fell due.
            cursor.execute(SEED_DEADLINES, {"now": now, "last": last_id})
        print(f"  seeded {last:,}", flush=True)
    with connection.cursor() as cursor:  # as autovacuum would after a bulk load: statistics and visibility map
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in ("safeguarding_safeguardingrequest", "safeguarding_response", "probation_deadline"):
            cursor.execute(f"VACUUM ANALYZE {table}")  # nosec B608 - fixed table names


# One row per n: the random draws first, then what follows from them (the same mix as a Python loop would build:
# ratings 15/40/35/10, `open` share open with deadlines from a week ago to a week ahead, the rest received 8 to 700
# days ago, 1% withdrawn, the others answered, a tenth of them late; 70% assigned).
SEED_REQUESTS = """
WITH g AS (
    SELECT n, random() AS r_rating, random() AS r_open, random() AS r_due, random() AS r_hours, random() AS r_days,
           random() AS r_minutes, random() AS r_withdrawn, random() AS r_late, random() AS r_late_by,
           random() AS r_assigned, random() AS r_first, random() AS r_last
    FROM generate_series(%(first)s::int, %(last)s::int) AS n
), rated AS (
    SELECT g.*, r_open < %(open)s AS is_open,
           CASE WHEN r_rating < 0.15 THEN 'red' WHEN r_rating < 0.55 THEN 'amber' WHEN r_rating < 0.90 THEN 'green'
                ELSE 'blue' END AS rating
    FROM g
), spans AS (
    SELECT rated.*, CASE rating WHEN 'red' THEN interval '4 hours' WHEN 'amber' THEN interval '1 day'
                                WHEN 'green' THEN interval '3 days' END AS span
    FROM rated
), received AS (
    SELECT spans.*, CASE
        WHEN is_open AND span IS NOT NULL
            THEN %(now)s::timestamptz + (floor(r_due * 20161) - 10080) * interval '1 minute' - span
        WHEN is_open THEN %(now)s::timestamptz - (1 + floor(r_hours * 300)) * interval '1 hour'
        ELSE %(now)s::timestamptz - (8 + floor(r_days * 693)) * interval '1 day' - floor(r_minutes * 1440) * interval '1 minute'
    END AS received_at
    FROM spans
), closed AS (
    SELECT received.*, received_at + span AS due_at, received_at + span * 0.75 AS remind_at,
           NOT is_open AND r_withdrawn < 0.01 AS withdrawn, r_assigned < 0.7 AS assigned,
           (%(officers)s::bigint[])[1 + n %% cardinality(%(officers)s::bigint[])] AS officer
    FROM received
), answered AS (
    SELECT closed.*, CASE WHEN NOT is_open AND NOT withdrawn THEN greatest(
        coalesce(due_at, received_at + interval '2 days') + CASE WHEN r_late < 0.1
            THEN (1 + floor(r_late_by * 48)) * interval '1 hour' ELSE -(1 + floor(r_late_by * 200)) * interval '1 minute' END,
        received_at + interval '5 minutes') END AS responded_at
    FROM closed
)
INSERT INTO safeguarding_safeguardingrequest (
    reference, organisation_id, borough_id, channel, subject_first_name, subject_last_name, subject_aliases,
    subject_date_of_birth, subject_address, subject_pnc, reason, requester_name, requester_email, requester_phone,
    rating_proposed, rating, tier_id, due_at, remind_at, initial_due_at, received_at, created_at, updated_at,
    triaged_at, match_outcome, assignee_id, assigned_at, responded_at, responded_by_id, withdrawn_at,
    withdrawal_reason, response_emailed_at, closure_reason)
SELECT
    'MASH-' || extract(year FROM received_at AT TIME ZONE 'UTC') || '-' || lpad((n + 1)::text, 7, '0'),
    (%(orgs)s::bigint[])[1 + n %% cardinality(%(orgs)s::bigint[])],
    (%(boroughs)s::bigint[])[1 + n %% cardinality(%(boroughs)s::bigint[])],
    CASE WHEN n %% 3 = 0 THEN 'secure_email' ELSE 'api' END,
    (%(first_names)s::text[])[1 + floor(r_first * cardinality(%(first_names)s::text[]))::int],
    (%(last_names)s::text[])[1 + floor(r_last * cardinality(%(last_names)s::text[]))::int],
    '', DATE '1988-03-14', '1 High Street, London', '', 'Section 47 enquiry', 'Sam Worker', 'sam@bench.example', '',
    rating, rating,
    CASE rating WHEN 'red' THEN %(red)s::bigint WHEN 'amber' THEN %(amber)s::bigint WHEN 'green' THEN %(green)s::bigint
                ELSE %(blue)s::bigint END,
    due_at, remind_at, due_at, received_at, received_at, coalesce(responded_at, received_at),
    received_at + interval '30 minutes', CASE WHEN assigned THEN 'known_crc' ELSE 'unknown' END,
    CASE WHEN assigned THEN officer END, CASE WHEN assigned THEN received_at + interval '31 minutes' END,
    responded_at, CASE WHEN responded_at IS NOT NULL THEN CASE WHEN assigned THEN officer ELSE %(hub)s::bigint END END,
    CASE WHEN withdrawn THEN received_at + interval '1 hour' END, '', responded_at, ''
FROM answered
"""

SEED_DEADLINES = (
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
    "AND due_at IS NOT NULL"
)


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
            # Events are never deleted in the product (a trigger refuses it); this scratch database takes back the
            # benchmark's own, with that trigger off for this one statement's transaction.
            cursor.execute("ALTER TABLE safeguarding_requestevent DISABLE TRIGGER safeguarding_requestevent_refuse_delete")
            cursor.execute("DELETE FROM safeguarding_requestevent WHERE id > %s", [self.event_mark])
            cursor.execute("ALTER TABLE safeguarding_requestevent ENABLE TRIGGER safeguarding_requestevent_refuse_delete")
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


def vacuum_churned():
    """What autovacuum does in production between sweeps (it is off on the shared benchmark server): clear the dead
    rows each arm/reset leaves in the deadline, notification and event tables and their indexes, so run 15 does not
    probe past the dead index entries of runs 1 to 14 (a nothing-due sweep measured 10 ms that way, not 1 ms)."""
    with connection.cursor() as cursor:
        for table in ("probation_deadline", "probation_notification", "safeguarding_requestevent"):
            cursor.execute(f"VACUUM {table}")  # nosec B608 - fixed table names


def timed_side_by_side(entries, due: DueSteps, runs: int) -> list[dict]:
    """Median / p95 of each (label, fn, check) alone, each run on freshly armed due steps (arming, resetting and
    vacuuming are not timed). The entries take turns run by run, so a change in the machine's load hits them alike
    and their ratio stays fair. Statements are counted on a run after the warm-up; the timed runs log nothing."""
    times = {label: [] for label, _, _ in entries}
    statements = {}
    for run in range(-1, runs + 1):  # -1: warm-up (caches filled); 0: statements counted; then timed
        for label, fn, check in entries:
            due.arm()
            vacuum_churned()
            if run == -1:
                result = fn()
            elif run == 0:
                connection.queries_log.clear()  # a full log (9,000 entries) would hide the count
                with CaptureQueriesContext(connection) as captured:
                    result = fn()
                statements[label] = len(captured)
            else:
                started = time.perf_counter()
                result = fn()
                times[label].append((time.perf_counter() - started) * 1000)
            if check:
                check(result)
            due.reset()
    vacuum_churned()
    results = []
    for label, _, _ in entries:
        series = sorted(times[label])
        result = {"label": label, "median_ms": round(statistics.median(series), 1),
                  "p95_ms": round(series[max(0, int(round(0.95 * len(series))) - 1)], 1), "queries": [statements[label]]}
        print(f"  {label:<44} median {result['median_ms']:>8} ms   p95 {result['p95_ms']:>8} ms   "
              f"statements {statements[label]}", flush=True)
        results.append(result)
    return results


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
        seed(seeded, size - seeded, open_share=0.10, now=now, officers=officers, organisations=organisations, tiers=tiers, hub=hub)
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
        print(f"  load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        sweep, raw_set_result, raw_loop_result = timed_side_by_side([
            (f"our sweep, {SWEEP_STEPS} steps due", *our_sweep(now)),
            (f"raw set-based claim, {SWEEP_STEPS} due", raw_set(now, hub_ids)[0], None),
            (f"raw per-row loop, {SWEEP_STEPS} due", raw_loop(now)[0], None),
        ], due, args.runs)
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
        print("  plan, the engine's claim (both MASH steps, one index probe each):")
        print(explain(
            "SELECT x.id, x.due_at, s.n FROM unnest(%s::varchar[]) WITH ORDINALITY AS s(step, n) CROSS JOIN LATERAL "
            "(SELECT id, due_at FROM probation_deadline WHERE step = s.step AND due_at IS NOT NULL AND due_at <= %s "
            "ORDER BY due_at LIMIT 2000 FOR UPDATE SKIP LOCKED) AS x", [["safeguarding.remind", "safeguarding.overdue"], now]))
        print("  plan, hub queue page:")
        print(explain(
            "SELECT id FROM safeguarding_safeguardingrequest WHERE responded_at IS NULL AND withdrawn_at IS NULL "
            "ORDER BY due_at ASC NULLS LAST, received_at, id LIMIT 51", []))
        print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
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
