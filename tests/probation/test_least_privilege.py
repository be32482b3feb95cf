"""The audit log cannot be wiped, and the application's own database role cannot wipe it.

The application role is created in the test database cluster (inside the test's transaction, so it vanishes after),
`manage.py migrate` is run as the owner (the test database's owner) with DATABASE_APP_ROLE naming it, and the test
then acts as that role (`SET ROLE`, under which PostgreSQL checks every privilege as if it had signed in as it)."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from probation.audit import Action, audit_record
from probation.models import AuditEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles and triggers are PostgreSQL's"),
]


def _refused(sql, params=None, match=None):
    with pytest.raises(Exception, match=match) as caught:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    return caught.value


@pytest.fixture
def app_role(hub_user):
    role = f"{connection.settings_dict['NAME']}_app"[:60]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
    with override_settings(DATABASE_APP_ROLE=role):
        call_command("migrate", verbosity=0)
    return role


@pytest.fixture
def as_app_role(app_role):
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{app_role}"')
    try:
        yield app_role
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_truncating_the_audit_log_is_refused_even_for_its_owner(hub_user):
    audit_record(action=Action.VIEW, user=hub_user, obj=hub_user)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # PostgreSQL's TRUNCATE waits for no deferred check
    _refused("TRUNCATE probation_auditevent", match="append-only")
    _refused("TRUNCATE probation_auditevent CASCADE", match="append-only")
    assert AuditEvent.objects.count() == 1


def test_the_application_role_owns_nothing_and_is_not_a_superuser(app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = %s", [app_role])
        assert cursor.fetchone() == (False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s", [app_role]
        )
        assert cursor.fetchone()[0] == 0


def test_the_application_role_may_insert_and_read_audit_rows(hub_user, as_app_role):
    event = audit_record(action=Action.VIEW, user=hub_user, obj=hub_user)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_application_role_cannot_change_wipe_alter_or_drop_the_audit_log(hub_user, as_app_role):
    event = audit_record(action=Action.VIEW, user=hub_user, obj=hub_user)
    denied = "permission denied|must be owner"
    _refused("UPDATE probation_auditevent SET action = 'login' WHERE id = %s", [event.pk], match=denied)
    _refused("DELETE FROM probation_auditevent WHERE id = %s", [event.pk], match=denied)
    _refused("TRUNCATE probation_auditevent", match=denied)
    _refused("ALTER TABLE probation_auditevent DISABLE TRIGGER probation_auditevent_append_only", match=denied)
    _refused("ALTER TABLE probation_auditevent DISABLE TRIGGER ALL", match=denied)
    _refused("ALTER TABLE probation_auditevent ADD COLUMN wiped boolean", match=denied)
    _refused("DROP TRIGGER probation_auditevent_append_only ON probation_auditevent", match=denied)
    _refused("DROP TABLE probation_auditevent", match=denied)
    _refused("SET session_replication_role = replica", match="permission denied")
    assert AuditEvent.objects.get(pk=event.pk).action == Action.VIEW


def test_the_application_role_works_on_ordinary_tables_and_ones_created_by_later_migrations(hub_user, app_role):
    with connection.cursor() as cursor:
        # What a later migration, run by the owner, creates.
        cursor.execute("CREATE TABLE probation_future_table (id bigserial PRIMARY KEY, note text)")
        cursor.execute(f'SET ROLE "{app_role}"')
        try:
            cursor.execute("INSERT INTO probation_future_table (note) VALUES ('x') RETURNING id")
            cursor.execute("UPDATE probation_future_table SET note = 'y'")
            cursor.execute("SELECT note FROM probation_future_table")
            assert cursor.fetchone() == ("y",)
            cursor.execute("UPDATE probation_user SET first_name = 'Renamed' WHERE id = %s", [hub_user.pk])
            cursor.execute("DELETE FROM django_session")
        finally:
            cursor.execute("RESET ROLE")
