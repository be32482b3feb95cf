from django.apps import AppConfig


class ResettlementConfig(AppConfig):
    name = "resettlement"
    verbose_name = "Through the Gate resettlement"
