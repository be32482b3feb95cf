from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from partners.models import ApiToken
from partners.selectors import api_token_for_key, organisation_for
from partners.services import api_token_issue, api_token_revoke, api_token_rotate
from probation.models import AuditEvent
from tests.partners.factories import (
    ApiTokenFactory,
    OrganisationFactory,
    PartnerMembershipFactory,
    api_client_for,
)

pytestmark = pytest.mark.django_db

ME = "/api/v1/partners/me/"


def test_an_issued_key_is_stored_only_as_its_sha256_digest(admin_user):
    membership = PartnerMembershipFactory()
    token, key = api_token_issue(user=membership.user, by=admin_user, name="MASH system")
    assert key.startswith(token.prefix + ".")
    assert key not in token.key_hash and token.key_hash == ApiToken.digest(key)
    assert len(token.key_hash) == 64
    assert token.expires_at is not None and token.expires_at > timezone.now() + timedelta(days=89)
    assert api_token_for_key(key) == token
    assert api_token_for_key(key + "x") is None
    assert api_token_for_key("garbage") is None


def test_credentials_are_issued_only_to_partner_users_with_an_organisation(hub_user, partner_user):
    with pytest.raises(ValidationError):
        api_token_issue(user=hub_user)
    with pytest.raises(ValidationError):
        api_token_issue(user=partner_user)  # no organisation yet


def test_a_membership_must_belong_to_a_partner_user(hub_user):
    membership = PartnerMembershipFactory.build(user=hub_user, organisation=OrganisationFactory())
    with pytest.raises(ValidationError) as exc:
        membership.full_clean()
    assert "user" in exc.value.message_dict


def test_a_partner_calls_the_api_with_a_token_and_sees_who_they_are(partner_user):
    organisation = OrganisationFactory(name="Camden MASH", borough_codes=["camden"])
    client = api_client_for(partner_user, organisation=organisation)
    response = client.get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == partner_user.username
    assert body["organisation"]["name"] == "Camden MASH"
    assert body["organisation"]["boroughs"] == ["camden"]
    assert body["token"]["prefix"] == client.token.prefix
    assert body["token"]["status"] == "active"
    assert body["token"]["expires_at"] is not None
    assert body["hosp_contacts"] == [{"borough": "camden", "borough_name": "Camden", "hosp_area": "North West London",
                                      "hosp_name": None, "hosp_email": None}]


def test_every_accepted_token_use_is_audited_and_marks_last_use(partner_user):
    client = api_client_for(partner_user)
    client.get(ME)
    client.get(ME)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN, actor=partner_user)
    assert events.count() == 2
    assert events.first().object_id == str(client.token.pk)
    assert events.first().path == ME
    client.token.refresh_from_db()
    assert client.token.last_used_at is not None


def test_a_revoked_token_answers_401_saying_so_and_is_audited(partner_user, admin_user):
    client = api_client_for(partner_user)
    assert api_token_revoke(token=client.token, by=admin_user) is True
    assert api_token_revoke(token=client.token, by=admin_user) is False
    response = client.get(ME)
    assert response.status_code == 401
    assert "revoked" in response.json()["errors"][0]["detail"]
    assert response["WWW-Authenticate"] == "Token"
    event = AuditEvent.objects.get(action=AuditEvent.Action.API_TOKEN_REJECTED)
    assert event.detail == {**event.detail, "reason": "revoked", "prefix": client.token.prefix}
    assert event.actor == partner_user


def test_an_expired_token_answers_401_saying_when_it_expired(partner_user):
    client = api_client_for(partner_user)
    ApiToken.objects.filter(pk=client.token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(ME)
    assert response.status_code == 401
    assert "expired" in response.json()["errors"][0]["detail"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN_REJECTED, detail__reason="expired").exists()


@pytest.mark.parametrize("header", ["Token nosuchkey", "Token abcd1234.wrongsecret", "Token a b", "Token"])
def test_unknown_or_malformed_tokens_answer_401_and_are_audited(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert response.status_code == 401
    assert AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN_REJECTED).count() == 1


def test_no_credentials_answers_401_not_a_redirect():
    response = APIClient().get(ME)
    assert response.status_code == 401


def test_a_token_of_a_disabled_account_is_refused(partner_user):
    client = api_client_for(partner_user)
    partner_user.is_active = False
    partner_user.save()
    assert client.get(ME).status_code == 401


def test_rotation_revokes_the_old_key_and_the_new_one_works(partner_user, admin_user):
    client = api_client_for(partner_user)
    old = client.token
    new, key = api_token_rotate(token=old, by=admin_user)
    old.refresh_from_db()
    assert old.is_revoked and new.replaces == old and new.user == partner_user
    assert client.get(ME).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(ME).status_code == 200
    with pytest.raises(ValidationError):
        api_token_rotate(token=old, by=admin_user)


def test_staff_session_users_cannot_use_the_partner_me_endpoint(hub_user):
    client = APIClient()
    client.force_login(hub_user)
    # The API takes partner tokens only: a staff browser session is no credential there.
    assert client.get(ME).status_code == 401


def test_organisation_for_gives_a_partners_organisation_and_none_for_staff(partner_user, hub_user):
    assert organisation_for(partner_user) is None
    membership = PartnerMembershipFactory(user=partner_user)
    partner_user = type(partner_user).objects.get(pk=partner_user.pk)
    assert organisation_for(partner_user) == membership.organisation
    assert organisation_for(hub_user) is None


def test_a_partner_sees_only_its_own_organisation_and_others_answer_404_audited(partner_user):
    own = OrganisationFactory()
    other = OrganisationFactory()
    client = api_client_for(partner_user, organisation=own)
    listing = client.get("/api/v1/partners/organisations/").json()
    assert [o["id"] for o in listing["results"]] == [own.pk]
    assert client.get(f"/api/v1/partners/organisations/{own.pk}/").status_code == 200
    response = client.get(f"/api/v1/partners/organisations/{other.pk}/")
    assert response.status_code == 404
    denied = AuditEvent.objects.get(action=AuditEvent.Action.DENIED)
    assert denied.actor == partner_user and denied.object_id == str(other.pk)
    assert client.get("/api/v1/partners/organisations/999999/").status_code == 404


@override_settings(REST_FRAMEWORK={
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["partners.throttling.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": "3/minute"},
})
def test_requests_are_throttled_per_credential(partner_user):
    first = api_client_for(partner_user)
    second_user_client = api_client_for(ApiTokenFactory().user)
    assert [first.get(ME).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second_user_client.get(ME).status_code == 200


def test_the_openapi_schema_documents_token_authentication(admin_user):
    client = APIClient()
    client.force_login(admin_user)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    scheme = schema["components"]["securitySchemes"]["partnerApiToken"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    assert "/api/v1/partners/me/" in schema["paths"]


def test_token_authentication_comes_first_and_every_api_call_is_throttled_per_token(settings):
    rest = settings.REST_FRAMEWORK
    assert rest["DEFAULT_AUTHENTICATION_CLASSES"][0] == "partners.authentication.ApiTokenAuthentication"
    assert "partners.throttling.ApiTokenRateThrottle" in rest["DEFAULT_THROTTLE_CLASSES"]
    assert "api_token" in rest["DEFAULT_THROTTLE_RATES"]


def test_a_token_whose_user_is_no_longer_a_partner_is_refused(partner_user):
    client = api_client_for(partner_user)
    partner_user.role = "hub"
    partner_user.save()
    response = client.get(ME)
    assert response.status_code == 401 and "partner agency users only" in response.json()["errors"][0]["detail"]


def test_me_names_the_hosp_of_each_of_the_organisations_boroughs(partner_user):
    from tests.partners.factories import hosp_area
    from tests.probation.factories import HospUserFactory

    area = hosp_area("North East London")
    area.hosp = HospUserFactory(first_name="Kwame", last_name="Asante", email="kwame@probation-ops.example")
    area.save()
    client = api_client_for(partner_user, organisation=OrganisationFactory(borough_codes=["hackney", "camden"]))
    contacts = {c["borough"]: c for c in client.get(ME).json()["hosp_contacts"]}
    assert contacts["hackney"]["hosp_name"] == "Kwame Asante"
    assert contacts["hackney"]["hosp_email"] == "kwame@probation-ops.example"
    assert contacts["camden"]["hosp_name"] is None


# --- A lean request path (issue #12) and refused credentials (issue #10) -------------------------------------------


def test_random_keys_from_one_address_are_throttled_before_anything_is_written(settings):
    from partners.models import ApiRejection

    import time

    settings.API_REJECTIONS_PER_MINUTE = 20
    if time.time() % 60 > 45:  # the counts are per minute: start the burst inside one
        time.sleep(61 - time.time() % 60)
    client = APIClient()
    statuses = []
    for n in range(300):
        client.credentials(HTTP_AUTHORIZATION=f"Token {n:08x}.random-secret-{n}")
        statuses.append(client.get(ME).status_code)
    assert statuses.count(401) == 20 and statuses.count(429) == 280
    tally = ApiRejection.objects.get()
    assert (tally.ip_address, tally.count, tally.last_reason) == ("127.0.0.1", 20, "unknown")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN_REJECTED).count() == 1
    assert AuditEvent.objects.count() == 1


def test_a_good_key_writes_one_audit_row_a_call_and_stamps_its_use_at_most_once_a_minute(partner_user):
    client = api_client_for(partner_user)
    client.get(ME)
    token = ApiToken.objects.get(pk=client.token.pk)
    first_use = token.last_used_at
    assert first_use is not None
    for _ in range(3):
        client.get(ME)
    assert AuditEvent.objects.filter(actor=partner_user).count() == 4
    assert AuditEvent.objects.filter(actor=partner_user, action=AuditEvent.Action.API_TOKEN).count() == 4
    token.refresh_from_db()
    assert token.last_used_at == first_use  # within the minute: not written again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    from django.core.cache import cache

    cache.clear()
    client.get(ME)
    token.refresh_from_db()
    assert token.last_used_at > first_use


def test_revocation_is_honoured_at_once_while_the_credential_is_cached(partner_user, admin_user):
    client = api_client_for(partner_user)
    assert client.get(ME).status_code == 200  # now cached
    api_token_revoke(token=ApiToken.objects.get(pk=client.token.pk), by=admin_user)
    assert client.get(ME).status_code == 401


def test_disabling_the_user_is_honoured_at_once_while_the_credential_is_cached(partner_user):
    client = api_client_for(partner_user)
    assert client.get(ME).status_code == 200
    partner_user.is_active = False
    partner_user.save()
    assert client.get(ME).status_code == 401


def test_revocation_in_admin_is_honoured_at_once(partner_user, admin_client):
    client = api_client_for(partner_user)
    assert client.get(ME).status_code == 200
    token = ApiToken.objects.get(pk=client.token.pk)
    token.revoked_at = timezone.now()
    token.save()
    assert client.get(ME).status_code == 401


THROTTLED_BY_3 = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["partners.throttling.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": "3/minute"},
}


@pytest.fixture
def redis_cache(settings, redis_rate_limits):
    """The production cache set-up: Django's cache and the rate-limit counters on Redis (CACHE_URL)."""
    settings.CACHES = {"default": {"BACKEND": "probation.cache.RedisCache", "LOCATION": redis_rate_limits}}
    settings.API_TOKEN_CACHE_SECONDS = 60


@override_settings(REST_FRAMEWORK=THROTTLED_BY_3)
def test_with_redis_the_credential_and_its_throttle_hit_are_one_round_trip(partner_user, redis_cache, monkeypatch):
    from redis.connection import Connection

    client = api_client_for(partner_user)
    assert client.get(ME).status_code == 200  # loads the credential into the cache and connects
    sends = []
    original = Connection.send_packed_command

    def counting(self, command, *args, **kwargs):
        sends.append(command)
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(Connection, "send_packed_command", counting)
    assert client.get(ME).status_code == 200
    assert len(sends) == 1  # GET of the credential, INCR and EXPIRE of its counter, together
    assert [client.get(ME).status_code for _ in range(2)] == [200, 429]  # 3 a minute, counted once a call


@override_settings(REST_FRAMEWORK=THROTTLED_BY_3)
def test_with_redis_a_refused_secret_uses_none_of_the_credentials_allowance(partner_user, redis_cache):
    client = api_client_for(partner_user)
    assert client.get(ME).status_code == 200  # cached from here on
    prefix = client.token.prefix
    forger = APIClient()
    forger.credentials(HTTP_AUTHORIZATION=f"Token {prefix}.not-the-secret")
    assert [forger.get(ME).status_code for _ in range(3)] == [401, 401, 401]
    assert [client.get(ME).status_code for _ in range(3)] == [200, 200, 429]
