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
