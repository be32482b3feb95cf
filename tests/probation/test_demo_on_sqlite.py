"""`make run` migrates and seeds a SQLite database (README: one command on a fresh machine). The suite runs on
PostgreSQL, so without this test a migration that only PostgreSQL understands would break the demo unnoticed."""

import os
import subprocess  # nosec B404 - runs this checkout's own manage.py
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_migrates_and_seeds_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DJANGO_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
    }
    env.pop("REDIS_URL", None)
    env.pop("CACHE_URL", None)
    for command in (["migrate", "--noinput"], ["seed_demo", "--people", "40"]):
        result = subprocess.run(  # nosec B603 - fixed arguments
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stderr[-3000:]
    assert "Two-factor code for a demo user" in result.stdout
