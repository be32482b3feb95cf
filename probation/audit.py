"""The audit log's one entry point. Call it from views, API views, admin and services; never edit rows."""

from django.conf import settings

from probation.models import AuditEvent
from probation.security_log import SECURITY_ACTIONS, security_event

Action = AuditEvent.Action


def client_ip(request) -> str | None:
    if request is None:
        return None
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(*, action: str, request=None, user=None, obj=None, label: str = "", detail: dict | None = None):
    """Append one audit event. `user` defaults to the request's signed-in user; `obj` is any model instance."""
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    object_type = object_id = object_repr = ""
    detail = dict(detail or {})
    django_request = getattr(request, "_request", request)
    credential = getattr(django_request, "audit_credential", None)
    if credential is not None:
        # An API call: this row is the call's audit row and names the credential (no separate "token used" row).
        detail.setdefault("credential", credential.prefix)
        django_request.audit_written = True
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
        object_repr = str(obj)[:200]
    event = AuditEvent.objects.create(
        action=action,
        actor=user,
        actor_label=(label or (user.get_username() if user else ""))[:150],
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        ip_address=client_ip(request),
        path=(request.get_full_path()[:500] if request is not None else ""),
        detail=detail,
    )
    if action in SECURITY_ACTIONS:
        security_event(action, user_id=user.pk if user else None, ip=event.ip_address, path=event.path,
                       object_type=object_type or None)
    return event


def audit_view(request, obj):
    """Record that the signed-in user (or API caller) looked at a sensitive record."""
    return audit_record(action=Action.VIEW, request=request, obj=obj)


def audit_change(request, obj, *, action=Action.UPDATE, changes: dict | None = None):
    return audit_record(action=action, request=request, obj=obj, detail={"changes": changes} if changes else None)


def audit_view_many(request, objs) -> int:
    """Record one view per record shown in a list (e.g. an API page), in one INSERT."""
    user = getattr(request, "user", None)
    user = user if user is not None and user.is_authenticated else None
    ip, path = client_ip(request), request.get_full_path()[:500]
    events = [
        AuditEvent(action=Action.VIEW, actor=user, actor_label=(user.get_username() if user else "")[:150],
                   object_type=obj._meta.label_lower, object_id=str(obj.pk), object_repr=str(obj)[:200],
                   ip_address=ip, path=path, detail={"via": "list"})
        for obj in objs
    ]
    django_request = getattr(request, "_request", request)
    credential = getattr(django_request, "audit_credential", None)
    if credential is not None:
        for event in events:
            event.detail["credential"] = credential.prefix
        django_request.audit_written = True
    AuditEvent.objects.bulk_create(events)
    return len(events)


def audit_api_call(request, response) -> None:
    """The audit row of an API call whose view wrote none (e.g. /partners/me/); a throttled call (429) is no use of
    the credential and writes nothing. Called by probation.middleware.ApiCallAuditMiddleware."""
    credential = getattr(request, "audit_credential", None)
    if credential is None or getattr(request, "audit_written", False) or response.status_code == 429:
        return
    audit_record(action=Action.API_TOKEN, request=request, user=credential.user, obj=credential,
                 detail={"method": request.method, "status": response.status_code})
