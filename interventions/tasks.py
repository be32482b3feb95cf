"""Celery tasks for interventions: thin wrappers round services. Beat entries live in probation/celery.py; the
deadline steps themselves (interventions.deadlines) run in the engine's own beat task."""

from celery import shared_task


@shared_task(acks_late=True)
def requirement_deadlines_arm_job():
    """Daily: arm the unpaid-work pace check and the commencement chase of newly recorded requirements (idempotent:
    a requirement that already has its deadline is left alone)."""
    from interventions.deadlines import requirement_deadlines_arm

    return requirement_deadlines_arm()
