"""Celery tasks for supervision: thin wrappers round services. Beat entries live in probation/celery.py."""

from celery import shared_task

from supervision.contact import overdue_contact_list
from supervision.sweeps import supervision_sweep


@shared_task(acks_late=True)
def supervision_deadline_sweep():
    """Beat, every 5 minutes: outcome chasing, evidence due, enforcement decisions, countersigning and referral
    deadlines. Claimed set-based (safe to overlap and re-run)."""
    return supervision_sweep()


@shared_task(acks_late=True)
def overdue_contact_job():
    """Nightly: list the cases overdue for contact and tell their officers and team managers, once a night."""
    return overdue_contact_list()
