from django.contrib import admin

from cases.models import Alias, Person, StaffProfile, Team
from probation.admin_base import AuditedModelAdmin


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin):
    list_display = ("name", "borough", "cohort", "manager", "auto_allocate")
    list_filter = ("cohort", "auto_allocate", "borough")
    search_fields = ("name", "borough__name")
    list_select_related = ("borough", "manager")


@admin.register(StaffProfile)
class StaffProfileAdmin(AuditedModelAdmin):
    list_display = ("user", "grade", "team", "contracted_hours", "is_available")
    list_filter = ("grade", "is_available", "team__borough")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    list_select_related = ("user", "team")


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 0
    can_delete = False


@admin.register(Person)
class PersonAdmin(AuditedModelAdmin):
    list_display = ("crn", "last_name", "first_name", "date_of_birth", "provider", "rosh_level", "cohort", "offender_manager")
    readonly_fields = ("rosh_level", "provider", "cohort")  # changed through services: RoSH history, hand-over, cohort job
    list_filter = ("provider", "rosh_level", "cohort", "is_iom", "is_gto", "home_borough")
    search_fields = ("crn", "pnc_number", "last_name", "first_name")
    list_select_related = ("offender_manager", "home_borough")
    raw_id_fields = ("offender_manager", "team")
    inlines = [AliasInline]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # A case keyed in here has just been allocated to us by the NPS: it joins its team's queue.
            from cases.services import person_receive_from_nps

            person_receive_from_nps(person=obj)


@admin.register(Alias)
class AliasAdmin(AuditedModelAdmin):
    list_display = ("last_name", "first_name", "date_of_birth", "person")
    search_fields = ("last_name", "first_name", "person__crn")
    raw_id_fields = ("person",)


from cases.models import (  # noqa: E402
    Allocation,
    CohortRecalculation,
    CohortRule,
    GradeCapacity,
    NpsHandover,
    Register,
    Requirement,
    RoshAssessment,
    Sentence,
    TierWeight,
)
from probation.admin_base import ReadOnlyAdmin  # noqa: E402


class RequirementInline(admin.TabularInline):
    model = Requirement
    extra = 0
    can_delete = False


@admin.register(Sentence)
class SentenceAdmin(AuditedModelAdmin):
    list_display = ("person", "kind", "sentence_date", "length_months", "end_date", "licence_end_date",
                    "pss_end_date", "supervision_end_date")
    list_filter = ("kind", "is_extended")
    search_fields = ("person__crn", "person__last_name", "court")
    raw_id_fields = ("person",)
    list_select_related = ("person",)
    readonly_fields = ("end_date", "licence_end_date", "pss_start_date", "pss_end_date", "supervision_end_date",
                       "supervision_note")
    inlines = [RequirementInline]


@admin.register(Requirement)
class RequirementAdmin(AuditedModelAdmin):
    list_display = ("sentence", "kind", "programme", "start_date", "end_date", "commenced_on")
    list_filter = ("kind",)
    search_fields = ("sentence__person__crn", "programme")
    raw_id_fields = ("sentence",)
    list_select_related = ("sentence", "sentence__person")


@admin.register(RoshAssessment)
class RoshAssessmentAdmin(AuditedModelAdmin, ReadOnlyAdmin):
    list_display = ("person", "level", "assessed_at", "assessed_by")
    list_filter = ("level",)
    search_fields = ("person__crn",)
    list_select_related = ("person", "assessed_by")


@admin.register(Register)
class RegisterAdmin(AuditedModelAdmin):
    list_display = ("person", "code", "start_date", "end_date", "added_by")
    list_filter = ("code",)
    search_fields = ("person__crn", "person__last_name")
    raw_id_fields = ("person", "added_by")
    list_select_related = ("person", "added_by")


@admin.register(CohortRule)
class CohortRuleAdmin(AuditedModelAdmin):
    list_display = ("priority", "cohort", "gender", "min_age", "max_age", "is_active")
    list_filter = ("cohort", "is_active")
    search_fields = ("cohort",)


@admin.register(CohortRecalculation)
class CohortRecalculationAdmin(ReadOnlyAdmin):
    list_display = ("ran_on", "started_at", "full", "changed")
    list_filter = ("full",)


@admin.register(TierWeight)
class TierWeightAdmin(AuditedModelAdmin):
    list_display = ("tier", "points")
    search_fields = ("tier",)


@admin.register(GradeCapacity)
class GradeCapacityAdmin(AuditedModelAdmin):
    list_display = ("grade", "full_time_points")
    list_filter = ("grade",)


@admin.register(Allocation)
class AllocationAdmin(AuditedModelAdmin, ReadOnlyAdmin):
    list_display = ("person", "offender_manager", "team", "allocated_by", "allocated_at", "is_automatic")
    list_filter = ("is_automatic", "team__borough")
    search_fields = ("person__crn", "offender_manager__last_name")
    list_select_related = ("person", "offender_manager", "team", "allocated_by")


@admin.register(NpsHandover)
class NpsHandoverAdmin(AuditedModelAdmin, ReadOnlyAdmin):
    list_display = ("person", "handed_over_at", "handed_over_by", "rosh_level")
    list_filter = ("rosh_level",)
    search_fields = ("person__crn",)
    list_select_related = ("person", "handed_over_by")
