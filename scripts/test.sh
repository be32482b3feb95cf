#!/usr/bin/env bash
# One command runs the whole suite against the real PostgreSQL and Redis (override with DATABASE_URL and
# CELERY_BROKER_URL). Extra arguments go to pytest, e.g. `make test ARGS="tests/cases -x"`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Front-end assets from npm (skipped when static/vendor is up to date); the production smoke test builds the rest.
if command -v npm >/dev/null 2>&1; then
  bash scripts/build.sh assets
fi
# In CI (CI set, as CI services do) browser tests must run, not be skipped for want of Chromium.
if [ -n "${CI:-}" ]; then
  export REQUIRE_BROWSER=1
fi
export DJANGO_ENV=test
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/probation}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-$REDIS_URL}
# pytest exits 5 when it collected no test: that is a failure here, and set -e passes it on.
exec .venv/bin/python -m pytest "$@"
