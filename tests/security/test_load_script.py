"""The partner API load test (benchmarks/load_test.py) works: a tiny run against a real gunicorn passes its
exactly-once proof, and the proof itself fails on a lost, duplicated or phantom request."""

import importlib.util
import os
import re
import socket
import subprocess  # nosec B404 - runs this checkout's own script
import sys
from pathlib import Path

import pytest

from tests.scratch_db import scratch_database_url

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "load_test.py"


def _load_module():
    spec = importlib.util.spec_from_file_location("load_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _own_database_url() -> str:
    """A database of this test's own next to the suite's (probation_x -> probation_x_load_ci), so parallel suites
    of different engineers never share it; it is kept between runs, so only the first run migrates."""
    return scratch_database_url("load_ci")


@pytest.mark.load
def test_a_tiny_load_run_passes_and_proves_every_acknowledged_request_stored_once(tmp_path):
    results = tmp_path / "results.txt"
    port = _free_port()
    command = [
        sys.executable, str(SCRIPT), "--clients", "3", "--seconds", "3", "--grace", "10", "--workers", "2",
        "--port", str(port),
        "--database-url", _own_database_url(),
        "--redis-url", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "--results", str(results),
    ]
    # A hung run fails here (subprocess timeout), however busy the machine; no tighter wall-clock limit on the
    # whole run (preparation and migration vary with load on a shared machine).
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)  # nosec B603
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Exactly-once: PASS" in run.stdout and "RESULT: PASS" in run.stdout, output
    text = results.read_text()
    for operation in ("submit", "list", "read"):
        assert f"\n{operation} " in text
    assert "p95 ms" in text and "requests/s overall" in text
    assert "CPU a call (ms)" in text and "\nAPI " in text  # where the CPU went, by process group
    load_seconds = float(re.search(r"Calls: [\d,]+ in ([\d.]+) s", text).group(1))
    # The load stops by itself: it ran its 3 s and stopped by its own deadline (3 s + 10 s grace, then cancelled);
    # the 30 s margin covers only the event loop being scheduled late on a busy machine, never a run without end.
    assert 3 <= load_seconds < 3 + 10 + 30, text
    with pytest.raises(OSError):  # gunicorn is stopped at the end: nothing listens on its port any more
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


@pytest.fixture
def load_test():
    return _load_module()


@pytest.fixture
def client_org():
    from tests.partners.factories import OrganisationFactory

    organisation = OrganisationFactory()
    return [{"number": 1, "organisation_id": organisation.pk, "organisation": organisation.name, "key": "unused"}]


def test_the_proof_passes_when_every_acknowledged_request_is_stored_once(db, load_test, client_org):
    from tests.safeguarding.factories import mash_request

    top, counts = load_test.baseline(client_org)
    organisation_id = client_org[0]["organisation_id"]
    stored = [mash_request(organisation=_org(organisation_id)) for _ in range(2)]
    results = load_test.Results(acknowledged=[(r.reference, organisation_id) for r in stored])
    ok, lines = load_test.prove_exactly_once(results, client_org, top, counts)
    assert ok, lines


def _org(pk):
    from partners.models import Organisation

    return Organisation.objects.get(pk=pk)


@pytest.mark.parametrize("fault", ["lost", "phantom", "duplicate_ack", "misfiled"])
def test_the_proof_fails_on_a_lost_phantom_duplicated_or_misfiled_request(db, load_test, client_org, fault):
    from tests.partners.factories import OrganisationFactory
    from tests.safeguarding.factories import mash_request

    top, counts = load_test.baseline(client_org)
    organisation_id = client_org[0]["organisation_id"]
    stored = mash_request(organisation=_org(organisation_id))
    acknowledged = [(stored.reference, organisation_id)]
    if fault == "lost":
        acknowledged.append(("MASH-1999-999999", organisation_id))
    elif fault == "phantom":
        mash_request(organisation=_org(organisation_id))  # stored, never acknowledged
    elif fault == "duplicate_ack":
        acknowledged.append((stored.reference, organisation_id))
    elif fault == "misfiled":
        other = mash_request(organisation=OrganisationFactory())
        acknowledged.append((other.reference, organisation_id))
    ok, lines = load_test.prove_exactly_once(load_test.Results(acknowledged=acknowledged), client_org, top, counts)
    assert not ok
    assert "Exactly-once: FAIL" in lines
