"""Per-credential rate limit for partner API calls (rate: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_token"])."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from partners.models import ApiToken


class ApiTokenRateThrottle(SimpleRateThrottle):
    """Counts requests per API token (not per user or IP), so one partner system can't starve the others.
    Requests that didn't authenticate with a token (staff sessions) aren't counted here."""

    scope = "api_token"

    def get_rate(self):
        # Read at request time, so a changed setting (and override_settings in tests) takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if not isinstance(token, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
