from datetime import datetime, timezone as dt_timezone

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode

SIGNED_IN_AT = "signed_in_at"


class StaffLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every staff page needs a signed-in user. The REST API authenticates its own callers (tokens) and answers 401
    rather than redirecting, so it is left to DRF's permission classes."""

    exempt_prefixes = ("/api/", "/static/")

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(self.exempt_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionLifetimeMiddleware:
    """Ends a session at the absolute limit after sign-in, whatever the activity. (The idle limit is the session
    cookie's own age, renewed on every request.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            now = timezone.now()
            if started is None:
                request.session[SIGNED_IN_AT] = now.timestamp()
            elif now - datetime.fromtimestamp(started, tz=dt_timezone.utc) > timezone.timedelta(
                seconds=settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS
            ):
                logout(request)
                return redirect(f"{reverse('login')}?{urlencode({'signed_out': 'absolute'})}")
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """After the password, a second factor: until this session is verified with a TOTP or recovery code, every
    page leads to enrolment or verification."""

    exempt_prefixes = ("/api/", "/static/", "/account/two-factor/", "/sign-out/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.exempt_prefixes)
        ):
            return redirect(f"{reverse('two_factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class ServiceErrorPagesMiddleware:
    """With DEBUG on (the development demo), Django answers a 404 with its debug page, which lists every URL of the
    service, and a 500 with a traceback. Staff see the service's own pages instead, as in production; the traceback
    still goes to the console log. The API keeps its JSON answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code in (404, 500)
            and not getattr(response, "service_page", False)
            and not request.path.startswith(("/api/", "/static/", "/admin/"))
            and "text/html" in response.get("Content-Type", "")
        ):
            from probation import views

            if response.status_code == 404:
                return views.page_not_found(request, None)
            return views.server_error(request)
        return response


class RejectNulBytesMiddleware:
    """A NUL byte is never part of a real path, reference or filter, and PostgreSQL refuses it in text ("A string
    literal cannot contain NUL"), which would otherwise be a 500: a path holding one is not found (404), a query
    string holding one is a bad request (400). (Form and API fields refuse NUL through their own validators.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise Http404("No such page.")
        if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "").replace("+", " ")):
            raise BadRequest("A NUL byte in the query string.")
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages and API responses hold personal data (OFFICIAL-SENSITIVE): no browser, proxy or shared computer may keep
    a copy (`Cache-Control: no-store`). Static assets alone stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(self.static_prefix):
            patch_cache_control(response, no_store=True, private=True)
        return response


class ApiCallAuditMiddleware:
    """Every API call made with a credential leaves exactly one audit row: the view's own (which names the
    credential), or else the plain "API token used" row written here (probation.audit.audit_api_call)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "audit_credential", None) is not None:
            from probation.audit import audit_api_call

            audit_api_call(request, response)
        return response
