from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from partners.models import (
    ApiRejection,
    ApiToken,
    Borough,
    BoroughReport,
    Contact,
    HospArea,
    Organisation,
    PartnerMembership,
    Service,
    WebhookDelivery,
    WebhookEndpoint,
)
from partners.services import (
    api_token_check_issuable,
    api_token_issue,
    api_token_revoke,
    api_token_rotate,
    _token_lifetime,
    borough_report_regenerate,
)
from probation.admin_base import AuditedModelAdmin, ReadOnlyAdmin


class BoroughInline(admin.TabularInline):
    model = Borough
    fields = ("name", "code", "gss_code")
    extra = 0
    can_delete = False


@admin.register(HospArea)
class HospAreaAdmin(AuditedModelAdmin):
    list_display = ("name", "hosp", "is_mash_lead")
    list_filter = ("is_mash_lead",)
    search_fields = ("name", "hosp__first_name", "hosp__last_name")
    inlines = [BoroughInline]


@admin.register(Borough)
class BoroughAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "gss_code", "hosp_area")
    list_filter = ("hosp_area",)
    search_fields = ("name", "code", "gss_code")


@admin.register(Service)
class ServiceAdmin(AuditedModelAdmin):
    may_delete = True  # reference data
    list_display = ("name", "code")
    search_fields = ("name", "code")


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "email", "phone", "is_active")
    list_filter = ("kind", "is_active", "boroughs", "services")
    search_fields = ("name", "email")
    filter_horizontal = ("boroughs", "services")
    inlines = [ContactInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Contact)
class ContactAdmin(AuditedModelAdmin):
    may_delete = True  # a partner's staff contact details, removed when they leave
    list_display = ("name", "organisation", "job_title", "email", "phone", "is_primary")
    list_filter = ("organisation__kind",)
    search_fields = ("name", "email", "organisation__name")
    list_select_related = ("organisation",)


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(AuditedModelAdmin):
    list_display = ("user", "organisation", "can_track_iom")
    list_filter = ("can_track_iom", "organisation__kind")
    search_fields = ("user__username", "user__last_name", "organisation__name")
    list_select_related = ("user", "organisation")
    autocomplete_fields = ("organisation",)


class ApiTokenAdminForm(forms.ModelForm):
    never_expires = forms.BooleanField(
        required=False, label="Never expires",
        help_text="Only for a credential whose holder is reviewed another way; most should expire.",
    )

    class Meta:
        model = ApiToken
        fields = ("user", "name", "expires_at")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "expires_at" in self.fields:
            days = _token_lifetime().days
            # Says what a blank expiry does: the standard lifetime, not "never" (that is the box below).
            self.fields["expires_at"].help_text = f"Blank: expires {days} days from today."

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user")
        if self.instance._state.adding and user is not None:
            try:
                api_token_check_issuable(user)
            except ValidationError as exc:
                self.add_error("user", exc.message_dict.get("user", exc.messages))
        expires_at = cleaned.get("expires_at")
        if self.instance._state.adding and expires_at is not None and expires_at <= timezone.now():
            self.add_error("expires_at", "The expiry must be in the future.")
        if expires_at is not None and cleaned.get("never_expires"):
            self.add_error("never_expires", "Give an expiry date or tick never expires, not both.")
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedModelAdmin):
    """Issue, rotate and revoke partner API credentials. A new key is shown once, in the confirmation message."""

    form = ApiTokenAdminForm
    list_display = ("prefix", "user", "organisation", "name", "status_label", "expires_at", "last_used_at", "created_at")
    # Only the organisations that hold tokens (a handful), not all 160 partners.
    list_filter = ("revoked_at", "expires_at", ("user__partner_membership__organisation", admin.RelatedOnlyFieldListFilter))
    search_fields = ("prefix", "name", "user__username", "user__last_name", "user__partner_membership__organisation__name")
    list_select_related = ("user", "user__partner_membership__organisation")
    readonly_fields = ("prefix", "created_at", "created_by", "last_used_at", "revoked_at", "revoked_by", "replaces")
    autocomplete_fields = ("user",)
    actions = ("revoke_selected", "rotate_selected")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("user",) if obj is not None else ())

    @admin.display(description="Organisation")
    def organisation(self, obj):
        membership = getattr(obj.user, "partner_membership", None)
        return membership.organisation if membership else "—"

    @admin.display(description="Status")
    def status_label(self, obj):
        return obj.status().capitalize()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = api_token_issue(
            user=form.cleaned_data["user"], by=request.user, name=form.cleaned_data.get("name", ""),
            expires_at=form.cleaned_data.get("expires_at"), never_expires=form.cleaned_data.get("never_expires", False),
        )
        for field in ApiToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding = False
        messages.warning(request, f"Copy this API key now; it will not be shown again: {key}")

    @admin.action(description="Revoke selected API tokens")
    def revoke_selected(self, request, queryset):
        revoked = sum(api_token_revoke(token=token, by=request.user) for token in queryset)
        self.message_user(request, f"Revoked {revoked} API token(s).", messages.SUCCESS)

    @admin.action(description="Rotate selected API tokens (revoke and issue a replacement)")
    def rotate_selected(self, request, queryset):
        for token in queryset.select_related("user"):
            try:
                new, key = api_token_rotate(token=token, by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{token.prefix}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            self.message_user(
                request, f"{token.prefix} rotated. Copy the new key now; it will not be shown again: {key}",
                messages.WARNING,
            )


@admin.register(BoroughReport)
class BoroughReportAdmin(AuditedModelAdmin):
    list_display = ("borough", "month", "generated_at", "hosp_notified_at")
    list_filter = ("month", "borough__hosp_area")
    search_fields = ("borough__name", "borough__code")
    list_select_related = ("borough",)
    readonly_fields = ("borough", "month", "generated_at", "data", "hosp_notified_at")
    date_hierarchy = "month"
    actions = ("regenerate_selected",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")

    def has_add_permission(self, request):
        return False  # produced by the monthly job (or `produce_monthly_borough_reports`)

    @admin.action(description="Rebuild selected reports from today's data")
    def regenerate_selected(self, request, queryset):
        for report in queryset:
            borough_report_regenerate(report=report, by=request.user)
        self.message_user(request, f"Rebuilt {queryset.count()} report(s).", messages.SUCCESS)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AuditedModelAdmin):
    """Where an organisation receives signed webhooks. The secret is shown here to give to the partner once."""

    list_display = ["organisation", "url", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["organisation__name", "url"]
    autocomplete_fields = ["organisation"]

    def has_delete_permission(self, request, obj=None):
        return False  # switch it off instead, so its deliveries stay on record


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """Every webhook sent or being retried: attempts, the last answer or error, delivered or given up."""

    list_display = ["uuid", "event", "endpoint", "created_at", "attempts", "delivered_at", "failed_at", "last_status",
                    "last_error"]
    list_filter = ["event", ("delivered_at", admin.EmptyFieldListFilter), ("failed_at", admin.EmptyFieldListFilter)]
    search_fields = ["uuid", "dedupe_key", "endpoint__organisation__name"]
    list_select_related = ["endpoint__organisation"]


@admin.register(ApiRejection)
class ApiRejectionAdmin(ReadOnlyAdmin):
    """Refused API credentials, counted per address and minute."""

    list_display = ["minute", "ip_address", "count", "last_reason", "last_prefix"]
    list_filter = ["last_reason"]
    search_fields = ["ip_address", "last_prefix"]
