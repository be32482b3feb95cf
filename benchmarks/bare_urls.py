"""The real URLs plus a bare token-authenticated endpoint, for benchmarks only (benchmarks/bench_settings.py mounts
it; production's probation.urls never does).

GET /api/v1/_bench/bare/ goes through everything a partner API call goes through (the whole middleware stack, the
token authentication, the throttle, `last_used_at`, the call's one audit row written by the API audit middleware)
and does no work of its own: the baseline the partner API's list, read and submit are compared with."""

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

BARE_PATH = "/api/v1/_bench/bare/"


class Bare(APIView):
    """Same authentication, permission and throttle classes as the partner API (the DRF defaults); no work."""

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path(BARE_PATH.lstrip("/"), Bare.as_view()), path("", include("probation.urls"))]
