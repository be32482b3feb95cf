"""Celery tasks for supervision: thin wrappers round services. Beat entries live in probation/celery.py. The
deadline steps (supervision.deadlines) are run by the engine's own beat task, probation.tasks.deadlines_sweep."""

from celery import shared_task

from supervision.contact import overdue_contact_list


@shared_task(acks_late=True)
def overdue_contact_job():
    """Nightly: list the cases overdue for contact and tell their officers and team managers, once a night."""
    return overdue_contact_list()


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
