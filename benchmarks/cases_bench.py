"""Cases benchmark: seeds 200,000 people into PostgreSQL (once) and times search and pages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/probation_cases_bench .venv/bin/python benchmarks/cases_bench.py

Options: --people N (default 200000), --repeat R (calls per measurement, default 30). The database is created and
migrated if needed; seeding is skipped when the people are already there (seed_demo is idempotent). Each figure is
the median and 95th percentile wall time of R calls through Django's test client (or of `person_search` itself),
with the number of SQL queries of one call. Pages are called as signed-in staff (both factors); the IOM API with a
partner token issued for the run (the API takes tokens only). `tests/cases/test_cases_bench.py` runs it tiny.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.common import ensure_database, timed  # noqa: E402
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")
os.environ.setdefault("DJANGO_ENV", "development")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/probation_cases_bench")


def _typo(rng, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swap two neighbouring letters


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from django.db.models import Count

    from cases.models import Alias, Person
    from cases.selectors import person_search
    from partners.models import ApiToken, Organisation, PartnerMembership
    from partners.services import api_token_issue, api_token_revoke
    from probation.models import Role, User

    call_command("migrate", verbosity=0)
    seeded = Person.objects.filter(crn__startswith="D").count()
    if seeded < args.people:
        print(f"Seeding {args.people - seeded} people (once)…", flush=True)
        start = time.perf_counter()
        call_command("seed_demo", "--people", str(args.people), "--quiet-logins", stdout=sys.stderr)
        print(f"Seeded in {time.perf_counter() - start:.0f} s", flush=True)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    setup_test_environment()
    total = Person.objects.count()
    print(f"{total} people, {Alias.objects.count()} aliases, {User.objects.count()} users")

    rng = random.Random(42)
    ids = list(Person.objects.filter(crn__startswith="D").values_list("id", flat=True)[:: max(1, total // 500)])
    targets = list(Person.objects.filter(id__in=rng.sample(ids, 20)).prefetch_related("aliases"))
    with_pnc = [p for p in targets if p.pnc_number]
    aliased = list(Person.objects.filter(aliases__isnull=False, crn__startswith="D").prefetch_related("aliases")[:20])

    def search_case(label, make):
        hits, cycle = [0], iter(range(10**9))
        pool = aliased if "alias" in label else with_pnc if "PNC" in label else targets

        def run():
            person = pool[next(cycle) % len(pool)]
            args_, kwargs = make(person)
            matches = person_search(*args_, **kwargs)
            if person in [m.person for m in matches]:  # among the 20 returned (namesakes can outrank a typo)
                hits[0] += 1

        result = timed(run, args.repeat)
        result["found"] = f"{hits[0]}/{args.repeat + 1}"
        return label, result

    rows = [
        search_case("search: exact name", lambda p: ([f"{p.first_name} {p.last_name}"], {})),
        search_case("search: typo in both names", lambda p: ([f"{_typo(rng, p.first_name)} {_typo(rng, p.last_name)}"], {})),
        search_case("search: transposed names", lambda p: ([f"{p.last_name} {p.first_name}"], {})),
        search_case("search: surname + date of birth", lambda p: ([p.last_name], {"date_of_birth": p.date_of_birth})),
        search_case("search: alias name", lambda p: ([f"{p.aliases.all()[0].first_name} {p.aliases.all()[0].last_name}"], {})),
        search_case("search: CRN", lambda p: ([], {"crn": p.crn})),
        search_case("search: PNC", lambda p: ([], {"pnc": p.pnc_number})),
        search_case("search: typo in surname only", lambda p: ([f"{p.first_name} {_typo(rng, p.last_name)}"], {})),
    ]

    client = Client()
    om = User.objects.get(username="om")
    busiest_user = (User.objects.filter(username__startswith="om-").annotate(n=Count("caseload"))
                    .order_by("-n").first()) or User.objects.get(username="om")
    spo = User.objects.get(username="spo")
    hub = User.objects.get(username="hub")
    person = Person.objects.filter(offender_manager=om).first()
    organisation, _ = Organisation.objects.get_or_create(name="Bench Metropolitan Police", defaults={"kind": "police"})
    organisation.boroughs.set(organisation.boroughs.model.objects.filter(code__in=["camden", "hackney", "islington",
                                                                                   "haringey", "enfield"]))
    tracker, _ = User.objects.get_or_create(username="bench-partner", defaults={"role": Role.PARTNER})
    PartnerMembership.objects.update_or_create(user=tracker, defaults={"organisation": organisation,
                                                                         "can_track_iom": True})

    from cases.models import StaffProfile

    largest_team = (StaffProfile.objects.values("team_id").annotate(n=Count("id")).order_by("-n").first() or {}).get("team_id")

    def page(label, user, url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        client.force_login(user)
        # The second factor, as a real sign-in completes it (probation's two-factor middleware).
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="Benchmark authenticator", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return label, timed(run, args.repeat)

    def api(label, user, url):
        """The API takes partner tokens only (a staff or partner session opens no API door): issue one, as an
        administrator would in admin, revoking the earlier runs' benchmark tokens."""
        for old in ApiToken.objects.filter(user=user, name="Benchmark", revoked_at=None):
            api_token_revoke(token=old)
        _, key = api_token_issue(user=user, name="Benchmark")
        api_client = Client(HTTP_AUTHORIZATION=f"Token {key}")

        def run():
            response = api_client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return label, timed(run, args.repeat)

    rows += [
        page("page: search (typo)", hub, f"/cases/search/?q={_typo(rng, targets[0].first_name)}+{targets[0].last_name}"),
        page(f"page: caseload ({Person.objects.filter(offender_manager=busiest_user).count()} cases)", busiest_user,
             "/cases/"),
        page("page: case", om, f"/cases/{person.crn}/"),
        page("page: unallocated queue (spo)", spo, "/cases/unallocated/"),
        page("page: unallocated queue (hub, all teams)", hub, "/cases/unallocated/"),
        page("page: team workload", spo, "/cases/workload/"),
        page("page: team workload (hub, largest team)", hub, f"/cases/workload/?team={largest_team}"),
        page("page: bare page (account)", spo, "/account/password/"),
        api("api: iom-nominals (50 per page)", tracker, "/api/v1/cases/iom-nominals/"),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"\n{'measure':<{width}}  median ms   p95 ms  queries  found (target among the 20 results)")
    for label, r in rows:
        print(f"{label:<{width}}  {r['median_ms']:9.1f}  {r['p95_ms']:7.1f}  {r['queries']:7d}  {r.get('found', '')}")


if __name__ == "__main__":
    main()
