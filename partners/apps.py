from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners and HOSP areas"

    def ready(self):
        from partners import schema  # noqa: F401  (registers the OpenAPI security scheme)
