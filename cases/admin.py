from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from cases.models import Alias, Person, StaffProfile, Team
from probation.admin_base import AuditedModelAdmin


def _holder_before(model, obj, change: bool, field: str):
    """The officer a record named before this admin save (None for a new record)."""
    return model.objects.filter(pk=obj.pk).values_list(field, flat=True).first() if change else None


def _caseloads_changed(*officer_ids) -> None:
    """An admin save changed what these officers' caseloads count: recount them in the same transaction."""
    from cases.services import officer_caseloads_refresh

    officer_ids = [i for i in officer_ids if i is not None]
    if officer_ids:
        officer_caseloads_refresh(officer_ids=officer_ids)


def _all_queue_candidates_stale() -> None:
    """Points or capacities changed in admin: every team's cached queue suggestions are dropped on commit."""
    from django.db import transaction

    from cases.selectors import workload_changed

    team_ids = list(Team.objects.values_list("pk", flat=True))
    transaction.on_commit(lambda: workload_changed(team_ids=team_ids))


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

    def save_model(self, request, obj, form, change):
        from django.db import transaction

        from cases.selectors import workload_changed

        team_before = _holder_before(StaffProfile, obj, change, "team_id")
        super().save_model(request, obj, form, change)
        if not change:
            _caseloads_changed(obj.user_id)  # a new officer's caseload count starts (at zero, or what they hold)
        team_ids = [team_before, obj.team_id]  # grade, hours, availability or team: the queue's suggestions
        transaction.on_commit(lambda: workload_changed(team_ids=team_ids))


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 0
    can_delete = False


@admin.register(Person)
class PersonAdmin(AuditedModelAdmin):
    list_display = ("crn", "last_name", "first_name", "date_of_birth", "provider", "rosh_level", "cohort", "offender_manager")
    # Changed through services: RoSH history, hand-over, cohort job, computed tier (overrides: cases.TierOverride).
    readonly_fields = ("rosh_level", "provider", "cohort", "tier")
    list_filter = ("provider", "rosh_level", "cohort", "is_iom", "is_gto", "home_borough")
    search_fields = ("crn", "pnc_number", "last_name", "first_name")
    list_select_related = ("offender_manager", "home_borough")
    raw_id_fields = ("offender_manager", "team")
    inlines = [AliasInline]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        holder_before = _holder_before(Person, obj, change, "offender_manager_id")
        super().save_model(request, obj, form, change)
        if "offender_manager" in form.changed_data and obj.provider == "crc":
            _caseloads_changed(holder_before, obj.offender_manager_id)
        if "predictor_score" in form.changed_data or not change:
            from cases.services import person_recompute_tier

            person_recompute_tier(person=obj, by=request.user, trigger="Reoffending predictor score changed in admin"
                                  if change else "Case added in admin")
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
    CaseEvent,
    CohortRecalculation,
    CohortRule,
    GradeCapacity,
    NpsHandover,
    OfficerCaseload,
    Register,
    RegisterCode,
    Requirement,
    RoshAssessment,
    Sentence,
    WorkloadPoints,
)
from probation.admin_base import ReadOnlyAdmin  # noqa: E402
from probation.audit import Action, audit_record  # noqa: E402


class RequirementInline(admin.TabularInline):
    model = Requirement
    extra = 0
    can_delete = False


@admin.register(Sentence)
class SentenceAdmin(AuditedModelAdmin):
    list_display = ("person", "kind", "sentence_date", "length_display", "end_date", "conditional_release_date",
                    "licence_end_date", "pss_end_date", "supervision_end_date")
    list_filter = ("kind", "is_extended")
    search_fields = ("person__crn", "person__last_name", "court")
    raw_id_fields = ("person",)
    list_select_related = ("person",)
    readonly_fields = ("end_date", "conditional_release_date", "parole_eligibility_date", "licence_end_date",
                       "pss_start_date", "pss_end_date", "supervision_end_date", "supervision_note")
    inlines = [RequirementInline]

    def save_model(self, request, obj, form, change):
        # A sentence's kind and dates decide its case's type (community, custody, licence): the holder's points.
        person_before = _holder_before(Sentence, obj, change, "person_id")
        super().save_model(request, obj, form, change)
        _caseloads_changed(*Person.objects.crc().filter(pk__in=[person_before, obj.person_id])
                           .values_list("offender_manager_id", flat=True))


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


class RegisterAdminForm(forms.ModelForm):
    class Meta:
        model = Register
        fields = "__all__"

    def clean(self):
        data = super().clean()
        if data.get("code") == RegisterCode.IGTO and data.get("person") and data.get("start_date") and not self.instance.pk:
            from cases.services import gto_check

            try:
                gto_check(person=data["person"], start_date=data["start_date"], lock=False)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["code"]) from None
        return data


@admin.register(Register)
class RegisterAdmin(AuditedModelAdmin):
    list_display = ("person", "code", "start_date", "end_date", "added_by")
    list_filter = ("code",)
    search_fields = ("person__crn", "person__last_name")
    raw_id_fields = ("person", "added_by")
    list_select_related = ("person", "added_by")

    form = RegisterAdminForm

    def save_model(self, request, obj, form, change):
        """Through the same service as the app (cases.services.register_save): GtO rules, and IOM/GtO flags that
        follow the register's dates."""
        from cases.services import register_save

        saved = register_save(register=obj, by=obj.added_by or request.user)
        obj.pk, obj.start_date, obj.end_date = saved.pk, saved.start_date, saved.end_date
        audit_record(action=Action.UPDATE if change else Action.CREATE, request=request, obj=obj,
                     detail={"via": "admin", "fields": list(form.changed_data)})


@admin.register(CohortRule)
class CohortRuleAdmin(AuditedModelAdmin):
    list_display = ("priority", "cohort", "gender", "min_age", "max_age", "is_active")
    list_filter = ("cohort", "is_active")
    search_fields = ("cohort",)


@admin.register(CaseEvent)
class CaseEventAdmin(AuditedModelAdmin, ReadOnlyAdmin):
    """History: corrected sentence dates, overlay flags that followed their dates, cohorts chosen by a manager."""

    list_display = ("person", "kind", "at", "by", "summary")
    list_filter = ("kind",)
    search_fields = ("person__crn", "person__last_name")
    list_select_related = ("person", "by")
    raw_id_fields = ("person", "sentence", "by")


@admin.register(CohortRecalculation)
class CohortRecalculationAdmin(ReadOnlyAdmin):
    list_display = ("ran_on", "started_at", "full", "changed")
    list_filter = ("full",)


@admin.register(OfficerCaseload)
class OfficerCaseloadAdmin(ReadOnlyAdmin):
    """The stored counts the workload pages read; kept by the services, repaired by `manage.py workload_check --fix`."""

    list_display = ("officer", "counted_on", "counted_at", "case_counts", "report_counts")
    list_filter = ("counted_on",)
    search_fields = ("officer__username", "officer__last_name")
    list_select_related = ("officer",)


@admin.register(WorkloadPoints)
class WorkloadPointsAdmin(AuditedModelAdmin):
    list_display = ("case_type", "tier", "points")
    list_filter = ("case_type",)
    search_fields = ("tier",)

    def save_model(self, request, obj, form, change):
        # The stored caseload counts hold no points (they are weighted when read): only the cached suggestions go.
        super().save_model(request, obj, form, change)
        _all_queue_candidates_stale()


@admin.register(GradeCapacity)
class GradeCapacityAdmin(AuditedModelAdmin):
    list_display = ("grade", "full_time_points")
    list_filter = ("grade",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _all_queue_candidates_stale()


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


from cases.models import (  # noqa: E402
    Absence,
    CaseTransfer,
    CaseworkSettings,
    CourtReport,
    OrderEnding,
    PlanObjective,
    SentencePlan,
    SentencePlanReview,
    TierChange,
    TierOverride,
    TierRule,
    WorkingPattern,
)


@admin.register(CaseworkSettings)
class CaseworkSettingsAdmin(AuditedModelAdmin):
    list_display = ("__str__", "allocation_target_working_days", "absence_flag_days", "capacity_window_working_days",
                    "sentence_plan_due_working_days", "plan_review_interval_weeks", "updated_at")
    list_filter = ("updated_at",)  # one row: when it last changed

    def has_add_permission(self, request):
        return not CaseworkSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if {f for f in form.changed_data if f.startswith("tier_")}:
            from cases.services import tiers_recompute_all

            tiers_recompute_all(trigger="Tier thresholds changed in admin", by=request.user)


@admin.register(TierRule)
class TierRuleAdmin(AuditedModelAdmin):
    list_display = ("input", "value", "axis", "points", "is_active")
    list_filter = ("input", "axis", "is_active")
    search_fields = ("value",)

    def save_model(self, request, obj, form, change):
        # The rules changed: every case's tier is recomputed (once each, with history naming the change).
        super().save_model(request, obj, form, change)
        from cases.services import tiers_recompute_all

        tiers_recompute_all(trigger=f"Tier rule changed in admin: {obj}", by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # switch a rule off (is_active) so the history still explains past tiers


@admin.register(WorkingPattern)
class WorkingPatternAdmin(AuditedModelAdmin):
    list_display = ("officer", "hours_per_week", "effective_from", "recorded_by")
    search_fields = ("officer__last_name", "officer__username")
    raw_id_fields = ("officer",)
    readonly_fields = ("recorded_by", "recorded_at")
    list_select_related = ("officer", "recorded_by")

    def save_model(self, request, obj, form, change):
        obj.recorded_by = obj.recorded_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(Absence)
class AbsenceAdmin(AuditedModelAdmin):
    list_display = ("officer", "kind", "start_date", "end_date", "cancelled_at")
    list_filter = ("kind",)
    search_fields = ("officer__last_name", "officer__username")
    raw_id_fields = ("officer",)
    readonly_fields = ("recorded_by", "recorded_at")
    list_select_related = ("officer",)

    def save_model(self, request, obj, form, change):
        obj.recorded_by = obj.recorded_by or request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead (cancelled_at): the record of an absence is kept


@admin.register(CourtReport)
class CourtReportAdmin(AuditedModelAdmin):
    list_display = ("author", "kind", "person", "requested_on", "due_on", "completed_on")
    list_filter = ("kind",)
    search_fields = ("author__last_name", "person__crn")
    raw_id_fields = ("author", "person")
    list_select_related = ("author", "person")

    def save_model(self, request, obj, form, change):
        # An open report counts towards its author's workload until it is completed.
        author_before = _holder_before(CourtReport, obj, change, "author_id")
        super().save_model(request, obj, form, change)
        _caseloads_changed(author_before, obj.author_id)


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdmin):
    list_display = ("person", "at", "previous_tier", "tier", "computed_tier", "trigger", "by")
    search_fields = ("person__crn",)
    list_select_related = ("person", "by")


@admin.register(TierOverride)
class TierOverrideAdmin(ReadOnlyAdmin):
    list_display = ("person", "tier", "expires_on", "set_by", "ended_at")
    search_fields = ("person__crn",)
    list_select_related = ("person", "set_by")


@admin.register(CaseTransfer)
class CaseTransferAdmin(ReadOnlyAdmin):
    list_display = ("person", "from_team", "to_team", "requested_at", "from_approved_at", "to_approved_at",
                    "completed_at", "refused_at")
    search_fields = ("person__crn",)
    list_select_related = ("person", "from_team", "to_team")


class PlanObjectiveInline(admin.TabularInline):
    model = PlanObjective
    extra = 0
    can_delete = False


@admin.register(SentencePlan)
class SentencePlanAdmin(AuditedModelAdmin):
    list_display = ("sentence", "due_by", "agreed_on", "next_review_due")
    search_fields = ("sentence__person__crn",)
    raw_id_fields = ("sentence",)
    inlines = [PlanObjectiveInline]


@admin.register(SentencePlanReview)
class SentencePlanReviewAdmin(ReadOnlyAdmin):
    list_display = ("plan", "reviewed_on", "reviewed_by")
    search_fields = ("plan__sentence__person__crn",)


@admin.register(OrderEnding)
class OrderEndingAdmin(ReadOnlyAdmin):
    list_display = ("sentence", "reason", "ended_on", "requirements_completed", "requirements_total",
                    "no_requirement_completed")
    list_filter = ("reason", "no_requirement_completed")
    search_fields = ("sentence__person__crn",)


@admin.register(PlanObjective)
class PlanObjectiveAdmin(AuditedModelAdmin):
    list_display = ("text", "plan", "target_date", "achieved_on")
    search_fields = ("text", "plan__sentence__person__crn")
    raw_id_fields = ("plan",)
