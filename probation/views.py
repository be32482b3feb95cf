import logging

from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from probation.api.errors import error_response
from probation.audit import Action, audit_record
from probation.celery import app as celery_app
from probation.registry import landing_panels

logger = logging.getLogger(__name__)


def home(request):
    panels = []
    for entry in landing_panels(request.user.role):
        panels.append({"template": entry.extra["template"], "context": entry.callable(request)})
    return render(request, "probation/home.html", {"panels": panels})


NOTIFICATIONS_PER_PAGE = 25


def notification_list(request):
    """The user's notifications, newest first, a page at a time; "Unread" shows only those not yet read."""
    show = "unread" if request.GET.get("show") == "unread" else "all"
    notifications = request.user.notifications.all()
    if show == "unread":
        notifications = notifications.unread()
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "probation/notifications.html", {
        "page": page, "show": show, "querystring": "show=unread" if show == "unread" else "",
        "all_count": request.user.notifications.count(),
    })


@require_POST
def notification_read(request, pk):
    """Marks one notification read; "Open" then goes to what it is about, "Mark as read" back to the list."""
    notification = get_object_or_404(request.user.notifications, pk=pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    back = request.POST.get("back", "")
    if request.POST.get("action") == "mark" or not notification.url:
        # Back to the same page and filter of the list (only ever a path under /notifications/).
        return redirect(back if back.startswith("/notifications/") and "//" not in back else "notifications")
    return redirect(notification.url)


@require_POST
def notification_read_all(request):
    request.user.notifications.unread().update(read_at=timezone.now())
    return redirect("notifications")


# What healthz asks of the static files and templates: the stylesheet every page links, and the layout every page
# extends. In production the stylesheet is resolved through the manifest collectstatic writes; without it (or with
# an entry missing) every page is a 500, so healthz must say so.
HEALTH_STATIC_FILE = "vendor/govuk/govuk-frontend.min.css"
HEALTH_TEMPLATE = "404.html"


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For load balancers and docker-compose: 200 when the database and the broker answer and a page can render
    (its static files resolve and its template renders), 503 otherwise."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"error: {exc.__class__.__name__}"
    try:
        staticfiles_storage.url(HEALTH_STATIC_FILE)
        checks["static"] = "ok"
    except Exception as exc:
        logger.error("healthz: static file %s does not resolve", HEALTH_STATIC_FILE, exc_info=True)
        checks["static"] = f"error: {exc.__class__.__name__}"
    try:
        render_to_string(HEALTH_TEMPLATE, request=request)
        checks["templates"] = "ok"
    except Exception as exc:
        logger.error("healthz: template %s does not render", HEALTH_TEMPLATE, exc_info=True)
        checks["templates"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def _too_large_message() -> str:
    from django.conf import settings

    return f"The request body is over the limit of {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _service_page(response):
    response.service_page = True  # not Django's debug page: ServiceErrorPagesMiddleware leaves it alone
    return response


def page_not_found(request, exception):
    if _is_api(request):
        return error_response(404, "not_found", "Not found.")
    return _service_page(render(request, "404.html", status=404))


def permission_denied(request, exception):
    """Every refused access is audited (DENIED: who, which path, from where) and logged to the security log."""
    if not getattr(request, "probation_denied_audited", False):
        audit_record(action=Action.DENIED, request=request, detail={"status": 403})
    if _is_api(request):
        return error_response(403, "permission_denied", "You do not have permission to perform this action.")
    return _service_page(render(request, "403.html", status=403))


def bad_request(request, exception):
    if _is_api(request):
        from django.core.exceptions import RequestDataTooBig

        if isinstance(exception, RequestDataTooBig):
            return error_response(413, "request_too_large", _too_large_message())
        return error_response(400, "bad_request", "Bad request.")
    return _service_page(render(request, "400.html", status=400))


def server_error(request):
    if _is_api(request):
        return error_response(500, "error", "Sorry, there is a problem with the service. Try again later.")
    # No request context: rendering must not need the database or the session, which may be what failed.
    return _service_page(HttpResponseServerError(loader.render_to_string("500.html")))
