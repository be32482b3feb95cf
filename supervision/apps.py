from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "Supervision: appointments, outcomes and enforcement"

    def ready(self):
        from cases.panels import register_case_panel, register_caseload_column
        from probation.models import Role
        from probation.registry import register_demo_seeder, register_landing_panel, register_nav_item
        from supervision import panels
        from supervision.deadlines import register_steps
        from supervision.demo import seed_supervision

        register_nav_item("supervision:my_day", "My diary", {Role.OFFENDER_MANAGER, Role.TEAM_MANAGER}, order=9)
        register_nav_item("supervision:team", "Team compliance", {Role.TEAM_MANAGER, Role.ADMIN}, order=12)
        register_case_panel("supervision", "supervision/case_panel.html", panels.case_panel, order=10)
        register_caseload_column("compliance", "Compliance", "supervision/caseload_cell.html", panels.caseload_cells,
                                 order=10)
        register_landing_panel(Role.OFFENDER_MANAGER, "supervision-today", "supervision/landing_today.html",
                               panels.landing_today, order=5)
        register_demo_seeder("supervision", seed_supervision, order=60)
        register_steps()

        from cases.registry import register_open_work
        from supervision import continuity

        register_open_work("supervision", "Supervision", continuity.open_supervision, continuity.follow_case, order=10)

        from cases.registry import register_case_changed
        from supervision.contact import on_case_changed

        register_case_changed("supervision-contact", on_case_changed)
