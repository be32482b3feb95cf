import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from probation.models import AuditEvent
from resettlement.models import PlanAction
from tests.partners.factories import api_client_for
from tests.resettlement.factories import partner_action, partner_member, staff_action, supply_chain_partner

pytestmark = pytest.mark.django_db

URL = "/api/v1/resettlement/actions/"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def org():
    return supply_chain_partner("Novus")


@pytest.fixture
def api(org):
    """A partner's system calling with its real token: `Authorization: Token <key>`."""
    return api_client_for(partner_member(org))


def test_a_partner_lists_only_their_organisations_actions(api, org):
    mine = partner_action(organisation=org)
    partner_action()
    staff_action()
    response = api.get(URL)
    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [mine.pk]
    row = response.data["results"][0]
    assert row["person"]["crn"] == mine.plan.episode.person.crn
    assert row["status"] == "not_started" and row["pathway"] == "accommodation"
    assert AuditEvent.objects.filter(action="view", object_type="resettlement.planaction", object_id=str(mine.pk)).exists()


def test_another_organisations_action_is_404_and_the_attempt_is_audited(api):
    other = partner_action()
    assert api.get(f"{URL}{other.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="denied", object_type="resettlement.planaction",
                                     object_id=str(other.pk)).exists()
    assert api.patch(f"{URL}{other.pk}/", {"status": "done", "outcome": "x"}).status_code == 404
    crc = staff_action()
    assert api.patch(f"{URL}{crc.pk}/", {"status": "done", "outcome": "x"}).status_code == 404
    assert PlanAction.objects.filter(status="done").count() == 0


def test_a_partner_reads_and_updates_an_action(api, org):
    action = partner_action(organisation=org)
    assert api.get(f"{URL}{action.pk}/").status_code == 200
    response = api.patch(f"{URL}{action.pk}/", {"status": "in_progress"})
    assert response.status_code == 200 and response.data["status"] == "in_progress"
    response = api.patch(f"{URL}{action.pk}/", {"status": "done", "outcome": "Enrolled on a CSCS course"})
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.status == "done" and action.outcome == "Enrolled on a CSCS course"
    assert AuditEvent.objects.filter(action="update", object_id=str(action.pk)).count() == 2


@pytest.mark.parametrize("payload, field", [
    ({"status": "cancelled"}, "status"),  # staff only
    ({"status": "done"}, "outcome"),  # outcome required
    ({"status": "finished"}, "status"),  # not a status
    ({}, "status"),
])
def test_bad_updates_are_400_with_field_errors_and_change_nothing(api, org, payload, field):
    action = partner_action(organisation=org)
    response = api.patch(f"{URL}{action.pk}/", payload, format="json")
    assert response.status_code == 400
    assert field in {e["attr"] for e in response.json()["errors"]}
    action.refresh_from_db()
    assert action.status == "not_started"


def test_an_invalid_transition_is_400(api, org):
    action = partner_action(organisation=org)
    api.patch(f"{URL}{action.pk}/", {"status": "not_achieved", "outcome": "Declined"})
    response = api.patch(f"{URL}{action.pk}/", {"status": "in_progress"})
    assert response.status_code == 400 and "status" in {e["attr"] for e in response.json()["errors"]}


def test_put_and_delete_are_not_allowed(api, org):
    action = partner_action(organisation=org)
    assert api.put(f"{URL}{action.pk}/", {"status": "done", "outcome": "x"}).status_code == 405
    assert api.delete(f"{URL}{action.pk}/").status_code == 405


def test_staff_and_anonymous_callers_cannot_use_the_partner_endpoint(offender_manager):
    partner_action()
    assert APIClient().get(URL).status_code in (401, 403)
    assert client_for(offender_manager).get(URL).status_code == 403


def test_a_bad_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token abcdefgh.not-a-real-key")
    assert client.get(URL).status_code == 401


def test_a_non_numeric_id_is_404_not_500(api):
    assert api.get(f"{URL}abc/").status_code == 404


def test_a_partner_with_no_organisation_sees_nothing(partner_user):
    partner_action()
    response = client_for(partner_user).get(URL)
    assert response.status_code == 200 and response.data["results"] == []


def test_the_actions_api_is_in_the_openapi_schema_without_warnings(tmp_path, capsys):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), "--validate", "--fail-on-warn")
    schema = out.read_text()
    assert "/api/v1/resettlement/actions/" in schema
    assert "/api/v1/resettlement/actions/{id}/" in schema
    assert "patch:" in schema


def test_the_list_uses_a_constant_number_of_queries(api, org, django_assert_max_num_queries):
    for _ in range(2):
        partner_action(organisation=org)
    with django_assert_max_num_queries(15) as small:
        assert api.get(URL).status_code == 200
    for _ in range(12):
        partner_action(organisation=org)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = api.get(URL)
    assert response.data["count"] == 14
