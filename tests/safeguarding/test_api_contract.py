"""The partner API's contract (issue #13): one error shape, unknown fields refused, idempotent submits, polling for
changes with keyset pages, reads showing the rating changes, adding information, refusals on the timeline, limits."""

import json
import logging
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from probation.models import AuditEvent, Notification
from safeguarding.models import IdempotencyKey, RequestEvent, RequestNote, SafeguardingRequest
from safeguarding.services import request_assign, request_change_rating, request_respond, request_withdraw
from tests.partners.factories import PartnerMembershipFactory, api_client_for
from tests.probation.factories import OffenderManagerFactory
from tests.safeguarding.factories import mash_request
from tests.safeguarding.test_api import BODY, URL, error_attrs
from tests.safeguarding.test_triage_and_response import ANSWER

pytestmark = pytest.mark.django_db


@pytest.fixture
def membership():
    return PartnerMembershipFactory()


@pytest.fixture
def api(membership):
    return api_client_for(membership.user)


# --- One error format ----------------------------------------------------------------------------------------------


def _shape(response, status, code=None):
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"type", "errors"}
    assert body["type"] in {"validation_error", "client_error", "server_error"}
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}
    if code is not None:
        assert code in {e["code"] for e in body["errors"]}
    return body


def test_every_error_status_has_the_same_shape_with_a_machine_readable_code(api, settings):
    from rest_framework.test import APIClient

    _shape(api.post(URL, {**BODY, "rating": "purple"}, format="json"), 400, "invalid_choice")
    _shape(APIClient().get(URL), 401, "not_authenticated")
    _shape(api.get(f"{URL}MASH-2000-999999/"), 404, "not_found")
    _shape(api.get("/api/v1/no-such-route/"), 404, "not_found")
    _shape(api.post(URL, data="reason=x", content_type="application/x-www-form-urlencoded"), 415, "unsupported_media_type")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = _shape(api.post(URL, data=json.dumps({**BODY, "reason": "x" * 2000}), content_type="application/json"), 413,
                  "request_too_large")
    assert "1000 bytes" in body["errors"][0]["detail"]


def test_a_forbidden_call_has_the_same_shape(hub_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(hub_user)
    _shape(client.get(URL), 403, "permission_denied")


def test_a_throttled_call_has_the_same_shape_and_is_not_recorded_as_a_use(membership, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_token": "2/minute"}}
    api = api_client_for(membership.user)
    assert [api.get(URL).status_code for _ in range(2)] == [200, 200]
    before = AuditEvent.objects.count()
    from partners.models import ApiToken

    ApiToken.objects.filter(pk=api.token.pk).update(last_used_at=None)
    from django.core.cache import cache

    cache.delete(f"partners:apitoken:{api.token.prefix}")
    response = api.get(URL)
    _shape(response, 429, "throttled")
    assert response["Retry-After"]
    assert AuditEvent.objects.count() == before
    assert ApiToken.objects.get(pk=api.token.pk).last_used_at is None


def test_a_body_over_the_limit_is_logged_without_a_traceback(api, settings, caplog):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    with caplog.at_level(logging.WARNING):
        response = api.post(URL, data=json.dumps({**BODY, "reason": "x" * 5000}), content_type="application/json")
    assert response.status_code == 413
    assert not SafeguardingRequest.objects.exists()
    assert [r for r in caplog.records if "Too Large" in r.getMessage()]
    assert not [r for r in caplog.records if r.exc_info]


def test_nested_errors_name_the_item_path(api):
    response = api.post(URL, {**BODY, "concerned": [BODY["concerned"][0], {"age_group": "child", "name": "B",
                                                                           "date_of_birth": "2999-01-01"}]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "future_date", "detail": "Date of birth must be in the past.",
                                          "attr": "concerned[1].date_of_birth"}]


# --- Unknown fields and free-text limits ---------------------------------------------------------------------------


def test_an_unknown_field_is_refused_naming_it(api):
    response = api.post(URL, {**BODY, "ratting": "red"}, format="json")
    assert response.status_code == 400
    assert {(e["attr"], e["code"]) for e in response.json()["errors"]} == {("ratting", "unknown_field")}
    response = api.post(URL, {**BODY, "subject": {**BODY["subject"], "nickname": "Dan"}}, format="json")
    assert error_attrs(response) == {"subject.nickname"}
    assert not SafeguardingRequest.objects.exists()


@pytest.mark.parametrize("change, attr", [
    ({"reason": "x" * 4001}, "reason"),
    ({"subject": {**BODY["subject"], "address": "x" * 501}}, "subject.address"),
    ({"subject": {**BODY["subject"], "aliases": ["a" * 150, "b" * 150, "c" * 10]}}, "subject.aliases"),
])
def test_free_text_over_its_limit_is_refused(api, change, attr):
    response = api.post(URL, {**BODY, **change}, format="json")
    assert response.status_code == 400
    assert error_attrs(response) == {attr}
    assert not SafeguardingRequest.objects.exists()


def test_the_database_refuses_a_reason_over_the_limit_too(membership):
    from django.db import IntegrityError, transaction

    request = mash_request(organisation=membership.organisation)
    with pytest.raises(IntegrityError), transaction.atomic():
        SafeguardingRequest.objects.filter(pk=request.pk).update(reason="x" * 4001)


# --- Idempotent submits --------------------------------------------------------------------------------------------


def test_the_same_idempotency_key_and_body_returns_the_original_request(api):
    first = api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    again = api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == again.status_code == 201
    assert again.json()["reference"] == first.json()["reference"]
    assert again["Idempotent-Replayed"] == "true"
    assert SafeguardingRequest.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422(api):
    assert api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="abc-123").status_code == 201
    response = api.post(URL, {**BODY, "rating": "green"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    _shape(response, 422, "idempotency_key_reused")
    assert SafeguardingRequest.objects.count() == 1


def test_without_a_key_each_submit_makes_a_request_and_keys_are_per_organisation(api):
    assert api.post(URL, BODY, format="json").json()["reference"] != api.post(URL, BODY, format="json").json()["reference"]
    other = api_client_for(PartnerMembershipFactory().user)
    api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert other.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    assert SafeguardingRequest.objects.count() == 4


def test_keys_are_kept_at_least_a_day(api):
    from safeguarding.services import idempotency_keys_purge

    api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="kept")
    assert idempotency_keys_purge(now=timezone.now() + timedelta(hours=25)) == 0
    assert api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="kept").status_code == 201
    assert SafeguardingRequest.objects.count() == 1
    assert idempotency_keys_purge(now=timezone.now() + timedelta(days=8)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_with_one_key_make_one_request():
    from django.db import connection

    membership = PartnerMembershipFactory()
    token_client = api_client_for(membership.user)
    barrier = threading.Barrier(2)
    answers = []

    def submit():
        try:
            barrier.wait(timeout=10)
            answers.append(token_client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="race"))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [201, 201]
    assert len({a.json()["reference"] for a in answers}) == 1
    assert SafeguardingRequest.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


# --- Polling for answers -------------------------------------------------------------------------------------------


def test_keyset_pages_walk_every_request_once(api, membership):
    made = {mash_request(organisation=membership.organisation).reference for _ in range(5)}
    seen, url, pages = [], URL + "?page_size=2", 0
    while url:
        body = api.get(url).json()
        seen += [r["reference"] for r in body["results"]]
        url, pages = body["next"], pages + 1
    assert sorted(seen) == sorted(made) and pages == 3
    assert api.get(URL, {"cursor": "garbage"}).status_code == 400


def test_polling_updated_after_returns_each_answer_once_and_never_misses_one(api, membership, hub_user):
    first, second = (mash_request(organisation=membership.organisation) for _ in range(2))
    mark = timezone.now()
    assert api.get(URL, {"updated_after": mark.isoformat()}).json()["results"] == []
    request_respond(request=second, by=hub_user, **ANSWER)
    request_change_rating(request=first, rating="red", rationale="Police report of violence", by=hub_user)
    body = api.get(URL, {"updated_after": mark.isoformat(), "page_size": 1}).json()
    assert [r["reference"] for r in body["results"]] == [second.reference]
    assert body["results"][0]["response"]["professional_view"] == ANSWER["professional_view"]
    following = api.get(body["next"]).json()
    assert [r["reference"] for r in following["results"]] == [first.reference] and following["next"] is None
    last_seen = following["results"][-1]["updated_at"]
    assert api.get(URL, {"updated_after": last_seen}).json()["results"] == []


def test_a_read_shows_the_current_rating_and_why_the_hub_changed_it(api, membership, hub_user):
    request = mash_request(organisation=membership.organisation, rating="green")
    request_change_rating(request=request, rating="red", rationale="Police report of violence", by=hub_user)
    body = api.get(f"{URL}{request.reference.lower()}/").json()  # references are case-insensitive
    assert body["rating_proposed"] == "green" and body["rating"] == "red"
    assert [(c["from_rating"], c["to_rating"], c["rationale"]) for c in body["rating_changes"]] == [
        ("green", "red", "Police report of violence")]


# --- Adding information and refusals -------------------------------------------------------------------------------


def test_a_partner_adds_a_note_and_a_person_and_the_assignee_is_told(api, membership, hub_user):
    request = mash_request(organisation=membership.organisation)
    officer = OffenderManagerFactory()
    request_assign(request=request, assignee=officer, by=hub_user)
    response = api.post(f"{URL}{request.reference}/information/", {
        "note": "The mother has moved to Hackney.",
        "person": {"age_group": "child", "name": "Kofi Lewis", "date_of_birth": "2019-02-01", "relationship": "Son"},
    }, format="json")
    assert response.status_code == 201, response.json()
    assert "Kofi Lewis" in [c["name"] for c in response.json()["concerned"]]
    note = RequestNote.objects.get(request=request)
    assert note.text == "The mother has moved to Hackney." and note.concerned.name == "Kofi Lewis"
    assert RequestEvent.objects.filter(request=request, kind="information_added", by=membership.user).exists()
    assert Notification.objects.filter(recipient=officer, subject__contains="New information").exists()
    from tests.conftest import SignedInClient

    page = SignedInClient()
    page.force_login(officer)
    content = page.get(f"/safeguarding/{request.reference}/").content.decode()
    assert "The mother has moved to Hackney." in content and "Information added by the partner" in content


def test_adding_to_a_closed_request_is_refused_and_the_refusal_is_on_the_timeline(api, membership, hub_user):
    request = mash_request(organisation=membership.organisation)
    request_respond(request=request, by=hub_user, **ANSWER)
    response = api.post(f"{URL}{request.reference}/information/", {"note": "More"}, format="json")
    assert response.status_code == 400
    event = RequestEvent.objects.get(request=request, kind="refused")
    assert event.by == membership.user and event.detail == {"action": "add_information", "why": "answered"}
    assert api.post(f"{URL}{request.reference}/information/", {}, format="json").status_code == 400


def test_a_refused_withdrawal_is_recorded(api, membership, hub_user):
    request = mash_request(organisation=membership.organisation)
    request_withdraw(request=request, by=membership.user)
    assert api.post(f"{URL}{request.reference}/withdraw/", {}, format="json").status_code == 400
    assert RequestEvent.objects.filter(request=request, kind="refused", detail__action="withdraw").count() == 1


def test_a_submit_and_its_audit_row_are_one_transaction(api, monkeypatch):
    """If the audit row cannot be written, no request is stored either (and the partner gets the error shape)."""
    from probation import audit

    def refuse(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "_insert_event", refuse)
    api.raise_request_exception = False
    response = api.post(URL, BODY, format="json")
    assert response.status_code == 500
    assert response.json()["type"] == "server_error"
    assert not SafeguardingRequest.objects.exists()


def test_information_added_shows_when_polling(api, membership):
    request = mash_request(organisation=membership.organisation)
    mark = timezone.now()
    api.post(f"{URL}{request.reference}/information/", {"note": "New address"}, format="json")
    assert [r["reference"] for r in api.get(URL, {"updated_after": mark.isoformat()}).json()["results"]] == [request.reference]
