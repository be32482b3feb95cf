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
    list_filter = ["project__borough", "project"]
    search_fields = ["project__name"]
    date_hierarchy = "local_date"

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    """Read-only: bookings, attendance and budgets change through the pages and the API (services), never here."""

    list_display = ["person", "session", "credited_minutes", "attendance_recorded_at", "cancelled_at"]
    list_select_related = ["person", "session__project"]
    list_filter = ["session__project__borough", "behaviour"]
    search_fields = ["person__crn", "person__last_name", "session__project__name"]


@admin.register(PersonalBudget)
class PersonalBudgetAdmin(ReadOnlyAdmin):
    list_display = ["person", "amount", "spent", "starts_on", "ends_on", "holder"]
    list_select_related = ["person", "holder"]
    search_fields = ["person__crn", "person__last_name"]


@admin.register(BudgetSpend)
class BudgetSpendAdmin(ReadOnlyAdmin):
    list_display = ["budget", "amount", "purpose", "supplier", "spent_on", "approved_by"]
    list_select_related = ["budget__person", "approved_by"]
    list_filter = ["purpose"]
    search_fields = ["budget__person__crn", "supplier"]


from interventions.models import (  # noqa: E402
    GroupPlace,
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

    list_display = ["name", "code", "sessions", "through_the_gate", "is_active"]
    list_filter = ["is_active", "through_the_gate"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WomensHub)
class WomensHubAdmin(AuditedModelAdmin):
    list_display = ["name", "borough", "organisation", "is_active"]
    list_filter = ["borough", "is_active"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["organisation"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HubSession)
class HubSessionAdmin(AuditedModelAdmin):
    list_display = ["title", "hub", "starts_at"]
    list_filter = ["hub"]
    search_fields = ["title"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["person", "programme", "status", "borough", "eligible", "status_changed_at"]
    list_filter = ["programme", "status", "borough"]
    list_select_related = ["person", "programme", "borough"]


# History and places change only through the pages and services; here they are read and searched.
@admin.register(ProgrammeGroup)
class ProgrammeGroupAdmin(ReadOnlyAdmin):
    list_display = ["programme", "borough", "start_date", "capacity", "partner"]
    list_filter = ["programme", "borough"]
    list_select_related = ["programme", "borough", "partner"]


@admin.register(ReferralStatusChange)
class ReferralStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["referral", "from_status", "to_status", "at", "by", "reason"]
    list_filter = ["to_status"]
    search_fields = ["referral__person__crn", "reason"]
    list_select_related = ["referral__person", "referral__programme", "by"]


@admin.register(ModuleAttendance)
class ModuleAttendanceAdmin(ReadOnlyAdmin):
    list_display = ["referral", "number", "attended", "recorded_by", "recorded_at"]
    list_filter = ["attended"]
    search_fields = ["referral__person__crn"]
    list_select_related = ["referral__person", "referral__programme", "recorded_by"]


@admin.register(GroupSession)
class GroupSessionAdmin(ReadOnlyAdmin):
    list_display = ["group", "number", "starts_at", "ends_at", "catch_up_for"]
    list_filter = ["group__programme"]
    list_select_related = ["group__programme", "group__borough"]


@admin.register(GroupPlace)
class GroupPlaceAdmin(ReadOnlyAdmin):
    list_display = ["session", "referral", "appointment", "booked_by", "booked_at"]
    list_filter = ["session__group__programme"]
    search_fields = ["referral__person__crn"]
    list_select_related = ["session__group__programme", "referral__person", "referral__programme", "booked_by"]


@admin.register(HubPlace)
class HubPlaceAdmin(ReadOnlyAdmin):
    list_display = ["session", "person", "appointment", "booked_by", "booked_at"]
    list_filter = ["session__hub"]
    search_fields = ["person__crn", "person__last_name"]
    list_select_related = ["session__hub", "person", "booked_by"]
