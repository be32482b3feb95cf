import pytest
from django.urls import reverse

from probation.models import AuditEvent
from tests.probation.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_staff_pages_redirect_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_page_is_public(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in to Probation Ops" in response.content


def test_a_correct_password_leads_to_the_second_factor_and_is_audited(client, hub_user):
    response = client.post(reverse("login"), {"username": hub_user.username, "password": TEST_PASSWORD}, follow=True)
    assert response.status_code == 200
    assert b"Set up two-factor authentication" in response.content
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert event.actor == hub_user
    assert event.ip_address == "127.0.0.1"


def test_a_wrong_password_gets_a_clear_message_and_is_audited_without_the_password(client, hub_user):
    response = client.post(reverse("login"), {"username": hub_user.username, "password": "wrong-password"})
    assert response.status_code == 200
    assert b"Enter a correct user name and password" in response.content
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.actor_label == hub_user.username
    assert "wrong-password" not in str(event.detail)


def test_a_failed_sign_in_for_an_unknown_user_is_audited_with_the_name_typed(client):
    client.post(reverse("login"), {"username": "nobody", "password": "whatever-it-was"})
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, actor_label="nobody").exists()


def test_signing_out_ends_this_and_every_other_session_and_is_audited(hub_user):
    from tests.conftest import SignedInClient

    laptop, phone = SignedInClient(), SignedInClient()
    laptop.force_login(hub_user)
    phone.force_login(hub_user)
    assert phone.get(reverse("home")).status_code == 200
    response = laptop.post(reverse("logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, actor=hub_user).exists()
    assert laptop.get(reverse("home")).status_code == 302
    assert phone.get(reverse("home")).status_code == 302


def test_a_disabled_account_cannot_sign_in(client, hub_user):
    hub_user.is_active = False
    hub_user.save()
    response = client.post(reverse("login"), {"username": hub_user.username, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "persona", ["hub_user", "offender_manager", "team_manager", "hosp_user", "partner_user", "admin_user"]
)
def test_every_role_has_a_landing_page(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert user.get_role_display().encode() in response.content
