"""Per-credential rate limit for partner API calls (rate: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_token"]).

One counter hit a call: with Redis, INCR and EXPIRE in one round trip (probation.ratelimit). A call let through is
then a use of the credential: `last_used_at` is stamped (at most once a minute); a 429 is not a use."""

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from partners.models import ApiToken
from probation import ratelimit


class ApiTokenRateThrottle(BaseThrottle):
    """Counts requests per API token (not per user or IP), so one partner system can't starve the others.
    Requests that didn't authenticate with a token (staff sessions) aren't counted here."""

    scope = "api_token"

    def __init__(self):
        self._wait = None

    def allow_request(self, request, view):
        token = getattr(request, "auth", None)
        if not isinstance(token, ApiToken):
            return True
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # read per call: settings overrides apply
        if rate:
            allowed, window = SimpleRateThrottle.parse_rate(None, rate)
            count, left = ratelimit.hit(self.scope, token.pk, window)
            if count > allowed:
                self._wait = left
                return False
        from partners.services import api_token_mark_used

        api_token_mark_used(token=token)
        return True

    def wait(self):
        return self._wait
