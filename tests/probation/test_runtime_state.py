"""Run-time state (the demo's filesystem broker, beat schedule, mail) stays under var/, out of the source tree and
out of git, whatever directory the worker is started from."""

import os
import shutil
import subprocess  # nosec B404 - runs this checkout's own Python
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PUBLISH = """
import django
django.setup()
from probation.celery import app
app.send_task("probation.tasks.deadlines_sweep")  # the default queue ("probation"; email has a queue of its own)
"""


def test_the_filesystem_broker_writes_its_exchange_tables_under_var_not_the_working_directory(tmp_path):
    cwd, var = tmp_path / "cwd", tmp_path / "var"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "REDIS_"))}
    env.update(DJANGO_ENV="development", CELERY_BROKER_URL="filesystem://", PROBATION_VAR_DIR=str(var),
               DJANGO_SETTINGS_MODULE="probation.settings", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", PUBLISH], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=60)  # nosec B603
    assert result.returncode == 0, result.stderr
    assert list(cwd.iterdir()) == []  # no control/ (or anything else) where the process was started
    assert (var / "broker" / "control" / "probation.exchange").is_file()
    assert len(list((var / "broker" / "queue").iterdir())) == 1  # the message itself


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_no_run_time_broker_state_is_kept_in_git():
    tracked = subprocess.run(["git", "ls-files", "control", "var"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout  # nosec B603 B607
    assert tracked == ""
