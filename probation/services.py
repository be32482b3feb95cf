"""Writes for the cross-cutting records."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from probation.models import Notification

logger = logging.getLogger(__name__)

EMAIL_LEASE = timedelta(minutes=10)


def notification_send(*, recipient, key: str, subject: str, body: str, url: str = "") -> bool:
    """Queue an in-app notification and its email, once per `key`. Returns False if that key was already used,
    which is what makes escalation steps safe to run twice: the unique key settles any race."""
    if recipient is None:
        return False
    _, created = Notification.objects.get_or_create(
        dedupe_key=key[:200],
        defaults={"recipient": recipient, "subject": subject[:200], "body": body, "url": url[:300]},
    )
    return created


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


def notifications_email_due(*, batch_size: int = 100, now=None) -> dict:
    """Email notifications whose turn has come. Rows are claimed by pushing their next attempt past a lease inside a
    locked transaction, so two workers never take the same row; a failure is recorded and retried with back-off,
    and after MAX_EMAIL_ATTEMPTS it is marked failed (still visible in the app and admin), never dropped."""
    now = now or timezone.now()
    with transaction.atomic():
        # Race: two sweeps at once. skip_locked lets each take different rows.
        claimed = list(
            Notification.objects.email_due(now)
            .select_related("recipient")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("email_next_attempt_at")[:batch_size]
        )
        Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(email_next_attempt_at=now + EMAIL_LEASE)
    sent = failed = 0
    for notification in claimed:
        address = notification.recipient.email
        try:
            if address:
                link = f"\n\n{settings.SITE_URL}{notification.url}" if notification.url else ""
                send_mail(notification.subject, notification.body + link, None, [address])
        except Exception as exc:  # one bad row never stalls the queue
            attempts = notification.email_attempts + 1
            give_up = attempts >= Notification.MAX_EMAIL_ATTEMPTS
            Notification.objects.filter(pk=notification.pk).update(
                email_attempts=attempts,
                email_last_error=str(exc)[:500],
                email_next_attempt_at=now + _retry_delay(attempts),
                email_failed_at=now if give_up else None,
            )
            logger.warning("notification email failed", extra={"notification": notification.pk, "attempts": attempts})
            failed += 1
        else:
            Notification.objects.filter(pk=notification.pk).update(
                email_sent_at=timezone.now(), email_attempts=notification.email_attempts + 1
            )
            sent += 1
    return {"claimed": len(claimed), "sent": sent, "failed": failed}
