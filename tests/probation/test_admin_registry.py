from django.apps import apps
from django.contrib import admin

OUR_APPS = {"probation", "cases", "partners", "safeguarding", "resettlement", "supervision", "interventions"}


def test_every_model_has_an_admin_with_search_or_filters():
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or model._meta.auto_created:
            continue
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            missing.append(model._meta.label)
            continue
        assert model_admin.list_display != ("__str__",), f"{model._meta.label} admin has no list columns"
        assert model_admin.search_fields or model_admin.list_filter, f"{model._meta.label} admin has no search"
    assert not missing, f"models without admin: {missing}"
