from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases and allocation"

    def ready(self):
        from cases import panels
        from cases.demo import seed_caseload_counts, seed_cases, seed_continuity
        from probation.models import Role
        from cases.selectors import borough_report
        from probation.registry import (
            register_demo_seeder,
            register_landing_panel,
            register_nav_item,
            register_report_section,
        )

        register_demo_seeder("cases", seed_cases, order=20)
        register_demo_seeder("cases-continuity", seed_continuity, order=25)
        register_demo_seeder("cases-caseload-counts", seed_caseload_counts, order=99)  # after every app's cases
        register_report_section("cases", "Caseload, cohorts and allocation", borough_report, order=20)
        register_nav_item("cases:caseload", "My caseload", {Role.OFFENDER_MANAGER}, order=10)
        register_nav_item("cases:unallocated", "Unallocated cases", {Role.TEAM_MANAGER, Role.HUB, Role.ADMIN}, order=10)
        register_nav_item("cases:team_workload", "Team workload", {Role.TEAM_MANAGER, Role.HUB, Role.ADMIN}, order=11)
        register_nav_item("cases:allocation_figures", "Allocation figures", {Role.TEAM_MANAGER, Role.HUB, Role.ADMIN},
                          order=14)
        register_nav_item(
            "cases:search", "Find a person", {Role.HUB, Role.OFFENDER_MANAGER, Role.TEAM_MANAGER, Role.ADMIN}, order=12
        )
        register_nav_item("cases:person_new", "Add a new case", {Role.HUB, Role.ADMIN}, order=13)
        register_landing_panel(Role.OFFENDER_MANAGER, "cases-caseload", "cases/panel_caseload.html", panels.caseload, 10)
        register_landing_panel(Role.TEAM_MANAGER, "cases-unallocated", "cases/panel_unallocated.html",
                               panels.unallocated, 10)
        register_landing_panel(Role.HUB, "cases-unallocated", "cases/panel_unallocated.html", panels.unallocated, 20)
        from cases.deadlines import STEPS
        from probation import deadlines

        for step in STEPS:
            deadlines.register(step)
