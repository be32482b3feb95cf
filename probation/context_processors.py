from django.conf import settings
from django.urls import NoReverseMatch, reverse

from probation.registry import nav_items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if not (hasattr(user, "is_verified") and user.is_verified()):
        # Between the password and the security code: nothing of the service (navigation, notifications) yet.
        return {"nav_items": [], "session_timeout_seconds": settings.SESSION_COOKIE_AGE,
                "session_warning_seconds": settings.SESSION_WARNING_SECONDS}
    items = []
    for entry in nav_items(user.role):
        try:
            href = reverse(entry.key)
        except NoReverseMatch:
            continue
        items.append({"label": entry.title, "href": href, "active": request.path.startswith(href) and href != "/"})
    return {
        "nav_items": items,
        "unread_notifications": user.notifications.unread().count(),
        "session_timeout_seconds": settings.SESSION_COOKIE_AGE,
        "session_warning_seconds": settings.SESSION_WARNING_SECONDS,
    }
