import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from probation.models import AuditEvent
from tests.conftest import confirmed_totp_device, current_totp
from tests.probation.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def password_only(hub_user):
    """A browser session that has given the password but no second factor yet."""
    from django.test import Client

    c = Client()
    c.post(reverse("login"), {"username": hub_user.username, "password": TEST_PASSWORD})
    return c


def test_pages_lead_to_the_second_factor_until_it_is_given(password_only):
    response = password_only.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor"))
    assert "next=%2Fnotifications%2F" in response["Location"]


def test_a_first_sign_in_enrols_an_authenticator_and_shows_recovery_codes_once(password_only, hub_user):
    page = password_only.get(reverse("two_factor"))
    assert b"Set up two-factor authentication" in page.content
    assert b"data:image/svg+xml" in page.content
    device = TOTPDevice.objects.get(user=hub_user, confirmed=False)
    response = password_only.post(reverse("two_factor"), {"code": current_totp(device)})
    assert b"Save your recovery codes" in response.content
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=hub_user).count() == 10
    assert password_only.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="mfa_enrolled", actor=hub_user).exists()


def test_reloading_enrolment_keeps_the_same_key(password_only, hub_user):
    password_only.get(reverse("two_factor"))
    password_only.get(reverse("two_factor"))
    assert TOTPDevice.objects.filter(user=hub_user).count() == 1


def test_a_wrong_code_gets_a_clear_message_and_is_audited(password_only, hub_user):
    confirmed_totp_device(hub_user)
    response = password_only.post(reverse("two_factor"), {"code": "000000"})
    assert b"The code is wrong or has expired" in response.content
    assert AuditEvent.objects.filter(action="mfa_failed", actor=hub_user).exists()
    assert password_only.get(reverse("home")).status_code == 302


def test_a_code_from_the_app_verifies_the_session_and_returns_to_the_page_asked_for(password_only, hub_user):
    device = confirmed_totp_device(hub_user)
    response = password_only.post(reverse("two_factor") + "?next=/notifications/", {"code": current_totp(device), "next": "/notifications/"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"


def test_verification_never_redirects_off_site(password_only, hub_user):
    device = confirmed_totp_device(hub_user)
    response = password_only.post(reverse("two_factor"), {"code": current_totp(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_a_recovery_code_works_once(hub_user):
    from django.test import Client

    from probation.services import recovery_codes_issue

    confirmed_totp_device(hub_user)
    code = recovery_codes_issue(user=hub_user)[0]
    first, second = Client(), Client()
    for c in (first, second):
        c.post(reverse("login"), {"username": hub_user.username, "password": TEST_PASSWORD})
    assert first.post(reverse("two_factor"), {"code": code}).status_code == 302
    assert b"The code is wrong" in second.post(reverse("two_factor"), {"code": code}).content


def test_an_administrator_can_reset_two_factor_and_it_signs_the_user_out(admin_client, hub_user):
    from tests.conftest import SignedInClient

    user_browser = SignedInClient()
    user_browser.force_login(hub_user)
    response = admin_client.post(
        reverse("admin:probation_user_changelist"), {"action": "reset_two_factor", "_selected_action": [hub_user.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=hub_user).exists()
    assert user_browser.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(action="mfa_reset", object_id=str(hub_user.pk)).exists()


def _admin_user_form(user, **changes):
    """The admin change form's fields as the page would post them."""
    from django.utils import timezone

    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name, "email": user.email,
        "role": user.role, "job_title": user.job_title, "date_joined_0": joined.date().isoformat(),
        "date_joined_1": joined.time().strftime("%H:%M:%S"), "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_disabling_an_account_in_admin_ends_its_sessions(admin_client, hub_user):
    from tests.conftest import SignedInClient

    user_browser = SignedInClient()
    user_browser.force_login(hub_user)
    assert user_browser.get(reverse("home")).status_code == 200
    epoch = hub_user.session_epoch
    response = admin_client.post(reverse("admin:probation_user_change", args=[hub_user.pk]),
                                 _admin_user_form(hub_user, is_active=None))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    hub_user.refresh_from_db()
    assert not hub_user.is_active and hub_user.session_epoch == epoch + 1
    assert user_browser.get(reverse("home")).status_code == 302
    # Enabling the account again does not bring the old session back: it was ended, not just refused while disabled.
    hub_user.is_active = True
    hub_user.save()
    assert user_browser.get(reverse("home")).status_code == 302


def test_the_session_key_changes_when_the_second_factor_is_verified(password_only, hub_user):
    from django.contrib.sessions.backends.db import SessionStore

    device = confirmed_totp_device(hub_user)
    before = password_only.cookies["sessionid"].value
    assert password_only.post(reverse("two_factor"), {"code": current_totp(device)}).status_code == 302
    after = password_only.cookies["sessionid"].value
    assert after != before
    assert not SessionStore().exists(before)  # a key fixed before verification is worth nothing after it
    assert password_only.get(reverse("home")).status_code == 200
