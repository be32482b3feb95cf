from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from probation.models import AuditEvent
from safeguarding.models import SafeguardingRequest
from safeguarding.services import request_respond
from tests.partners.factories import OrganisationFactory, PartnerMembershipFactory, api_client_for
from tests.safeguarding.factories import mash_request
from tests.safeguarding.test_triage_and_response import ANSWER

pytestmark = pytest.mark.django_db


def error_attrs(response) -> set:
    body = response.json()
    assert set(body) == {"type", "errors"}
    return {error["attr"] for error in body["errors"]}

URL = "/api/v1/safeguarding/requests/"

BODY = {
    "subject": {"first_name": "Daniel", "last_name": "Okafor", "aliases": ["Danny Oak"], "date_of_birth": "1988-03-14",
                "address": "12 Hillside Road, London NW5 1AA"},
    "concerned": [{"age_group": "child", "name": "Amara Lewis", "date_of_birth": "2017-06-01", "relationship": "Partner's daughter"}],
    "reason": "Section 47 enquiry",
    "rating": "red",
    "requester": {"name": "Sam Worker", "email": "sam@camden-mash.example", "phone": "020 7946 0000"},
}


@pytest.fixture
def membership():
    return PartnerMembershipFactory()


@pytest.fixture
def api(membership):
    """The partner's own system, calling with a real `Authorization: Token <key>` header."""
    return api_client_for(membership.user)


def test_a_partner_submits_and_gets_a_reference_that_is_already_stored(api, membership):
    response = api.post(URL, BODY, format="json")
    assert response.status_code == 201, response.data
    reference = response.data["reference"]
    stored = SafeguardingRequest.objects.get(reference=reference)
    assert stored.organisation == membership.organisation
    assert stored.received_by == membership.user
    assert response.data["state"] == "received"
    assert response.data["due_at"] is not None
    assert response.data["concerned"][0]["name"] == "Amara Lewis"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"subject": {"last_name": "Okafor"}}, "subject.first_name"),
        ({"subject": {**BODY["subject"], "date_of_birth": "2999-01-01"}}, "subject.date_of_birth"),
        ({"rating": "purple"}, "rating"),
        ({"requester": {"name": "x", "email": "not-an-email"}}, "requester.email"),
        ({"concerned": [BODY["concerned"][0], {**BODY["concerned"][0], "date_of_birth": "2999-01-01"}]},
         "concerned[1].date_of_birth"),
    ],
)
def test_bad_submissions_get_field_errors_and_store_nothing(api, change, field):
    response = api.post(URL, {**BODY, **change}, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert field in error_attrs(response)
    assert not SafeguardingRequest.objects.exists()


def test_a_partner_cannot_submit_on_another_organisations_behalf(api, membership):
    other = OrganisationFactory()
    response = api.post(URL, {**BODY, "organisation": other.pk}, format="json")
    assert response.status_code == 400
    assert error_attrs(response) == {"organisation"}
    assert not SafeguardingRequest.objects.exists()
    assert api.post(URL, {**BODY, "organisation": membership.organisation.pk}, format="json").status_code == 201


def test_a_partner_lists_only_its_own_requests_with_filters(api, membership, hub_user):
    mine_open = mash_request(organisation=membership.organisation)
    mine_answered = mash_request(organisation=membership.organisation)
    request_respond(request=mine_answered, by=hub_user, **ANSWER)
    mash_request()  # another organisation's
    response = api.get(URL)
    assert response.status_code == 200
    assert {r["reference"] for r in response.data["results"]} == {mine_open.reference, mine_answered.reference}
    answered = api.get(URL, {"state": "responded"}).data["results"]
    assert [r["reference"] for r in answered] == [mine_answered.reference]
    assert answered[0]["response"]["professional_view"] == ANSWER["professional_view"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert api.get(URL, {"received_after": tomorrow}).data["results"] == []
    assert api.get(URL, {"state": "nonsense"}).status_code == 400
    assert AuditEvent.objects.filter(actor=membership.user, action="view", path__startswith=URL).count() >= 3


def test_another_organisations_request_is_not_found_and_the_attempt_audited(api):
    theirs = mash_request()
    assert api.get(f"{URL}{theirs.reference}/").status_code == 404
    assert api.post(f"{URL}{theirs.reference}/withdraw/", {}, format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.withdrawn_at is None
    assert AuditEvent.objects.filter(action="denied").count() == 2


def test_reading_one_request_is_audited_and_shows_the_response(api, membership, hub_user):
    request = mash_request(organisation=membership.organisation)
    request_respond(request=request, by=hub_user, **ANSWER)
    response = api.get(f"{URL}{request.reference}/")
    assert response.status_code == 200
    assert response.data["response"]["risk_level"] == "medium"
    assert AuditEvent.objects.filter(action="view", object_id=str(request.pk), actor=membership.user).exists()


def test_a_partner_withdraws_once_and_an_answered_request_cannot_be_withdrawn(api, membership, hub_user):
    request = mash_request(organisation=membership.organisation)
    response = api.post(f"{URL}{request.reference}/withdraw/", {"reason": "Moved away"}, format="json")
    assert response.status_code == 200 and response.data["state"] == "withdrawn"
    assert api.post(f"{URL}{request.reference}/withdraw/", {}, format="json").status_code == 400
    answered = mash_request(organisation=membership.organisation)
    request_respond(request=answered, by=hub_user, **ANSWER)
    assert api.post(f"{URL}{answered.reference}/withdraw/", {}, format="json").status_code == 400


def test_staff_and_partners_without_an_organisation_cannot_use_the_partner_api(hub_user, partner_user):
    for user in (hub_user, partner_user):
        client = APIClient()
        client.force_authenticate(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, BODY, format="json").status_code == 403
    assert APIClient().get(URL).status_code == 401
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert bad_token.get(URL).status_code == 401


def _seed(organisation, hub_user, count):
    for i in range(count):
        request = mash_request(organisation=organisation)
        if i % 3 == 0:
            request_respond(request=request, by=hub_user, **ANSWER)


def _queries(call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = call()
    # The test runs inside a transaction, so the view's own transaction shows as SAVEPOINT/RELEASE: in production
    # those are its BEGIN and COMMIT, which are not statements the budget counts.
    return response, len([q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))])


def test_the_list_costs_at_most_four_queries_at_any_size(api, membership, hub_user):
    api.get(URL)  # the credential is cached and its use stamped by the first call, as in steady use
    counts = []
    for extra in (3, 27):
        _seed(membership.organisation, hub_user, extra)
        response, count = _queries(lambda: api.get(URL))
        assert response.status_code == 200
        counts.append(count)
    assert len(response.data["results"]) == 30
    assert counts[0] == counts[1] <= 4


def test_a_read_costs_at_most_three_queries_and_a_submit_at_most_six(api, membership, hub_user):
    api.get(URL)
    request = mash_request(organisation=membership.organisation)
    request_respond(request=request, by=hub_user, **ANSWER)
    response, count = _queries(lambda: api.get(f"{URL}{request.reference}/"))
    assert response.status_code == 200 and count <= 3
    api.post(URL, BODY, format="json")  # deadline tiers, calendar and boroughs cached, as in steady use
    response, count = _queries(lambda: api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="budget-1"))
    # The reference, the new id and the Idempotency-Key in one statement; the request, its concerned person, its
    # event, the deadline engine's upsert of its reminder and breach deadlines, and the audit row.
    assert response.status_code == 201 and count <= 6, count


def test_the_openapi_schema_validates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


@pytest.mark.django_db(transaction=True)
@pytest.mark.django_db(transaction=True)
def test_an_acknowledged_reference_is_already_committed():
    """Another connection (as another worker would) sees the request as soon as the 201 is returned."""
    import threading

    from django.db import connection

    membership = PartnerMembershipFactory()
    response = api_client_for(membership.user).post(URL, BODY, format="json")
    assert response.status_code == 201
    seen = []

    def look():
        try:
            seen.append(SafeguardingRequest.objects.filter(reference=response.data["reference"]).exists())
        finally:
            connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    assert seen == [True]


def test_an_administrator_edits_a_partner_mashs_deadline_tier_in_admin(client, admin_user):
    from safeguarding.models import DeadlineTier

    organisation = OrganisationFactory(name="Merton MASH")
    client.force_login(admin_user)
    response = client.post("/admin/safeguarding/deadlinetier/add/", {
        "organisation": organisation.pk, "rating": "red", "hours": "2", "clock": "elapsed",
        "reminder_percent": "75", "repeat_every_hours": "24",
    })
    assert response.status_code == 302, response.content[:2000]
    tier = DeadlineTier.objects.get(organisation=organisation, rating="red")
    received = timezone.now() - timedelta(minutes=1)
    assert mash_request(organisation=organisation, rating="red", received_at=received).due_at == received + timedelta(hours=2)
    assert AuditEvent.objects.filter(object_type="safeguarding.deadlinetier", object_id=str(tier.pk), action="create").exists()



def test_a_submit_reads_boroughs_tiers_and_calendar_in_one_cache_read_that_also_marks_the_queue_counts_stale(
        api, membership, monkeypatch):
    """One round trip with Redis (probation.cache.RedisCache.get_many_and_bump): every borough, the partner's
    boroughs, the deadline tiers and the working calendar, with the hub queue's count version bumped in it."""
    from django.core.cache import caches

    from partners.selectors import BOROUGHS_CACHE_KEY
    from probation.calendar import CACHE_KEY as CALENDAR_KEY
    from safeguarding import selectors
    from safeguarding.services import TIERS_CACHE_KEY

    backend = caches["default"]
    api.post(URL, {**BODY, "borough": "camden"}, format="json")  # reference data cached, as in steady use
    selectors.queue_counts()  # a count version to bump
    version = backend.get(selectors.QUEUE_VERSION_KEY)
    single, many, inside = [], [], []
    real_get, real_get_many = backend.get, backend.get_many

    def get(key, *args, **kwargs):
        if not inside:  # the memory cache's get_many calls get for each key
            single.append(key)
        return real_get(key, *args, **kwargs)

    def get_many(keys, *args, **kwargs):
        many.append(list(keys))
        inside.append(True)
        try:
            return real_get_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(backend, "get", get)
    monkeypatch.setattr(backend, "get_many", get_many)

    response = api.post(URL, {**BODY, "borough": "camden"}, format="json")

    assert response.status_code in (201, 400), response.data  # the borough is checked from the same read either way
    reference_keys = {BOROUGHS_CACHE_KEY, TIERS_CACHE_KEY, CALENDAR_KEY}
    assert not reference_keys & set(single) and not [k for k in single if k.startswith("partners:organisation-boroughs")]
    assert len(many) == 1 and reference_keys < set(many[0])
    assert backend.get(selectors.QUEUE_VERSION_KEY) > version
