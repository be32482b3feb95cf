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
}
app.conf.beat_schedule = BEAT_SCHEDULE
