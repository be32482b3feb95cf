#!/usr/bin/env bash
# One command to see the working app: installs everything, migrates, seeds demo data (idempotent), runs a Celery
# worker and beat for real on an embedded broker, and serves http://127.0.0.1:8000.
# Defaults: SQLite in var/ and kombu's filesystem broker; set DATABASE_URL / CELERY_BROKER_URL to use PostgreSQL/Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh assets  # front-end packages from npm (skipped when up to date)
mkdir -p var
PY=.venv/bin/python
$PY manage.py migrate --noinput
$PY manage.py seed_demo --people "${DEMO_PEOPLE:-300}"
# GOV.UK Notify cannot be reached from a demo: reminders go to a loopback stand-in speaking Notify's API.
$PY manage.py notify_local >var/notify.log 2>&1 &
notify_pid=$!
# A worker per queue, as in production: deadline sweeps and quick jobs with beat, and slow work (email, reports)
# on its own, so the every-minute sweep never waits behind a backlog of email.
.venv/bin/celery -A probation worker --beat --pool=solo --loglevel=INFO \
  --schedule var/celerybeat-schedule >var/celery.log 2>&1 &
celery_pid=$!
.venv/bin/celery -A probation worker -Q probation-slow -n slow@%h --pool=solo --loglevel=INFO >var/celery-slow.log 2>&1 &
celery_slow_pid=$!
trap 'kill $celery_pid $celery_slow_pid $notify_pid 2>/dev/null || true' EXIT INT TERM
echo "Celery workers (deadlines and quick jobs with beat; slow work) running (logs: var/celery.log,"
echo "var/celery-slow.log). Emails are written to var/mail/."
echo "Open http://127.0.0.1:8000 and sign in with one of the demo users above."
$PY manage.py runserver 127.0.0.1:8000
