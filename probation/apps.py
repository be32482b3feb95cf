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

        from probation.api import strict_types

        strict_types.apply()
