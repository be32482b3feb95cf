"""API authentication for partner agencies: `Authorization: Token <key>`.

Every accepted use is audited (API_TOKEN) and every rejected one too (API_TOKEN_REJECTED, with the reason and
the key's clear prefix only, never the key). Expired, revoked or unknown keys answer 401 with a message that says
which, so a partner's developer knows to ask for a new credential."""

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from partners.selectors import api_token_for_key
from partners.services import api_token_mark_used
from probation.audit import Action, audit_record
from probation.models import Role

KEYWORD = "Token"


def _django_request(request):
    # The audit helper must not touch DRF's `request.user` here: that would re-enter authentication.
    return getattr(request, "_request", request)


def _reject(request, reason: str, message: str, *, token=None, presented_prefix: str = ""):
    audit_record(
        action=Action.API_TOKEN_REJECTED,
        request=_django_request(request),
        user=token.user if token is not None else None,
        obj=token,
        label=(token.user.get_username() if token is not None else f"token:{presented_prefix}"),
        detail={"reason": reason, "prefix": (token.prefix if token is not None else presented_prefix)},
    )
    raise exceptions.AuthenticationFailed(message)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            _reject(request, "malformed", "Invalid token header. Send 'Authorization: Token <key>' with one key.")
        try:
            key = header[1].decode("ascii")
        except UnicodeError:
            _reject(request, "malformed", "Invalid token header. The key must contain only ASCII characters.")
        presented_prefix = key.partition(".")[0][:16]
        token = api_token_for_key(key)
        if token is None:
            _reject(request, "unknown", "Invalid token.", presented_prefix=presented_prefix)
        now = timezone.now()
        if token.is_revoked:
            _reject(request, "revoked", "This API token has been revoked. Ask your administrator for a new one.", token=token)
        if token.is_expired(now):
            _reject(
                request,
                "expired",
                f"This API token expired on {timezone.localtime(token.expires_at):%d %b %Y %H:%M}. "
                "Ask your administrator to rotate it.",
                token=token,
            )
        user = token.user
        if not user.is_active:
            _reject(request, "user_inactive", "The account this API token belongs to is disabled.", token=token)
        if user.role != Role.PARTNER:
            _reject(request, "not_partner", "API tokens are for partner agency users only.", token=token)
        api_token_mark_used(token=token, now=now)
        audit_record(
            action=Action.API_TOKEN,
            request=_django_request(request),
            user=user,
            obj=token,
            detail={"method": request.method, "prefix": token.prefix},
        )
        return user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) when credentials are missing or wrong.
        return self.keyword
