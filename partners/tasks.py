"""Celery jobs for partners."""

import logging

from celery import shared_task
from django.utils import timezone

from partners.models import Borough
from partners.reports import previous_month
from partners.services import borough_report_generate, borough_report_notify_hosp

logger = logging.getLogger(__name__)


@shared_task(name="partners.tasks.produce_monthly_borough_reports")
def produce_monthly_borough_reports(month: str | None = None) -> dict:
    """Produce last month's report for every borough and tell each borough's HOSP (or `month`, "YYYY-MM-DD").

    Beat runs it on the first days of each month; every step is idempotent (one report per borough and month, one
    notification per report), so re-runs only fill in what an earlier run missed. One failing borough is logged and
    counted, and the others go on."""
    from datetime import date

    target = date.fromisoformat(month) if month else previous_month(timezone.localdate())
    counts = {"month": target.isoformat(), "created": 0, "existing": 0, "notified": 0, "failed": 0}
    for borough in Borough.objects.select_related("hosp_area__hosp").order_by("name"):
        try:
            report, created = borough_report_generate(borough=borough, month=target)
            counts["created" if created else "existing"] += 1
            if borough_report_notify_hosp(report=report):
                counts["notified"] += 1
        except Exception:
            logger.exception("borough report failed", extra={"borough": borough.code, "month": target.isoformat()})
            counts["failed"] += 1
    return counts


@shared_task(name="partners.tasks.remind_expiring_api_tokens")
def remind_expiring_api_tokens() -> dict:
    """Warn once about each live partner credential expiring within 14 days (a deadline-engine step, which the
    engine's every-minute sweep runs anyway)."""
    from partners.deadlines import token_expiry_reminders

    return token_expiry_reminders()


@shared_task(name="partners.tasks.deliver_webhook", acks_late=True)
def deliver_webhook(delivery_id: int):
    """Send one webhook delivery now (queued after the commit that wrote it). Safe to run twice: it is leased."""
    from partners.services import webhook_deliver

    return webhook_deliver(delivery_id=delivery_id)


@shared_task(name="partners.tasks.webhook_sweep")
def webhook_sweep(batch_size: int = 200) -> dict:
    """Beat, every minute: send the deliveries whose next try is due (first tries whose task was lost, and retries
    after back-off). One failing endpoint never stalls the others: each delivery is tried on its own."""
    from partners.models import WebhookDelivery
    from partners.services import webhook_deliver

    now = timezone.now()
    due = (
        WebhookDelivery.objects.filter(delivered_at=None, failed_at=None, next_attempt_at__lte=now)
        .order_by("next_attempt_at")  # index webhook_due_idx
        .values_list("pk", flat=True)[:batch_size]
    )
    counts = {"delivered": 0, "failed": 0}
    for pk in list(due):
        try:
            result = webhook_deliver(delivery_id=pk, now=now)
        except Exception:
            logger.exception("webhook delivery crashed", extra={"delivery": pk})
            result = False
        if result is True:
            counts["delivered"] += 1
        elif result is False:
            counts["failed"] += 1
    return counts
