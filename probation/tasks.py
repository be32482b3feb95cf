from celery import shared_task

from probation.services import notifications_email_due


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def send_pending_notifications(batch_size: int = 200):
    """Beat, every minute: email queued notifications. Safe to overlap: rows are claimed with skip-locked."""
    totals = {"claimed": 0, "sent": 0, "failed": 0}
    while True:
        result = notifications_email_due(batch_size=batch_size)
        for k in totals:
            totals[k] += result[k]
        if result["claimed"] < batch_size:
            return totals


@shared_task(acks_late=True)
def deadlines_sweep():
    """Beat, every minute: every registered deadline step of every app (probation.deadlines). Safe to overlap and to
    re-run: batches are claimed with FOR UPDATE SKIP LOCKED and notify with dedupe keys in the claim's transaction."""
    from probation.deadlines import deadlines_run

    return deadlines_run()
