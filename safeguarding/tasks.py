"""Celery tasks for MASH requests: thin wrappers round services. Beat entries live in probation/celery.py."""

from celery import shared_task

from safeguarding.services import escalation_sweep, response_email_send


@shared_task(acks_late=True)
def mash_escalation_sweep():
    """Beat, every minute: reminders, breach notices, repeat notices, unsent response emails. Safe to overlap and to
    re-run: every step is claimed with a conditional UPDATE and notifies with a dedupe key."""
    return escalation_sweep()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def send_response_email(request_id: int):
    """Email a request's answer to the requester's contact. Retries on failure; sends once (leased claim)."""
    return response_email_send(request_id=request_id)


@shared_task(name="safeguarding.tasks.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Daily: forget partner submits' Idempotency-Keys older than IDEMPOTENCY_KEY_DAYS (the requests stay)."""
    from safeguarding.services import idempotency_keys_purge

    return idempotency_keys_purge()
