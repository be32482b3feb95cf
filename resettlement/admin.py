from django.contrib import admin

from probation.admin_base import AuditedModelAdmin, ReadOnlyAdmin
from resettlement.models import (
    CustodyEpisode,
    ModuleAttendance,
    PathwayNeed,
    PlanAction,
    PlanReview,
    Prison,
    PrisonTransfer,
    Programme,
    ProgrammeEnrolment,
    ResettlementPlan,
    Screening,
    ScreeningRule,
)


@admin.register(Prison)
class PrisonAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "population", "is_resettlement_prison", "is_london", "is_active")
    list_filter = ("is_resettlement_prison", "population", "is_london", "is_active")
    search_fields = ("name", "code")


@admin.register(ScreeningRule)
class ScreeningRuleAdmin(AuditedModelAdmin):
    list_display = ("part", "hours", "clock", "reminder_percent")
    list_filter = ("clock",)

    def has_delete_permission(self, request, obj=None):
        return False


class TransferInline(admin.TabularInline):
    model = PrisonTransfer
    extra = 0
    can_delete = False
    readonly_fields = ("from_prison", "to_prison", "transferred_on", "reason", "recorded_by", "recorded_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CustodyEpisode)
class CustodyEpisodeAdmin(AuditedModelAdmin):
    list_display = ("pk", "person", "custody_type", "current_prison", "reception_at", "expected_release_date",
                    "released_on", "ttg_worker")
    list_filter = ("custody_type", "current_prison", "released_on")
    search_fields = ("person__crn", "person__last_name", "person__prison_number")
    raw_id_fields = ("person", "ttg_worker", "community_offender_manager", "recorded_by", "released_by")
    list_select_related = ("person", "current_prison", "ttg_worker")
    inlines = [TransferInline]
    readonly_fields = ("reception_prison",)


@admin.register(PrisonTransfer)
class PrisonTransferAdmin(ReadOnlyAdmin):
    list_display = ("episode", "from_prison", "to_prison", "transferred_on", "recorded_by")
    list_filter = ("to_prison", "from_prison")
    search_fields = ("episode__person__crn",)


@admin.register(Screening)
class ScreeningAdmin(AuditedModelAdmin):
    list_display = ("episode", "part", "due_at", "completed_at")
    list_filter = ("part", "completed_at")
    search_fields = ("episode__person__crn",)
    readonly_fields = ("episode", "part", "due_at", "remind_at")
    list_select_related = ("episode",)


class NeedInline(admin.TabularInline):
    model = PathwayNeed
    extra = 0
    can_delete = False
    fields = ("pathway", "status", "notes")
    readonly_fields = ("pathway",)


@admin.register(ResettlementPlan)
class ResettlementPlanAdmin(AuditedModelAdmin):
    list_display = ("pk", "episode", "created_at", "last_reviewed_at")
    search_fields = ("episode__person__crn", "episode__person__last_name")
    list_filter = ("created_at",)
    readonly_fields = ("episode", "created_by", "created_at", "last_reviewed_at", "last_reviewed_by")
    inlines = [NeedInline]


@admin.register(PlanReview)
class PlanReviewAdmin(ReadOnlyAdmin):
    list_display = ("plan", "reviewed_at", "reviewed_by", "is_pre_release")
    list_filter = ("is_pre_release",)
    search_fields = ("plan__episode__person__crn",)


@admin.register(PathwayNeed)
class PathwayNeedAdmin(AuditedModelAdmin):
    list_display = ("plan", "pathway", "status", "updated_at")
    list_filter = ("pathway", "status")
    search_fields = ("plan__episode__person__crn",)


@admin.register(PlanAction)
class PlanActionAdmin(AuditedModelAdmin):
    list_display = ("pk", "plan", "pathway", "owner_user", "owner_organisation", "due_on", "status", "consent")
    list_filter = ("status", "pathway", "owner_organisation", "consent")
    search_fields = ("description", "plan__episode__person__crn")
    raw_id_fields = ("plan", "owner_user", "created_by", "updated_by", "consent_recorded_by")
    list_select_related = ("plan", "owner_user", "owner_organisation")


# Superseded (migration 0007): Getting it Right and Healing Trauma are interventions programmes; these rows are
# the read-only record of what was moved.


@admin.register(Programme)
class ProgrammeAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "module_count", "women_only", "requires_change_plan_journal")
    search_fields = ("name",)


class AttendanceInline(admin.TabularInline):
    model = ModuleAttendance
    extra = 0
    can_delete = False
    readonly_fields = ("module_number", "attended", "recorded_by", "recorded_at")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProgrammeEnrolment)
class ProgrammeEnrolmentAdmin(ReadOnlyAdmin):
    list_display = ("person", "programme", "setting", "starts_on", "completed_on", "withdrawn_on",
                    "superseded_by_referral_id")
    list_filter = ("programme", "setting")
    search_fields = ("person__crn", "person__last_name")
    inlines = [AttendanceInline]


@admin.register(ModuleAttendance)
class ModuleAttendanceAdmin(ReadOnlyAdmin):
    list_display = ("enrolment", "module_number", "attended", "recorded_at")
    list_filter = ("attended", "module_number")
    search_fields = ("enrolment__person__crn",)
