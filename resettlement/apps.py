from django.apps import AppConfig


class ResettlementConfig(AppConfig):
    name = "resettlement"
    verbose_name = "Through the Gate resettlement"

    def ready(self):
        from cases.panels import register_case_panel
        from probation.models import Role
        from probation.registry import (
            register_demo_seeder,
            register_landing_panel,
            register_nav_item,
            register_report_section,
        )
        from resettlement import panels
        from resettlement.demo import seed_resettlement

        ttg_roles = {Role.OFFENDER_MANAGER, Role.TEAM_MANAGER, Role.HUB, Role.ADMIN}
        register_nav_item("resettlement:caseload", "Through the Gate", ttg_roles, order=40)
        register_nav_item("resettlement:pre_release", "Pre-release", ttg_roles | {Role.HOSP}, order=41)
        register_nav_item("resettlement:programmes", "Programmes", ttg_roles | {Role.HOSP}, order=42)
        register_nav_item("resettlement:partner_actions", "Resettlement actions", {Role.PARTNER}, order=40)
        for role in (Role.OFFENDER_MANAGER, Role.TEAM_MANAGER, Role.HUB):
            register_landing_panel(role, "resettlement", "resettlement/_panel_staff.html", panels.staff_panel, order=40)
        register_landing_panel(Role.PARTNER, "resettlement", "resettlement/_panel_partner.html", panels.partner_panel,
                               order=40)
        register_report_section("resettlement", "Through the Gate: resettlement outcomes",
                                panels.borough_report_section, order=40)
        register_case_panel("custody", "resettlement/panels_case.html", panels.case_panel, order=30, title="Through the Gate")
        # After the people and partner organisations are seeded.
        register_demo_seeder("resettlement", seed_resettlement, order=60)

        from probation import deadlines
        from resettlement.deadlines import UnactionedNeedStep
        from resettlement.sweeps import steps

        for step in [*steps(), UnactionedNeedStep()]:
            deadlines.register(step)
        from cases.registry import register_held_elsewhere, register_open_work
        from resettlement import continuity

        register_open_work("resettlement", "Resettlement actions", continuity.open_actions, continuity.follow_case,
                           order=30)
        register_held_elsewhere("ttg-custody", "In custody (Through the Gate)", continuity.in_custody_person_ids)
