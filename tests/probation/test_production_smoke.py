"""The service as it is deployed, end to end: real processes, real HTTP, production settings.

From the tree: `scripts/build.sh` (the Dockerfile's and the README's build: assets from npm, production
collectstatic with its manifest), docker-compose.yml's `migrate` command on a scratch PostgreSQL database, then its
`web` (gunicorn, on a free loopback port instead of 0.0.0.0:8000), `worker` and `beat` commands with DJANGO_ENV=production
on Redis (a queue of this run's own).
Requests reach gunicorn as they would through the TLS-terminating proxy the README asks for: https URLs for the
site's host name (DJANGO_ALLOWED_HOSTS as the README sets it), forwarded over loopback with X-Forwarded-Proto: https,
so HTTPS redirects, secure cookies, HSTS and CSRF's origin checks all run as in production. Every process is started
in its own process group and stopped at the end, also when a step fails.
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess  # nosec B404 - runs this checkout's own scripts and servers
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.scratch_db import scratch_database_url
import yaml

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(sys.executable).parent
SITE = "https://probation.example.gov.uk"

pytestmark = pytest.mark.smoke


def _readme_value(name: str) -> str:
    """The value the README's production section exports for a variable."""
    match = re.search(rf"^export {name}=(\S+)$", (ROOT / "README.md").read_text(), re.MULTILINE)
    assert match, f"README exports no {name}"
    return match.group(1)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _scratch_database_url() -> str:
    """A database of this test's own next to the suite's (tests/scratch_db.py). It is kept between runs
    (only the first run migrates from nothing); each run's records have names of their own."""
    return scratch_database_url("smoke")


def _recreate_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username,
                             password=parsed.password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # nosec B608 - this test's own name
        cursor.execute(f'CREATE DATABASE "{name}"')  # nosec B608
    admin.close()


def _database_exists(url: str) -> bool:
    import psycopg2

    parsed = urlparse(url)
    admin = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username,
                             password=parsed.password, dbname="postgres")
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [parsed.path.lstrip("/")])
        found = cursor.fetchone() is not None
    admin.close()
    return found


def _die_with_parent() -> None:
    """In each child, before exec: the kernel sends SIGTERM if pytest dies (even by SIGKILL), so nothing is left."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


class Processes:
    """Every long-running process of the stack, each in its own process group, with its log in a file."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.started: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - the child holds it; closed on stop
        process = subprocess.Popen(  # nosec B603 - fixed commands, no shell
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509
        )
        log.close()
        self.started[name] = process
        return process

    def check_running(self) -> None:
        for name, process in self.started.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{self.log(name)}")

    def log(self, name: str, lines: int = 60) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop_all(self) -> None:
        for process in self.started.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in self.started.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(timeout=5)


class TlsTerminatingProxy(httpx.BaseTransport):
    """What the reverse proxy in front of gunicorn does: takes https://<site>/..., keeps the Host header, and forwards
    the request over plain HTTP to gunicorn on loopback with X-Forwarded-Proto: https (replacing any the client sent)."""

    def __init__(self, port: int):
        self.port = port
        self.upstream = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert request.url.scheme == "https", "only https reaches the proxy"
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"x-forwarded-proto"]
        forwarded = httpx.Request(
            request.method, request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port),
            headers=[*headers, (b"X-Forwarded-Proto", b"https")], stream=request.stream, extensions=request.extensions,
        )
        return self.upstream.handle_request(forwarded)

    def close(self) -> None:
        self.upstream.close()


def _compose_command(service: str, replacements: dict) -> list[str]:
    """A service's command in docker-compose.yml, with the given arguments replaced (each must be there)."""
    command = [str(a) for a in yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][service]["command"]]
    assert set(replacements) <= set(command), (service, command)
    return [replacements.get(a, a) for a in command]


def _run(command: list[str], env: dict, timeout: float) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # nosec B603
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Build, migrate, seed, then start gunicorn, a Celery worker and beat. Yields what the tests need."""
    run = uuid.uuid4().hex[:8]
    work = tmp_path_factory.mktemp("production-smoke")
    (work / "var").mkdir()
    port = _free_port()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "REDIS_", "CACHE_", "STATIC_", "EMAIL_"))}
    env = {
        **inherited,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # python, gunicorn, celery: this virtualenv's
        "PYTHON": PYTHON,
        "DJANGO_SETTINGS_MODULE": "probation.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": _readme_value("DJANGO_ALLOWED_HOSTS"),
        "DATABASE_URL": _scratch_database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CACHE_URL": redis_url,
        "CELERY_QUEUE": f"probation-smoke-{run}",  # this run's own queue on the shared Redis
        "MASH_SWEEP_SECONDS": "2",
        "STATIC_ROOT": str(work / "staticfiles"),
        "PROBATION_VAR_DIR": str(work / "var"),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(_free_port()),  # no mail server: notification emails fail and are retried, never sent out
        "LOG_LEVEL": "WARNING",
    }
    assert "_smoke_" in urlparse(env["DATABASE_URL"]).path  # never the suite's own database
    _run(["bash", "scripts/build.sh"], env, timeout=600)
    migrate = _compose_command("migrate", {})
    if not _database_exists(env["DATABASE_URL"]):
        _recreate_database(env["DATABASE_URL"])
    try:
        _run(migrate, env, timeout=300)
    except AssertionError:  # a kept database another branch migrated differently: start again from nothing
        _recreate_database(env["DATABASE_URL"])
        _run(migrate, env, timeout=300)
    seeded = json.loads(_run([PYTHON, "-m", "tests.probation.production_smoke_seed", run], env, timeout=120)
                        .strip().splitlines()[-1])

    # The long-running processes are docker-compose.yml's own commands, bound to loopback and a free port here.
    schedule = str(work / "var" / "celerybeat-schedule")
    processes = Processes(work)
    try:
        processes.start("gunicorn", _compose_command("web", {"0.0.0.0:8000": f"127.0.0.1:{port}"}), env)
        processes.start("worker", _compose_command("worker", {}), env)
        processes.start("beat", _compose_command("beat", {"/tmp/celerybeat-schedule": schedule}), env)
        http = httpx.Client(base_url=SITE, transport=TlsTerminatingProxy(port), timeout=30)
        deadline = time.monotonic() + 60
        while True:
            processes.check_running()
            try:
                if http.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"gunicorn not healthy in 60 s:\n{processes.log('gunicorn')}"
            time.sleep(0.3)
        yield {"http": http, "port": port, "env": env, "seeded": seeded, "processes": processes}
        http.close()
    finally:
        processes.stop_all()
    for name in processes.started:  # stopped: nothing listens any more
        assert processes.started[name].poll() is not None, name
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def staff(stack):
    """The hub worker signed in through the real forms: password, then the TOTP code from their authenticator."""
    from django_otp.oath import TOTP

    http = httpx.Client(base_url=SITE, transport=TlsTerminatingProxy(stack["port"]), timeout=30)
    seeded = stack["seeded"]
    origin = {"Origin": SITE}
    page = http.get("/sign-in/")
    assert page.status_code == 200
    response = http.post("/sign-in/", headers=origin, data={
        "csrfmiddlewaretoken": _csrf(page.text), "username": seeded["username"], "password": seeded["password"]})
    assert response.status_code == 302, response.text[:2000]
    code_page = http.get(response.headers["location"], follow_redirects=True)  # on to the security-code step
    assert code_page.status_code == 200 and 'id="id_code"' in code_page.text, code_page.url
    code = f"{TOTP(bytes.fromhex(seeded['totp_key'])).token():06d}"
    response = http.post(str(code_page.url), headers=origin, data={
        "csrfmiddlewaretoken": _csrf(code_page.text), "code": code})
    assert response.status_code == 302, response.text[:2000]
    assert http.get(response.headers["location"], follow_redirects=True).status_code == 200
    yield http
    http.close()


def test_the_sign_in_page_renders_over_https_with_secure_headers(stack):
    response = stack["http"].get("/sign-in/")
    assert response.status_code == 200
    assert "Sign in" in response.text and 'id="id_password"' in response.text
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert "nonce-" in response.headers["content-security-policy"]
    assert all("Secure" in c for c in response.headers.get_list("set-cookie"))


def test_plain_http_is_redirected_to_https(stack):
    plain = httpx.get(f"http://127.0.0.1:{stack['port']}/sign-in/",
                      headers={"Host": urlparse(SITE).hostname}, timeout=30)
    assert plain.status_code == 301
    assert plain.headers["location"] == f"{SITE}/sign-in/"


def test_a_signed_in_staff_page_shows_the_hub_queue(stack, staff):
    response = staff.get("/safeguarding/")
    assert response.status_code == 200
    assert stack["seeded"]["reference"] in response.text
    assert "data-testid=\"signed-in-as\"" in response.text


def test_a_static_asset_is_served_by_its_hashed_name_with_a_long_cache(stack):
    html = stack["http"].get("/sign-in/").text
    href = re.search(r'href="(/static/vendor/govuk/govuk-frontend\.min\.[0-9a-f]{12}\.css)"', html)
    assert href, "the page links the stylesheet by its hashed name"
    css = stack["http"].get(href.group(1), headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["content-encoding"] == "gzip"
    assert "immutable" in css.headers["cache-control"]
    # The stylesheet's own references (fonts, images) were rewritten to hashed names that are served too.
    font = re.search(r"url\(\"?(assets/fonts/[^)\"]+\.[0-9a-f]{12}\.woff2)\"?\)", css.text)
    assert font, "the stylesheet names its fonts by hashed names"
    assert stack["http"].get(f"/static/vendor/govuk/{font.group(1)}").status_code == 200


def test_the_api_answers_a_partner_token(stack):
    seeded = stack["seeded"]
    headers = {"Authorization": f"Token {seeded['api_key']}"}
    me = stack["http"].get("/api/v1/partners/me/", headers=headers)
    assert me.status_code == 200, me.text
    assert seeded["organisation"] in me.text
    listed = stack["http"].get("/api/v1/safeguarding/requests/", headers=headers)
    assert listed.status_code == 200
    assert [r["reference"] for r in listed.json()["results"]] == [seeded["reference"]]
    assert stack["http"].get("/api/v1/partners/me/").status_code == 401


def test_healthz_reports_every_check_ok(stack):
    response = stack["http"].get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "static": "ok", "templates": "ok"}


def test_a_missing_page_is_the_services_404(staff):
    response = staff.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text and "govuk-frontend.min." in response.text


def test_a_page_outside_the_role_is_the_services_403(staff):
    response = staff.get("/safeguarding/team/")  # the team manager's view; a hub worker has no team
    assert response.status_code == 403
    assert "You do not have access to this page" in response.text


def test_beat_runs_the_escalation_sweep_and_the_hub_sees_the_overdue_notice(stack, staff):
    """Beat schedules the deadline engine's sweep, the worker runs it, the breach notice reaches the hub worker's
    notifications page."""
    reference = stack["seeded"]["reference"]
    deadline = time.monotonic() + 60
    while True:
        stack["processes"].check_running()
        page = staff.get("/notifications/")
        assert page.status_code == 200
        if f"Overdue: MASH request {reference}" in page.text:
            break
        assert time.monotonic() < deadline, (
            f"no overdue notice in 60 s\nbeat:\n{stack['processes'].log('beat')}\n"
            f"worker:\n{stack['processes'].log('worker')}")
        time.sleep(1)
    assert "probation.tasks.deadlines_sweep" in stack["processes"].log("worker", lines=10_000)


def test_the_compose_health_check_passes_with_the_readme_settings(stack):
    """The web service's health check, run with the environment docker-compose.yml gives it (the README's
    DJANGO_ALLOWED_HOSTS), against this gunicorn; and the site still refuses any other Host."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    command = web["healthcheck"]["test"]
    assert command[0] == "CMD"
    readme = {"DJANGO_SECRET_KEY": stack["env"]["DJANGO_SECRET_KEY"],
              "DJANGO_ALLOWED_HOSTS": _readme_value("DJANGO_ALLOWED_HOSTS")}
    compose_env = {name: _interpolate(str(value), readme) for name, value in web["environment"].items()}
    assert compose_env["DJANGO_ALLOWED_HOSTS"] == stack["env"]["DJANGO_ALLOWED_HOSTS"]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}, **compose_env,
           "HEALTHCHECK_URL": f"http://127.0.0.1:{stack['port']}/healthz"}
    executable = {"python": PYTHON}.get(command[1], command[1])
    # gunicorn listens on port 8000 in the container and on a free port here.
    arguments = [a.replace("127.0.0.1:8000", f"127.0.0.1:{stack['port']}") for a in command[2:]]
    result = subprocess.run([executable, *arguments], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=30)  # nosec B603
    assert result.returncode == 0, result.stdout + result.stderr
    other_host = httpx.get(f"http://127.0.0.1:{stack['port']}/healthz", timeout=30)
    assert other_host.status_code == 400  # Host: 127.0.0.1 is not an allowed host in production


def _interpolate(value: str, variables: dict) -> str:
    """docker compose's ${NAME}, ${NAME:-default} and ${NAME:?message}, with the README's exported variables."""
    def replace(match):
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        if variables.get(name):
            return variables[name]
        assert operator != ":?", f"compose requires {name}: {argument}"
        return argument if operator == ":-" else ""

    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", replace, value)
