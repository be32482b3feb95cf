"""Organisation scoping for partner agency users, shared by every app's API and pages.

A partner sees only its own organisation's records. Anything else answers 404, exactly like a record that does
not exist (so nothing leaks about other organisations' records), and the attempt is audited as DENIED.

    from partners.scoping import get_scoped_object_or_404
    obj = get_scoped_object_or_404(request, MashRequest.objects.all(), organisation_field="organisation", pk=pk)

Staff users are not restricted here; apply their own policy (`can()`) as usual."""

from django.http import Http404

from partners.selectors import organisation_for
from probation.audit import Action, audit_record
from probation.models import Role


def deny_as_not_found(request, obj=None, *, reason: str = "other_organisation"):
    """Audit a refused access (DENIED) and answer 404."""
    audit_record(action=Action.DENIED, request=request, obj=obj, detail={"reason": reason})
    raise Http404("Not found.")


def scope_to_organisation(user, queryset, organisation_field: str = "organisation"):
    """The part of `queryset` a user may see: a partner only its organisation's rows (none without one)."""
    if getattr(user, "role", None) != Role.PARTNER:
        return queryset
    organisation = organisation_for(user)
    if organisation is None:
        return queryset.none()
    return queryset.filter(**{organisation_field: organisation.pk})


def get_scoped_object_or_404(request, queryset, *, organisation_field: str = "organisation", **lookup):
    """Fetch one row; a partner asking for another organisation's row gets 404 and a DENIED audit event."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404("Not found.")
    user = request.user
    if getattr(user, "role", None) == Role.PARTNER:
        if not scope_to_organisation(user, queryset.model._default_manager.filter(pk=obj.pk), organisation_field).exists():
            deny_as_not_found(request, obj)
    return obj
