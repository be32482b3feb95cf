"""Celery tasks for supervision: thin wrappers round services. Beat entries live in probation/celery.py. The
deadline steps (supervision.deadlines) are run by the engine's own beat task, probation.tasks.deadlines_sweep."""

from celery import shared_task

from supervision.contact import contact_deadlines_arm_all


@shared_task(acks_late=True)
def contact_deadlines_arm_job():
    """After a contact standard changes in admin: every case's contact deadline recomputed (chunked). Overdue
    contact itself is a deadline step (supervision.contact_overdue) run by the engine's sweep, not a nightly job."""
    return {"refreshed": contact_deadlines_arm_all()}


@shared_task(acks_late=True)
def send_reminders():
    """Beat, every minute: send queued reminders through GOV.UK Notify (leased claim; retries with back-off)."""
    from supervision.notify import reminders_send

    return reminders_send()


@shared_task(acks_late=True)
def refresh_reminder_statuses():
    """Beat, every 10 minutes: ask Notify what became of sent reminders and record the delivery status."""
    from supervision.notify import reminder_statuses_refresh

    return reminder_statuses_refresh()
