#!/usr/bin/env bash
# The deployment build, in one place: the Dockerfile, the README's steps without Docker and the production smoke test
# (tests/probation/test_production_smoke.py) all run this script, so they cannot drift apart.
#
#   bash scripts/build.sh           # both steps, in order
#   bash scripts/build.sh assets    # 1. front-end packages from npm into static/vendor (needs npm)
#   bash scripts/build.sh static    # 2. DJANGO_ENV=production collectstatic into STATIC_ROOT (default staticfiles/)
#
# Step 1 is skipped when static/vendor was built from the current package-lock.json and scripts/assets.sh (a stamp
# file records which), so a second build costs only step 2. Step 2 writes the hashed, compressed files and the
# manifest that production's CompressedManifestStaticFilesStorage serves from; without that manifest every page is a
# 500. It needs neither the database nor the broker nor the secret key, so when they are not set (a Docker image is
# built without them) it fills in placeholders that only let the settings load: a random key used for nothing, and
# addresses under .invalid that are never connected to.
set -euo pipefail
cd "$(dirname "$0")/.."
step=${1:-all}
case "$step" in all | assets | static) ;; *) echo "usage: scripts/build.sh [assets|static]" >&2; exit 2 ;; esac

if [ "$step" != static ]; then
  bash scripts/assets.sh --if-changed
fi

if [ "$step" != assets ]; then
  if [ -n "${PYTHON:-}" ]; then PY=$PYTHON
  elif [ -x .venv/bin/python ]; then PY=.venv/bin/python
  else PY=python
  fi
  [ -f static/vendor/govuk/govuk-frontend.min.css ] || { echo "static/vendor is empty: run scripts/build.sh assets first" >&2; exit 1; }
  DJANGO_ENV=production \
  DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')} \
  DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-build.invalid} \
  DATABASE_URL=${DATABASE_URL:-postgres://build.invalid/unused} \
  CELERY_BROKER_URL=${CELERY_BROKER_URL:-${REDIS_URL:-redis://build.invalid:6379/0}} \
    "$PY" manage.py collectstatic --noinput --clear --verbosity 0
  echo "Static files collected with their manifest in ${STATIC_ROOT:-staticfiles}"
fi
