"""Admin: contact standards are configured here; appointments, failures, enforcement and letters are history,
viewable and searchable but changed only through the service (nothing about a person is ever deleted)."""

from django.contrib import admin
from django.db import transaction

from probation.admin_base import AuditedModelAdmin, ReadOnlyAdmin
from supervision.models import (
    AamrReading,
    Appointment,
    AppointmentSeries,
    ContactPreference,
    ContactStandard,
    Enforcement,
    Failure,
    Letter,
    OverdueContact,
    Reminder,
    RequirementProvider,
)


@admin.register(ContactStandard)
class ContactStandardAdmin(AuditedModelAdmin):
    list_display = ("tier", "phase", "interval_days", "early_weeks", "first_within_working_days")
    list_filter = ("phase",)

    def has_delete_permission(self, request, obj=None):
        return False  # every tier and phase needs a standard; change it, do not remove it

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from supervision.tasks import contact_deadlines_arm_job

        # Every case's next-contact-due deadline follows the new standard (chunked, in the background).
        transaction.on_commit(contact_deadlines_arm_job.delay)


@admin.register(RequirementProvider)
class RequirementProviderAdmin(AuditedModelAdmin):
    list_display = ("requirement", "organisation")
    list_filter = ("organisation",)
    search_fields = ("requirement__sentence__person__crn", "organisation__name")
    raw_id_fields = ("requirement",)
    list_select_related = ("requirement", "organisation")

    def has_delete_permission(self, request, obj=None):
        return False  # a requirement's provider is changed, not removed (its readings point at it)


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("starts_at", "person", "type", "place", "officer", "partner_organisation", "outcome")
    list_filter = ("type", "place", "outcome", "evidence_status")
    search_fields = ("person__crn", "person__last_name", "officer__last_name")
    list_select_related = ("person", "officer", "partner_organisation")
    date_hierarchy = "starts_at"
    show_full_result_count = False


@admin.register(Failure)
class FailureAdmin(ReadOnlyAdmin):
    list_display = ("occurred_on", "person", "kind", "status", "recorded_by")
    list_filter = ("kind", "status")
    search_fields = ("person__crn",)
    list_select_related = ("person", "recorded_by")


@admin.register(Enforcement)
class EnforcementAdmin(ReadOnlyAdmin):
    list_display = ("proposed_at", "person", "path", "proposed", "decision", "decided_by", "countersigned_at",
                    "referral_due_at", "referred_at", "response")
    list_filter = ("path", "proposed", "decision", "response")
    search_fields = ("person__crn",)
    list_select_related = ("person", "decided_by")


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "person", "kind", "dedupe_key")
    list_filter = ("kind",)
    search_fields = ("person__crn", "dedupe_key")
    exclude = ("pdf",)
    list_select_related = ("person",)


@admin.register(OverdueContact)
class OverdueContactAdmin(ReadOnlyAdmin):
    list_display = ("listed_on", "person", "officer", "team", "due_on", "last_contact_on", "resolved_on")
    list_filter = ("listed_on", "resolved_on", "team")
    list_select_related = ("person", "officer", "team")


@admin.register(AamrReading)
class AamrReadingAdmin(ReadOnlyAdmin):
    list_display = ("day", "requirement", "result", "organisation", "received_at")
    list_filter = ("result",)


@admin.register(AppointmentSeries)
class AppointmentSeriesAdmin(ReadOnlyAdmin):
    """A recurring series as booked: its appointments carry the rest."""

    list_display = ("person", "every_days", "requested", "created_by", "created_at")
    search_fields = ("person__crn", "person__last_name")
    list_select_related = ("person", "created_by")


@admin.register(ContactPreference)
class ContactPreferenceAdmin(ReadOnlyAdmin):
    """Consent and channel for reminders: recorded and withdrawn on the case page, where who and when are kept."""

    list_display = ("person", "channel", "consented_at", "consent_recorded_by")
    list_filter = ("channel",)
    search_fields = ("person__crn", "person__last_name")
    list_select_related = ("person", "consent_recorded_by")


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """Reminders sent through GOV.UK Notify, with their delivery status and last error."""

    list_display = ("appointment", "kind", "channel", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status", "kind", "channel")
    search_fields = ("appointment__person__crn", "notify_id")
    list_select_related = ("appointment__person",)
