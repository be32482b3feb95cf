from django.contrib import admin

from probation.admin_base import AuditedModelAdmin, ReadOnlyAdmin

from interventions.models import Booking, BudgetSpend, PersonalBudget, Project, Session


@admin.register(Project)
class ProjectAdmin(AuditedModelAdmin):
    list_display = ["name", "borough", "partner", "kind", "capacity", "gender", "children_present", "is_active"]
    list_filter = ["borough", "kind", "gender", "is_active"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["partner"]

    def has_delete_permission(self, request, obj=None):
        return False  # a project is closed (is_active), never deleted: bookings and credit point at it


@admin.register(Session)
class SessionAdmin(AuditedModelAdmin):
    list_display = ["project", "starts_at", "ends_at", "supervisor", "cancelled_at"]
    list_select_related = ["project", "supervisor"]
    date_hierarchy = "local_date"

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    """Read-only: bookings, attendance and budgets change through the pages and the API (services), never here."""

    list_display = ["person", "session", "credited_minutes", "attendance_recorded_at", "cancelled_at"]
    list_select_related = ["person", "session__project"]


@admin.register(PersonalBudget)
class PersonalBudgetAdmin(ReadOnlyAdmin):
    list_display = ["person", "amount", "spent", "starts_on", "ends_on", "holder"]
    list_select_related = ["person", "holder"]


@admin.register(BudgetSpend)
class BudgetSpendAdmin(ReadOnlyAdmin):
    list_display = ["budget", "amount", "purpose", "supplier", "spent_on", "approved_by"]
    list_select_related = ["budget__person", "approved_by"]


from interventions.models import (  # noqa: E402
    GroupSession,
    HubPlace,
    HubSession,
    Programme,
    ProgrammeGroup,
    Referral,
    ModuleAttendance,
    ReferralStatusChange,
    WomensHub,
)


@admin.register(Programme)
class ProgrammeAdmin(AuditedModelAdmin):
    """The catalogue: administrators change sessions and eligibility here; a programme is retired, not deleted."""

    list_display = ["name", "code", "sessions", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WomensHub)
class WomensHubAdmin(AuditedModelAdmin):
    list_display = ["name", "borough", "organisation", "is_active"]
    autocomplete_fields = ["organisation"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HubSession)
class HubSessionAdmin(AuditedModelAdmin):
    list_display = ["title", "hub", "starts_at"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["person", "programme", "status", "borough", "eligible", "status_changed_at"]
    list_filter = ["programme", "status", "borough"]
    list_select_related = ["person", "programme", "borough"]


for model in (ReferralStatusChange, ProgrammeGroup, GroupSession, HubPlace, ModuleAttendance):
    admin.site.register(model, ReadOnlyAdmin)
