from django.contrib import admin

from probation.admin_base import AuditedModelAdmin, ReadOnlyAdmin
from safeguarding.models import (
    Assignment,
    ConcernedPerson,
    DeadlineTier,
    IdempotencyKey,
    RatingChange,
    ReferenceCounter,
    RequestEvent,
    RequestNote,
    Response,
    SafeguardingRequest,
)


@admin.register(DeadlineTier)
class DeadlineTierAdmin(AuditedModelAdmin):
    """Response deadlines per RAG rating: the defaults (no organisation) and any partner MASH's own."""

    may_delete = True  # reference data (a tier a request uses is protected by its foreign key)

    list_display = ("rating", "organisation", "hours", "clock", "reminder_percent", "repeat_every_hours")
    list_filter = ("rating", "clock", ("organisation", admin.EmptyFieldListFilter))
    search_fields = ("organisation__name",)
    list_select_related = ("organisation",)
    autocomplete_fields = ()


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    can_delete = False
    readonly_fields = ("assignee", "assigned_by", "assigned_at", "reason", "superseded_at")

    def has_add_permission(self, request, obj=None):
        return False


class RatingChangeInline(admin.TabularInline):
    model = RatingChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_rating", "to_rating", "rationale", "changed_by", "changed_at", "due_at_before", "due_at_after")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SafeguardingRequest)
class SafeguardingRequestAdmin(AuditedModelAdmin, ReadOnlyAdmin):
    """History: read in admin, changed only through the service's pages and API."""

    list_display = ("reference", "organisation", "borough", "rating", "received_at", "due_at", "assignee", "responded_at", "withdrawn_at")
    list_filter = ("rating", "channel", "match_outcome", "borough")
    # Hub staff look a request up by the person it is about as often as by its reference.
    search_fields = ("reference", "organisation__name", "subject_first_name", "subject_last_name", "subject_aliases",
                     "subject_pnc")
    list_select_related = ("organisation", "borough", "assignee")
    date_hierarchy = "received_at"
    show_full_result_count = False
    inlines = [AssignmentInline, RatingChangeInline]
    raw_id_fields = ("person",)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("request", "assignee", "assigned_by", "assigned_at", "superseded_at")
    search_fields = ("request__reference", "assignee__username")
    list_select_related = ("request", "assignee", "assigned_by")


@admin.register(RatingChange)
class RatingChangeAdmin(ReadOnlyAdmin):
    list_display = ("request", "from_rating", "to_rating", "changed_by", "changed_at")
    list_filter = ("from_rating", "to_rating")
    search_fields = ("request__reference",)
    list_select_related = ("request", "changed_by")


@admin.register(Response)
class ResponseAdmin(AuditedModelAdmin, ReadOnlyAdmin):
    list_display = ("request", "supervision_status", "risk_level", "engagement", "responded_by", "responded_at")
    list_filter = ("supervision_status", "risk_level", "engagement")
    search_fields = ("request__reference",)
    list_select_related = ("request", "responded_by")


@admin.register(ConcernedPerson)
class ConcernedPersonAdmin(AuditedModelAdmin, ReadOnlyAdmin):
    list_display = ("request", "age_group", "relationship")
    list_filter = ("age_group",)
    search_fields = ("request__reference",)
    list_select_related = ("request",)


@admin.register(RequestEvent)
class RequestEventAdmin(ReadOnlyAdmin):
    list_display = ("request", "kind", "at", "by")
    list_filter = ("kind",)
    search_fields = ("request__reference",)
    list_select_related = ("request", "by")


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(ReadOnlyAdmin):
    list_display = ("year", "base")
    search_fields = ("year",)


@admin.register(RequestNote)
class RequestNoteAdmin(AuditedModelAdmin, ReadOnlyAdmin):
    """Information partners added to their requests (notes and named people)."""

    list_display = ("request", "added_at", "added_by", "concerned")
    search_fields = ("request__reference",)
    list_select_related = ("request", "added_by", "concerned")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    """Partners' Idempotency-Keys on submits, kept 7 days."""

    list_display = ("key", "organisation", "request", "created_at")
    search_fields = ("key", "request__reference")
    list_select_related = ("organisation", "request")
