"""Writes for partners: API credentials, memberships, organisations and borough report snapshots."""

from datetime import timedelta

from django.conf import settings
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


def api_token_mark_used(*, token: ApiToken, now=None) -> None:
    """Record the use; one UPDATE, no read-modify-write."""
    now = now or timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


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
