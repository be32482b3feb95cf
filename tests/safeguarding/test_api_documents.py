"""The partner API's JSON made by PostgreSQL (safeguarding.api.rows.with_documents) is the representation that
rows.render() defines, for every kind of request: answered or not, withdrawn, with rating changes, aliases,
concerned people with and without dates of birth, winter and summer times, with and without fractions of a second."""

import json
from datetime import UTC, date, datetime

import pytest
from django.db import connection

from safeguarding.api import rows
from safeguarding.models import ConcernedPerson, RatingChange, SafeguardingRequest
from safeguarding.services import request_respond
from tests.partners.factories import PartnerMembershipFactory, api_client_for
from tests.safeguarding.factories import mash_request
from tests.safeguarding.test_triage_and_response import ANSWER

pytestmark = pytest.mark.django_db
URL = "/api/v1/safeguarding/requests/"


def reference_representation(pk) -> dict:
    instance = SafeguardingRequest.objects.select_related("organisation", "borough", "response").prefetch_related(
        "concerned", "rating_changes").get(pk=pk)
    # Through JSON, as DRF would send it: dates and times become their ISO text.
    return json.loads(json.dumps(rows.render(rows.row_from_instance(instance))))


def database_representation(pk) -> dict:
    row = rows.with_documents(SafeguardingRequest.objects.filter(pk=pk)).get()
    return json.loads(rows.documents([row])[0])


@pytest.fixture
def varied_requests(hub_user):
    membership = PartnerMembershipFactory()
    organisation = membership.organisation
    plain = mash_request(organisation=organisation, received_at=datetime(2026, 1, 15, 9, 30, tzinfo=UTC))
    summer = mash_request(organisation=organisation, received_at=datetime(2026, 7, 1, 23, 30, 5, 120000, tzinfo=UTC),
                          concerned=[])
    # Written directly: text the forms would tidy, to hold the database's escaping and trimming to Python's.
    SafeguardingRequest.objects.filter(pk=summer.pk).update(
        subject_aliases=" Danny Oak ,, D. Okafor,\t ", subject_pnc="2001/0012345A",
        subject_address='Flat 3, 12 Hillside Road "rear"\nLondon', reason="Ünïcode — ‘quotes’ \\ and a tab\t",
    )
    ConcernedPerson.objects.create(request=summer, age_group="child", name="Amara Lewis", date_of_birth=date(2017, 6, 1),
                                   relationship="Partner's daughter")
    ConcernedPerson.objects.create(request=summer, age_group="adult", name="Jo Lewis", date_of_birth=None, relationship="")
    RatingChange.objects.create(request=summer, from_rating="amber", to_rating="red", rationale="New information",
                                changed_by=hub_user, changed_at=datetime(2026, 7, 2, 8, 0, tzinfo=UTC))
    RatingChange.objects.create(request=summer, from_rating="red", to_rating="amber", rationale="Checked",
                                changed_by=hub_user, changed_at=datetime(2026, 7, 2, 8, 0, 0, 1, tzinfo=UTC))
    answered = mash_request(organisation=organisation)
    request_respond(request=answered, by=hub_user, **ANSWER)
    withdrawn = mash_request(organisation=organisation)
    SafeguardingRequest.objects.filter(pk=withdrawn.pk).update(  # the night the clocks go forward
        withdrawn_at=datetime(2026, 3, 29, 1, 0, tzinfo=UTC), withdrawn_by=membership.user)
    return membership, [plain, summer, answered, withdrawn]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database renders on PostgreSQL only")
def test_the_database_text_equals_the_python_representation_for_every_kind_of_request(varied_requests):
    _, requests = varied_requests
    for request in requests:
        assert database_representation(request.pk) == reference_representation(request.pk), request.reference


def test_on_other_databases_the_same_is_rendered_from_model_instances(varied_requests):
    _, requests = varied_requests
    texts = rows.documents_in_python([r.pk for r in requests])
    for request in requests:
        assert json.loads(texts[request.pk]) == reference_representation(request.pk)


def test_documents_keep_the_order_of_the_rows_asked_for(varied_requests):
    _, requests = varied_requests
    found = list(rows.with_documents(SafeguardingRequest.objects.filter(pk__in=[r.pk for r in requests]))
                 .order_by("-pk"))
    assert [json.loads(text)["reference"] for text in rows.documents(found)] == [row["reference"] for row in found]


def test_the_list_and_a_read_answer_with_the_same_representation(varied_requests):
    membership, requests = varied_requests
    api = api_client_for(membership.user)
    listed = {r["reference"]: r for r in api.get(URL).json()["results"]}
    assert set(listed) == {r.reference for r in requests}
    for request in requests:
        read = api.get(f"{URL}{request.reference}/")
        assert read.status_code == 200
        assert read["Content-Type"] == "application/json"
        assert read.json() == listed[request.reference] == reference_representation(request.pk)


def test_a_request_is_found_by_reference_only_within_its_organisation(varied_requests):
    membership, requests = varied_requests
    request = requests[1]
    found = rows.document_by_reference(membership.organisation.pk, request.reference)
    assert found["pk"] == request.pk and json.loads(found["document"]) == reference_representation(request.pk)
    assert rows.document_by_reference(PartnerMembershipFactory().organisation.pk, request.reference) is None
    assert rows.document_by_reference(membership.organisation.pk, "MASH-1999-000001") is None
