"""Appointment reminders through GOV.UK Notify with its official client (notifications-python-client).

Reminder rows are an outbox: a booking, a move or the day-before deadline writes one (only with consent and a
number or address, and never once the person has opted out); `reminders_send` sends the rows whose turn has come,
claimed under a lease so two workers never send the same one, retrying failures with back-off; and
`reminder_statuses_refresh` asks Notify what became of each sent message and records the delivery status."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from supervision.models import LONDON, ContactPreference, Reminder

logger = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=10)
NOTIFY_STATUSES = {
    "delivered": Reminder.Status.DELIVERED,
    "permanent-failure": Reminder.Status.PERMANENT_FAILURE,
    "temporary-failure": Reminder.Status.TEMPORARY_FAILURE,
    "technical-failure": Reminder.Status.TECHNICAL_FAILURE,
}


def notify_client():
    from notifications_python_client.notifications import NotificationsAPIClient

    return NotificationsAPIClient(settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL, timeout=10)


def _retry_delay(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=min(2 ** attempts, 120))


def personalisation(reminder: Reminder) -> dict:
    appointment = reminder.appointment
    start = appointment.starts_at.astimezone(LONDON)
    lead = {"booked": "You have a new probation appointment",
            "moved": "Your probation appointment has moved",
            "day_before": "Reminder: you have a probation appointment tomorrow"}[reminder.kind]
    return {
        "first_name": appointment.person.first_name,
        "lead": lead,
        "date": start.strftime("%A %d %B %Y"),
        "time": start.strftime("%H:%M").lstrip("0"),
        "place": appointment.get_place_display().lower(),
    }


def reminders_send(*, batch_size: int = 100, now=None, client=None) -> dict:
    now = now or timezone.now()
    with transaction.atomic():
        # Race: two senders at once. SKIP LOCKED gives each different rows; the lease keeps them while sending.
        claimed = list(Reminder.objects.filter(status=Reminder.Status.PENDING, next_attempt_at__lte=now)
                       .select_related("appointment__person", "appointment__person__contact_preference")
                       .select_for_update(skip_locked=True, of=("self",)).order_by("next_attempt_at")[:batch_size])
        Reminder.objects.filter(pk__in=[r.pk for r in claimed]).update(next_attempt_at=now + LEASE)
    if not claimed:
        return {"claimed": 0, "sent": 0, "failed": 0, "withdrawn": 0}
    client = client or notify_client()
    sent = failed = withdrawn = 0
    for reminder in claimed:
        preference = getattr(reminder.appointment.person, "contact_preference", None)
        appointment = reminder.appointment
        if preference is None or not preference.may_send or appointment.cancelled_at or appointment.outcome:
            Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.WITHDRAWN)
            withdrawn += 1
            continue
        try:
            if reminder.channel == ContactPreference.Channel.SMS:
                response = client.send_sms_notification(
                    phone_number=reminder.to, template_id=settings.NOTIFY_SMS_TEMPLATE_ID,
                    personalisation=personalisation(reminder), reference=reminder.dedupe_key)
            else:
                response = client.send_email_notification(
                    email_address=reminder.to, template_id=settings.NOTIFY_EMAIL_TEMPLATE_ID,
                    personalisation=personalisation(reminder), reference=reminder.dedupe_key)
        except Exception as exc:  # one bad row never stalls the queue; retried with back-off, then marked failed
            attempts = reminder.attempts + 1
            give_up = attempts >= Reminder.MAX_ATTEMPTS or _is_permanent(exc)
            Reminder.objects.filter(pk=reminder.pk).update(
                attempts=attempts, last_error=str(exc)[:500], next_attempt_at=now + _retry_delay(attempts),
                status=Reminder.Status.FAILED if give_up else Reminder.Status.PENDING)
            logger.warning("notify reminder failed", extra={"reminder": reminder.pk, "attempts": attempts})
            failed += 1
        else:
            Reminder.objects.filter(pk=reminder.pk).update(
                status=Reminder.Status.SENDING, notify_id=str(response["id"]), sent_at=timezone.now(),
                attempts=reminder.attempts + 1, last_error="")
            sent += 1
    return {"claimed": len(claimed), "sent": sent, "failed": failed, "withdrawn": withdrawn}


def _is_permanent(exc: Exception) -> bool:
    """Notify's 400 (bad number, bad template) and 403 (bad key) will not succeed on retry; 429 and 5xx may."""
    status = getattr(exc, "status_code", None)
    return status in (400, 403)


def reminder_statuses_refresh(*, batch_size: int = 200, now=None, client=None) -> dict:
    now = now or timezone.now()
    rows = list(Reminder.objects.filter(status=Reminder.Status.SENDING).exclude(notify_id="")
                .order_by("sent_at")[:batch_size])
    if not rows:
        return {"checked": 0, "updated": 0}
    client = client or notify_client()
    updated = 0
    for reminder in rows:
        try:
            status = client.get_notification_by_id(reminder.notify_id)["status"]
        except Exception as exc:
            logger.warning("notify status check failed", extra={"reminder": reminder.pk, "error": str(exc)[:200]})
            continue
        final = NOTIFY_STATUSES.get(status)
        changes = {"status_checked_at": now}
        if final is not None:
            changes["status"] = final
            updated += 1
        # Conditional: never overwrite a status another worker has already settled.
        Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.SENDING).update(**changes)
    return {"checked": len(rows), "updated": updated}
