"""Start-up settings are checked in a fresh interpreter, as a server would start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k3J9-very-long-random-secret-key-for-tests-only-xQ7pL2mN8vB4cD6fG1hJ0"


def run_django(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "REDIS_"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": GOOD_SECRET,
    "DJANGO_ALLOWED_HOSTS": "probation.example.gov.uk",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/probation",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def test_production_settings_pass_the_deployment_checklist_with_no_warnings():
    result = run_django(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"])
def test_production_refuses_to_start_without_a_required_setting(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_django(env, "check")
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_django({**PRODUCTION, "DJANGO_SECRET_KEY": "short"}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "name, value",
    [
        ("DJANGO_DEBUG", "perhaps"),
        ("DB_CONN_MAX_AGE", "sixty"),
        ("DATABASE_URL", "mysql://root@localhost/probation"),
        ("CELERY_BROKER_URL", "amqp://guest@localhost//"),
        ("DJANGO_ENV", "staging"),
        ("SESSION_IDLE_TIMEOUT_SECONDS", "-5"),
    ],
)
def test_a_malformed_variable_stops_start_up_with_a_message_naming_it(name, value):
    result = run_django({name: value}, "check")
    assert result.returncode != 0
    assert name in result.stderr
    assert "Traceback" not in result.stderr.splitlines()[-1]


def test_development_defaults_need_no_services():
    result = run_django({"PROBATION_VAR_DIR": "/tmp/probation-settings-test"}, "check")
    assert result.returncode == 0, result.stderr


def test_settings_store_times_in_utc_and_show_them_in_london(settings):
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Europe/London"


def test_static_files_are_served_in_development():
    """runserver serves /static/ only when whitenoise's runserver_nostatic is absent, and whitenoise's middleware is
    only installed in production: one of the two must serve the GOV.UK stylesheets in the demo."""
    result = run_django(
        {"PROBATION_VAR_DIR": "/tmp/probation-settings-test"},
        "shell", "-c",
        "from django.conf import settings; "
        "print('nostatic' if 'whitenoise.runserver_nostatic' in settings.INSTALLED_APPS else 'runserver-serves', "
        "'whitenoise' if 'whitenoise.middleware.WhiteNoiseMiddleware' in settings.MIDDLEWARE else 'no-whitenoise', "
        "settings.DEBUG)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() in (["runserver-serves", "no-whitenoise", "True"], ["nostatic", "whitenoise", "True"])
