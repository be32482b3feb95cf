"""Writes for partners: API credentials, memberships, organisations and borough report snapshots."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from django.db import IntegrityError
from django.urls import reverse

from partners.deadlines import TOKEN_EXPIRY, token_expiry_due
from partners.models import ApiToken, Borough, BoroughReport, PartnerMembership
from partners.reports import build_report, month_start, report_pdf
from probation.audit import Action, audit_record
from probation.deadlines import deadline_set
from probation.models import Role
from probation.services import notification_send

logger = logging.getLogger(__name__)

DEFAULT_TOKEN_LIFETIME = timedelta(days=90)


def _token_lifetime() -> timedelta:
    days = getattr(settings, "PARTNER_API_TOKEN_LIFETIME_DAYS", None)
    return timedelta(days=days) if days else DEFAULT_TOKEN_LIFETIME


def api_token_check_issuable(user) -> None:
    """Raise ValidationError unless credentials may be issued to `user` (used by the service and admin form)."""
    if user.role != Role.PARTNER:
        raise ValidationError({"user": "API credentials are issued only to partner agency users."})
    if not user.is_active:
        raise ValidationError({"user": "This account is disabled."})
    if not PartnerMembership.objects.filter(user=user).exists():
        raise ValidationError({"user": "Add this user to their partner organisation before issuing credentials."})


@transaction.atomic
def api_token_issue(*, user, by=None, name: str = "", expires_at=None, never_expires: bool = False) -> tuple[ApiToken, str]:
    """Issue a credential to a partner agency user. Returns the token row and the key, which is never stored and
    can't be shown again. `expires_at` defaults to 90 days from now; `never_expires=True` leaves it blank."""
    api_token_check_issuable(user)
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    if expires_at is None and not never_expires:
        expires_at = now + _token_lifetime()
    prefix, key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user, name=name[:80], prefix=prefix, key_hash=ApiToken.digest(key), created_by=by, expires_at=expires_at
    )
    audit_record(action=Action.CREATE, user=by, obj=token, detail={"api_token": token.prefix, "for_user": user.pk})
    deadline_set(step=TOKEN_EXPIRY, owner_id=token.pk, due_at=token_expiry_due(token))
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by=None) -> bool:
    """Revoke a credential at once. Returns False if it was already revoked (nothing changes)."""
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    api_token_cache_drop(tokens=[token.prefix])
    if changed:
        audit_record(action=Action.UPDATE, user=by, obj=token, detail={"api_token": token.prefix, "revoked": True})
    return bool(changed)


@transaction.atomic
def api_token_rotate(*, token: ApiToken, by=None) -> tuple[ApiToken, str]:
    """Replace a credential with a new one for the same user and name, revoking the old one. The new credential
    gets a fresh lifetime (at least the old one's length if it had one)."""
    # Race: two administrators rotating the same token at once; the lock makes the second see it revoked.
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.is_revoked:
        raise ValidationError("This credential has already been revoked or rotated; issue a new one instead.")
    expires_at = None
    if token.expires_at is not None:
        lifetime = max(token.expires_at - token.created_at, timedelta(days=1))
        expires_at = timezone.now() + lifetime
    api_token_revoke(token=token, by=by)
    new, key = api_token_issue(
        user=token.user, by=by, name=token.name, expires_at=expires_at, never_expires=token.expires_at is None
    )
    new.replaces = token
    new.save(update_fields=["replaces"])
    return new, key


API_TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def api_token_mark_used(*, token: ApiToken, now=None) -> bool:
    """Record a use, at most once a minute per credential: a call within a minute of the last stamp writes nothing.
    The cached credential carries the stamp, so the check costs no query."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < API_TOKEN_USE_RESOLUTION:
        return False
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    if settings.API_TOKEN_CACHE_SECONDS:
        from partners.authentication import token_cache_key

        cache.set(token_cache_key(token.prefix), token, settings.API_TOKEN_CACHE_SECONDS)
    return True


def api_token_cache_drop(*, tokens) -> None:
    """Forget cached credentials at once (revoked, rotated, edited, or their user changed), now and again when the
    surrounding transaction commits, so a call in flight cannot put the old state back for long."""
    from partners.authentication import token_cache_key

    keys = [token_cache_key(prefix) for prefix in tokens]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def api_rejection_record(*, request, reason: str, prefix: str = "", token: ApiToken | None = None) -> bool:
    """Count a refused credential in its address's tally for this minute (one upsert); the first of the minute also
    writes an API_TOKEN_REJECTED audit row. Returns True when that row was written."""
    from django.db import connection

    from probation.audit import client_ip

    ip = client_ip(request)
    minute = timezone.now().replace(second=0, microsecond=0)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO partners_apirejection (ip_address, minute, count, last_reason, last_prefix) "
                "VALUES (%s, %s, 1, %s, %s) ON CONFLICT (ip_address, minute) DO UPDATE SET "
                "count = partners_apirejection.count + 1, last_reason = EXCLUDED.last_reason, "
                "last_prefix = EXCLUDED.last_prefix RETURNING (xmax = 0)",
                [ip or "0.0.0.0", minute, reason[:32], (prefix or "")[:16]],  # nosec B104 (no address known; not a bind)
            )
            first = cursor.fetchone()[0]
        if first:
            audit_record(
                action=Action.API_TOKEN_REJECTED,
                request=request,
                user=token.user if token is not None else None,
                obj=token,
                label=(token.user.get_username() if token is not None else f"token:{prefix}"),
                detail={"reason": reason, "prefix": prefix, "tally": "first refusal from this address this minute; "
                        "the count is in partners.ApiRejection"},
            )
    return bool(first)


def borough_report_generate(*, borough: Borough, month) -> tuple[BoroughReport, bool]:
    """Produce and store the report of `borough` for `month` (any day in it). Idempotent: if the report exists it is
    returned unchanged (created=False). Two workers racing produce one row: the unique (borough, month) settles it."""
    month = month_start(month)
    existing = BoroughReport.objects.filter(borough=borough, month=month).first()
    if existing is not None:
        return existing, False
    data = build_report(borough, month)  # outside any transaction: builders may be slow
    pdf = report_pdf(data)
    try:
        with transaction.atomic():
            report = BoroughReport.objects.create(borough=borough, month=month, data=data, pdf=pdf)
    except IntegrityError:
        return BoroughReport.objects.get(borough=borough, month=month), False
    return report, True


@transaction.atomic
def borough_report_regenerate(*, report: BoroughReport, by=None) -> BoroughReport:
    """Rebuild a stored report from today's data (an administrator's correction). The HOSP is not notified again."""
    report = BoroughReport.objects.select_for_update().get(pk=report.pk)
    report.data = build_report(report.borough, report.month)
    report.pdf = report_pdf(report.data)
    report.generated_at = timezone.now()
    report.save(update_fields=["data", "pdf", "generated_at"])
    audit_record(action=Action.UPDATE, user=by, obj=report, detail={"regenerated": True})
    return report


@transaction.atomic
def borough_report_notify_hosp(*, report: BoroughReport) -> bool:
    """Tell the HOSP of the borough's area that the report is ready, once (claim, then a dedupe key). A borough with
    no HOSP is left unclaimed so a later run notifies whoever is then assigned."""
    area = report.borough.hosp_area
    hosp = area.hosp if area else None
    if hosp is None or not hosp.is_active:
        return False
    claimed = BoroughReport.objects.filter(pk=report.pk, hosp_notified_at__isnull=True).update(
        hosp_notified_at=timezone.now()
    )
    if not claimed:
        return False
    month_label = f"{report.month:%B %Y}"
    return notification_send(
        recipient=hosp,
        key=f"borough-report:{report.borough.code}:{report.month:%Y-%m}",
        subject=f"{report.borough.name} borough report for {month_label} is ready",
        body=f"The Community Safety Partnership report for {report.borough.name} ({month_label}) has been produced. "
        "You can read it, and download it as PDF or CSV, in Probation Ops.",
        url=reverse("partners:borough_report", args=[report.borough.code, f"{report.month:%Y-%m}"]),
    )


# --- Webhooks (an outbox: rows written with the change, sent after commit with retries) -------------------------

WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_TIMEOUT_SECONDS = 10
WEBHOOK_LEASE = timedelta(minutes=2)


def webhook_backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 30 s, 1, 2, 4 ... minutes, at most 6 hours."""
    return min(timedelta(seconds=30) * (2 ** max(attempts - 1, 0)), timedelta(hours=6))


def webhook_sign(*, secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: `v1=` and the hex HMAC-SHA256, keyed with the organisation's secret, of
    "<delivery id>.<timestamp>.<body>" (so neither the id nor the time can be changed without breaking it)."""
    import hashlib
    import hmac

    message = f"{delivery_id}.{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_enqueue(*, organisation_id: int, event: str, dedupe_key: str, payload: dict):
    """Queue one event for the organisation's active endpoint, in the caller's transaction; nothing without one.
    The same dedupe key twice queues it once. Sent after commit by partners.tasks.deliver_webhook."""
    from partners.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.filter(organisation_id=organisation_id, is_active=True).only("pk").first()
    if endpoint is None:
        return None
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event, dedupe_key=dedupe_key, payload=payload)
    except IntegrityError:  # this event was queued already
        return WebhookDelivery.objects.get(dedupe_key=dedupe_key)
    from partners.tasks import deliver_webhook

    transaction.on_commit(lambda: deliver_webhook.delay(delivery.pk))
    return delivery


def webhook_deliver(*, delivery_id: int, now=None) -> bool | None:
    """Try to send one delivery. Claimed with a conditional UPDATE (a lease), so two workers never send it at once;
    2xx marks it delivered; anything else (or no answer) schedules the next try with back-off, and after
    WEBHOOK_MAX_ATTEMPTS it is marked failed. Returns True when delivered, False when it failed this time, None when
    there was nothing to do (already delivered, not due, or held by another worker)."""
    import json
    import time
    import urllib.error
    import urllib.request

    from django.db.models import F, Q

    from partners.models import WebhookDelivery

    now = now or timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, delivered_at=None, failed_at=None, next_attempt_at__lte=now)
        .filter(Q(claimed_at=None) | Q(claimed_at__lt=now - WEBHOOK_LEASE))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    body = json.dumps({"id": str(delivery.uuid), **delivery.payload}, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ProbationOps-Webhooks/1",
        "Webhook-Id": str(delivery.uuid),
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": webhook_sign(secret=delivery.endpoint.secret, delivery_id=str(delivery.uuid),
                                          timestamp=timestamp, body=body),
    }
    status, error = None, ""
    try:
        request = urllib.request.Request(delivery.endpoint.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as answer:  # nosec B310 (admin-set URL)
            status = answer.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    finished = timezone.now()
    if status is not None and 200 <= status < 300:
        WebhookDelivery.objects.filter(pk=delivery_id).update(delivered_at=finished, claimed_at=None, last_status=status,
                                                              last_error="")
        return True
    update = {"claimed_at": None, "last_status": status, "last_error": error or f"HTTP {status}"}
    if delivery.attempts >= WEBHOOK_MAX_ATTEMPTS:
        update["failed_at"] = finished
        logger.warning("webhook delivery failed for good", extra={"delivery": str(delivery.uuid), "error": update["last_error"]})
    else:
        update["next_attempt_at"] = finished + webhook_backoff(delivery.attempts)
    WebhookDelivery.objects.filter(pk=delivery_id).update(**update)
    return False
