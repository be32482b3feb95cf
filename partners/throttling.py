"""Per-credential rate limit for partner API calls (rate: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_token"]).

One counter hit a call, keyed by the credential's prefix: with Redis, INCR and EXPIRE sent in the same round trip as
authentication's read of the cached credential (partners.authentication), which hands the count over; otherwise
counted here (probation.ratelimit). A call let through is then a use of the credential: `last_used_at` is stamped
(at most once a minute); a 429 is not a use."""

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from partners.models import ApiToken
from probation import ratelimit


SCOPE = "api_token"


def throttle_rate() -> tuple[int, int] | None:
    """(calls allowed, window in seconds), read per call so settings overrides apply; None without a rate."""
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(SCOPE)
    return SimpleRateThrottle.parse_rate(None, rate) if rate else None


class ApiTokenRateThrottle(BaseThrottle):
    """Counts requests per API token (not per user or IP), so one partner system can't starve the others.
    Requests that didn't authenticate with a token (staff sessions) aren't counted here."""

    scope = SCOPE

    def __init__(self):
        self._wait = None

    def allow_request(self, request, view):
        token = getattr(request, "auth", None)
        if not isinstance(token, ApiToken):
            return True
        rate = throttle_rate()
        if rate:
            allowed, window = rate
            counted = getattr(getattr(request, "_request", request), "api_throttle_count", None)
            count, left = counted if counted is not None else ratelimit.hit(self.scope, token.prefix, window)
            if count > allowed:
                self._wait = left
                return False
        from partners.services import api_token_mark_used

        api_token_mark_used(token=token)
        return True

    def wait(self):
        return self._wait
