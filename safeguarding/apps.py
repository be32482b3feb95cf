from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "safeguarding"
    verbose_name = "MASH safeguarding requests"

    def ready(self):
        from cases.panels import register_case_panel
        from probation.models import Role
        from probation.registry import (
            register_demo_seeder,
            register_landing_panel,
            register_nav_item,
            register_report_section,
        )
        from safeguarding import panels
        from safeguarding.demo import seed_safeguarding
        from safeguarding.selectors import borough_report_section

        register_nav_item("safeguarding:queue", "MASH queue", {Role.HUB, Role.ADMIN}, order=20)
        register_nav_item("safeguarding:mine", "My MASH requests", {Role.OFFENDER_MANAGER}, order=20)
        register_nav_item("safeguarding:team", "Team MASH requests", {Role.TEAM_MANAGER}, order=20)
        register_nav_item("safeguarding:compliance", "MASH performance", {Role.HUB, Role.ADMIN, Role.HOSP, Role.TEAM_MANAGER}, order=21)
        register_landing_panel(Role.HUB, "mash-queue", "safeguarding/panels/hub.html", panels.hub_panel, order=10)
        register_landing_panel(Role.OFFENDER_MANAGER, "mash-mine", "safeguarding/panels/mine.html", panels.mine_panel, order=20)
        register_landing_panel(Role.TEAM_MANAGER, "mash-team", "safeguarding/panels/team.html", panels.team_panel, order=20)
        register_report_section("mash", "MASH response performance", borough_report_section, order=30)
        register_demo_seeder("safeguarding", seed_safeguarding, order=40)
        register_case_panel("mash", "safeguarding/panels/case.html", panels.case_panel, order=20, title="MASH requests")

        from probation import deadlines
        from safeguarding.deadlines import OverdueStep, RemindStep

        deadlines.register(RemindStep())
        deadlines.register(OverdueStep())
        from cases.registry import register_open_work
        from safeguarding import continuity

        register_open_work("mash", "MASH requests", continuity.open_requests, continuity.follow_case, order=20)

        # The cached deadline tiers (services.tier_for) are dropped as soon as an administrator changes one.
        from django.db.models.signals import post_delete, post_save

        from safeguarding.models import DeadlineTier

        def drop_tiers(sender, **kwargs):
            from safeguarding.services import tiers_cache_clear

            tiers_cache_clear()

        post_save.connect(drop_tiers, sender=DeadlineTier, dispatch_uid="safeguarding_tiers_cache", weak=False)
        post_delete.connect(drop_tiers, sender=DeadlineTier, dispatch_uid="safeguarding_tiers_cache_delete", weak=False)
