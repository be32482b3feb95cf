from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners and HOSP areas"

    def ready(self):
        from partners import schema  # noqa: F401  (registers the OpenAPI security scheme for API tokens)
        from partners.demo import seed_partners
        from partners.landing import hosp_panel
        from partners.report_sections import partners_section
        from probation.models import STAFF_ROLES, Role
        from probation.registry import (
            register_demo_seeder,
            register_landing_panel,
            register_nav_item,
            register_report_section,
        )

        register_nav_item("partners:directory", "Partners", STAFF_ROLES, order=60)
        register_nav_item("partners:report_index", "Borough reports", {Role.HOSP, Role.HUB, Role.ADMIN}, order=70)
        register_landing_panel(Role.HOSP, "partners-hosp-area", "partners/_hosp_panel.html", hosp_panel, order=10)
        # Last in the report: the partnership landscape, after the caseload, MASH and resettlement figures.
        register_report_section("partners", "Partner organisations and services", partners_section, order=900)
        register_demo_seeder("partners", seed_partners, order=10)

        from partners.deadlines import TokenExpiryStep
        from probation import deadlines

        deadlines.register(TokenExpiryStep())

        # Cached API credentials (partners.authentication) are forgotten as soon as the credential, its user or the
        # user's organisation membership changes, so revocation and deactivation hold at once.
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save

        from partners.models import ApiToken, PartnerMembership

        def drop_token(sender, instance, **kwargs):
            from partners.services import api_token_cache_drop

            api_token_cache_drop(tokens=[instance.prefix])

        def drop_users_tokens(sender, instance, **kwargs):
            from partners.services import api_token_cache_drop

            user_id = instance.user_id if isinstance(instance, PartnerMembership) else instance.pk
            api_token_cache_drop(tokens=list(ApiToken.objects.filter(user_id=user_id).values_list("prefix", flat=True)))

        post_save.connect(drop_token, sender=ApiToken, dispatch_uid="partners_token_cache", weak=False)
        post_save.connect(drop_users_tokens, sender=settings.AUTH_USER_MODEL, dispatch_uid="partners_user_token_cache", weak=False)
        post_save.connect(drop_users_tokens, sender=PartnerMembership, dispatch_uid="partners_member_token_cache", weak=False)
        post_delete.connect(drop_users_tokens, sender=PartnerMembership, dispatch_uid="partners_member_token_cache_del", weak=False)
