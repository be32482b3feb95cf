"""Auditing list pages: one VIEW event per record shown, written in a single insert so a list page's query count
does not grow with its rows."""

from probation.audit import Action, client_ip
from probation.models import AuditEvent


def audit_views(request, objects) -> None:
    objects = [o for o in objects if o is not None]
    if not objects:
        return
    user = request.user if request.user.is_authenticated else None
    django_request = getattr(request, "_request", request)
    if getattr(django_request, "audit_credential", None) is not None:
        django_request.audit_written = True  # these rows are the API call's audit (no separate "token used" row)
    ip, path = client_ip(request), request.path[:500]
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action=Action.VIEW,
            actor=user,
            actor_label=user.get_username() if user else "",
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=f"{obj._meta.verbose_name} {obj.pk}"[:200],
            ip_address=ip,
            path=path,
            detail={"list": True},
        )
        for obj in objects
    )
