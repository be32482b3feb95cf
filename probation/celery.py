"""The Celery app. Deadlines are never countdowns: they are stored times that frequent beat sweeps act on."""

import os

from celery import Celery
from celery.schedules import crontab

from probation.env import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")

app = Celery("probation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Slow work (email, report PDFs, nightly bulk jobs) runs on its own queue with its own worker, so the every-minute
# deadline sweep is never queued behind it (docker-compose: `worker` and `worker-slow`; scripts/run.sh does the same).
SLOW_TASKS = frozenset({
    "probation.tasks.send_pending_notifications",
    "safeguarding.tasks.send_response_email",
    "partners.tasks.deliver_webhook",
    "partners.tasks.webhook_sweep",
    "partners.tasks.produce_monthly_borough_reports",
    "cases.tasks.recompute_cohorts",
    "cases.tasks.allocate_new_cases",
})


def slow_queue() -> str:
    """The slow queue is named after the default queue ("probation-slow"), so a test worker's own queue gets one too."""
    return f"{app.conf.task_default_queue}-slow"


def route_task(name, args, kwargs, options, task=None, **kw):
    return {"queue": slow_queue()} if name in SLOW_TASKS else None


app.conf.task_routes = (route_task,)

# The whole periodic schedule, in one place. Every task here is idempotent and safe to run twice or to overlap.
BEAT_SCHEDULE = {
    # Every deadline step of every app (probation/deadlines.py: MASH reminders, breach and repeat notices, BCST,
    # pre-release, chasing, credential expiry ...): claimed in batches, one transaction a batch, safe to overlap.
    # MASH_SWEEP_SECONDS sets the cadence (default every minute; the production smoke test runs it every 2 s).
    "deadlines-sweep": {
        "task": "probation.tasks.deadlines_sweep",
        "schedule": float(env_int("MASH_SWEEP_SECONDS", 60, minimum=1)),
    },
    "send-pending-notifications": {
        "task": "probation.tasks.send_pending_notifications",
        "schedule": 60.0,
    },
    # MASH: response emails whose sending never started or whose worker died holding the lease.
    "mash-response-emails": {
        "task": "safeguarding.tasks.requeue_response_emails",
        "schedule": 60.0,
    },
    "cases-recompute-cohorts": {
        "task": "cases.tasks.recompute_cohorts",
        "schedule": crontab(hour=2, minute=15),
    },
    "cases-sync-overlay-flags": {
        "task": "cases.tasks.sync_overlay_flags",
        "schedule": crontab(hour=0, minute=5),  # IOM/GtO flags follow register start and end dates
    },
    "cases-recount-caseloads": {
        "task": "cases.tasks.recount_caseloads",
        "schedule": crontab(hour=0, minute=10),  # the workload pages' stored counts, for the new day
    },
    "cases-refresh-queue-candidates": {
        "task": "cases.tasks.refresh_queue_candidates",
        # Before the queue's cached suggestions expire (cases.selectors.QUEUE_WORKLOAD_SECONDS, 300 s).
        "schedule": 240.0,
        "options": {"expires": 230},
    },
    "cases-allocate-new-cases": {
        "task": "cases.tasks.allocate_new_cases",
        "schedule": crontab(hour=1, minute=30),  # nightly, as Team.auto_allocate says
    },
    # Case continuity: future-dated reallocations and tier override expiry (its deadlines, unallocated beyond
    # target, long absences, late plans and reviews, run as steps of the deadline engine).
    "cases-continuity-nightly": {
        "task": "cases.tasks.continuity_nightly",
        "schedule": crontab(hour=6, minute=30),
    },
    # Borough reports for Community Safety Partnerships: last month's, for every borough, then the HOSP is told.
    # Runs on days 1-3 at 06:15 so a failed first run is made good; repeats do nothing (one report per month).
    "partners-monthly-borough-reports": {
        "task": "partners.tasks.produce_monthly_borough_reports",
        "schedule": crontab(minute=15, hour=6, day_of_month="1-3"),
    },
    # Partner webhooks: retries after back-off, and first tries whose queued task was lost.
    "partners-webhook-sweep": {
        "task": "partners.tasks.webhook_sweep",
        "schedule": 60.0,
    },
    # Idempotency keys of partner submits older than their retention (7 days; at least 24 hours is promised).
    "safeguarding-purge-idempotency-keys": {
        "task": "safeguarding.tasks.purge_idempotency_keys",
        "schedule": crontab(hour=3, minute=40),
    },
    # Supervision's deadlines run in deadlines-sweep (supervision/deadlines.py). Reminders to people on probation go
    # out through GOV.UK Notify from their outbox (leased claims, retries); delivery statuses are fetched back.
    "supervision-send-reminders": {
        "task": "supervision.tasks.send_reminders",
        "schedule": 60.0,
    },
    "supervision-reminder-statuses": {
        "task": "supervision.tasks.refresh_reminder_statuses",
        "schedule": 600.0,
    },
    # Interventions' deadlines run in deadlines-sweep (interventions/deadlines.py); this arms new requirements'.
    "interventions-arm-requirement-deadlines": {
        "task": "interventions.tasks.requirement_deadlines_arm_job",
        "schedule": crontab(hour=3, minute=5),
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE
