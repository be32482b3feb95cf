from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = "Interventions: Community Payback and personalised budgets"

    def ready(self):
        from cases.panels import register_case_panel
        from cases.programmes import register_programme_provider
        from interventions import panels, through_the_gate
        from interventions.deadlines import register_steps
        from interventions.demo import seed_interventions, seed_programmes
        from probation.models import Role
        from probation.registry import register_demo_seeder, register_nav_item, register_report_section

        register_nav_item("interventions:unpaid_work_index", "Unpaid work",
                          {Role.OFFENDER_MANAGER, Role.TEAM_MANAGER, Role.ADMIN}, order=14)
        register_nav_item("interventions:programme_rates", "Programme completion",
                          {Role.OFFENDER_MANAGER, Role.TEAM_MANAGER, Role.HOSP, Role.ADMIN}, order=15)
        register_case_panel("interventions", "interventions/case_panel.html", panels.case_panel, order=20)
        register_report_section("unpaid_work", "Unpaid work (Community Payback) delivered", panels.unpaid_work_section,
                                order=60)
        register_report_section("personal_budgets", "Personalised budgets for women", panels.budgets_section,
                                order=70)
        register_report_section("programmes", "Accredited programme completions", panels.programmes_section, order=65)
        register_report_section("requirement_starts", "Requirements started on time", panels.requirement_starts_section,
                                order=58)
        register_report_section("womens_hubs", "Women's hubs", panels.womens_hubs_section, order=68)
        register_demo_seeder("interventions", seed_interventions, order=70)
        register_demo_seeder("programmes", seed_programmes, order=71)
        register_steps()
        register_programme_provider(through_the_gate)  # resettlement's Getting it Right and Healing Trauma screens
