"""The cases benchmark (benchmarks/cases_bench.py) runs to its end in a tiny mode, its last step (the partner IOM
API, which takes partner tokens only) included."""

import os
import subprocess  # nosec B404 - runs this checkout's own script
import sys
from pathlib import Path

import pytest

from tests.scratch_db import scratch_database_url

ROOT = Path(__file__).resolve().parents[2]


def _own_database_url() -> str:
    """A database of this test's own next to the suite's (probation_x -> probation_x_cases_bench_ci), kept between
    runs so only the first run migrates and seeds."""
    return scratch_database_url("cases_bench_ci")


@pytest.mark.load
def test_the_cases_benchmark_runs_every_measure_including_the_iom_api_with_a_partner_token():
    env = {**os.environ, "DATABASE_URL": _own_database_url(), "DJANGO_ENV": "development", "LOG_LEVEL": "WARNING"}
    run = subprocess.run([sys.executable, "benchmarks/cases_bench.py", "--people", "60", "--repeat", "1"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=300)  # nosec B603
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    lines = {line.split("  ")[0] for line in run.stdout.splitlines()}
    assert "api: iom-nominals (50 per page)" in lines
    assert "page: team workload" in lines and "search: PNC" in lines
