"""The Celery app. Deadlines are never countdowns: they are stored times that frequent beat sweeps act on."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "probation.settings")

app = Celery("probation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The whole periodic schedule, in one place. Every task here is idempotent and safe to run twice or to overlap.
BEAT_SCHEDULE = {
    "send-pending-notifications": {
        "task": "probation.tasks.send_pending_notifications",
        "schedule": 60.0,
    },
    "cases-recompute-cohorts": {
        "task": "cases.tasks.recompute_cohorts",
        "schedule": crontab(hour=2, minute=15),
    },
    "cases-allocate-new-cases": {
        "task": "cases.tasks.allocate_new_cases",
        "schedule": crontab(hour=1, minute=30),  # nightly, as Team.auto_allocate says
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE
