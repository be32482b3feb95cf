import pytest
from django.db import connection, transaction
from django.urls import reverse

from probation.audit import Action, audit_record
from probation.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_audit_event_cannot_be_edited(hub_user):
    event = audit_record(action=Action.VIEW, user=hub_user, obj=hub_user)
    event.action = Action.DELETE
    with pytest.raises(PermissionError):
        event.save()


def test_an_audit_event_cannot_be_deleted(hub_user):
    event = audit_record(action=Action.VIEW, user=hub_user, obj=hub_user)
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action=Action.LOGIN)
    assert AuditEvent.objects.get(pk=event.pk).action == Action.VIEW


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_the_database_refuses_to_change_audit_rows_even_with_raw_sql(hub_user):
    event = audit_record(action=Action.VIEW, user=hub_user, obj=hub_user)
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE probation_auditevent SET action = 'login' WHERE id = %s", [event.pk])
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM probation_auditevent WHERE id = %s", [event.pk])


def test_audit_records_the_object_and_the_address(rf, hub_user):
    request = rf.get("/cases/X123456/", REMOTE_ADDR="10.1.2.3")
    request.user = hub_user
    event = audit_record(action=Action.VIEW, request=request, obj=hub_user)
    assert event.object_type == "probation.user"
    assert event.object_id == str(hub_user.pk)
    assert event.ip_address == "10.1.2.3"
    assert event.path == "/cases/X123456/"
    assert event.actor_label == hub_user.username


def test_administrators_can_search_the_audit_log_but_not_change_it(client, admin_user, hub_user):
    audit_record(action=Action.VIEW, user=hub_user, obj=hub_user)
    client.force_login(admin_user)
    changelist = reverse("admin:probation_auditevent_changelist")
    response = client.get(changelist, {"q": hub_user.username})
    assert response.status_code == 200
    assert hub_user.username.encode() in response.content
    assert client.get(reverse("admin:probation_auditevent_add")).status_code == 403
    event = AuditEvent.objects.first()
    assert client.post(reverse("admin:probation_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_other_roles_cannot_reach_django_admin(client, hub_user):
    client.force_login(hub_user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_changes_are_audited(client, admin_user):
    from probation.models import ClosureDay

    client.force_login(admin_user)
    response = client.post(reverse("admin:probation_closureday_add"), {"date": "2026-12-29", "reason": "Office move"})
    assert response.status_code == 302
    day = ClosureDay.objects.get()
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="probation.closureday", object_id=str(day.pk)).exists()
    client.get(reverse("admin:probation_closureday_change", args=[day.pk]))
    assert AuditEvent.objects.filter(action=Action.VIEW, object_type="probation.closureday").exists()
