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


# --- Sessions and two-factor authentication -----------------------------------------------------------------------

def user_sessions_end(*, user) -> None:
    """End every session of `user` on every device: their session hash changes, so Django drops them."""
    from django.db.models import F

    from probation.models import User

    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


def mfa_pending_device(*, user):
    """The TOTP device being enrolled: reused across page reloads so the QR code stays the same."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def mfa_has_device(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def mfa_enrol_confirm(*, user, device, token: str) -> list[str] | None:
    """Confirm a new authenticator with its first code; returns fresh recovery codes, or None if the code is wrong."""
    if device.user_id != user.pk or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_issue(user=user)


@transaction.atomic
def recovery_codes_issue(*, user) -> list[str]:
    """Replace the user's single-use recovery codes with new ones (shown once, stored by django-otp)."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def mfa_reset(*, user) -> None:
    """An administrator's reset: remove the authenticator and recovery codes and end the user's sessions; they
    enrol again at their next sign-in."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user_sessions_end(user=user)
