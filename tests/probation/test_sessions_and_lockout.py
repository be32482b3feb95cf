import json
import logging
import time

import pytest
from django.urls import reverse

from probation.middleware import SIGNED_IN_AT
from probation.models import AuditEvent
from tests.probation.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(client, hub_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": hub_user.username, "password": "wrong-guess-123"})
    response = client.post(reverse("login"), {"username": hub_user.username, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert b"Your account is locked" in response.content
    assert b"you cannot sign in for 15 minutes." in response.content and b"0:15:00" not in response.content
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_failed", actor_label=hub_user.username).count() >= 5


def test_the_session_expires_after_the_idle_timeout(client, hub_user, settings):
    import datetime

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client.force_login(hub_user)
    key = client.session.session_key
    stored = Session.objects.filter(session_key=key)
    # 29 idle minutes: still signed in, and the activity renews the 30 minutes.
    stored.update(expire_date=timezone.now() + datetime.timedelta(minutes=1))
    assert client.get(reverse("home")).status_code == 200
    assert stored.get().expire_date > timezone.now() + datetime.timedelta(minutes=29)
    # 30 idle minutes and a second: the next request finds no session and goes to the sign-in page.
    stored.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_session_ends_at_the_absolute_limit_whatever_the_activity(client, hub_user, settings):
    client.force_login(hub_user)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS - 1
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?signed_out=absolute"
    assert b"signed in for too long" in client.get(response["Location"]).content


def test_pages_carry_the_sign_out_warning_and_keep_alive_renews(client, hub_user):
    client.force_login(hub_user)
    page = client.get(reverse("home"))
    assert b"You will be signed out soon" in page.content
    assert b'data-session-timeout="1800"' in page.content
    assert client.post(reverse("keep_alive")).status_code == 204


def test_changing_the_password_signs_out_other_sessions_but_not_this_one(hub_user):
    from tests.conftest import SignedInClient

    here, elsewhere = SignedInClient(), SignedInClient()
    here.force_login(hub_user)
    elsewhere.force_login(hub_user)
    response = here.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "tangerine-lighthouse-quarry", "new_password2": "tangerine-lighthouse-quarry"},
    )
    assert response.status_code == 302
    assert here.get(reverse("home")).status_code == 200
    assert elsewhere.get(reverse("home")).status_code == 302


def test_a_common_password_is_refused_without_composition_rules(client, hub_user):
    client.force_login(hub_user)
    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "password1234", "new_password2": "password1234"},
    )
    assert response.status_code == 200
    assert b"This password is too common" in response.content


def test_pages_send_a_content_security_policy_with_a_nonce_for_inline_script(client, hub_user):
    client.force_login(hub_user)
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"'.encode() in response.content


def test_security_events_are_logged_as_json_without_personal_details(client, hub_user, caplog):
    handler_output = []

    class Capture(logging.Handler):
        def emit(self, record):
            handler_output.append(self.format(record))

    from pythonjsonlogger.json import JsonFormatter

    capture = Capture()
    capture.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("probation.security")
    logger.addHandler(capture)
    try:
        client.post(reverse("login"), {"username": hub_user.username, "password": "wrong-guess-123"})
    finally:
        logger.removeHandler(capture)
    record = json.loads(handler_output[-1])
    assert record["event"] == "login_failed"
    assert record["ip"] == "127.0.0.1"
    assert "wrong-guess-123" not in handler_output[-1]
    assert hub_user.last_name not in handler_output[-1]


@pytest.mark.parametrize("url", ["/", "/cases/", "/safeguarding/", "/notifications/", "/sign-in/"])
def test_pages_are_never_stored_by_browsers_or_proxies(client, hub_user, url):
    client.force_login(hub_user)
    response = client.get(url)
    assert "no-store" in response["Cache-Control"], url


def test_api_responses_are_never_stored(partner_user):
    from tests.partners.factories import api_client_for

    api = api_client_for(partner_user)
    for url in ("/api/v1/partners/me/", "/api/v1/safeguarding/requests/", "/api/v1/safeguarding/requests/MASH-0/"):
        assert "no-store" in api.get(url)["Cache-Control"], url
