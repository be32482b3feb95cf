"""Admin building blocks every app uses, so that admin views and changes are audited like any other access."""

from django.contrib import admin

from probation.audit import Action, audit_record


class AuditedModelAdmin(admin.ModelAdmin):
    """Audits each opening of a record, each save and each delete made through Django admin.

    Nothing is deleted in admin unless the admin says `may_delete = True`: records of people and their supervision
    are closed, ended or superseded, never deleted, so only reference data opts in (and the list of those is fixed in
    tests/probation/test_admin_deletes.py). Without delete permission Django offers no "Delete selected" either."""

    may_delete = False

    def has_delete_permission(self, request, obj=None):
        return self.may_delete and super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and getattr(response, "status_code", 200) == 200:
            obj = self.get_object(request, object_id)
            if obj is not None:
                audit_record(action=Action.VIEW, request=request, obj=obj, detail={"via": "admin"})
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = list(form.changed_data) if form is not None else []
        audit_record(
            action=Action.UPDATE if change else Action.CREATE,
            request=request,
            obj=obj,
            detail={"via": "admin", "fields": changed},
        )

    def delete_model(self, request, obj):
        audit_record(action=Action.DELETE, request=request, obj=obj, detail={"via": "admin"})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(action=Action.DELETE, request=request, obj=obj, detail={"via": "admin"})
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that are history: searchable and filterable, never added, edited or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
