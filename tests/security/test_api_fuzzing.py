"""Property-based fuzzing of the whole partner API from its own OpenAPI schema (schemathesis), in-process over
WSGI, with a real partner credential: no response is a 500, and every response matches the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from probation.wsgi import application
from tests.partners.factories import PartnerMembershipFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
_current_token = {"key": None}


@schema.auth(refresh_interval=None)
class PartnerToken:
    """Schemathesis applies the credential itself, so it knows which requests are meant to be unauthenticated."""

    def get(self, case, context):
        return _current_token["key"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Token {data}"


def _valid_email(value) -> bool:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(value)
    except (ValidationError, TypeError):
        return False
    return isinstance(value, str)


@pytest.fixture
def in_process_wsgi():
    """Calls go straight to Django's WSGI handler, which closes the database connection after each request; inside
    a test transaction that must not happen (Django's own test client disconnects the same handlers)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def partner_token(db, in_process_wsgi):
    from partners.services import api_token_issue

    membership = PartnerMembershipFactory(can_track_iom=True)
    _, key = api_token_issue(user=membership.user)
    _current_token["key"] = key
    yield key
    _current_token["key"] = None


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_never_errors_and_always_matches_its_schema(case, partner_token):
    # Every default check but "schema-valid data is accepted": the schema cannot express business rules (a due date
    # after reception, a borough your organisation covers), and refusing such input with a 400 is right.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


def test_stateful_links_submit_then_read_withdraw_and_add_information(partner_token):
    """Schemathesis follows the schema's OpenAPI links: it submits requests, then reads, withdraws and adds information
    to the references the submits returned; every step must answer within the schema and never 500."""
    steps = []

    class PartnerWorkflow(schema.as_state_machine()):
        def before_call(self, case):
            # The one rule the schema cannot say: responses are emailed only to the organisation's own domains. Only a
            # valid address is swapped for one on the partner's domain; a deliberately invalid one (an empty string,
            # a number, no "@") is left for the API to refuse.
            requester = case.body.get("requester") if case.method == "POST" and isinstance(case.body, dict) else None
            if isinstance(requester, dict) and _valid_email(requester.get("email")):
                requester["email"] = "fuzz@partner.example"

        def after_call(self, response, case):
            steps.append((case.method, case.operation.path, response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

    PartnerWorkflow.run(settings=settings(
        max_examples=40, stateful_step_count=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
    ))
    base = "/api/v1/safeguarding/requests/"
    followed = {(method, path) for method, path, status in steps if status < 300}
    assert ("POST", base) in followed, sorted(set(steps))
    assert ("GET", base + "{reference}/") in followed
    assert {("POST", base + "{reference}/withdraw/"), ("POST", base + "{reference}/information/")} & followed
