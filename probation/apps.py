from django.apps import AppConfig


class ProbationConfig(AppConfig):
    name = "probation"
    verbose_name = "Probation Ops (users, audit, calendar)"

    def ready(self):
        from django.contrib.auth import signals

        from probation import signals as handlers
        from probation.demo import seed_foundation
        from probation.registry import register_demo_seeder

        # Sign-in auditing is the one use of signals: Django's auth flow has no other hook for failed sign-ins.
        signals.user_logged_in.connect(handlers.audit_login, dispatch_uid="audit_login")
        signals.user_logged_out.connect(handlers.audit_logout, dispatch_uid="audit_logout")
        signals.user_login_failed.connect(handlers.audit_login_failed, dispatch_uid="audit_login_failed")
        register_demo_seeder("foundation", seed_foundation, order=0)

        from django.db.models.signals import post_migrate

        from probation.db_roles import grant_after_migrate

        # After every migrate (run as the owner role), grant the application's role its privileges.
        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="probation_app_role_grant")

        from probation.api import strict_types

        strict_types.apply()
