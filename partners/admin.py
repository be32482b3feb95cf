from django.contrib import admin

from partners.models import Borough, Contact, HospArea, Organisation, PartnerMembership, Service
from probation.admin_base import AuditedModelAdmin


class BoroughInline(admin.TabularInline):
    model = Borough
    fields = ("name", "code", "gss_code")
    extra = 0


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


@admin.register(Contact)
class ContactAdmin(AuditedModelAdmin):
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
