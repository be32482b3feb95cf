"""Behind a proxy the audit log and the sign-in lockout key use the real client address; without a trusted proxy a
forged X-Forwarded-For changes nothing."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from probation.audit import client_ip
from probation.models import AuditEvent
from tests.probation.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


def _request(rf, remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


def test_without_trusted_proxies_a_forwarded_header_is_ignored(rf, settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request(rf, "203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_client_is_the_rightmost_untrusted_address(rf, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request(rf, PROXY, "198.51.100.7")) == "198.51.100.7"
    # The client forged a first hop; the proxy appended the address it really saw.
    assert client_ip(_request(rf, PROXY, "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request(rf, PROXY, "198.51.100.7, 10.0.0.9")) == "198.51.100.7"  # two proxies
    assert client_ip(_request(rf, PROXY, "not-an-ip")) == PROXY
    assert client_ip(_request(rf, PROXY)) == PROXY
    # A request straight from the internet (not from the proxy) is believed only for its own address.
    assert client_ip(_request(rf, "203.0.113.9", "198.51.100.7")) == "203.0.113.9"


def _fail_sign_in(client, username, **extra):
    return client.post(reverse("login"), {"username": username, "password": "wrong-guess-123"}, **extra)


def test_audit_and_lockout_use_the_real_client_behind_the_proxy(hub_user, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    colleague = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.8"}
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail_sign_in(client, hub_user.username, **attacker)
    assert set(AuditEvent.objects.filter(action="login_failed").values_list("ip_address", flat=True)) == {"198.51.100.7"}
    assert AccessAttempt.objects.filter(ip_address="198.51.100.7").exists()
    assert not AccessAttempt.objects.filter(ip_address=PROXY).exists()
    locked = client.post(reverse("login"), {"username": hub_user.username, "password": TEST_PASSWORD}, **attacker)
    assert locked.status_code == 429
    # Another user of the same proxy is not locked out by someone else's failures.
    ok = Client().post(reverse("login"), {"username": hub_user.username, "password": TEST_PASSWORD}, **colleague)
    assert ok.status_code == 302


def test_a_forged_forwarded_header_without_a_proxy_cannot_dodge_the_lockout(hub_user, settings):
    settings.TRUSTED_PROXIES = []
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail_sign_in(client, hub_user.username, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}")
    locked = client.post(reverse("login"), {"username": hub_user.username, "password": TEST_PASSWORD},
                         REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="9.9.9.9")
    assert locked.status_code == 429
    assert set(AuditEvent.objects.filter(action="login_failed").values_list("ip_address", flat=True)) == {"203.0.113.9"}
