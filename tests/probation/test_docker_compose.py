"""No Docker engine runs here, so the compose file is checked as data: each service's command, environment and
health check, one beat, and a migrate step the app services wait for."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_stack_has_postgres_redis_web_worker_beat_and_a_migrate_step(compose):
    assert {"postgres", "redis", "web", "worker", "beat", "migrate"} <= set(compose["services"])


@pytest.mark.parametrize("name", ["postgres", "redis", "web", "worker", "worker-slow", "beat"])
def test_every_long_running_service_has_a_health_check(compose, name):
    check = compose["services"][name]["healthcheck"]
    assert check["test"] and check["interval"]


def test_web_serves_with_gunicorn_and_checks_healthz(compose):
    web = compose["services"]["web"]
    assert web["command"][0] == "gunicorn" and "probation.wsgi:application" in web["command"]
    assert "scripts/healthcheck.py" in web["healthcheck"]["test"]
    assert "/healthz" in (ROOT / "scripts" / "healthcheck.py").read_text()


def test_worker_and_beat_run_the_probation_celery_app(compose):
    assert compose["services"]["worker"]["command"][:4] == ["celery", "-A", "probation", "worker"]
    assert compose["services"]["beat"]["command"][:4] == ["celery", "-A", "probation", "beat"]


def test_a_worker_per_queue_so_sweeps_never_wait_behind_email(compose):
    from probation.celery import SLOW_TASKS, app, route_task

    worker, slow = compose["services"]["worker"]["command"], compose["services"]["worker-slow"]["command"]
    assert "-Q" not in worker and app.conf.task_default_queue == "probation"  # the default queue (CELERY_QUEUE)
    assert slow[:4] == ["celery", "-A", "probation", "worker"] and slow[slow.index("-Q") + 1] == "probation-slow"
    assert {route_task(name, (), {}, {})["queue"] for name in SLOW_TASKS} == {"probation-slow"}
    assert route_task("probation.tasks.deadlines_sweep", (), {}, {}) is None  # the default queue
    assert "probation.tasks.send_pending_notifications" in SLOW_TASKS


def test_the_demo_runs_a_worker_per_queue():
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert "worker --beat" in script and "worker -Q probation-slow" in script


def test_exactly_one_beat_runs(compose):
    beats = [s for s in compose["services"].values() if " beat" in " ".join(map(str, s.get("command", [])))]
    assert len(beats) == 1
    assert compose["services"]["beat"].get("deploy", {}).get("replicas", 1) == 1


@pytest.mark.parametrize("name", ["web", "worker", "worker-slow", "beat", "migrate"])
def test_app_services_run_in_production_mode_on_postgres_and_redis(compose, name):
    env = compose["services"][name]["environment"]
    assert env["DJANGO_ENV"] == "production"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["CELERY_BROKER_URL"].startswith("redis://")
    assert "DJANGO_SECRET_KEY" in env and "DJANGO_ALLOWED_HOSTS" in env


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_wait_for_healthy_databases_and_migrations(compose, name):
    depends = compose["services"][name]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_migrate_runs_migrations_once(compose):
    assert compose["services"]["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert compose["services"]["migrate"]["restart"] == "no"


def test_web_health_check_asks_as_the_sites_own_host(compose):
    """Production refuses a Host it does not serve, so the check names the first allowed host (run for real against
    gunicorn by tests/probation/test_production_smoke.py)."""
    import importlib.util

    assert compose["services"]["web"]["healthcheck"]["test"] == ["CMD", "python", "scripts/healthcheck.py"]
    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "scripts" / "healthcheck.py")
    healthcheck = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(healthcheck)
    assert healthcheck.site_host("probation.example.gov.uk") == "probation.example.gov.uk"
    assert healthcheck.site_host(" probation.example.gov.uk , ops.example.gov.uk") == "probation.example.gov.uk"
    assert healthcheck.site_host(".example.gov.uk") == "example.gov.uk"
    assert healthcheck.site_host("*") == "localhost"


def test_the_image_is_built_by_the_build_script_the_smoke_test_runs():
    """The Dockerfile's build steps are scripts/build.sh's (assets, then production collectstatic with its manifest),
    never a collectstatic of its own in another mode."""
    runs = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("RUN ")]
    assert "RUN bash scripts/build.sh assets" in runs
    assert "RUN bash scripts/build.sh static" in runs
    assert not [line for line in runs if "collectstatic" in line or "assets.sh" in line]


def test_migrations_run_as_the_owner_and_the_app_connects_as_a_role_that_owns_nothing(compose):
    from urllib.parse import urlparse

    migrate = compose["services"]["migrate"]["environment"]
    assert urlparse(migrate["DATABASE_URL"]).username == "probation_owner"
    assert migrate["DATABASE_APP_ROLE"] == "probation_app"
    for name in ("web", "worker", "beat"):
        assert urlparse(compose["services"][name]["environment"]["DATABASE_URL"]).username == "probation_app"
    init = compose["services"]["postgres"]["volumes"]
    assert "./docker/postgres-init:/docker-entrypoint-initdb.d:ro" in init
    script = (ROOT / "docker/postgres-init/01-roles.sh").read_text()
    assert "CREATE ROLE probation_owner LOGIN NOSUPERUSER" in script
    assert "CREATE ROLE probation_app LOGIN NOSUPERUSER" in script
    assert "CREATE DATABASE probation OWNER probation_owner" in script
