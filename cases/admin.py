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


@admin.register(Person)
class PersonAdmin(AuditedModelAdmin):
    list_display = ("crn", "last_name", "first_name", "date_of_birth", "provider", "rosh_level", "cohort", "offender_manager")
    list_filter = ("provider", "rosh_level", "cohort", "is_iom", "is_gto", "home_borough")
    search_fields = ("crn", "pnc_number", "last_name", "first_name")
    list_select_related = ("offender_manager", "home_borough")
    raw_id_fields = ("offender_manager", "team")
    inlines = [AliasInline]
    show_full_result_count = False


@admin.register(Alias)
class AliasAdmin(AuditedModelAdmin):
    list_display = ("last_name", "first_name", "date_of_birth", "person")
    search_fields = ("last_name", "first_name", "person__crn")
    raw_id_fields = ("person",)
