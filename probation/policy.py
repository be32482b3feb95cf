"""Who may see and do what: one place that views, the API and admin all ask.

Role predicates live here; each business app adds its object rules in its own `rules.py` with these predicates
(django-rules autodiscovers them), so `can(user, "safeguarding.view_request", request)` answers the same way
everywhere. Object rules that depend on a business app's data use that object's own methods, so this module never
imports a business app.
"""

import rules
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from probation.models import STAFF_ROLES, Role


def _role(*roles):
    @rules.predicate(name="has role " + "/".join(roles))
    def predicate(user):
        return bool(user and user.is_authenticated and user.is_active and user.role in roles)

    return predicate


is_hub = _role(Role.HUB)
is_offender_manager = _role(Role.OFFENDER_MANAGER)
is_team_manager = _role(Role.TEAM_MANAGER)
is_hosp = _role(Role.HOSP)
is_partner = _role(Role.PARTNER)
is_admin = _role(Role.ADMIN)
is_staff_member = _role(*STAFF_ROLES)
# Staff who manage cases and requests across the organisation rather than their own caseload.
is_hub_or_admin = is_hub | is_admin

rules.add_perm("probation.view_audit_log", is_admin)
rules.add_perm("probation.use_staff_pages", is_staff_member)


def can(user, permission: str, obj=None) -> bool:
    """May `user` do `permission` (to `obj`)? The single question every interface asks."""
    return bool(user and user.is_authenticated and user.has_perm(permission, obj))


def require(user, permission: str, obj=None) -> None:
    if not can(user, permission, obj):
        raise PermissionDenied


class HasPolicyPermission(BasePermission):
    """DRF permission: a view sets `policy_permission` (and optionally `policy_object_permission`)."""

    def has_permission(self, request, view):
        permission = getattr(view, "policy_permission", None)
        return permission is None or can(request.user, permission)

    def has_object_permission(self, request, view, obj):
        permission = getattr(view, "policy_object_permission", None)
        return permission is None or can(request.user, permission, obj)


class IsPartnerUser(BasePermission):
    message = "This endpoint is for partner agency credentials."

    def has_permission(self, request, view):
        return is_partner(request.user)
