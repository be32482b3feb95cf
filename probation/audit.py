"""The audit log's one entry point. Call it from views, API views, admin and services; never edit rows.

Rows and security log lines name records by type and id (or CRN / MASH reference), never by a person's name, and
keep a request's path without its query string (which holds names and dates of birth searched for, also inside a
sign-in page's `next=`)."""

import functools
import ipaddress
import json

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from probation.models import AuditEvent
from probation.security_log import SECURITY_ACTIONS, security_event

Action = AuditEvent.Action


@functools.lru_cache(maxsize=8)
def _proxy_networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _is_trusted_proxy(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str | None:
    """The client's address, for the audit log and django-axes' lockout key (AXES_CLIENT_IP_CALLABLE).

    X-Forwarded-For is believed only when the connection comes from a proxy named in TRUSTED_PROXIES, and then
    read from the right: the first address that is not itself a trusted proxy is the client (anything to its left
    was written by the client and may be forged). Without a trusted proxy the header is ignored."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _proxy_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if remote is None or not networks or not _is_trusted_proxy(remote, networks):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return remote  # a malformed hop: believe nothing beyond the proxy we can see
        if not _is_trusted_proxy(address, networks):
            return address
    return forwarded[0] if forwarded else remote


def audit_repr(obj) -> str:
    """How the audit log names a record: its kind and reference (CRN, MASH reference) or id, never a name."""
    for attribute in ("crn", "reference"):
        value = getattr(obj, attribute, None)
        if isinstance(value, str) and value:
            return f"{obj._meta.verbose_name} {value}"[:200]
    return f"{obj._meta.verbose_name} {obj.pk}"[:200]


def audit_path(request) -> str:
    return request.path[:500] if request is not None else ""


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
        object_repr = audit_repr(obj)
    event = AuditEvent(
        at=timezone.now(),
        actor=user,
        actor_label=(label or (user.get_username() if user else ""))[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        ip_address=client_ip(request),
        path=audit_path(request),
        detail=detail,
    )
    _insert_event(event)
    if action == Action.DENIED and request is not None:
        request.probation_denied_audited = True  # the 403 page does not record it a second time
    if action in SECURITY_ACTIONS:
        security_event(action, user_id=user.pk if user else None, ip=event.ip_address, path=event.path,
                       object_type=object_type or None)
    return event


def audit_view(request, obj):
    """Record that the signed-in user (or API caller) looked at a sensitive record."""
    return audit_record(action=Action.VIEW, request=request, obj=obj)


def audit_change(request, obj, *, action=Action.UPDATE, changes: dict | None = None):
    return audit_record(action=action, request=request, obj=obj, detail={"changes": changes} if changes else None)


_COLUMNS = ("at", "actor_id", "actor_label", "action", "object_type", "object_id", "object_repr", "ip_address", "path",
            "detail")


def _insert_sql(connection, count: int, returning: bool = False) -> str:
    values = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    # Table and column names are constants and every value is a parameter.
    sql = f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES {', '.join([values] * count)}"  # nosec B608
    return sql + (" RETURNING id" if returning else "")


def _insert_event(event: AuditEvent) -> None:
    """Insert one event as plain values (the ORM's save cost an API call about half a millisecond of CPU: a
    tenth of a read); the instance gets its id, as save() would give it."""
    connection = connections[router.db_for_write(AuditEvent)]
    if not connection.features.can_return_columns_from_insert:
        event.save()
        return
    params = (connection.ops.adapt_datetimefield_value(event.at), event.actor_id, event.actor_label, event.action,
              event.object_type, event.object_id, event.object_repr, event.ip_address, event.path,
              json.dumps(event.detail))
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection, 1, returning=True), params)
        event.pk = cursor.fetchone()[0]
    event._state.adding, event._state.db = False, connection.alias


def audit_view_many(request, objs, *, list_name: str = "") -> int:
    """Record one view per record shown in a list (an API page, or a staff list page named `list_name`), in one
    INSERT; a staff list page also writes one security log line. The rows go in as plain values (no model instance
    per row): a list page of 50 spent about a quarter of its time building them."""
    user = getattr(request, "user", None)
    user = user if user is not None and user.is_authenticated else None
    ip, path = client_ip(request), audit_path(request)
    detail = {"via": "list", **({"list": list_name} if list_name else {})}
    django_request = getattr(request, "_request", request)
    credential = getattr(django_request, "audit_credential", None)
    if credential is not None:
        detail["credential"] = credential.prefix
        django_request.audit_written = True
    connection = connections[router.db_for_write(AuditEvent)]
    shared_head = (connection.ops.adapt_datetimefield_value(timezone.now()), user.pk if user else None,
                   (user.get_username() if user else "")[:150], Action.VIEW)
    shared_tail = (ip, path, json.dumps(detail))
    rows = []
    for obj in objs:
        if obj is None:
            continue
        rows.append((*shared_head, obj._meta.label_lower, str(obj.pk), audit_repr(obj), *shared_tail))
    if rows:
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(connection, len(rows)), [value for row in rows for value in row])
    if list_name:
        security_event("list_viewed", user_id=user.pk if user else None, ip=ip, path=path, list=list_name,
                       count=len(rows))
    return len(rows)


def audit_api_call(request, response) -> None:
    """The audit row of an API call whose view wrote none (e.g. /partners/me/); a throttled call (429) is no use of
    the credential and writes nothing. Called by probation.middleware.ApiCallAuditMiddleware."""
    credential = getattr(request, "audit_credential", None)
    if credential is None or getattr(request, "audit_written", False) or response.status_code == 429:
        return
    audit_record(action=Action.API_TOKEN, request=request, user=credential.user, obj=credential,
                 detail={"method": request.method, "status": response.status_code})
