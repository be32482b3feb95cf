#!/usr/bin/env bash
# One command runs the whole suite against the real PostgreSQL and Redis (override with DATABASE_URL and
# CELERY_BROKER_URL). Extra arguments go to pytest, e.g. `make test ARGS="tests/cases -x"`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# axe-core (a development package) checks accessibility in the browser tests; install it if an older checkout lacks it.
if { [ ! -f static/vendor/govuk/govuk-frontend.min.css ] || [ ! -f node_modules/axe-core/axe.min.js ]; } && command -v npm >/dev/null 2>&1; then
  bash scripts/assets.sh
fi
export DJANGO_ENV=test
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/probation}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-$REDIS_URL}
# pytest exits 5 when it collected no test: that is a failure here, and set -e passes it on.
exec .venv/bin/python -m pytest "$@"
