from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from probation.admin_base import AuditedModelAdmin, ReadOnlyAdmin
from probation.audit import Action, audit_record
from probation.services import mfa_reset, user_sessions_end
from probation.calendar import clear_calendar_cache
from probation.models import AuditEvent, ClosureDay, Deadline, Notification, User

admin.site.site_header = "Probation Ops administration"
admin.site.site_title = "Probation Ops admin"


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = BaseUserAdmin.fieldsets + (("Role", {"fields": ("role", "job_title")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Role", {"fields": ("role", "first_name", "last_name", "email")}),)
    actions = ["reset_two_factor", "end_sessions"]

    @admin.action(description="Reset two-factor authentication (the user sets it up again at next sign-in)")
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            mfa_reset(user=user)
            audit_record(action=Action.MFA_RESET, request=request, obj=user)
        self.message_user(request, f"Two-factor authentication reset for {queryset.count()} user(s).")

    @admin.action(description="Sign out of every session")
    def end_sessions(self, request, queryset):
        for user in queryset:
            user_sessions_end(user=user)
            audit_record(action=Action.LOGOUT, request=request, obj=user, detail={"via": "admin", "all_sessions": True})
        self.message_user(request, f"Every session ended for {queryset.count()} user(s).")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_sessions_end(user=obj)  # a disabled account is signed out everywhere at once


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "object_repr", "ip_address")
    list_filter = ("action", "object_type", "at")
    search_fields = ("actor_label", "object_id", "object_repr", "path", "ip_address")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    show_full_result_count = False  # counting millions of audit rows on every page is slow


@admin.register(ClosureDay)
class ClosureDayAdmin(AuditedModelAdmin):
    may_delete = True  # reference data
    list_display = ("date", "reason")
    search_fields = ("reason",)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        clear_calendar_cache()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        clear_calendar_cache()


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "subject", "read_at", "email_sent_at", "email_attempts", "email_failed_at")
    list_filter = ("email_sent_at", "email_failed_at", "read_at")
    search_fields = ("subject", "recipient__username", "dedupe_key")
    list_select_related = ("recipient",)


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    """The deadline engine's state (probation/deadlines.py): set by the apps' services, fired by the sweep. Read-only:
    a deadline is moved by changing the record it belongs to."""

    list_display = ("step", "owner_id", "due_at", "armed_for", "fired_count", "fired_at")
    list_filter = ("step",)
    search_fields = ("=owner_id",)
    show_full_result_count = False
