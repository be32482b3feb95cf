"""`make run` migrates and seeds a SQLite database (README: one command on a fresh machine). The suite runs on
PostgreSQL, so without this test a migration that only PostgreSQL understands would break the demo unnoticed. The
partner API is called too: its lists and reads are rendered by a PostgreSQL function there, in Python here."""

import os
import subprocess  # nosec B404 - runs this checkout's own manage.py
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A partner system's token for the first request's organisation, then a list and a read of its requests.
API_CHECK = """
import json
from django.test import Client
from partners.models import PartnerMembership
from partners.services import api_token_issue
from probation.models import Role, User
from safeguarding.models import SafeguardingRequest
organisation = SafeguardingRequest.objects.order_by("id").first().organisation
user = User.objects.create(username="sqlite-api-check", role=Role.PARTNER)
PartnerMembership.objects.create(user=user, organisation=organisation)
_, key = api_token_issue(user=user, name="SQLite check")
client = Client(HTTP_AUTHORIZATION=f"Token {key}")
listed = client.get("/api/v1/safeguarding/requests/")
assert listed.status_code == 200, listed.content
results = json.loads(listed.content)["results"]
assert results and all(r["organisation"] == organisation.name for r in results), results
read = client.get(f"/api/v1/safeguarding/requests/{results[0]['reference']}/")
assert read.status_code == 200 and json.loads(read.content) == results[0], read.content
print("partner API on SQLite:", len(results), "listed")
"""


def test_the_demo_migrates_and_seeds_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DJANGO_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
    }
    env.pop("REDIS_URL", None)
    env.pop("CACHE_URL", None)
    for command in (["migrate", "--noinput"], ["seed_demo", "--people", "40"], ["shell", "-c", API_CHECK]):
        result = subprocess.run(  # nosec B603 - fixed arguments
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stderr[-3000:]
        if command[0] == "seed_demo":
            assert "Two-factor code for a demo user" in result.stdout
    assert "partner API on SQLite:" in result.stdout
