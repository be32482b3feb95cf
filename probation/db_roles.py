"""Least privilege on PostgreSQL: the application connects as a role that owns nothing and is not a superuser;
`manage.py migrate` runs as the owner role and, when DATABASE_APP_ROLE names the application's role, grants it what
the app needs on every table, now and (through ALTER DEFAULT PRIVILEGES) on tables later migrations create.

The audit log is the exception: the application role may only INSERT and SELECT there. Not being the owner, it
cannot ALTER or DROP a table or disable a trigger, and not being a superuser it cannot switch triggers off with
`session_replication_role`.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

APPEND_ONLY_TABLES = ("probation_auditevent",)


def app_role_grant(*, connection: BaseDatabaseWrapper, role: str) -> None:
    """Grant `role` the application's privileges. Idempotent: run after every migrate (post_migrate)."""
    if connection.vendor != "postgresql" or not role:
        return
    quote = connection.ops.quote_name
    role_q = quote(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema_q = quote(cursor.fetchone()[0])
        statements = [
            f"GRANT USAGE ON SCHEMA {schema_q} TO {role_q}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_q} TO {role_q}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema_q} TO {role_q}",
            # Tables and sequences the owner creates later (future migrations) get the same grants.
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema_q} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role_q}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema_q} GRANT USAGE, SELECT ON SEQUENCES TO {role_q}",
        ]
        statements += [
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {quote(table)} FROM {role_q}"
            for table in APPEND_ONLY_TABLES
        ]
        for statement in statements:
            cursor.execute(statement)


def grant_after_migrate(sender, using="default", **kwargs):
    """post_migrate receiver: every `manage.py migrate` (run as the owner) re-grants the application role."""
    from django.conf import settings
    from django.db import connections

    app_role_grant(connection=connections[using], role=settings.DATABASE_APP_ROLE)
