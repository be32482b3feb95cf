"""Partner API benchmark: list, read and submit a MASH request beside a bare token-authenticated DRF view, in one
process through the whole middleware stack (Django's test client, a real PostgreSQL, Redis when CACHE_URL is set).

    CACHE_URL=redis://127.0.0.1:6379/5 \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_api_bench \\
        .venv/bin/python benchmarks/api_bench.py [--requests 20000] [--runs 200]

The database named in DATABASE_URL is created if missing, migrated and its MASH tables emptied: point it at a
scratch database. `--requests` MASH requests are spread over 20 organisations; the caller's organisation has a
twentieth of them. Prints the median and p95 of each call, its queries, its ratio to the bare view, and one JSON
line at the end."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.common import ensure_database  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")
os.environ.setdefault("DJANGO_ENV", "test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/probation_api_bench")
os.environ.setdefault("API_THROTTLE_RATE", "1000000/minute")

BODY = {
    "subject": {"first_name": "Daniel", "last_name": "Okafor", "aliases": ["Danny Oak"], "date_of_birth": "1988-03-14",
                "address": "12 Hillside Road, London NW5 1AA"},
    "concerned": [{"age_group": "child", "name": "Amara Lewis", "date_of_birth": "2017-06-01", "relationship": "Daughter"}],
    "reason": "Section 47 enquiry",
    "rating": "amber",
    "requester": {"name": "Sam Worker", "email": "sam@camden-mash.example", "phone": "020 7946 0000"},
}


def seed(total: int):
    from django.db import connection
    from django.utils import timezone

    from partners.services import api_token_issue
    from safeguarding.models import ConcernedPerson, RequestEvent, SafeguardingRequest
    from safeguarding.services import request_respond
    from tests.partners.factories import OrganisationFactory, PartnerMembershipFactory
    from tests.probation.factories import HubUserFactory, PartnerUserFactory
    from tests.safeguarding.factories import mash_request

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE safeguarding_safeguardingrequest, safeguarding_idempotencykey, "
                       "safeguarding_referencecounter RESTART IDENTITY CASCADE")
    run = uuid.uuid4().hex[:6]
    organisations = [OrganisationFactory(name=f"Bench {run} organisation {n}") for n in range(20)]
    membership = PartnerMembershipFactory(organisation=organisations[0], user=PartnerUserFactory(username=f"bench-{run}"))
    _, key = api_token_issue(user=membership.user)
    hub = HubUserFactory(username=f"bench-hub-{run}")
    template = mash_request(organisation=organisations[0])
    request_respond(request=template, by=hub, supervision_status="current_crc", risk_level="medium", conditions="",
                    engagement="good", contact_with_named="", professional_view="Known; engaging well.")
    fields = {f.attname: getattr(template, f.attname) for f in SafeguardingRequest._meta.concrete_fields
              if f.attname not in ("id", "reference")}
    now = timezone.now()
    batch = []
    for n in range(1, total):
        row = SafeguardingRequest(**fields)
        row.reference = f"MASH-2000-{n:06d}"
        row.organisation_id = organisations[n % 20].pk
        row.received_at = row.created_at = row.updated_at = now - timezone.timedelta(minutes=n)
        row.due_at = row.initial_due_at = row.received_at + timezone.timedelta(hours=24)
        row.remind_at = None
        row.responded_at = row.responded_by_id = None
        batch.append(row)
        if len(batch) == 5000:
            created = SafeguardingRequest.objects.bulk_create(batch)
            ConcernedPerson.objects.bulk_create(ConcernedPerson(request=r, age_group="child", name="A Child") for r in created)
            RequestEvent.objects.bulk_create(RequestEvent(request=r, kind="received", at=r.received_at) for r in created)
            batch = []
    if batch:
        created = SafeguardingRequest.objects.bulk_create(batch)
        ConcernedPerson.objects.bulk_create(ConcernedPerson(request=r, age_group="child", name="A Child") for r in created)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return key, template.reference


def measure(call, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code < 300, (response.status_code, response.content[:300])
    with CaptureQueriesContext(connection) as queries:
        call()
    statements = [q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))]
    times.sort()
    return {"median_ms": statistics.median(times), "p95_ms": times[int(len(times) * 0.95) - 1], "queries": len(statements)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    from benchmarks.bare_urls import BARE_PATH

    settings.ROOT_URLCONF = "benchmarks.bare_urls"  # the real URLs plus the bare token-authenticated view
    settings.ALLOWED_HOSTS = ["*"]
    key, reference = seed(args.requests)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    url = "/api/v1/safeguarding/requests/"
    calls = {
        "bare": lambda: client.get(BARE_PATH),
        "list": lambda: client.get(url),
        "read": lambda: client.get(f"{url}{reference}/"),
        "submit": lambda: client.post(url, json.dumps(BODY), content_type="application/json",
                                      HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())),
    }
    results = {name: measure(call, args.runs) for name, call in calls.items()}
    bare = results["bare"]["median_ms"]
    print(f"{args.requests} MASH requests, {args.runs} runs each, cache: {settings.CACHES['default']['BACKEND']}")
    for name, result in results.items():
        print(f"  {name:7s} median {result['median_ms']:7.2f} ms  p95 {result['p95_ms']:7.2f} ms  "
              f"{result['queries']} queries  {result['median_ms'] / bare:5.2f}x bare")
    print(json.dumps({
        "size": args.requests, "runs": args.runs, "load_average": os.getloadavg(),
        **{f"{name}_ms": round(r["median_ms"], 2) for name, r in results.items()},
        **{f"{name}_queries": r["queries"] for name, r in results.items()},
        **{f"{name}_ratio": round(r["median_ms"] / bare, 2) for name, r in results.items() if name != "bare"},
    }))


if __name__ == "__main__":
    main()
