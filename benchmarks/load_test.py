"""Partner API load test: many partner systems submitting, listing and reading MASH requests at once, against a
production-like gunicorn on loopback, then a proof from the database that every acknowledged request is stored
exactly once.

    .venv/bin/python benchmarks/load_test.py [--clients 50] [--seconds 60] [--database-url postgres://...]

What it does:
  1. Creates the database if missing (default postgres://postgres@127.0.0.1:5432/probation_load: a scratch database,
     never a real one), migrates it, and makes one MASH organisation per client with one partner user and one API
     token each (through partners.services.api_token_issue; earlier runs' load-test tokens are revoked).
  2. Collects static files with scripts/build.sh static (into a STATIC_ROOT of its own), then starts gunicorn
     (probation.wsgi) on 127.0.0.1 and a free port with DJANGO_ENV=production (DEBUG off, real secret key, Redis
     cache and broker), a high API_THROTTLE_RATE and SECURE_SSL_REDIRECT=false (no TLS on loopback).
  3. Runs the clients (asyncio streams, a minimal HTTP/1.1 client, one keep-alive connection each) for the given time; each loops: POST a request, GET its
     organisation's list, GET one of its own requests by reference. No new call starts after the deadline; calls
     still in flight get `--grace` seconds, then are cancelled. Before and after that, the same clients call a bare
     token-authenticated endpoint (benchmarks/bare_urls.py: the same middleware, authentication, throttle and audit
     row, no work) for half of `--bare-seconds` each, on the same server: the baseline under the same load, in the
     same run. Its p95 and throughput are printed beside the API's, with the ratio.
  4. Stops gunicorn (always, also on error or Ctrl-C), prints throughput, latency percentiles and errors by status,
     then checks the database: every reference acknowledged with a 201 exists exactly once, belongs to the
     submitting client's organisation, and the requests stored for those organisations during the run are exactly
     the acknowledged ones (none lost, none extra, none duplicated). Prints PASS or FAIL; exits 1 on FAIL.
  5. Writes the figures to --results (default benchmarks/load_test_results.txt).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess  # nosec B404 - starts gunicorn from this checkout's own virtualenv
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.common import ensure_database  # noqa: E402

API = "/api/v1/safeguarding/requests/"
BARE = "/api/v1/_bench/bare/"  # benchmarks/bare_urls.py, mounted only by benchmarks.bench_settings
ORGANISATION_PREFIX = "Load test MASH"
USER_PREFIX = "load-partner-"
TOKEN_NAME = "Load test"
OPERATIONS = ("submit", "list", "read")
RATINGS = ["red", "amber", "amber", "green", "green", "blue"]
FIRST = ["Daniel", "Kyle", "Marcus", "Jason", "Lee", "Tyrone", "Stuart", "Ashley", "Ryan", "Callum", "Aaron", "Shane"]
LAST = ["Okafor", "Bennett", "Reid", "Whitfield", "Grant", "Campbell", "Mills", "Nolan", "Hughes", "Patel", "Byrne", "Ali"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/probation_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7", help="Cache and broker (a database of its own).")
    parser.add_argument("--clients", type=int, default=50, help="Concurrent partner clients (one organisation each).")
    parser.add_argument("--seconds", type=float, default=60.0, help="How long the clients keep starting new calls.")
    parser.add_argument("--bare-seconds", type=float, default=None,
                        help="Time on the bare token-authenticated endpoint, half before and half after the API "
                        "(default: a third of --seconds).")
    parser.add_argument("--grace", type=float, default=30.0, help="Time allowed after the deadline for calls in flight.")
    parser.add_argument("--timeout", type=float, default=60.0, help="Per-call HTTP timeout in seconds.")
    parser.add_argument("--max-iterations", type=int, default=100_000, help="Upper bound on loops per client.")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: gunicorn.conf.py's, as in production).")
    parser.add_argument("--threads", type=int, default=None,
                        help="gunicorn threads a worker (default: gunicorn.conf.py's, as in production).")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default=None,
                        help="gunicorn worker class (default: gunicorn.conf.py's, as in production).")
    parser.add_argument("--port", type=int, default=0, help="Loopback port for gunicorn (default: a free one).")
    parser.add_argument("--results", default=str(ROOT / "benchmarks" / "load_test_results.txt"),
                        help="Where to write the figures ('-' for nowhere).")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.max_iterations < 1:
        parser.error("--clients, --seconds and --max-iterations must be positive.")
    if args.bare_seconds is None:
        args.bare_seconds = args.seconds / 3
    if args.bare_seconds <= 0:
        parser.error("--bare-seconds must be positive.")
    host = urlparse(args.database_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("The load test runs on loopback only: --database-url must point at 127.0.0.1.")
    return args


# --- 1. Database -------------------------------------------------------------------------------------------------


def server_environment(args, secret_key: str) -> dict:
    """DJANGO_ENV=production settings, on loopback (no TLS, so no HTTPS redirect), with a throttle the run can't hit."""
    return {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secret_key,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": args.database_url,
        "CELERY_BROKER_URL": args.redis_url,
        "CACHE_URL": args.redis_url,
        "SECURE_SSL_REDIRECT": "false",
        "API_THROTTLE_RATE": "1000000/minute",
        "PROBATION_VAR_DIR": tempfile.mkdtemp(prefix="probation-load-var-"),
        "STATIC_ROOT": tempfile.mkdtemp(prefix="probation-load-static-"),
        "LOG_LEVEL": "WARNING",
        # The application's settings with one more URL, the bare endpoint (benchmarks/bare_urls.py).
        "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
    }


def build_static(environment: dict) -> None:
    """The deployment build's collectstatic (scripts/build.sh static) into this run's STATIC_ROOT: production serves
    static files through their manifest, and /healthz answers 503 until pages can render."""
    subprocess.run(["bash", str(ROOT / "scripts" / "build.sh"), "static"], cwd=ROOT,  # nosec B603 B607
                   env={**os.environ, **environment, "PYTHON": sys.executable}, check=True)


def prepare(args, environment: dict) -> list[dict]:
    """Migrate, then one MASH organisation + partner user + fresh API token per client. Returns the clients."""
    os.environ.update(environment)
    ensure_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from partners.models import ApiToken, Borough, Organisation, PartnerMembership
    from partners.services import api_token_issue, api_token_revoke
    from probation.models import Role, User

    call_command("migrate", verbosity=0, interactive=False)
    boroughs = list(Borough.objects.order_by("name"))
    clients = []
    with transaction.atomic():
        for old in ApiToken.objects.filter(user__username__startswith=USER_PREFIX, name=TOKEN_NAME, revoked_at=None):
            api_token_revoke(token=old)
        for number in range(1, args.clients + 1):
            name = f"{ORGANISATION_PREFIX} {number:03d}"
            organisation, created = Organisation.objects.get_or_create(
                name=name, defaults={"kind": Organisation.Kind.MASH, "email": f"load-mash-{number:03d}@partner.example"}
            )
            if created:
                organisation.boroughs.add(boroughs[(number - 1) % len(boroughs)])
            if not organisation.allows_response_email("tester@partner.example"):
                organisation.response_email_domains = "partner.example"  # where the clients' requesters work
                organisation.save(update_fields=["response_email_domains"])
            user, created = User.objects.get_or_create(
                username=f"{USER_PREFIX}{number:03d}",
                defaults={"role": Role.PARTNER, "first_name": "Load", "last_name": f"Partner {number:03d}",
                          "email": f"load-partner-{number:03d}@partner.example"},
            )
            if created:
                user.set_unusable_password()  # API only: this account never signs in to the web service
                user.save(update_fields=["password"])
            PartnerMembership.objects.get_or_create(user=user, defaults={"organisation": organisation})
            _, key = api_token_issue(user=user, name=TOKEN_NAME)
            clients.append({"number": number, "organisation_id": organisation.pk, "organisation": name, "key": key})
    return clients


def baseline(clients) -> tuple[int, dict[int, int]]:
    """The highest request id before the run and each load organisation's request count."""
    from django.db.models import Count, Max

    from safeguarding.models import SafeguardingRequest

    top = SafeguardingRequest.objects.aggregate(top=Max("id"))["top"] or 0
    ids = [c["organisation_id"] for c in clients]
    counts = dict(
        SafeguardingRequest.objects.filter(organisation_id__in=ids).values("organisation_id")
        .annotate(n=Count("id")).values_list("organisation_id", "n")
    )
    return top, {pk: counts.get(pk, 0) for pk in ids}


# --- 2. gunicorn -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the gunicorn child, before exec: on Linux, have the kernel send SIGTERM if this script dies, even by
    SIGKILL (e.g. a CI timeout), so no gunicorn is ever left behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def gunicorn_settings(args) -> dict:
    """Workers and threads as production runs them (gunicorn.conf.py, which gunicorn reads from the checkout), unless
    --workers / --threads say otherwise."""
    import runpy

    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    worker_class = args.worker_class or conf.get("worker_class", "sync")
    threads = args.threads or (conf.get("threads") or 1 if worker_class == "gthread" else 1)
    return {"workers": args.workers or conf.get("workers") or 1, "threads": threads,
            "worker_class": "gthread" if threads > 1 else worker_class}  # gunicorn: sync with threads is gthread


class Server:
    """gunicorn in its own process group, so stopping it stops every worker."""

    def __init__(self, *, port: int, workers: int, threads: int, worker_class: str, environment: dict, log_path: Path):
        self.port, self.workers, self.threads, self.log_path = port, workers, threads, log_path
        self.worker_class = worker_class
        self.environment = {**os.environ, **environment}
        self.process = None

    def start(self) -> None:
        command = [
            sys.executable, "-m", "gunicorn", "probation.wsgi:application", "--config", "gunicorn.conf.py",
            "--bind", f"127.0.0.1:{self.port}", "--worker-class", self.worker_class,
            "--workers", str(self.workers), "--threads", str(self.threads),
            "--timeout", "120", "--graceful-timeout", "5", "--log-level", "warning",
        ]
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # nosec B603 - fixed command, no shell
            command, cwd=ROOT, env=self.environment, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads exist yet in this script
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.log.close()

    def log_tail(self, lines: int = 40) -> str:
        self.log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


# --- 3. Clients ------------------------------------------------------------------------------------------------


@dataclass
class Results:
    calls: list = field(default_factory=list)  # (operation, seconds, status or error name)
    acknowledged: list = field(default_factory=list)  # (reference, client organisation id)
    wrong_bodies: Counter = field(default_factory=Counter)
    cancelled: int = 0


def request_body(rng: random.Random, client: dict, iteration: int) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "subject": {"first_name": first, "last_name": last, "aliases": [f"{first[:3]} {last}"],
                    "date_of_birth": f"{rng.randint(1960, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    "address": f"{rng.randint(1, 200)} Load Test Road, London"},
        "concerned": [{"age_group": "child", "name": f"Child {iteration}", "relationship": "Daughter"}],
        "reason": f"Load test request {iteration} from client {client['number']}",
        "rating": rng.choice(RATINGS),
        "requester": {"name": "Load Tester", "email": f"tester{client['number']}@partner.example"},
    }


class HttpError(Exception):
    """A call that got no HTTP answer (refused, reset, timed out, malformed)."""


class Answer:
    def __init__(self, status_code: int, body: bytes):
        self.status_code, self.body = status_code, body

    def json(self):
        return json.loads(self.body)


class Connection:
    """One client's HTTP/1.1 connection, kept alive between calls (reopened when the server closes it, as sync
    gunicorn workers do after every response). A few dozen lines on asyncio streams instead of httpx: httpx cost the
    clients 3.4-5.6 ms of CPU a call, a quarter of this 2-CPU machine taken from the server it measures; this costs
    a tenth of that, like a load generator written in C."""

    def __init__(self, host: str, port: int, headers: dict, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self.head = "".join(f"{name}: {value}\r\n" for name, value in {"Host": f"{host}:{port}", **headers}.items())
        self.reader = self.writer = None

    async def request(self, method: str, path: str, *, json_body=None) -> Answer:
        try:
            return await asyncio.wait_for(self._request(method, path, json_body), self.timeout)
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as exc:
            self.close()
            raise HttpError(type(exc).__name__) from exc

    async def _request(self, method, path, json_body) -> Answer:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        body = json.dumps(json_body).encode() if json_body is not None else b""
        extra = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" if json_body is not None else ""
        self.writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}{extra}\r\n".encode() + body)
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = value == b"chunked"
            elif name == b"connection":
                close = value == b"close"
        if chunked:
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size + 2))
            await self.reader.readuntil(b"\r\n")
            data = b"".join(p[:-2] for p in parts)
        else:
            data = await self.reader.readexactly(length)
        if close:
            self.close()
        return Answer(status, data)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def connect(base_url: str, key: str, args_timeout: float) -> Connection:
    address = urlparse(base_url)
    return Connection(address.hostname, address.port, {"Authorization": f"Token {key}", "Accept": "application/json"},
                      args_timeout)


async def run_client(client: dict, base_url: str, args, deadline: float, results: Results) -> None:
    rng = random.Random(client["number"])  # nosec B311 - test data, not security
    mine: list[str] = []
    http = connect(base_url, client["key"], args.timeout)

    async def call(operation, method, url, **kwargs):
        started = time.perf_counter()
        try:
            response = await http.request(method, url, **kwargs)
        except HttpError as exc:
            results.calls.append((operation, time.perf_counter() - started, str(exc)))
            return None
        results.calls.append((operation, time.perf_counter() - started, response.status_code))
        return response

    try:
        for iteration in range(args.max_iterations):
            if time.monotonic() >= deadline:
                break
            response = await call("submit", "POST", API, json_body=request_body(rng, client, iteration))
            if response is not None and response.status_code == 201:
                body = response.json()
                results.acknowledged.append((body.get("reference"), client["organisation_id"]))
                if body.get("organisation") != client["organisation"]:
                    results.wrong_bodies["submit: organisation not the caller's"] += 1
                mine.append(body.get("reference"))
            if time.monotonic() >= deadline:
                break
            response = await call("list", "GET", API)
            if response is not None and response.status_code == 200:
                listed = response.json()["results"]
                if any(r["organisation"] != client["organisation"] for r in listed):
                    results.wrong_bodies["list: another organisation's request"] += 1
                if mine and mine[-1] not in {r["reference"] for r in listed}:
                    results.wrong_bodies["list: own newest request missing"] += 1
            if not mine or time.monotonic() >= deadline:
                continue
            reference = rng.choice(mine)
            response = await call("read", "GET", f"{API}{reference}/")
            if response is not None and response.status_code == 200 and response.json().get("reference") != reference:
                results.wrong_bodies["read: another reference returned"] += 1
    finally:
        http.close()


async def run_bare_client(client: dict, base_url: str, args, deadline: float, results: Results) -> None:
    """The baseline: the bare token-authenticated endpoint, called in a loop like the API, on one connection."""
    http = connect(base_url, client["key"], args.timeout)
    try:
        for _ in range(args.max_iterations):
            if time.monotonic() >= deadline:
                break
            started = time.perf_counter()
            try:
                response = await http.request("GET", BARE)
            except HttpError as exc:
                results.calls.append(("bare", time.perf_counter() - started, str(exc)))
                continue
            results.calls.append(("bare", time.perf_counter() - started, response.status_code))
            if response.status_code == 200 and response.json() != {"ok": True}:
                results.wrong_bodies["bare: unexpected body"] += 1
    finally:
        http.close()


async def warm_up(clients, base_url: str, timeout: float) -> None:
    """Uncounted list and bare calls from every client, so the workers have imported and connected (a database
    connection a thread) before the clock starts."""

    async def one(client):
        http = connect(base_url, client["key"], timeout)
        try:
            for path in (API, BARE) * 2:
                response = await http.request("GET", path)
                if response.status_code != 200:
                    raise RuntimeError(f"warm-up: {path} answered {response.status_code}")
        finally:
            http.close()

    await asyncio.gather(*(one(c) for c in clients))


@dataclass
class Phase:
    results: Results
    elapsed: float
    load_before: tuple
    load_after: tuple
    cpu: Counter = field(default_factory=Counter)  # CPU seconds spent during the phase, by process group


CPU_GROUPS = ("clients (this script)", "gunicorn", "postgres", "redis", "other processes", "idle")


def cpu_by_group(server_pid: int | None) -> Counter:
    """CPU seconds used so far, by process group, from /proc: this script (the clients), the gunicorn server (its
    session), PostgreSQL, Redis, everything else; and the machine's idle time. Differences between two readings say
    where a phase's CPU went (a process that exits within the phase is missed; none of ours does)."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals = Counter()
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat_file:
                stat = stat_file.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()  # fields[3]: session id; [11], [12]: user and system ticks
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        pid = int(entry.name)
        if pid == me:
            group = "clients (this script)"
        elif server_pid is not None and int(fields[3]) == server_pid:
            group = "gunicorn"
        elif comm.startswith("postgres"):
            group = "postgres"
        elif comm.startswith("redis"):
            group = "redis"
        else:
            group = "other processes"
        totals[group] += seconds
    try:
        with open("/proc/stat") as machine:
            values = machine.readline().split()[1:]
        totals["idle"] = (int(values[3]) + int(values[4])) / ticks  # idle + iowait, all CPUs
    except (OSError, IndexError, ValueError):
        pass
    return totals


async def run_phase(clients, base_url: str, args, client_loop, seconds: float, results: Results) -> float:
    """All clients run `client_loop` for `seconds` (calls in flight get --grace); returns the elapsed time."""
    started = time.monotonic()
    deadline = started + seconds
    tasks = [asyncio.create_task(client_loop(c, base_url, args, deadline, results)) for c in clients]
    done, pending = await asyncio.wait(tasks, timeout=seconds + args.grace)
    for task in pending:
        task.cancel()
    results.cancelled += len(pending)
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if task.exception() is not None:
            raise task.exception()
    return time.monotonic() - started


def _load_average() -> tuple:
    try:
        return os.getloadavg()
    except OSError:
        return (float("nan"),) * 3


async def run_load(clients, base_url: str, args, server_pid: int | None = None) -> tuple[Phase, Phase]:
    """Bare endpoint (half of --bare-seconds), the API (--seconds), the bare endpoint again (the other half): the
    baseline brackets the API, so a change in the machine's other work during the run weighs on both."""
    await warm_up(clients, base_url, args.timeout)
    bare, api = Results(), Results()
    loads = [_load_average()]
    cpu = [cpu_by_group(server_pid)]
    bare_elapsed = await run_phase(clients, base_url, args, run_bare_client, args.bare_seconds / 2, bare)
    loads.append(_load_average())
    cpu.append(cpu_by_group(server_pid))
    api_elapsed = await run_phase(clients, base_url, args, run_client, args.seconds, api)
    loads.append(_load_average())
    cpu.append(cpu_by_group(server_pid))
    bare_elapsed += await run_phase(clients, base_url, args, run_bare_client, args.bare_seconds / 2, bare)
    loads.append(_load_average())
    cpu.append(cpu_by_group(server_pid))
    api_cpu = cpu[2] - cpu[1]
    bare_cpu = (cpu[1] - cpu[0]) + (cpu[3] - cpu[2])
    return (Phase(api, api_elapsed, loads[1], loads[2], api_cpu), Phase(bare, bare_elapsed, loads[0], loads[3], bare_cpu))


def cpu_lines(api: Phase, bare: Phase) -> list[str]:
    """Where each phase's CPU went, in milliseconds of CPU a call, so the server's cost a call can be compared
    between the API and the bare endpoint (and between versions of the code) whatever the clients cost."""
    lines = ["CPU a call (ms), by process group, from /proc; 'idle' is the machine's unused CPU time:",
             f"{'phase':<10}" + "".join(f"{g:>24}" for g in CPU_GROUPS)]
    for name, phase in (("API", api), ("bare", bare)):
        calls = len(phase.results.calls) or 1
        lines.append(f"{name:<10}" + "".join(f"{phase.cpu.get(g, 0.0) * 1000 / calls:>24.2f}" for g in CPU_GROUPS))
    return lines


# --- 4. Figures and the exactly-once proof -----------------------------------------------------------------------


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(pct / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def figures(results: Results, elapsed: float) -> list[str]:
    lines = []
    total = len(results.calls)
    lines.append(f"Calls: {total:,} in {elapsed:.1f} s = {total / elapsed:.1f} requests/s overall (partner API)")
    lines.append(f"{'operation':<10}{'calls':>8}{'req/s':>9}{'ok':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}  errors by status")
    for operation in OPERATIONS:
        calls = [c for c in results.calls if c[0] == operation]
        good = 201 if operation == "submit" else 200
        durations = sorted(c[1] * 1000 for c in calls)
        ok = sum(1 for c in calls if c[2] == good)
        errors = Counter(str(c[2]) for c in calls if c[2] != good)
        error_text = ", ".join(f"{status}: {n}" for status, n in sorted(errors.items())) or "none"
        lines.append(
            f"{operation:<10}{len(calls):>8,}{len(calls) / elapsed:>9.1f}{ok:>8,}{percentile(durations, 50):>9.1f}"
            f"{percentile(durations, 95):>9.1f}{percentile(durations, 99):>9.1f}{(durations[-1] if durations else 0):>9.1f}  {error_text}"
        )
    all_durations = sorted(c[1] * 1000 for c in results.calls)
    lines.append(f"{'all':<10}{total:>8,}{total / elapsed:>9.1f}{'':>8}{percentile(all_durations, 50):>9.1f}"
                 f"{percentile(all_durations, 95):>9.1f}{percentile(all_durations, 99):>9.1f}")
    if results.wrong_bodies:
        lines.append("Wrong response bodies: " + ", ".join(f"{k}: {n}" for k, n in sorted(results.wrong_bodies.items())))
    if results.cancelled:
        lines.append(f"Clients cancelled at the grace limit: {results.cancelled}")
    return lines


def _load_text(load: tuple) -> str:
    return " / ".join(f"{value:.2f}" for value in load)


def bare_figures(api: Phase, bare: Phase) -> list[str]:
    """The bare endpoint's figures under the same load, and the API's ratios to them."""
    durations = sorted(c[1] * 1000 for c in bare.results.calls)
    ok = sum(1 for c in bare.results.calls if c[2] == 200)
    errors = Counter(str(c[2]) for c in bare.results.calls if c[2] != 200)
    error_text = ", ".join(f"{status}: {n}" for status, n in sorted(errors.items())) or "none"
    total = len(durations)
    rate = total / bare.elapsed if bare.elapsed else float("nan")
    lines = [
        f"Bare token-authenticated endpoint ({BARE}), same server and clients, half before and half after the API: "
        f"{total:,} calls in {bare.elapsed:.1f} s = {rate:.1f} requests/s "
        f"(load average {_load_text(bare.load_before)} before, {_load_text(bare.load_after)} after)",
        f"{'bare':<10}{total:>8,}{rate:>9.1f}{ok:>8,}{percentile(durations, 50):>9.1f}{percentile(durations, 95):>9.1f}"
        f"{percentile(durations, 99):>9.1f}{(durations[-1] if durations else 0):>9.1f}  {error_text}",
    ]
    api_durations = sorted(c[1] * 1000 for c in api.results.calls)
    api_rate = len(api_durations) / api.elapsed if api.elapsed else float("nan")
    if durations and api_durations:
        p95_ratio = percentile(api_durations, 95) / percentile(durations, 95)
        lines.append(
            f"Partner API vs bare, same load: p95 {percentile(api_durations, 95):.1f} ms vs "
            f"{percentile(durations, 95):.1f} ms = {p95_ratio:.2f}x (target <= 2x); p50 "
            f"{percentile(api_durations, 50) / percentile(durations, 50):.2f}x; throughput {api_rate:.1f} vs "
            f"{rate:.1f} requests/s = {api_rate / rate:.2f}x (load average {_load_text(api.load_before)} before the "
            f"API, {_load_text(api.load_after)} after)"
        )
    return lines


def prove_exactly_once(results: Results, clients, top_before: int, counts_before: dict[int, int]) -> tuple[bool, list[str]]:
    """Every acknowledged reference stored once, in the submitter's organisation; nothing else stored for them."""
    from django.db.models import Count

    from safeguarding.models import SafeguardingRequest

    acknowledged = results.acknowledged
    references = [r for r, _ in acknowledged]
    owner = dict(acknowledged)
    org_ids = [c["organisation_id"] for c in clients]
    problems = []

    repeated = [r for r, n in Counter(references).items() if n > 1]
    if repeated:
        problems.append(f"{len(repeated)} reference(s) acknowledged more than once, e.g. {repeated[:5]}")
    if any(not r for r in references):
        problems.append("a 201 came back without a reference")

    stored = defaultdict(list)
    for start in range(0, len(references), 5000):
        chunk = references[start:start + 5000]
        for reference, organisation_id in SafeguardingRequest.objects.filter(reference__in=chunk).values_list("reference", "organisation_id"):
            stored[reference].append(organisation_id)
    lost = [r for r in owner if r not in stored]
    duplicated = [r for r, rows in stored.items() if len(rows) > 1]
    misfiled = [r for r, rows in stored.items() if any(o != owner[r] for o in rows)]
    if lost:
        problems.append(f"{len(lost)} acknowledged reference(s) not stored (lost), e.g. {lost[:5]}")
    if duplicated:
        problems.append(f"{len(duplicated)} reference(s) stored more than once, e.g. {duplicated[:5]}")
    if misfiled:
        problems.append(f"{len(misfiled)} reference(s) stored under another organisation, e.g. {misfiled[:5]}")

    duplicate_rows = (SafeguardingRequest.objects.values("reference").annotate(n=Count("id")).filter(n__gt=1).count())
    if duplicate_rows:
        problems.append(f"{duplicate_rows} reference(s) appear on more than one row in the whole table")

    new_rows = set(
        SafeguardingRequest.objects.filter(organisation_id__in=org_ids, id__gt=top_before).values_list("reference", flat=True)
    )
    phantoms = sorted(new_rows - set(references))
    if phantoms:
        problems.append(f"{len(phantoms)} request(s) stored for the load organisations but never acknowledged "
                        f"(phantoms), e.g. {phantoms[:5]}")

    counts_after = dict(
        SafeguardingRequest.objects.filter(organisation_id__in=org_ids).values("organisation_id")
        .annotate(n=Count("id")).values_list("organisation_id", "n")
    )
    acked_per_org = Counter(o for _, o in acknowledged)
    mismatched = [pk for pk in org_ids if counts_after.get(pk, 0) - counts_before[pk] != acked_per_org.get(pk, 0)]
    if mismatched:
        problems.append(f"{len(mismatched)} organisation(s) whose stored count changed by other than their acknowledgements")

    stored_total = sum(counts_after.get(pk, 0) - counts_before[pk] for pk in org_ids)
    lines = [
        f"Acknowledged (201): {len(references):,}; distinct references: {len(set(references)):,}; "
        f"stored for the {len(org_ids)} load organisations during the run: {stored_total:,}",
        f"Per organisation: stored delta == acknowledgements for {len(org_ids) - len(mismatched)}/{len(org_ids)}; "
        f"lost {len(lost)}, duplicated {len(duplicated)}, misfiled {len(misfiled)}, phantoms {len(phantoms)}",
    ]
    if not references:
        problems.append("no request was acknowledged: nothing was proven")
    ok = not problems
    lines.append("Exactly-once: PASS" if ok else "Exactly-once: FAIL")
    lines += [f"  - {p}" for p in problems]
    return ok, lines


def machine_lines(args, server: dict) -> list[str]:
    load_text = _load_text(_load_average())
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
            memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return [
        f"Machine: {os.cpu_count()} CPUs ({cpu}){memory}; load average (1/5/15 min) {load_text}; shared with other work",
        f"Server: gunicorn, {server['workers']} {server['worker_class']} workers x {server['threads']} threads, "
        f"DJANGO_ENV=production (DEBUG off), PostgreSQL + Redis on loopback; clients: {args.clients} (asyncio, a minimal "
        f"HTTP/1.1 client, one keep-alive connection each, same machine) for {args.seconds:g} s on the API and {args.bare_seconds:g} s on the "
        f"bare endpoint",
    ]


# --- main --------------------------------------------------------------------------------------------------------


def _terminate(signum, frame):
    raise SystemExit(f"Stopped by signal {signum}")  # unwinds through the `finally` that stops gunicorn


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    server_settings = gunicorn_settings(args)
    environment = server_environment(args, secret_key=secrets.token_urlsafe(48))
    started_at = datetime.now(UTC)
    print(f"Preparing {args.database_url.rsplit('/', 1)[-1]}: migrate, {args.clients} organisations, users and tokens...", flush=True)
    for scratch in (environment["STATIC_ROOT"], environment["PROBATION_VAR_DIR"]):  # this run's own directories
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    build_static(environment)
    clients = prepare(args, environment)
    top_before, counts_before = baseline(clients)
    port = args.port or free_port()
    log_path = Path(tempfile.mkstemp(prefix="probation-load-gunicorn-", suffix=".log")[1])
    server = Server(port=port, workers=server_settings["workers"], threads=server_settings["threads"],
                    worker_class=server_settings["worker_class"], environment=environment, log_path=log_path)
    header = machine_lines(args, server_settings)
    try:
        server.start()
        server.wait_ready()
        print(f"gunicorn ready on 127.0.0.1:{port} ({server_settings['workers']} workers x "
              f"{server_settings['threads']} threads); {args.clients} clients, {args.bare_seconds / 2:g} s bare, "
              f"{args.seconds:g} s API, {args.bare_seconds / 2:g} s bare...", flush=True)
        api, bare = asyncio.run(run_load(clients, f"http://127.0.0.1:{port}", args, server.process.pid))
        header[0] = machine_lines(args, server_settings)[0]  # load average at the end of the run
        every_call = api.results.calls + bare.results.calls
        server_errors = sum(1 for c in every_call if isinstance(c[2], int) and c[2] >= 500)
        log_tail = server.log_tail(60) if server_errors else ""
    finally:
        server.stop()

    results = api.results
    lines = [f"Partner API load test, {started_at:%Y-%m-%d %H:%M} UTC", *header, ""]
    lines += figures(results, api.elapsed)
    lines.append("")
    lines += bare_figures(api, bare)
    lines.append("")
    lines += cpu_lines(api, bare)
    lines.append("")
    ok, proof = prove_exactly_once(results, clients, top_before, counts_before)
    lines += proof
    transport_errors = sum(1 for c in every_call if not isinstance(c[2], int))
    bare_refused = sum(1 for c in bare.results.calls if c[2] != 200)
    if bare_refused:
        ok = False
        lines.append(f"FAIL: the bare endpoint answered other than 200 {bare_refused} time(s)")
    wrong_bodies = results.wrong_bodies + bare.results.wrong_bodies
    cancelled = results.cancelled + bare.results.cancelled
    if server_errors or transport_errors or wrong_bodies or cancelled:
        ok = False
        lines.append(f"FAIL: {server_errors} server error(s), {transport_errors} transport error(s), "
                     f"{sum(wrong_bodies.values())} wrong body(ies), {cancelled} cancelled client(s)")
    lines.append("RESULT: PASS" if ok else "RESULT: FAIL")
    text = "\n".join(lines) + "\n"
    print("\n" + text, end="")
    if log_tail:
        print("gunicorn log (tail):\n" + log_tail)
    if args.results != "-":
        Path(args.results).write_text(text)
        print(f"Written to {args.results}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
