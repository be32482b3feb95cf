"""Celery tasks for supervision: thin wrappers round services. Beat entries live in probation/celery.py. The
deadline steps (supervision.deadlines) are run by the engine's own beat task, probation.tasks.deadlines_sweep."""

from celery import shared_task

from supervision.contact import overdue_contact_list


@shared_task(acks_late=True)
def overdue_contact_job():
    """Nightly: list the cases overdue for contact and tell their officers and team managers, once a night."""
    return overdue_contact_list()
