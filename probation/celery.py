"""The Celery app. Deadlines are never countdowns: they are stored times that frequent beat sweeps act on."""

import os

from celery import Celery
from celery.schedules import crontab

from probation.env import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")

app = Celery("probation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The whole periodic schedule, in one place. Every task here is idempotent and safe to run twice or to overlap.
BEAT_SCHEDULE = {
    # Every deadline step of every app (probation/deadlines.py): claimed in batches, one transaction a batch.
    "deadlines-sweep": {
        "task": "probation.tasks.deadlines_sweep",
        "schedule": 60.0,
    },
    "send-pending-notifications": {
        "task": "probation.tasks.send_pending_notifications",
        "schedule": 60.0,
    },
    # MASH: reminders at 75% of the time, breach and repeat notices, unsent response emails. Claims make it
    # safe to overlap; partial indexes make each run cost what is due.
    # MASH_SWEEP_SECONDS sets the cadence (default every minute; the production smoke test runs it every 2 s).
    "mash-escalation-sweep": {
        "task": "safeguarding.tasks.mash_escalation_sweep",
        "schedule": float(env_int("MASH_SWEEP_SECONDS", 60, minimum=1)),
    },
    "cases-recompute-cohorts": {
        "task": "cases.tasks.recompute_cohorts",
        "schedule": crontab(hour=2, minute=15),
    },
    "cases-allocate-new-cases": {
        "task": "cases.tasks.allocate_new_cases",
        "schedule": crontab(hour=1, minute=30),  # nightly, as Team.auto_allocate says
    },
    # Borough reports for Community Safety Partnerships: last month's, for every borough, then the HOSP is told.
    # Runs on days 1-3 at 06:15 so a failed first run is made good; repeats do nothing (one report per month).
    "partners-monthly-borough-reports": {
        "task": "partners.tasks.produce_monthly_borough_reports",
        "schedule": crontab(minute=15, hour=6, day_of_month="1-3"),
    },
    # Partner API credentials expiring within 14 days: warn the holder and the administrators, once per credential.
    "partners-api-token-expiry-reminders": {
        "task": "partners.tasks.remind_expiring_api_tokens",
        "schedule": crontab(minute=0, hour=8),
    },
    # Through the Gate (resettlement): BCST deadlines, pre-release steps, chasing post-release actions.
    "resettlement-screening-deadlines": {
        "task": "resettlement.tasks.screening_deadline_sweep",
        "schedule": 300.0,
    },
    "resettlement-pre-release": {
        "task": "resettlement.tasks.pre_release_sweep",
        "schedule": crontab(hour=7, minute=0),
    },
    "resettlement-chase-overdue-actions": {
        "task": "resettlement.tasks.chase_overdue_actions",
        "schedule": crontab(hour=8, minute=0),
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
    # The nightly listing of cases overdue for contact (one row per case per night: a rerun adds nothing).
    # Interventions' deadlines run in deadlines-sweep (interventions/deadlines.py); this arms new requirements'.
    "interventions-arm-requirement-deadlines": {
        "task": "interventions.tasks.requirement_deadlines_arm_job",
        "schedule": crontab(hour=3, minute=5),
    },
    "supervision-overdue-contact": {
        "task": "supervision.tasks.overdue_contact_job",
        "schedule": crontab(hour=2, minute=45),
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE
