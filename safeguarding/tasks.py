"""Celery tasks for MASH requests: thin wrappers round services. Beat entries live in probation/celery.py."""

from celery import shared_task

from safeguarding.services import escalation_sweep, response_email_send, response_emails_requeue


@shared_task(acks_late=True)
def mash_escalation_sweep():
    """The MASH steps of the deadline engine (reminders, breach and repeat notices) and unsent response emails, now.
    The engine's every-minute sweep (probation.tasks.deadlines_sweep) runs the steps anyway; safe to overlap."""
    return escalation_sweep()


@shared_task(acks_late=True)
def requeue_response_emails():
    """Beat, every minute: queue response emails never queued, or whose worker died holding the lease."""
    return response_emails_requeue()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def send_response_email(request_id: int):
    """Email a request's answer to the requester's contact. Retries on failure; sends once (leased claim)."""
    return response_email_send(request_id=request_id)


@shared_task(name="safeguarding.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Daily: forget partner submits' Idempotency-Keys older than IDEMPOTENCY_KEY_DAYS (the requests stay)."""
    from safeguarding.services import idempotency_keys_purge

    return idempotency_keys_purge()
