"""Names of the scratch databases that some tests keep between runs (the production smoke test, the tiny benchmark and
load runs), so only a first run migrates from nothing.

The name carries a digest of the migration files: when a migration is added, renamed or edited, the next run gets a
new database instead of one whose history no longer matches the code (a renamed migration would otherwise be
applied a second time over tables that already exist)."""

import hashlib
import os
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]


def migrations_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/0*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def scratch_database_url(suffix: str) -> str:
    """The suite's database with `_<suffix>_<digest>` added (probation_x -> probation_x_smoke_1a2b3c4d5e)."""
    parsed = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/probation"))
    return urlunparse(parsed._replace(path=f"/{parsed.path.lstrip('/')}_{suffix}_{migrations_digest()}"))
