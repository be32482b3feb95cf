"""API authentication for partner agencies: `Authorization: Token <key>`.

A call with a good key writes nothing here: the credential, its user and organisation come from the cache (at most
API_TOKEN_CACHE_SECONDS old; revoking or rotating a key, or changing its user, drops the entry at once), and the
view writes the call's one audit row (probation.audit names the credential in it; probation.middleware writes a
plain API_TOKEN row for a call whose view wrote none). `last_used_at` is stamped by the throttle once the call is let
through, at most once a minute, so a 429 is never recorded as a use.

A rejected key is counted per address before anything is looked up: past API_REJECTIONS_PER_MINUTE an address gets
429 and nothing is written. Below it, each rejection adds one to a tally row per address and minute
(partners.ApiRejection); the first of each minute also writes an API_TOKEN_REJECTED audit row with the reason and
the key's clear prefix only, never the key. Expired, revoked or unknown keys answer 401 with a message that says
which, so a partner's developer knows to ask for a new credential."""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from partners.models import ApiToken
from partners.throttling import SCOPE as THROTTLE_SCOPE
from partners.throttling import throttle_rate
from probation import ratelimit
from probation.audit import client_ip
from probation.models import Role

KEYWORD = "Token"
REJECT_SCOPE = "api-reject"


def _django_request(request):
    # The audit helper must not touch DRF's `request.user` here: that would re-enter authentication.
    return getattr(request, "_request", request)


def token_cache_key(prefix: str) -> str:
    return f"partners:apitoken:{prefix}"


def _cached_and_counted(prefix: str):
    """(the cached credential or None, this call's throttle hit as (count, seconds left, counter key) or None). With
    Redis both in one round trip: the hit on the credential's rate-limit counter goes with the read, and the throttle
    takes the count from the request instead of counting again (partners.throttling). Without Redis, or without a
    rate, the cache alone."""
    rate = throttle_rate()
    if rate is None or not hasattr(cache, "get_and_count"):
        return cache.get(token_cache_key(prefix)), None
    key, left = ratelimit.window_key(THROTTLE_SCOPE, prefix, rate[1])
    token, count = cache.get_and_count(token_cache_key(prefix), key, rate[1])
    return token, (count, left, key)


def _load(prefix: str) -> ApiToken | None:
    """The credential with its user and the user's organisation, in one query, then cached briefly."""
    seconds = settings.API_TOKEN_CACHE_SECONDS
    token = (
        ApiToken.objects.select_related("user", "user__partner_membership__organisation").filter(prefix=prefix).first()
    )
    if token is None:
        return None
    membership = getattr(token.user, "partner_membership", None) if _has_membership(token.user) else None
    token.user._partner_organisation_cache = membership.organisation if membership is not None else None
    if seconds:
        cache.set(token_cache_key(prefix), token, seconds)
    return token


def _has_membership(user) -> bool:
    try:
        user.partner_membership
    except Exception:  # RelatedObjectDoesNotExist: a partner not yet placed in an organisation
        return False
    return True


def _refuse_if_address_throttled(request) -> None:
    """An address that has had too many keys refused this minute gets 429 before anything is looked up or written."""
    ip = client_ip(_django_request(request)) or "unknown"
    if ratelimit.peek(REJECT_SCOPE, ip, 60) >= settings.API_REJECTIONS_PER_MINUTE:
        _, left = ratelimit.window_key(REJECT_SCOPE, ip, 60)
        raise exceptions.Throttled(wait=left, detail="Too many refused credentials from this address.")


def _reject(request, reason: str, message: str, *, token=None, presented_prefix: str = ""):
    from partners.services import api_rejection_record

    django_request = _django_request(request)
    ip = client_ip(django_request) or "unknown"
    ratelimit.hit(REJECT_SCOPE, ip, 60)
    api_rejection_record(
        request=django_request, reason=reason, token=token,
        prefix=(token.prefix if token is not None else presented_prefix),
    )
    raise exceptions.AuthenticationFailed(message)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            _refuse_if_address_throttled(request)
            _reject(request, "malformed", "Invalid token header. Send 'Authorization: Token <key>' with one key.")
        try:
            key = header[1].decode("ascii")
        except UnicodeError:
            _refuse_if_address_throttled(request)
            _reject(request, "malformed", "Invalid token header. The key must contain only ASCII characters.")
        prefix, dot, secret = key.partition(".")
        presented_prefix = prefix[:16]
        token = counted = None
        if dot and secret and len(prefix) == ApiToken.PREFIX_LENGTH:
            if settings.API_TOKEN_CACHE_SECONDS:
                token, counted = _cached_and_counted(prefix)
            try:
                if token is None:
                    _refuse_if_address_throttled(request)
                    token = _load(prefix)
                user = self._check(request, token, key, presented_prefix)
            except exceptions.APIException:
                if counted is not None:  # a refused key uses none of the credential's allowance
                    ratelimit.unhit(counted[2])
                raise
        else:
            _refuse_if_address_throttled(request)
            user = self._check(request, token, key, presented_prefix)
        # The call's audit row names this credential (probation.audit / probation.middleware); the throttle takes
        # the hit already counted.
        _django_request(request).audit_credential = token
        if counted is not None:
            _django_request(request).api_throttle_count = counted[:2]
        return user, token

    def _check(self, request, token, key: str, presented_prefix: str):
        """The credential's user, or an AuthenticationFailed that says why the key is refused."""
        if token is None or not token.matches(key):
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
        return user

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) when credentials are missing or wrong.
        return self.keyword
