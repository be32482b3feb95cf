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
    "mash-escalation-sweep": {
        "task": "safeguarding.tasks.mash_escalation_sweep",
        "schedule": 60.0,
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE
