"""`make test` (scripts/test.sh) itself requires the browser tests in CI, not only .ci/run."""

import os
import subprocess  # nosec B404 - runs this checkout's own test script
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

REPORT = """
import os

def test_report():
    assert os.environ.get("REQUIRE_BROWSER", "") == os.environ["EXPECTED_REQUIRE_BROWSER"]
"""


@pytest.mark.parametrize(("ci", "expected"), [("true", "1"), ("", "")])
def test_the_test_script_requires_the_browser_exactly_when_ci_is_set(tmp_path, ci, expected):
    probe = tmp_path / "test_probe.py"
    probe.write_text(REPORT)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "REQUIRE_BROWSER", "PYTEST_ADDOPTS")}
    env.update(CI=ci, EXPECTED_REQUIRE_BROWSER=expected)
    result = subprocess.run(["bash", "scripts/test.sh", str(probe), "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)  # nosec B603 B607
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
