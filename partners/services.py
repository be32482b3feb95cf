"""Writes for partners: API credentials, memberships, organisations and borough report snapshots."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from partners.models import ApiToken, PartnerMembership
from probation.audit import Action, audit_record
from probation.models import Role

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
